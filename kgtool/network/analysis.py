"""Questions about the shape of a network: who is central, how things connect.

Paths and neighbourhoods ignore edge direction (a claim links two entities
whichever way it reads); centralities are computed on the simple undirected
graph, so ten claims between two countries count as one link there, while
``claims`` counts every one of them.
"""

from __future__ import annotations

import difflib
import itertools
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kgtool.errors import NotFoundError, QueryError
from kgtool.results import compact_iri

if TYPE_CHECKING:
    import networkx as nx

    from kgtool.query import Executor


def _kind(graph: nx.Graph) -> str:
    return str(graph.graph.get("kind", "network"))


def _label(graph: nx.Graph, node: str) -> str:
    return str(graph.nodes[node].get("label") or compact_iri(node))


def _simple(graph: nx.Graph) -> nx.Graph:
    """The undirected graph without parallel edges, in the same node order."""
    import networkx as nx

    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    simple.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    return simple


# Resolving what the user typed -------------------------------------------------
def resolve_node(graph: nx.Graph, value: str, executor: Executor | None = None) -> str:
    """A node of ``graph`` from an IRI, a CURIE (ent:china) or a label ("China").

    Labels are matched on the nodes first (case-insensitive), then, with an
    executor, on every preferred and alternative label of the knowledge graph.
    """
    from kgtool.query import label_resolver
    from kgtool.terms import expand_iri

    iri = expand_iri(value)
    if iri is not None and iri in graph:
        return iri
    wanted = value.strip().lower()
    matches = sorted(
        n for n, d in graph.nodes(data=True) if str(d.get("label", "")).lower() == wanted
    )
    if len(matches) > 1:
        raise QueryError(
            f"label {value!r} matches several nodes: {', '.join(map(compact_iri, matches[:5]))}",
            hint="pass the IRI or CURIE instead",
        )
    if matches:
        return matches[0]
    if iri is None and executor is not None:
        iri = label_resolver(executor)(value)
        if iri is not None and iri in graph:
            return iri
    names = sorted(str(d.get("label", "")) for _, d in graph.nodes(data=True))
    close = difflib.get_close_matches(value, names, n=3, cutoff=0.5)
    hint = f"did you mean: {', '.join(close)}?" if close else "run 'kgtool network stats' to see it"
    raise NotFoundError(f"{value!r} is not a node of the {_kind(graph)} graph", hint=hint)


# Statistics ----------------------------------------------------------------------
@dataclass(frozen=True)
class Ranked:
    """One node and its score in a ranking."""

    node: str
    label: str
    kind: str
    score: float


@dataclass
class NetworkStats:
    """Size, connectivity and the most central nodes of one network."""

    kind: str
    nodes: int
    edges: int
    components: list[list[str]] = field(default_factory=list)
    degree: list[Ranked] = field(default_factory=list)
    betweenness: list[Ranked] = field(default_factory=list)
    claims: list[Ranked] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for ranking in ("degree", "betweenness", "claims"):
            for item in data[ranking]:
                item["node"] = compact_iri(item["node"])
        return data

    def table(self) -> str:
        """Aligned text for a terminal."""
        sizes = ", ".join(str(len(c)) for c in self.components)
        lines = [
            f"{self.kind}: {self.nodes} nodes, {self.edges} edges, "
            f"{len(self.components)} weakly connected component(s) of sizes {sizes}",
        ]
        width = max(
            (len(item.label) for r in (self.claims, self.degree, self.betweenness) for item in r),
            default=0,
        )
        for title, ranking, fmt in (
            ("claims", self.claims, "{:.0f}"),
            ("degree centrality", self.degree, "{:.3f}"),
            ("betweenness centrality", self.betweenness, "{:.3f}"),
        ):
            lines.append("")
            lines.append(f"top {len(ranking)} by {title}:")
            for rank, item in enumerate(ranking, 1):
                score = fmt.format(item.score)
                lines.append(f"  {rank:>2}. {item.label:<{width}}  {score:>7}  {item.kind}")
        return "\n".join(lines)


def stats(graph: nx.Graph, top: int = 5) -> NetworkStats:
    """Degree and betweenness centrality, weakly connected components, top-k by claims."""
    import networkx as nx

    simple = _simple(graph)
    components = (
        nx.weakly_connected_components(graph)
        if graph.is_directed()
        else nx.connected_components(graph)
    )
    ordered = sorted(
        (sorted(_label(graph, n) for n in c) for c in components), key=lambda c: (-len(c), c)
    )

    def ranking(scores: dict[str, float]) -> list[Ranked]:
        best = sorted(scores.items(), key=lambda item: (-item[1], _label(graph, item[0]), item[0]))
        return [
            Ranked(node, _label(graph, node), str(graph.nodes[node].get("kind", "")), score)
            for node, score in best[: max(top, 0)]
        ]

    claims = {n: float(d.get("claims", 0)) for n, d in graph.nodes(data=True)}
    return NetworkStats(
        kind=_kind(graph),
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        components=ordered,
        degree=ranking(nx.degree_centrality(simple) if len(simple) > 1 else {}),
        betweenness=ranking(nx.betweenness_centrality(simple) if len(simple) > 1 else {}),
        claims=ranking(claims),
    )


