"""networkx graphs built from the knowledge graph by SPARQL, through any Executor.

The rows come from kgtool/sparql/network-*.rq, so an embedded store and a
remote endpoint give the same graph; this module only arranges them into
nodes and edges. Node ids are full IRIs; every edge carries the claims that
support it (``claims``: a sorted list of claim IRIs, ``claim``: the first).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import kgtool.network.labels as labels
from kgtool.errors import QueryError
from kgtool.results import compact_iri

if TYPE_CHECKING:
    import networkx as nx

    from kgtool.query import Executor

#: the graphs kgtool can build, by the name the CLI and the web page use
KINDS = ("trade", "entities", "provenance")
#: the node standing for "importer not stated" in the trade network
UNSPECIFIED_IMPORTER = "urn:kgtool:unspecified-importer"


def _rows(executor: Executor, name: str) -> list[dict[str, Any]]:
    """The solutions of one package query as dicts: IRIs as strings, numbers as floats."""
    import pyoxigraph as ox

    from kgtool.query import package_query

    query = package_query(name)
    result = executor.execute(query.text, {})
    numeric = {"decimal", "double", "float", "integer", "nonNegativeInteger", "int", "long"}
    rows = []
    for row in result.rows:
        record: dict[str, Any] = {}
        for variable, term in zip(result.variables, row, strict=True):
            if term is None:
                continue
            if isinstance(term, ox.Literal) and labels.local_name(term.datatype.value) in numeric:
                record[variable] = float(term.value)
            else:
                record[variable] = term.value
        rows.append(record)
    return rows


def _add_claim(data: dict[str, Any], claim: str, modality: str | None) -> None:
    """Record one more supporting claim (and its modality) on an edge being built."""
    if claim not in data["claims"]:
        data["claims"].append(claim)
        data["claims"].sort()
        data["claim"] = data["claims"][0]
    if modality and modality not in data["modalities"]:
        data["modalities"].append(modality)
        data["modalities"].sort()
        data["modality"] = ", ".join(data["modalities"])


def _count_claims(graph: nx.Graph) -> None:
    """Set each node's ``claims`` to the number of distinct claims on its edges."""
    for node in graph.nodes:
        claims: set[str] = set()
        for edge in _incident(graph, node):
            claims.update(edge.get("claims", ()))
        graph.nodes[node]["claims"] = len(claims)


def _incident(graph: nx.Graph, node: str) -> Iterable[dict[str, Any]]:
    if graph.is_directed():
        yield from (data for *_, data in graph.in_edges(node, data=True))
        yield from (data for *_, data in graph.out_edges(node, data=True))
    else:
        yield from (data for *_, data in graph.edges(node, data=True))


# Trade network -----------------------------------------------------------------
def trade_network(executor: Executor) -> nx.MultiDiGraph:
    """Countries and the trade flows the claims state between them.

    One edge per trade flow fact and commodity, exporter -> importer, with the
    value (USD), quantity, period as stated and as resolved, the claims and
    their modality; ``weight`` is the value where the text gives one.
    """
    import networkx as nx

    graph = nx.MultiDiGraph(kind="trade", name="trade network")
    flows: dict[tuple[str, str], dict[str, Any]] = {}
    for row in _rows(executor, "network-trade-flows"):
        exporter = row["exporter"]
        importer = row.get("importer", UNSPECIFIED_IMPORTER)
        _add_country(graph, exporter, row, "exporter")
        _add_country(graph, importer, row, "importer")
        key = (row["fact"], row["commodity"])
        if key not in flows:
            flows[key] = _flow(row, exporter, importer)
        _add_claim(flows[key], row["claim"], row.get("modalityLabel"))
    for (fact, commodity), data in sorted(flows.items()):
        source, target = data.pop("_source"), data.pop("_target")
        graph.add_edge(source, target, key=f"{fact} {commodity}", **data)
    _count_claims(graph)
    return _sorted_copy(graph)


def _add_country(graph: nx.MultiDiGraph, iri: str, row: dict[str, Any], role: str) -> None:
    if iri in graph:
        return
    if iri == UNSPECIFIED_IMPORTER:
        graph.add_node(iri, label="importer not stated", kind="unspecified", curie=iri)
        return
    graph.add_node(
        iri,
        label=row.get(f"{role}Label") or compact_iri(iri),
        kind="country",
        curie=compact_iri(iri),
        iso=row.get(f"{role}Iso2", ""),
        iso3=row.get(f"{role}Iso3", ""),
    )


def _flow(row: dict[str, Any], exporter: str, importer: str) -> dict[str, Any]:
    """The attributes of one trade edge from the first row of its fact and commodity."""
    value = row.get("value")
    approximation = labels.local_name(row.get("approximation"))
    data: dict[str, Any] = {
        "_source": exporter,
        "_target": importer,
        "fact": row["fact"],
        "commodity": row["commodity"],
        "commodity_label": row.get("commodityLabel") or compact_iri(row["commodity"]),
        "value_text": labels.money(
            value,
            minimum=row.get("minValue"),
            maximum=row.get("maxValue"),
            currency=row.get("currency"),
            approximation=approximation,
        ),
        "quantity_text": labels.quantity(
            row.get("quantity"), row.get("unit"), row.get("unitText"), row.get("ratePer")
        ),
        "period": row.get("edtf", ""),
        "period_stated": row.get("periodStated", ""),
        "period_text": labels.period(row.get("edtf"), row.get("periodStated")),
        "claims": [],
        "modalities": [],
    }
    optional = {
        "value": value,
        "value_min": row.get("minValue"),
        "value_max": row.get("maxValue"),
        "currency": row.get("currency"),
        "approximation": approximation or None,
        "value_stated": row.get("valueStated"),
        "quantity": row.get("quantity"),
        "unit": row.get("unit"),
        "unit_text": row.get("unitText"),
        "quantity_stated": row.get("quantityStated"),
        "rate_per": row.get("ratePer"),
        "qualifier": row.get("qualifier"),
        "earliest": row.get("earliest"),
        "latest": row.get("latest"),
        "period_resolution": labels.local_name(row.get("resolution")) or None,
        "weight": value,
    }
    data.update({name: item for name, item in optional.items() if item is not None})
    return data


