"""The W3C SPARQL 1.1 Protocol at ``/sparql``: read-only, negotiated, limited.

Accepted requests: ``GET ?query=``, ``POST`` form-encoded ``query=`` and
``POST`` with ``Content-Type: application/sparql-query``. Any update (an
``update=`` field, ``application/sparql-update``, or update text sent as a
query) is refused with 403. Without a query, the endpoint describes itself
(a SPARQL 1.1 Service Description).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from kgtool.errors import QueryError
from kgtool.server.runner import UpdateForbidden

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"

#: media type -> kgtool.results format, for SELECT and ASK (first: the default)
RESULT_TYPES: dict[str, str] = {
    "application/sparql-results+json": "sparql-json",
    "application/sparql-results+xml": "sparql-xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "sparql-json",
    "application/xml": "sparql-xml",
}
#: media type -> kgtool.results format, for CONSTRUCT and DESCRIBE (first: the default)
GRAPH_TYPES: dict[str, str] = {
    "text/turtle": "ttl",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
    "text/plain": "nt",
    "application/x-turtle": "ttl",
}
_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY")
from kgtool.sparql_text import FORMS as _FORMS  # noqa: E402


def _accepted(header: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header, best first (stable for equal q)."""
    ranges: list[tuple[str, float, int]] = []
    for index, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((fields[0].lower(), quality, index))
    ranges.sort(key=lambda item: (-item[1], item[2]))
    return [(media, quality) for media, quality, _ in ranges if quality > 0]


def negotiate(accept: str | None, offered: dict[str, str]) -> str | None:
    """The offered media type the client prefers; the first offered when it accepts any.

    None when the client accepts none of them (the caller answers 406).
    """
    default = next(iter(offered))
    if not accept:
        return default
    for media, _ in _accepted(accept):
        if media in offered:
            return media
        if media in {"*/*", "*"}:
            return default
        if media.endswith("/*"):
            major = media[:-1]
            for candidate in offered:
                if candidate.startswith(major):
                    return candidate
    return None


def operation(text: str) -> str:
    """SELECT/CONSTRUCT/DESCRIBE/ASK, or UPDATE for an update; the first keyword decides."""
    from kgtool.sparql_text import tokens

    for token in tokens(text):
        if token.is_word(*_FORMS):
            return token.text.upper()
        if token.is_word(*_UPDATE_WORDS) or token.is_word("WITH"):
            return "UPDATE"
    raise QueryError("not a SPARQL query: no SELECT, CONSTRUCT, DESCRIBE or ASK")


def _forbidden() -> UpdateForbidden:
    return UpdateForbidden(
        "this endpoint is read-only: SPARQL updates are not accepted",
        hint="change the graph's files and run 'kgtool build' instead",
    )


async def read_query(request: Request) -> str | None:
    """The query text of a protocol request, None if there is none (service description)."""
    if request.method == "GET":
        if "update" in request.query_params:
            raise _forbidden()
        return request.query_params.get("query")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = (await request.body()).decode("utf-8", errors="replace")
    if media == SPARQL_UPDATE:
        raise _forbidden()
    if media == SPARQL_QUERY:
        return body
    if media == FORM:
        fields = parse_qs(body, keep_blank_values=True)
        if "update" in fields:
            raise _forbidden()
        queries = fields.get("query", [])
        if len(queries) != 1:
            raise QueryError("a form-encoded request needs exactly one 'query' field")
        return queries[0]
    raise QueryError(
        f"unsupported content type {media or '(none)'!r} for a SPARQL query",
        hint=f"send {FORM} with a 'query' field, or {SPARQL_QUERY}",
    )


def service_description(request: Request, *, max_results: int, timeout: float) -> Response:
    """The SPARQL 1.1 Service Description of this endpoint, in a negotiated RDF syntax."""
    import pyoxigraph as ox
    from starlette.responses import Response

    from kgtool.server.pages import templates

    text = (
        templates()
        .get_template("service.ttl")
        .render(
            endpoint=str(request.url.replace(query="", fragment="")),
            result_types=sorted(set(RESULT_TYPES)),
            graph_types=sorted(set(GRAPH_TYPES)),
            max_results=max_results,
            timeout=timeout,
        )
    )
    media = negotiate(request.headers.get("accept"), GRAPH_TYPES) or "text/turtle"
    if GRAPH_TYPES[media] != "ttl":
        from kgtool.export import serialize

        quads = list(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))
        return Response(serialize(quads, GRAPH_TYPES[media]), media_type=media)
    return Response(text, media_type="text/turtle")


async def endpoint(request: Request) -> Response:
    """``/sparql``: run one read-only query and answer in the negotiated format."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    from kgtool.server.app import error_response

    settings = request.app.state.settings
    sparql = await read_query(request)
    if sparql is None or not sparql.strip():
        if request.method == "POST":
            raise QueryError("the request has no query")
        return service_description(
            request, max_results=settings.max_results, timeout=settings.query_timeout
        )
    form = operation(sparql)
    if form == "UPDATE":
        raise _forbidden()
    offered = GRAPH_TYPES if form in {"CONSTRUCT", "DESCRIBE"} else RESULT_TYPES
    media = negotiate(request.headers.get("accept"), offered)
    if media is None:
        return error_response(
            406,
            f"cannot answer a {form} query in {request.headers.get('accept')}; "
            f"acceptable: {', '.join(offered)}",
        )
    executor = request.app.state.executor
    result = await run_in_threadpool(executor.execute, sparql, {})
    body: Any = result.serialize(offered[media])
    charset = "" if media == "application/sparql-results+xml" else "; charset=utf-8"
    return Response(body, headers={"content-type": media + charset})
