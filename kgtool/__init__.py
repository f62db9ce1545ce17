"""kgtool: a knowledge graph of sourced claims about international trade.

The library comes first; the ``kgtool`` command is a thin layer over it. Its
public names are these (see docs/library.md); everything else is internal::

    import kgtool

    store = kgtool.open_store("path/to/project")       # compiled from its files
    assert kgtool.check(store).conforms                  # SHACL and source texts
    total = kgtool.ask("monthly-exports-total", graph=store).records()[0]
    print(kgtool.explain("clm:kt140727-01", store).claims[0].quotes[0].text)
    server = kgtool.Endpoint("http://127.0.0.1:7878/query")   # the same calls

The names are imported when first used, so ``import kgtool`` (and
``kgtool --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from kgtool.api import (
        ask,
        build_project,
        check,
        explain,
        mentions,
        open_project,
        open_store,
    )
    from kgtool.build import BuildOutcome
    from kgtool.errors import (
        GraphvizMissing,
        InputError,
        IntegrityError,
        KgtoolError,
        NotFoundError,
        ProjectError,
        QueryError,
        RemoteError,
        StoreError,
        UnsupportedShape,
        ValidationFailed,
    )
    from kgtool.project import Project
    from kgtool.provenance.model import Explanation, Mention
    from kgtool.remote import Endpoint
    from kgtool.report import ValidationReport, ValidationResult
    from kgtool.results import QueryResult
    from kgtool.store import KgStore

#: public name -> the module that defines it
_HOMES = {
    "ask": "kgtool.api",
    "build_project": "kgtool.api",
    "check": "kgtool.api",
    "explain": "kgtool.api",
    "mentions": "kgtool.api",
    "open_project": "kgtool.api",
    "open_store": "kgtool.api",
    "BuildOutcome": "kgtool.build",
    "Endpoint": "kgtool.remote",
    "Explanation": "kgtool.provenance.model",
    "KgStore": "kgtool.store",
    "Mention": "kgtool.provenance.model",
    "Project": "kgtool.project",
    "QueryResult": "kgtool.results",
    "ValidationReport": "kgtool.report",
    "ValidationResult": "kgtool.report",
    "GraphvizMissing": "kgtool.errors",
    "InputError": "kgtool.errors",
    "IntegrityError": "kgtool.errors",
    "KgtoolError": "kgtool.errors",
    "NotFoundError": "kgtool.errors",
    "ProjectError": "kgtool.errors",
    "QueryError": "kgtool.errors",
    "RemoteError": "kgtool.errors",
    "StoreError": "kgtool.errors",
    "UnsupportedShape": "kgtool.errors",
    "ValidationFailed": "kgtool.errors",
}

__all__ = [
    "BuildOutcome",
    "Endpoint",
    "Explanation",
    "GraphvizMissing",
    "InputError",
    "IntegrityError",
    "KgStore",
    "KgtoolError",
    "Mention",
    "NotFoundError",
    "Project",
    "ProjectError",
    "QueryError",
    "QueryResult",
    "RemoteError",
    "StoreError",
    "UnsupportedShape",
    "ValidationFailed",
    "ValidationReport",
    "ValidationResult",
    "ask",
    "build_project",
    "check",
    "explain",
    "mentions",
    "open_project",
    "open_store",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'kgtool' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