# Entity graph --------------------------------------------------------------------
def entity_graph(executor: Executor) -> nx.MultiGraph:
    """Entities, linked once per claim whose fact involves both.

    Nodes carry label, kind and ``claims`` (how many claims involve the entity
    or are attributed to it); edges carry the claim, the fact kind, the
    claim's modality and the two roles.
    """
    import networkx as nx

    graph = nx.MultiGraph(kind="entities", name="entity graph")
    for row in _rows(executor, "network-entities"):
        graph.add_node(
            row["entity"],
            label=row.get("label") or compact_iri(row["entity"]),
            kind=row.get("kindLabel") or labels.local_name(row.get("kind")),
            curie=compact_iri(row["entity"]),
            claims=int(row.get("claims", 0)),
        )
    links: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in _rows(executor, "network-entity-links"):
        key = (row["a"], row["b"], row["claim"])
        data = links.setdefault(
            key,
            {
                "claim": row["claim"],
                "claims": [row["claim"]],
                "fact": row["fact"],
                "fact_kind": row.get("factKind") or labels.local_name(row.get("factClass")),
                "modality": row.get("modalityLabel") or labels.local_name(row.get("modality")),
                "roles_a": [],
                "roles_b": [],
            },
        )
        for side in ("a", "b"):
            role = row[f"role{side.upper()}"]
            if role not in data[f"roles_{side}"]:
                data[f"roles_{side}"].append(role)
    for (a, b, claim), data in sorted(links.items()):
        for node in (a, b):
            if node not in graph:  # an entity without a kg:Entity class: still a node
                graph.add_node(
                    node, label=compact_iri(node), kind="entity", curie=compact_iri(node)
                )
        roles = {
            a: ", ".join(sorted(data.pop("roles_a"))),
            b: ", ".join(sorted(data.pop("roles_b"))),
        }
        graph.add_edge(a, b, key=claim, roles=f"{roles[a]} / {roles[b]}", **data)
    return _sorted_copy(graph)


# Provenance graph ------------------------------------------------------------------
def provenance_graph(executor: Executor) -> nx.DiGraph:
    """Claims -> attributed parties -> cited upstream documents -> the source article.

    Each claim also points at its source document directly. Edges carry
    ``relation`` and the claims they stand for.
    """
    import networkx as nx

    graph = nx.DiGraph(kind="provenance", name="provenance graph")

    def link(source: str, target: str, relation: str, claim: str, modality: str) -> None:
        if not graph.has_edge(source, target):
            graph.add_edge(source, target, relation=relation, claims=[], modalities=[])
        _add_claim(graph.edges[source, target], claim, modality)

    for row in _rows(executor, "network-provenance"):
        claim, party, source = row["claim"], row["party"], row["source"]
        modality = row.get("modalityLabel") or labels.local_name(row.get("modality"))
        graph.add_node(
            claim,
            label=compact_iri(claim),
            statement=row.get("claimLabel", ""),
            kind="claim",
            curie=compact_iri(claim),
            modality=modality,
        )
        graph.add_node(
            party,
            label=row.get("partyLabel") or compact_iri(party),
            kind="party",
            party_kind=row.get("partyKindLabel") or labels.local_name(row.get("partyKind")),
            curie=compact_iri(party),
        )
        graph.add_node(
            source,
            label=row.get("sourceName") or compact_iri(source),
            kind="source document",
            curie=compact_iri(source),
        )
        link(claim, party, "attributed to", claim, modality)
        link(claim, source, "in source", claim, modality)
        cited = row.get("cited")
        if cited:
            graph.add_node(
                cited,
                label=row.get("citedName") or compact_iri(cited),
                kind="cited document",
                curie=compact_iri(cited),
            )
            link(party, cited, "cites", claim, modality)
            link(cited, source, "cited in", claim, modality)
    _count_claims(graph)
    for _node, data in graph.nodes(data=True):
        if data["kind"] == "claim":
            data["claims"] = 1
    return _sorted_copy(graph)


def _sorted_copy(graph: nx.Graph) -> Any:
    """The same graph with nodes and edges inserted in IRI order (stable exports)."""
    copy = graph.__class__(**graph.graph)
    copy.add_nodes_from(sorted(graph.nodes(data=True)))
    if graph.is_multigraph():
        edges = graph.edges(keys=True, data=True)
        copy.add_edges_from(sorted(edges, key=lambda edge: (edge[0], edge[1], edge[2])))
    else:
        copy.add_edges_from(sorted(graph.edges(data=True), key=lambda edge: (edge[0], edge[1])))
    return copy


def build(kind: str, executor: Executor) -> nx.Graph:
    """One of :data:`KINDS` by name."""
    builders = {"trade": trade_network, "entities": entity_graph, "provenance": provenance_graph}
    if kind not in builders:
        raise QueryError(f"unknown graph '{kind}'", hint=f"use one of: {', '.join(KINDS)}")
    return builders[kind](executor)
