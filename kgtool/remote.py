"""Any SPARQL 1.1 server as the store: the Protocol for queries, the Graph Store Protocol for data.

The embedded pyoxigraph store is the reference; a server (Oxigraph, Fuseki,
GraphDB, Virtuoso …) is where a team shares the graph. :class:`Endpoint`
answers the same named queries (parameters as a ``VALUES`` block, since the
protocol has no pre-binding), replaces each named graph of the built store
with one ``PUT`` (so a graph is always either the old or the new version on
the server), and exports what the server holds with the same deterministic
serialisation as the local export.

Credentials come from the environment only, never from the command line
(where ``ps`` and shell history would show them): ``KGTOOL_ENDPOINT_TOKEN``
(a bearer token) or ``KGTOOL_ENDPOINT_USER`` and ``KGTOOL_ENDPOINT_PASSWORD``
(HTTP basic).
"""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from kgtool.errors import RemoteError
from kgtool.project import GRAPH_BASE, NAMESPACES
from kgtool.results import QueryResult

if TYPE_CHECKING:
    import pyoxigraph as ox
    import requests

    from kgtool.store import KgStore

TOKEN_ENV = "KGTOOL_ENDPOINT_TOKEN"
USER_ENV = "KGTOOL_ENDPOINT_USER"
PASSWORD_ENV = "KGTOOL_ENDPOINT_PASSWORD"

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
GRAPH_ACCEPT = f"{N_TRIPLES}, text/turtle;q=0.9"
FORM = "application/x-www-form-urlencoded"

#: The URL layouts of common servers: query, update, graph store (documentation and tests).
LAYOUTS: dict[str, tuple[str, str, str]] = {
    "oxigraph": ("/query", "/update", "/store"),
    "fuseki": ("/DATASET/sparql", "/DATASET/update", "/DATASET/data"),
    "graphdb": (
        "/repositories/ID",
        "/repositories/ID/statements",
        "/repositories/ID/rdf-graphs/service",
    ),
    "virtuoso": ("/sparql", "/sparql", "/sparql-graph-crud-auth"),
}

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass
class PushStats:
    """What a push sent: per graph triple counts, and the stale graphs it removed."""

    graphs: dict[str, int] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def _short(text: str, limit: int = 200) -> str:
    """A server's error page reduced to one readable line."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _redact(url: str) -> str:
    """A URL without any user:password part, for messages."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return url


