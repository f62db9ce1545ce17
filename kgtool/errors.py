"""Every error kgtool raises on purpose.

Each class's ``str()`` is the one line a user reads; the CLI prints it and
exits with the class's ``exit_code``. Anything else escaping is a bug.
"""

from __future__ import annotations


class KgtoolError(Exception):
    """Base class: a problem the user can act on."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(KgtoolError):
    """A file is missing, unreadable or not valid RDF/SPARQL."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        where = ""
        if path is not None:
            where = path
            if line is not None:
                where += f":{line}"
                if column is not None:
                    where += f":{column}"
            where += ": "
        super().__init__(where + message, hint=hint)
        self.path = path
        self.line = line
        self.column = column


class ProjectError(KgtoolError):
    """The project folder is not laid out as kgtool expects."""


class IntegrityError(KgtoolError):
    """A source file no longer matches the hash recorded in the graph."""


class ValidationFailed(KgtoolError):
    """The graph does not conform to its shapes; the report says where."""

    exit_code = 1


class StoreError(KgtoolError):
    """The embedded store is missing, stale or cannot be opened."""


class QueryError(KgtoolError):
    """A query is unknown, malformed, or given bad parameters."""


class NotFoundError(KgtoolError):
    """A claim, entity or text asked for is not in the graph."""


class RemoteError(KgtoolError):
    """A SPARQL server could not be reached or refused the request."""


class QueryTimeout(QueryError):
    """A query ran past the server's time limit."""


class ResultTooLarge(QueryError):
    """A result has more rows, or more bytes, than the server's limit."""


class UpdateForbidden(QueryError):
    """The endpoint is read-only."""


class ServiceRefused(QueryError):
    """A query asks for SERVICE federation to an address that was not allowed."""


class RequestTooLarge(KgtoolError):
    """A request body is larger than the server accepts."""


class MediaTypeError(KgtoolError):
    """A request body comes in a media type or character set the server does not read."""


class UnsupportedShape(KgtoolError):
    """The shapes use a SHACL feature the SPARQL engine does not compile."""


class GraphvizMissing(KgtoolError):
    """Graphviz's ``dot`` program is not installed."""


def parse_error(error: SyntaxError, path: str) -> InputError:
    """A pyoxigraph syntax error as a one-line message with file, line and column."""
    text = str(error.msg if hasattr(error, "msg") else error)
    hint = "fix the file and run the command again"
    if "absolute IRI" in text:  # a relative IRI: files have no base, dist/ must not move
        hint = (
            "relative IRIs are refused, so the graph does not depend on where the project "
            "lives: write the full IRI, a prefixed name, or an @base line"
        )
    return InputError(
        f"RDF syntax error: {text}", path=path, line=error.lineno, column=error.offset, hint=hint
    )


class KgtoolWarning(UserWarning):
    """Something a user should fix that does not stop the command (the CLI prints
    ``warning: …`` on stderr, also with -q: a warning is not progress)."""
