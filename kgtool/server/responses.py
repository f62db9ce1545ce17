"""The one error shape of the JSON API and the endpoint, and the status of each error.

Its own module so that the routes (api, pages, sparql) and the app that
assembles them can all use it without importing one another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kgtool.errors import (
    KgtoolError,
    MediaTypeError,
    NotFoundError,
    QueryError,
    QueryTimeout,
    RemoteError,
    RequestTooLarge,
    ResultTooLarge,
    StoreError,
    UpdateForbidden,
)

if TYPE_CHECKING:
    from starlette.responses import Response

#: error class -> HTTP status; the first match wins, any other KgtoolError is 400
STATUSES: tuple[tuple[type[KgtoolError], int], ...] = (
    (UpdateForbidden, 403),
    (QueryTimeout, 503),
    (ResultTooLarge, 413),
    (RequestTooLarge, 413),
    (MediaTypeError, 415),
    (NotFoundError, 404),
    (RemoteError, 502),
    (StoreError, 503),
)


def status_of(error: Exception) -> int:
    """The HTTP status that matches an error; any other KgtoolError is bad input (400).

    Anything else is a fault of the server (500): the routes turn what a
    client sent into a KgtoolError before it can escape as something else.
    """
    for kind, status in STATUSES:
        if isinstance(error, kind):
            return status
    return 400 if isinstance(error, KgtoolError) else 500


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The one JSON error shape of every API route: {"error": {"status", "message"}}."""
    from starlette.responses import JSONResponse

    return JSONResponse(
        {"error": {"status": status, "message": message}}, status_code=status, headers=headers
    )


def client_input(what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``function``; a ValueError it raises came from what the client sent: 400.

    pyoxigraph raises ValueError for a malformed term (an IRI with a forbidden
    code point, say); here that becomes the client's error, not the server's.
    """
    try:
        return function(*args, **kwargs)
    except ValueError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise QueryError(f"{what} is not valid: {first}") from None
