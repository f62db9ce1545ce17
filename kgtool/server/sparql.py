"""The W3C SPARQL 1.1 Protocol at ``/sparql``: read-only, negotiated, limited.

Accepted requests: ``GET`` (and ``HEAD``) ``?query=``, ``POST`` form-encoded
``query=`` and ``POST`` with ``Content-Type: application/sparql-query``, each
with optional ``default-graph-uri`` and ``named-graph-uri`` parameters (the
dataset, which then replaces the union of all graphs and the query's own
``FROM``). Relative IRIs in a query resolve against the endpoint's URL. Any
update (an ``update`` parameter, ``application/sparql-update``, or update
text sent as a query) is refused with 403. Without a query, the endpoint
describes itself (a SPARQL 1.1 Service Description).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from kgtool.errors import MediaTypeError, QueryError, ResultTooLarge, UpdateForbidden
from kgtool.formats import GRAPH, SOLUTIONS, offered

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from kgtool.query import Dataset

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")

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


def negotiate(accept: str | None, choices: dict[str, Any]) -> str | None:
    """The offered media type the client prefers; the first offered when it accepts any.

    None when the client accepts none of them (the caller answers 406).
    """
    default = next(iter(choices))
    if not accept:
        return default
    for media, _ in _accepted(accept):
        if media in choices:
            return media
        if media in {"*/*", "*"}:
            return default
        if media.endswith("/*"):
            major = media[:-1]
            for candidate in choices:
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


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise QueryError(
            f"{what} is not valid UTF-8 (byte {error.start})",
            hint="SPARQL requests are UTF-8; percent-encode the UTF-8 bytes of the text",
        ) from None


def parse_fields(data: bytes, what: str) -> list[tuple[str, str]]:
    """``name=value&…`` (a query string or a form body) decoded strictly as UTF-8."""
    try:
        return parse_qsl(
            _utf8(data, what), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError as error:
        raise QueryError(
            f"{what} has percent-encoded bytes that are not valid UTF-8 (byte {error.start})",
            hint="percent-encode the UTF-8 bytes of the text",
        ) from None


@dataclass(frozen=True)
class ProtocolRequest:
    """What a protocol request asks: the query text (None: none given) and its dataset."""

    query: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def dataset(self) -> Dataset | None:
        from kgtool.query import Dataset

        if not self.default_graphs and not self.named_graphs:
            return None
        return Dataset(self.default_graphs, self.named_graphs)


def _content_type(request: Request) -> tuple[str, str | None]:
    """The media type of the body and its charset parameter, if any."""
    header = request.headers.get("content-type", "")
    media, *params = (part.strip() for part in header.split(";"))
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.lower(), charset


def _graph_iris(fields: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    import pyoxigraph as ox

    iris = []
    for key, value in fields:
        if key != name:
            continue
        try:
            ox.NamedNode(value)
        except ValueError:
            raise QueryError(f"{name} {value!r} is not an absolute IRI") from None
        iris.append(value)
    return tuple(iris)


async def read_request(request: Request) -> ProtocolRequest:
    """The query and dataset of a protocol request; 4xx errors for anything malformed."""
    fields = parse_fields(request.scope.get("query_string", b""), "the URL's query string")
    if request.method == "POST":
        media, charset = _content_type(request)
        if media == SPARQL_UPDATE or any(key == "update" for key, _ in fields):
            raise _forbidden()
        if charset not in (None, "", "utf-8", "utf8"):
            raise MediaTypeError(
                f"the body's charset is {charset}; SPARQL requests are UTF-8",
                hint="send the query as UTF-8",
            )
        body = await request.body()
        if media == SPARQL_QUERY:
            if any(key == "query" for key, _ in fields):
                raise QueryError("the request has a query in its body and another in its URL")
            fields = [("query", _utf8(body, "the query")), *fields]
        elif media == FORM:
            fields = [*parse_fields(body, "the form body"), *fields]
        else:
            raise MediaTypeError(
                f"unsupported content type {media or '(none)'!r} for a SPARQL query",
                hint=f"send {FORM} with a 'query' field, or {SPARQL_QUERY}",
            )
    if any(key == "update" for key, _ in fields):
        raise _forbidden()
    queries = [value for key, value in fields if key == "query"]
    if len(queries) > 1:
        raise QueryError(
            f"the request has {len(queries)} 'query' parameters; the protocol allows one"
        )
    if queries and not queries[0].strip():
        raise QueryError("the 'query' parameter is empty", hint="send a SPARQL query")
    if not queries and request.method == "POST":
        raise QueryError("the request has no query", hint="send a 'query' field")
    return ProtocolRequest(
        queries[0] if queries else None,
        _graph_iris(fields, "default-graph-uri"),
        _graph_iris(fields, "named-graph-uri"),
    )


def endpoint_url(request: Request) -> str:
    """The endpoint's own URL: the base of relative IRIs and the Service Description's."""
    return str(request.url.replace(query="", fragment=""))


def service_description(request: Request, settings: Any) -> Response:
    """The SPARQL 1.1 Service Description of this endpoint, in a negotiated RDF syntax."""
    import pyoxigraph as ox
    from starlette.responses import Response

    from kgtool.export import serialize
    from kgtool.server.pages import templates

    graph_types = offered(GRAPH)
    served = [*offered(SOLUTIONS).values(), *graph_types.values()]
    text = (
        templates()
        .get_template("service.ttl")
        .render(
            endpoint=endpoint_url(request),
            format_iris=sorted({f.w3c_iri for f in served if f.w3c_iri}),
            max_results=settings.max_results,
            max_answer_bytes=settings.max_answer_bytes,
            allowed_services=settings.allowed_services,
            timeout=settings.query_timeout,
        )
    )
    media = negotiate(request.headers.get("accept"), graph_types) or "text/turtle"
    fmt = graph_types[media]
    if fmt.name == "ttl":
        return Response(text, media_type="text/turtle")
    quads = list(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))
    return Response(serialize(quads, fmt.name), media_type=media)


def _content_type_of(media: str) -> str:
    """XML declares its own encoding; every other text format is sent as UTF-8."""
    return media if media.endswith("xml") else media + "; charset=utf-8"


async def endpoint(request: Request) -> Response:
    """``/sparql``: run one read-only query and answer in the negotiated format."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    from kgtool.server.responses import error_response
    from kgtool.server.runner import too_many_bytes

    settings = request.app.state.settings
    asked = await read_request(request)
    if asked.query is None:
        return service_description(request, settings)
    form = operation(asked.query)
    if form == "UPDATE":
        raise _forbidden()
    choices = offered(GRAPH if form in {"CONSTRUCT", "DESCRIBE"} else SOLUTIONS)
    media = negotiate(request.headers.get("accept"), choices)
    if media is None:
        return error_response(
            406,
            f"cannot answer a {form} query in {request.headers.get('accept')}; "
            f"acceptable: {', '.join(choices)}",
        )
    executor = request.app.state.executor
    result = await run_in_threadpool(
        lambda: executor.execute(
            asked.query, {}, dataset=asked.dataset(), base_iri=endpoint_url(request)
        )
    )
    fmt = choices[media]
    body = fmt.write(result).encode("utf-8")
    if len(body) > settings.max_answer_bytes:
        error: ResultTooLarge = too_many_bytes(settings.max_answer_bytes)
        raise error
    return Response(body, headers={"content-type": _content_type_of(media)})
