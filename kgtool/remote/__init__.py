"""Any SPARQL 1.1 server as kgtool's store.

:mod:`kgtool.remote.endpoint` holds :class:`Endpoint` (queries, push, export),
:mod:`kgtool.remote.http` the exchanges (credentials, retries, the bounded
wait), :mod:`kgtool.remote.answers` the reading of servers' answers.

Credentials come from the environment only, never from the command line
(where ``ps`` and shell history would show them): ``KGTOOL_ENDPOINT_TOKEN``
(a bearer token) or ``KGTOOL_ENDPOINT_USER`` and ``KGTOOL_ENDPOINT_PASSWORD``
(HTTP basic, or digest when the server asks for it, as Virtuoso does).
"""

from __future__ import annotations

from typing import Any

from kgtool.remote.endpoint import LAYOUTS, Endpoint, PushStats, store_url_for
from kgtool.remote.http import DEFAULT_TIMEOUT


def connect(url: str, **options: Any) -> Endpoint:
    """The :class:`Endpoint` for a URL the user gave (the one place one is built)."""
    return Endpoint(url, **options)


__all__ = ["DEFAULT_TIMEOUT", "LAYOUTS", "Endpoint", "PushStats", "connect", "store_url_for"]
