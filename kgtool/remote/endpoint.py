"""A SPARQL 1.1 server as the store: the Protocol for queries, the Graph Store Protocol for data.

The embedded pyoxigraph store is the reference; a server (Oxigraph, Virtuoso,
Fuseki, GraphDB …) is where a team shares the graph. :class:`Endpoint`
answers the same named queries (parameters as a ``VALUES`` block, since the
protocol has no pre-binding), replaces each named graph of the built store
with one ``PUT`` (so a graph is always either the old or the new version on
the server), and exports what the server holds with the same deterministic
serialisation as the local export.

Queries name their dataset: kgtool's graphs are sent as the protocol's
``default-graph-uri`` and ``named-graph-uri``, so a server whose default
graph is empty (``oxigraph serve`` without ``--union-default-graph``, Fuseki
as installed) or holds graphs of its own (Virtuoso's system graphs) answers
exactly as the embedded store, which queries the union of kgtool's graphs.
The graphs are those the last push sent, or those the server holds under
kgtool's namespace, asked once per endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import kgtool.remote.http as http  # the module, not the package: no import cycle
from kgtool.errors import RemoteError
from kgtool.project import GRAPH_BASE, NAMESPACES
from kgtool.results import QueryResult

if TYPE_CHECKING:
    import pyoxigraph as ox
    import requests

    from kgtool.store import KgStore

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
GRAPH_ACCEPT = f"{N_TRIPLES}, text/turtle;q=0.9"
FORM = "application/x-www-form-urlencoded"
#: sent by Virtuoso when an answer reached its row limit (ResultSetMaxRows), which
#: it then cuts without an error; an answer of exactly that many rows looks the same
ROW_LIMIT_HEADER = "X-SPARQL-MaxRows"

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


def store_url_for(query_url: str) -> str | None:
    """The Graph Store endpoint next to a query endpoint, for the layouts known."""
    path = urlsplit(query_url).path
    base = query_url[: len(query_url) - len(path)] if path else query_url
    if path.endswith("/query"):  # Oxigraph, Fuseki's other name
        return query_url[: -len("query")] + ("store" if path == "/query" else "data")
    if path == "/sparql":  # Virtuoso
        return base + LAYOUTS["virtuoso"][2]
    if path.endswith("/sparql"):  # Fuseki
        return query_url[: -len("sparql")] + "data"
    if path.startswith("/repositories/") and path.count("/") == 2:  # GraphDB
        return query_url + "/rdf-graphs/service"
    return None


def _names_its_dataset(sparql: str) -> bool:
    """Whether a query has FROM or FROM NAMED clauses, which the protocol's would override."""
    from kgtool.sparql_text import tokens

    return any(token.is_word("FROM") for token in tokens(sparql))