# Paths ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Hop:
    """One step of a path: two adjacent nodes and the claims that link them."""

    source: str
    source_label: str
    target: str
    target_label: str
    claims: tuple[str, ...]
    relations: tuple[str, ...]

    @property
    def claim(self) -> str:
        return self.claims[0] if self.claims else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": compact_iri(self.source),
            "from_label": self.source_label,
            "to": compact_iri(self.target),
            "to_label": self.target_label,
            "claims": [compact_iri(c) for c in self.claims],
            "relations": list(self.relations),
        }


def _edges_between(graph: nx.Graph, a: str, b: str) -> list[dict[str, Any]]:
    """The data of every edge between two nodes, either direction, in key order."""
    found: list[dict[str, Any]] = []
    for u, v in ((a, b), (b, a)) if graph.is_directed() else ((a, b),):
        if not graph.has_edge(u, v):
            continue
        if graph.is_multigraph():
            found.extend(graph[u][v][key] for key in sorted(graph[u][v]))
        else:
            found.append(graph[u][v])
    return found


def _hop(graph: nx.Graph, a: str, b: str) -> Hop:
    edges = _edges_between(graph, a, b)
    claims = sorted({c for data in edges for c in data.get("claims", ())})
    relations = sorted(
        {
            str(data.get("fact_kind") or data.get("relation") or data.get("commodity_label", ""))
            for data in edges
        }
        - {""}
    )
    return Hop(a, _label(graph, a), b, _label(graph, b), tuple(claims), tuple(relations))


def path(graph: nx.Graph, a: str, b: str, *, executor: Executor | None = None) -> list[Hop]:
    """The shortest chain of links from ``a`` to ``b``, each hop naming its claims."""
    import networkx as nx

    source = resolve_node(graph, a, executor)
    target = resolve_node(graph, b, executor)
    if source == target:
        return []
    try:
        nodes = nx.shortest_path(_simple(graph), source, target)
    except nx.NetworkXNoPath:
        raise NotFoundError(
            f"no path between {_label(graph, source)} and {_label(graph, target)} "
            f"in the {_kind(graph)} graph",
            hint="try --graph entities, which links every entity a claim's fact involves",
        ) from None
    return [_hop(graph, u, v) for u, v in itertools.pairwise(nodes)]


# Neighbourhoods ------------------------------------------------------------------
def neighbours(
    graph: nx.Graph, entity: str, depth: int = 1, *, executor: Executor | None = None
) -> Any:
    """The subgraph within ``depth`` links of ``entity``; nodes get ``distance``.

    The centre is recorded as ``graph.graph["centre"]`` so pictures can mark it.
    """
    import networkx as nx

    if depth < 0:
        raise QueryError(f"depth must be 0 or more; got {depth}")
    centre = resolve_node(graph, entity, executor)
    distances = nx.single_source_shortest_path_length(_simple(graph), centre, cutoff=depth)
    sub = graph.subgraph(sorted(distances)).copy()
    for node, distance in distances.items():
        sub.nodes[node]["distance"] = distance
    sub.graph.update(centre=centre, depth=depth, name=f"neighbours of {_label(graph, centre)}")
    return sub


@dataclass(frozen=True)
class Neighbour:
    """A node of a neighbourhood and the claims that connect it towards the centre."""

    node: str
    label: str
    kind: str
    distance: int
    via: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": compact_iri(self.node),
            "label": self.label,
            "kind": self.kind,
            "distance": self.distance,
            "via": [compact_iri(c) for c in self.via],
        }


def neighbour_list(sub: nx.Graph) -> list[Neighbour]:
    """The nodes of a :func:`neighbours` subgraph by distance, then label."""
    rows = []
    for node, data in sub.nodes(data=True):
        distance = int(data.get("distance", 0))
        via: set[str] = set()
        for other, other_data in sub.nodes(data=True):
            if int(other_data.get("distance", 0)) == distance - 1:
                for edge in _edges_between(sub, node, other):
                    via.update(edge.get("claims", ()))
        rows.append(
            Neighbour(
                node, _label(sub, node), str(data.get("kind", "")), distance, tuple(sorted(via))
            )
        )
    return sorted(rows, key=lambda n: (n.distance, n.label.lower(), n.node))
