"""The trade network, entity and provenance graphs, their analytics, files and pictures.

Expected answers are computed here by direct SPARQL over the shipped graph
(not copied from the builders' queries), plus a few facts read in the article.
"""

from __future__ import annotations

import shutil
import struct
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from kgtool.cli import main
from kgtool.errors import NotFoundError
from kgtool.network import (
    GraphvizMissing,
    build,
    draw,
    entity_graph,
    file_safe,
    neighbour_list,
    neighbours,
    path,
    provenance_graph,
    render,
    render_svg,
    stats,
    trade_network,
    write_gexf,
    write_graphml,
)
from kgtool.network import labels as fmt
from kgtool.query import LocalExecutor

ENT = "https://w3id.org/kgtool/entity/"
CLM = "https://w3id.org/kgtool/claim/"
PREFIXES = """
PREFIX kg: <https://w3id.org/kgtool/ontology#>
PREFIX schema: <http://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed")


@pytest.fixture(scope="module")
def executor(shipped_store):
    return LocalExecutor(shipped_store)


@pytest.fixture(scope="module")
def trade(executor):
    return trade_network(executor)


@pytest.fixture(scope="module")
def entities(executor):
    return entity_graph(executor)


def select(store, body: str) -> list[dict[str, str]]:
    """Rows of a SELECT over the shipped store as {variable: lexical value}."""
    solutions = store.query(PREFIXES + body)
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


# Trade network -------------------------------------------------------------------
def test_trade_network_has_one_edge_per_flow_and_commodity(shipped_store, trade):
    rows = select(
        shipped_store,
        """SELECT ?fact ?exporter ?importer ?commodity ?value ?claim WHERE {
             ?fact a kg:TradeFlow ; kg:exporter ?exporter ; kg:importer ?importer ;
                   kg:commodity ?commodity .
             ?claim kg:states ?fact .
             OPTIONAL { ?fact kg:tradeValue ?money . ?money schema:value ?value }
           }""",
    )
    assert rows, "the shipped graph states trade flows"
    expected_nodes = {r["exporter"] for r in rows} | {r["importer"] for r in rows}
    assert set(trade.nodes) == expected_nodes
    expected_edges = Counter(
        (r["exporter"], r["importer"], r["commodity"])
        for r in {(r["fact"], r["commodity"]): r for r in rows}.values()
    )
    found = Counter((u, v, d["commodity"]) for u, v, d in trade.edges(data=True))
    assert found == expected_edges
    by_fact = {(d["fact"], d["commodity"]): d for *_, d in trade.edges(data=True)}
    for row in rows:
        data = by_fact[(row["fact"], row["commodity"])]
        assert row["claim"] in data["claims"]
        if "value" in row:
            assert data["value"] == float(row["value"]) == data["weight"]
        else:
            assert "value" not in data and "weight" not in data


def test_trade_nodes_are_countries_with_iso_codes(shipped_store, trade):
    codes = {
        r["country"]: r["iso"]
        for r in select(shipped_store, "SELECT ?country ?iso { ?country kg:iso3166Alpha2 ?iso }")
    }
    for node, data in trade.nodes(data=True):
        assert data["kind"] == "country"
        assert data["iso"] == codes[node]


def test_article_flows_north_korea_to_china(trade):
    north_korea, china = ENT + "north-korea", ENT + "china"
    rare = [
        d
        for d in trade[north_korea][china].values()
        if d["commodity_label"] == "rare earth elements"
    ]
    may = [d for d in rare if d["period"] == "2014-05"]
    assert len(may) == 1
    assert may[0]["value"] == 550000
    assert may[0]["value_text"] == "US$550,000"
    assert may[0]["period_stated"] == "May"
    assert may[0]["modality"] == "reported"
    first = [d for d in rare if d.get("value_max") == 25000]
    assert first and first[0]["value_text"] == "under US$25,000"
    anthracite = [d for d in trade[north_korea][china].values() if d.get("quantity") == 11_000_000]
    assert anthracite[0]["quantity_text"] == "11,000,000 t a year"


# Entity graph, paths and neighbourhoods -----------------------------------------------
def test_path_from_united_nations_to_china_names_claims(shipped_store, entities, executor):
    hops = path(entities, "United Nations", "China", executor=executor)
    assert hops[0].source == ENT + "united-nations"
    assert hops[-1].target == ENT + "china"
    for hop in hops:
        assert hop.claims
        for claim in hop.claims:
            involved = {
                r["entity"]
                for r in select(
                    shipped_store,
                    f"""SELECT ?entity {{ <{claim}> kg:states ?fact . ?fact ?p ?entity .
                                          ?p rdfs:subPropertyOf* kg:involves }}""",
                )
            }
            assert {hop.source, hop.target} <= involved


def test_path_accepts_curies_and_reports_unknown_nodes(entities):
    hops = path(entities, "ent:united-nations", "ent:north-korea")
    assert [h.target for h in hops] == [ENT + "north-korea"]
    with pytest.raises(NotFoundError, match="not a node"):
        path(entities, "Atlantis", "China")


def test_neighbours_grow_with_depth(entities, executor):
    near = neighbours(entities, "China", 1, executor=executor)
    far = neighbours(entities, "China", 2, executor=executor)
    assert ENT + "north-korea" in near and ENT + "united-nations" not in near
    assert ENT + "united-nations" in far and far.nodes[ENT + "united-nations"]["distance"] == 2
    assert set(near) < set(far)
    listed = neighbour_list(near)
    assert listed[0].node == ENT + "china" and listed[0].distance == 0
    assert all(row.via for row in listed[1:])


def test_stats_top_k_by_claims(shipped_store, entities):
    result = stats(entities, top=3)
    assert len(result.claims) == len(result.degree) == len(result.betweenness) == 3
    counts = select(
        shipped_store,
        """SELECT ?entity (COUNT(DISTINCT ?claim) AS ?n) WHERE {
             { ?claim kg:states ?fact . ?fact ?p ?entity . ?p rdfs:subPropertyOf* kg:involves }
             UNION { ?claim prov:wasAttributedTo ?entity }
           } GROUP BY ?entity""",
    )
    best = max(counts, key=lambda r: int(r["n"]))
    assert result.claims[0].node == best["entity"]
    assert result.claims[0].score == int(best["n"])
    assert sum(len(c) for c in result.components) == entities.number_of_nodes()
    assert result.to_dict()["claims"][0]["node"].startswith("ent:")


def test_provenance_graph_links_claims_parties_and_documents(shipped_store, executor):
    graph = provenance_graph(executor)
    claims = {r["c"] for r in select(shipped_store, "SELECT ?c { ?c a kg:Claim }")}
    assert {n for n, d in graph.nodes(data=True) if d["kind"] == "claim"} == claims
    kita_claim = CLM + "kt140727-01"
    assert graph.has_edge(kita_claim, ENT + "kita")
    cited = [v for _, v in graph.out_edges(ENT + "kita")]
    assert cited and graph.nodes[cited[0]]["kind"] == "cited document"
    source = next(v for _, v in graph.out_edges(cited[0]))
    assert graph.nodes[source]["kind"] == "source document"
    assert graph.has_edge(kita_claim, source)


# Files -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["trade", "entities", "provenance"])
def test_graphml_round_trips(tmp_path, executor, kind):
    graph = build(kind, executor)
    target = write_graphml(graph, tmp_path / f"{kind}.graphml")
    back = nx.read_graphml(target, force_multigraph=graph.is_multigraph())
    safe = file_safe(graph)
    assert set(back.nodes) == set(safe.nodes)
    for node, data in safe.nodes(data=True):
        assert back.nodes[node] == data
    if graph.is_multigraph():
        original = {(u, v, k): d for u, v, k, d in safe.edges(keys=True, data=True)}
        read = {(u, v, k): d for u, v, k, d in back.edges(keys=True, data=True)}
        if not graph.is_directed():
            read = {(min(u, v), max(u, v), k): d for (u, v, k), d in read.items()}
            original = {(min(u, v), max(u, v), k): d for (u, v, k), d in original.items()}
    else:
        original = {(u, v): d for u, v, d in safe.edges(data=True)}
        read = {(u, v): d for u, v, d in back.edges(data=True)}
    assert read == original


def test_gexf_is_written_and_read(tmp_path, trade):
    target = write_gexf(trade, tmp_path / "trade.gexf")
    back = nx.read_gexf(target)
    assert set(back.nodes) == set(trade.nodes)
    assert back.number_of_edges() == trade.number_of_edges()
    assert {d["label"] for _, d in back.nodes(data=True)} == {
        d["label"] for _, d in trade.nodes(data=True)
    }


def test_labels_format_amounts_and_periods():
    assert fmt.money(1330000) == "US$1,330,000"
    assert fmt.money(maximum=25000, approximation="Below") == "under US$25,000"
    assert fmt.money(minimum=5, currency="EUR") == "over €5"
    assert fmt.period("../2014-07-27") == "until 2014-07-27"
    assert fmt.period(None, "previously") == "“previously”"
    assert fmt.quantity(73, "P1") == "73%"


# Pictures ----------------------------------------------------------------------------
def svg_texts(svg: bytes | str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


@needs_dot
def test_cli_draws_trade_svg_and_png(project_copy, tmp_path):
    base = ["--project", str(project_copy.root), "-q"]
    svg = tmp_path / "trade.svg"
    png = tmp_path / "trade.png"
    assert main([*base, "draw", "trade", "-o", str(svg)]) == 0
    assert main([*base, "draw", "trade", "-o", str(png)]) == 0
    texts = svg_texts(svg.read_bytes())
    from kgtool.store import memory_store

    graph = trade_network(LocalExecutor(memory_store(project_copy)))
    for _, data in graph.nodes(data=True):
        assert data["label"] in texts
    for *_, data in graph.edges(data=True):
        assert data["commodity_label"] in texts
    assert "US$550,000 · 2014-05" in texts
    width, height = png_size(png)
    assert width > 300 and height > 300


@needs_dot
@pytest.mark.parametrize("kind", ["entities", "provenance", "China"])
def test_render_svg_for_the_web_page(executor, kind):
    svg = render_svg(kind, executor)
    assert isinstance(svg, str) and "<svg" in svg
    texts = svg_texts(svg)
    assert any("claims" in t or "Entities" in t or "Where" in t for t in texts)


@needs_dot
def test_pictures_are_deterministic(trade):
    assert render(trade, "svg") == render(trade, "svg")


def test_missing_graphviz_is_a_kgtool_error(monkeypatch, trade, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizMissing, match="install"):
        draw(trade, tmp_path / "trade.svg")


# Command line --------------------------------------------------------------------------
def test_cli_network_commands(project_copy, tmp_path, capsys):
    base = ["--project", str(project_copy.root), "-q", "network"]
    assert main([*base, "stats", "--graph", "entities", "--top", "2", "--format", "json"]) == 0
    assert '"claims"' in capsys.readouterr().out
    assert main([*base, "path", "United Nations", "China"]) == 0
    out = capsys.readouterr().out
    assert "United Nations — North Korea" in out and "clm:kt140727-24" in out
    assert main([*base, "neighbours", "ent:china", "--depth", "1"]) == 0
    assert "North Korea" in capsys.readouterr().out
    target = tmp_path / "entities.gexf"
    assert main([*base, "export", "entities", "-o", str(target)]) == 0
    assert nx.read_gexf(target).number_of_nodes() > 0
    assert main([*base, "path", "Atlantis", "China"]) != 0
    assert capsys.readouterr().err.startswith("error: 'Atlantis' is not a node")