class Endpoint:
    """A SPARQL 1.1 server: queries, graph uploads and exports over HTTP.

    ``query_url`` may also be a bare ``http://host:port``, which is taken as
    an Oxigraph server (``/query``, ``/update``, ``/store``). Without
    ``store_url``, the Graph Store endpoint is derived for the layouts of
    :data:`LAYOUTS`. ``timeout`` bounds each exchange, retries included.
    ``graphs`` fixes the dataset of queries (None: kgtool's graphs on the server).
    """

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        store_url: str | None = None,
        timeout: float | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        graphs: list[str] | None = None,
        dataset_seconds: float = 60.0,
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
        self.query_url = query_url
        self.update_url = update_url
        self.store_url = store_url or store_url_for(query_url)
        self.timeout = http.default_timeout() if timeout is None else timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.graphs = graphs
        #: how long the graphs asked of the server are trusted (a long-running
        #: ``kgtool serve --endpoint`` sees graphs pushed later); given ones always
        self.dataset_seconds = dataset_seconds
        self._asked_at: float | None = None
        self._session: requests.Session | None = None

    @classmethod
    def from_base(cls, url: str, **options: Any) -> Endpoint:
        """The Oxigraph server layout under ``url``: ``/query``, ``/update``, ``/store``."""
        base = url.rstrip("/")
        query, update, store = LAYOUTS["oxigraph"]
        return cls(base + query, update_url=base + update, store_url=base + store, **options)

    def __repr__(self) -> str:
        return f"Endpoint({http.redact(self.query_url)!r})"

    # HTTP --------------------------------------------------------------------------
    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = http.new_session()
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One HTTP exchange within the timeout (see :mod:`kgtool.remote.http`)."""
        return http.request(
            self.session,
            method,
            url,
            timeout=self.timeout,
            retries=self.retries,
            backoff=self.backoff,
            **kwargs,
        )

    # Queries -----------------------------------------------------------------------
    def prepare(self, sparql: str, bindings: Mapping[str, Any]) -> str:
        """The text sent to the server: prefixes declared, parameters as VALUES."""
        from kgtool.bindings import as_values
        from kgtool.sparql_text import with_prefixes

        return with_prefixes(as_values(sparql, bindings), NAMESPACES)

    def execute(
        self, sparql: str, bindings: Mapping[str, Any], *, dataset: bool = True
    ) -> QueryResult:
        """Run a query on the server (the Executor protocol of :mod:`kgtool.query`).

        With ``dataset``, the query reads kgtool's graphs (see the module's
        text), unless it names its own with ``FROM``; without, whatever the
        server's own default dataset is.
        """
        from kgtool.remote.answers import parse_answer
        from kgtool.sparql_text import query_form

        text = self.prepare(sparql, bindings)
        graph_form = query_form(text) in {"CONSTRUCT", "DESCRIBE"}
        form: dict[str, Any] = {"query": text}
        if dataset and not _names_its_dataset(text):
            graphs = self.dataset()
            if graphs:
                form["default-graph-uri"] = graphs
                form["named-graph-uri"] = graphs
        response = self.request(
            "POST",
            self.query_url,
            data=form,
            headers={"Accept": GRAPH_ACCEPT if graph_form else RESULTS_JSON, "Content-Type": FORM},
        )
        cut = response.headers.get(ROW_LIMIT_HEADER)
        if cut is not None:
            raise RemoteError(
                f"{http.redact(self.query_url)} cut its answer at {cut} rows (its result "
                "limit), so the answer may be incomplete",
                hint="raise the server's row limit; on Virtuoso, ResultSetMaxRows in the "
                "[SPARQL] section of virtuoso.ini",
            )
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        return parse_answer(
            response.content, media, graph_form=graph_form, origin=http.redact(self.query_url)
        )

    def rows(self, sparql: str, bindings: Mapping[str, Any] | None = None) -> list[list[Any]]:
        """The solutions of a SELECT query on kgtool's graphs, as rows of terms."""
        return self.execute(sparql, bindings or {}).rows

    def dataset(self) -> list[str]:
        """kgtool's graphs on the server (what queries name as their dataset).

        Asked once, then again when the answer is older than ``dataset_seconds``;
        graphs given to the constructor or sent by :meth:`push` are kept.
        """
        stale = (
            self._asked_at is not None and time.monotonic() - self._asked_at > self.dataset_seconds
        )
        if self.graphs is None or stale:
            self.graphs = self.graph_names()
            self._asked_at = time.monotonic()
        return self.graphs

    def graph_names(self, prefix: str = GRAPH_BASE) -> list[str]:
        """The named graphs on the server under ``prefix``, without counting their triples."""
        import pyoxigraph as ox

        from kgtool.named_queries import package_query

        listed = self.execute(
            package_query("graph-list").text, {"prefix": ox.Literal(prefix)}, dataset=False
        )
        names = {row[0].value for row in listed.rows}
        return sorted(name for name in names if name.startswith(prefix))

    # Graph Store Protocol ---------------------------------------------------------
    def _store_url(self) -> str:
        if not self.store_url:
            raise RemoteError(
                f"no Graph Store endpoint known for {http.redact(self.query_url)}",
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
        if self.graphs is not None and graph not in self.graphs:
            self.graphs = sorted([*self.graphs, graph])

    def delete_graph(self, graph: str) -> None:
        self.request("DELETE", self._store_url(), params={"graph": graph})
        if self.graphs is not None and graph in self.graphs:
            self.graphs = [name for name in self.graphs if name != graph]

    def graph_counts(self, prefix: str = GRAPH_BASE) -> dict[str, int]:
        """Named graphs on the server under ``prefix``, with their triple counts."""
        import pyoxigraph as ox

        from kgtool.named_queries import package_query

        result = self.execute(
            package_query("graph-names").text, {"prefix": ox.Literal(prefix)}, dataset=False
        )
        return {row[0].value: int(row[1].value) for row in result.rows}

    def push(
        self, kgstore: KgStore, *, progress: Progress = _quiet, prune: bool = True
    ) -> PushStats:
        """Upload every named graph of the store, one ``PUT`` per graph.

        Each graph is replaced atomically by the server, so an interrupted
        push leaves every graph either as it was or as it is now. With
        ``prune``, graphs of kgtool's namespace that the store no longer has
        (a deleted file) are removed from the server afterwards. The graphs
        pushed become the dataset of this endpoint's queries.
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
            self.graphs = sorted(stats.graphs)
            self._asked_at = None  # known, not asked
        else:
            self.graphs = None  # other graphs may remain: ask the server next time
        stats.seconds = time.perf_counter() - started
        return stats

    # Export --------------------------------------------------------------------------
    def quads(self, selection: str = "all") -> list[ox.Quad]:
        """The server's quads in kgtool's named graphs of one export selection."""
        import pyoxigraph as ox

        from kgtool.errors import InputError
        from kgtool.export import SELECTIONS
        from kgtool.named_queries import package_query

        if selection not in SELECTIONS:
            raise InputError(
                f"unknown graph selection {selection!r}",
                hint=f"use one of {', '.join(SELECTIONS)}",
            )
        text = package_query("graph-quads").text
        out: list[ox.Quad] = []
        for prefix in SELECTIONS[selection]:
            result = self.execute(text, {"prefix": ox.Literal(GRAPH_BASE + prefix)}, dataset=False)
            out.extend(ox.Quad(s, p, o, g) for g, s, p, o in result.rows)
        return out

    def export(self, fmt: str, selection: str = "all") -> bytes:
        """What ``kgtool export --endpoint`` writes: byte-identical to a local export."""
        from kgtool.export import serialize

        return serialize(self.quads(selection), fmt)