class Endpoint:
    """A SPARQL 1.1 server: queries, graph uploads and exports over HTTP.

    ``query_url`` may also be a bare ``http://host:port``, which is taken as
    an Oxigraph server (``/query``, ``/update``, ``/store``). Without
    ``store_url``, a query URL ending in ``/query`` implies ``…/store``.
    """

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        store_url: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        parts = urlsplit(query_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise RemoteError(
                f"not an http(s) URL: {query_url!r}",
                hint="give the SPARQL query endpoint, e.g. http://127.0.0.1:7878/query",
            )
        if parts.path in {"", "/"}:
            base = query_url.rstrip("/")
            query_url = base + LAYOUTS["oxigraph"][0]
            update_url = update_url or base + LAYOUTS["oxigraph"][1]
            store_url = store_url or base + LAYOUTS["oxigraph"][2]
        elif store_url is None and parts.path.endswith("/query"):
            store_url = query_url[: -len("/query")] + "/store"
        self.query_url = query_url
        self.update_url = update_url
        self.store_url = store_url
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self._session: requests.Session | None = None

    @classmethod
    def from_base(cls, url: str, **options: Any) -> Endpoint:
        """The Oxigraph server layout under ``url``: ``/query``, ``/update``, ``/store``.

        Other servers use other paths (see :data:`LAYOUTS`): Fuseki
        ``/DATASET/sparql`` and ``/DATASET/data``; GraphDB ``/repositories/ID``
        and ``/repositories/ID/rdf-graphs/service``; Virtuoso ``/sparql`` and
        ``/sparql-graph-crud-auth``. Pass those to the constructor.
        """
        base = url.rstrip("/")
        query, update, store = LAYOUTS["oxigraph"]
        return cls(base + query, update_url=base + update, store_url=base + store, **options)

    def __repr__(self) -> str:
        return f"Endpoint({_redact(self.query_url)!r})"

    # HTTP --------------------------------------------------------------------------
    @property
    def session(self) -> requests.Session:
        if self._session is None:
            import requests

            session = requests.Session()
            session.headers["User-Agent"] = "kgtool"
            token = os.environ.get(TOKEN_ENV)
            user = os.environ.get(USER_ENV)
            if token:
                session.headers["Authorization"] = f"Bearer {token}"
            elif user:
                session.auth = (user, os.environ.get(PASSWORD_ENV, ""))
            self._session = session
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One HTTP exchange, retried with exponential back-off on 5xx and lost connections.

        A 4xx answer, a timeout or a server still failing after the retries is
        one :class:`RemoteError` line that quotes the server's own message.
        """
        import requests

        shown = _redact(url)
        attempt = 0
        while True:
            problem: str
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.exceptions.ConnectionError as error:
                problem = f"cannot reach {shown}: {_connection_reason(error)}"
            except requests.exceptions.Timeout:
                raise RemoteError(
                    f"{shown} did not answer within {self.timeout:g} s",
                    hint="the query may be too expensive, or raise the timeout",
                ) from None
            except requests.exceptions.RequestException as error:
                raise RemoteError(f"{method} {shown} failed: {_short(str(error))}") from None
            else:
                if response.status_code < 400:
                    return response
                message = (
                    f"{shown} answered {response.status_code} {response.reason}: "
                    f"{_short(response.text) or 'no message'}"
                )
                if response.status_code < 500:
                    raise RemoteError(message, hint=_hint_for(response.status_code))
                problem = message
            if attempt >= self.retries:
                suffix = f" (after {attempt + 1} attempts)" if attempt else ""
                raise RemoteError(problem + suffix, hint="is the server running? check --endpoint")
            time.sleep(self.backoff * (2**attempt))
            attempt += 1

    # Queries -----------------------------------------------------------------------
    def prepare(self, sparql: str, bindings: Mapping[str, Any]) -> str:
        """The text sent to the server: prefixes declared, parameters as VALUES."""
        from kgtool.sparql_text import inject_values, with_prefixes

        return with_prefixes(inject_values(sparql, bindings), NAMESPACES)

    def execute(self, sparql: str, bindings: Mapping[str, Any]) -> QueryResult:
        """Run a query on the server (the Executor protocol of :mod:`kgtool.query`)."""
        import pyoxigraph as ox

        from kgtool.sparql_text import query_form

        text = self.prepare(sparql, bindings)
        graph = query_form(text) in {"CONSTRUCT", "DESCRIBE"}
        response = self.request(
            "POST",
            self.query_url,
            data={"query": text},
            headers={"Accept": GRAPH_ACCEPT if graph else RESULTS_JSON, "Content-Type": FORM},
        )
        media = response.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            rdf_format = ox.RdfFormat.from_media_type(media) if media else None
            if rdf_format is not None:
                quads = ox.parse(response.content, format=rdf_format)
                return QueryResult("graph", triples=[q.triple for q in quads])
            results_format = ox.QueryResultsFormat.from_media_type(media) if media else None
            raw = ox.parse_query_results(
                response.content, format=results_format or ox.QueryResultsFormat.JSON
            )
        except (SyntaxError, ValueError) as error:
            raise RemoteError(
                f"{_redact(self.query_url)} did not answer with SPARQL results "
                f"({media or 'no content type'}): {_short(str(error))}"
            ) from None
        return QueryResult.from_pyoxigraph(raw)

    # Graph Store Protocol ---------------------------------------------------------
    def _store_url(self) -> str:
        if not self.store_url:
            raise RemoteError(
                f"no Graph Store endpoint known for {_redact(self.query_url)}",
                hint="pass --store-url (Oxigraph: /store, Fuseki: /DATASET/data)",
            )
        return self.store_url

    def put_graph(self, graph: str, triples: list[ox.Triple]) -> None:
        """Replace one named graph on the server with ``triples`` (one request)."""
        import pyoxigraph as ox

        if not triples:
            raise RemoteError(f"refusing to replace graph <{graph}> with nothing")
        body = ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES)
        self.request(
            "PUT",
            self._store_url(),
            params={"graph": graph},
            data=body,
            headers={"Content-Type": N_TRIPLES},
        )

    def delete_graph(self, graph: str) -> None:
        self.request("DELETE", self._store_url(), params={"graph": graph})

    def graph_counts(self, prefix: str = GRAPH_BASE) -> dict[str, int]:
        """Named graphs on the server under ``prefix``, with their triple counts."""
        import pyoxigraph as ox

        from kgtool.query import package_query

        result = self.execute(package_query("graph-names").text, {"prefix": ox.Literal(prefix)})
        return {row[0].value: int(row[1].value) for row in result.rows}

    def push(
        self, kgstore: KgStore, *, progress: Progress = _quiet, prune: bool = True
    ) -> PushStats:
        """Upload every named graph of the store, one ``PUT`` per graph.

        Each graph is replaced atomically by the server, so an interrupted
        push leaves every graph either as it was or as it is now. With
        ``prune``, graphs of kgtool's namespace that the store no longer has
        (a deleted file) are removed from the server afterwards.
        """
        import pyoxigraph as ox

        started = time.perf_counter()
        stats = PushStats()
        graphs = kgstore.named_graphs()
        for index, graph in enumerate(graphs, 1):
            triples = [
                q.triple
                for q in kgstore.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            ]
            if not triples:
                progress(f"skipping empty graph <{graph}>")
                continue
            label = kgstore.project.path_of_graph(graph) or graph
            progress(f"pushing {label}: {len(triples)} triples ({index}/{len(graphs)})")
            self.put_graph(graph, triples)
            stats.graphs[graph] = len(triples)
        if prune:
            for graph in sorted(set(self.graph_counts()) - set(stats.graphs)):
                progress(f"removing stale graph <{graph}>")
                self.delete_graph(graph)
                stats.removed.append(graph)
        stats.seconds = time.perf_counter() - started
        return stats

    # Export --------------------------------------------------------------------------
    def quads(self, selection: str = "all") -> list[ox.Quad]:
        """The server's quads in kgtool's named graphs of one export selection."""
        import pyoxigraph as ox

        from kgtool.errors import InputError
        from kgtool.export import SELECTIONS
        from kgtool.query import package_query

        if selection not in SELECTIONS:
            raise InputError(
                f"unknown graph selection {selection!r}",
                hint=f"use one of {', '.join(SELECTIONS)}",
            )
        text = package_query("graph-quads").text
        out: list[ox.Quad] = []
        for prefix in SELECTIONS[selection]:
            result = self.execute(text, {"prefix": ox.Literal(GRAPH_BASE + prefix)})
            out.extend(ox.Quad(s, p, o, g) for g, s, p, o in result.rows)
        return out

    def export(self, fmt: str, selection: str = "all") -> bytes:
        """What ``kgtool export --endpoint`` writes: byte-identical to a local export."""
        from kgtool.export import serialize

        return serialize(self.quads(selection), fmt)


def _connection_reason(error: Exception) -> str:
    text = str(error)
    for marker, reason in (
        ("Connection refused", "connection refused"),
        ("Name or service not known", "unknown host"),
        ("nodename nor servname", "unknown host"),
        ("timed out", "connection timed out"),
        ("RemoteDisconnected", "the server closed the connection"),
        ("Connection reset", "the connection was reset"),
        ("Broken pipe", "the server closed the connection"),
        ("Connection aborted", "the connection was aborted"),
    ):
        if marker in text:
            return reason
    return _short(text, 120)


def _hint_for(status: int) -> str | None:
    if status in {401, 403}:
        return f"set {TOKEN_ENV}, or {USER_ENV} and {PASSWORD_ENV}"
    if status == 404:
        return "check the endpoint URL (Oxigraph: /query, Fuseki: /DATASET/sparql)"
    return None
