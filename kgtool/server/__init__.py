"""``kgtool serve``: a read-only SPARQL 1.1 endpoint, a JSON API and pages to read claims."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kgtool.server.app import create_app as create_app


def __getattr__(name: str) -> object:
    if name == "create_app":
        from kgtool.server.app import create_app

        return create_app
    raise AttributeError(name)


__all__ = ["create_app"]
