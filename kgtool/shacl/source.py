"""Where the engine reads the graph: the embedded store, or a SPARQL server.

The compiled checks are plain SPARQL, so they run wherever the data is. The
engine needs two things of a graph: SELECT queries over the union of its
named graphs, and the quads of a pattern (shapes, types, files of a node).
A server is asked the second with a SELECT too; SPARQL text cannot name a
blank node of the data, so on a server the engine never looks one up
(``names_blank_nodes``) and joins the checks with their targets instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kgtool.limits import WORKERS

if TYPE_CHECKING:
    import pyoxigraph as ox

    from kgtool.project import Project
    from kgtool.remote import Endpoint
    from kgtool.store import KgStore


class Source(Protocol):
    """What validation reads: queries, quads, and the project the graph came from."""

    project: Project
    #: where a compiled plan may be kept between runs (None: compile every time)
    path: Path | None
    #: the sha256 of every input as checked when the graph was opened, or None
    input_hashes: dict[str, str] | None
    #: whether :meth:`quads` can be asked about a blank node of the data
    names_blank_nodes: bool
    #: threads that may query at once
    workers: int
    #: whether isIRI, sameTerm with a constant, and an error in STR or DATATYPE
    #: behave inside an expression as SPARQL says (pyoxigraph; Virtuoso's isIRI
    #: is true of blank nodes), so a test may read its value once
    exact_term_tests: bool

    @property
    def numeric_durations(self) -> bool:
        """Whether the store gives a duration's lexical form as a number of months or
        seconds rather than as written (see :mod:`kgtool.shacl.datatypes`)."""
        ...

    @property
    def shapes_graph(self) -> ox.NamedNode: ...

    def select(self, sparql: str) -> Iterator[dict[str, Any]]:
        """The solutions of a SELECT over the union graph, as dicts of the bound variables."""
        ...

    def quads(
        self, subject: Any = None, predicate: Any = None, object: Any = None, graph: Any = None
    ) -> Iterator[ox.Quad]:
        """The quads in named graphs that match a pattern (None matches anything)."""
        ...


def _shapes_graph(project: Project) -> ox.NamedNode:
    import pyoxigraph as ox

    return ox.NamedNode(project.graph_iri(project.shapes_path))


class StoreSource:
    """The embedded pyoxigraph store."""

    names_blank_nodes = True
    workers = WORKERS
    exact_term_tests = True
    numeric_durations = False

    def __init__(self, kgstore: KgStore) -> None:
        self.kgstore = kgstore
        self.project = kgstore.project
        self.path = kgstore.path
        self.input_hashes = kgstore.input_hashes

    @property
    def shapes_graph(self) -> ox.NamedNode:
        return _shapes_graph(self.project)

    def select(self, sparql: str) -> Iterator[dict[str, Any]]:
        result = self.kgstore.query(sparql)
        names = [v.value for v in result.variables]
        for solution in result:
            yield {n: t for n, t in zip(names, solution, strict=True) if t is not None}

    def quads(
        self, subject: Any = None, predicate: Any = None, object: Any = None, graph: Any = None
    ) -> Iterator[ox.Quad]:
        import pyoxigraph as ox

        for quad in self.kgstore.store.quads_for_pattern(subject, predicate, object, graph):
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                yield quad


class EndpointSource:
    """A SPARQL 1.1 server holding the pushed graph.

    Its queries read kgtool's graphs as the dataset they name
    (:meth:`kgtool.remote.Endpoint.execute`): the default graph is their
    union, whatever the server's own default graph holds.
    """

    names_blank_nodes = False
    #: one query at a time: the HTTP session is shared, and the server runs each in parallel
    workers = 1
    path: Path | None = None
    input_hashes: dict[str, str] | None = None
    exact_term_tests = False

    def __init__(self, endpoint: Endpoint, project: Project) -> None:
        self.endpoint = endpoint
        self.project = project
        self._numeric_durations: bool | None = None

    @property
    def numeric_durations(self) -> bool:
        """Asked of the server once: Virtuoso keeps a duration as a number."""
        if self._numeric_durations is None:
            from kgtool.shacl.datatypes import DURATION_PROBE

            rows = list(self.select(DURATION_PROBE))
            form = rows[0].get("form") if rows else None
            self._numeric_durations = form is not None and form.value != "P1Y"
        return self._numeric_durations

    @property
    def shapes_graph(self) -> ox.NamedNode:
        return _shapes_graph(self.project)

    def select(self, sparql: str) -> Iterator[dict[str, Any]]:
        result = self.endpoint.execute(sparql, {})
        for row in result.rows:
            yield {n: t for n, t in zip(result.variables, row, strict=True) if t is not None}

    def quads(
        self, subject: Any = None, predicate: Any = None, object: Any = None, graph: Any = None
    ) -> Iterator[ox.Quad]:
        import pyoxigraph as ox

        terms = {"s": subject, "p": predicate, "o": object, "g": graph}
        if any(isinstance(t, ox.BlankNode) for t in terms.values()):
            raise ValueError("a blank node of the data cannot be named in a query to a server")
        text = {k: str(t) if t is not None else f"?{k}" for k, t in terms.items()}
        query = (
            f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH {text['g']} {{ {text['s']} {text['p']} "
            f"{text['o']} }} }}"
        )
        for row in self.select(query):
            yield ox.Quad(
                row.get("s", subject),
                row.get("p", predicate),
                row.get("o", object),
                row.get("g", graph),
            )


def source_of(graph: KgStore | Source) -> Source:
    """A :class:`Source` for the embedded store, or the source itself."""
    if hasattr(graph, "select"):
        return graph  # type: ignore[return-value]
    return StoreSource(graph)  # type: ignore[arg-type]
