"""Every competency question, answered from the graph by its query in queries/, with provenance.

Each test runs the ``.rq`` file through the CLI, checks the answer the article gives
and that every row's quote is the source text at its offsets; the removal tests show
that the answer disappears when the supporting claim is taken out of the graph.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kgtool.authoring.compile import compile_file
from kgtool.cli import main
from kgtool.project import Project

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "src:koreatimes-2014-07-27-rare-earth-exports"
TEXT = (ROOT / "graph/sources/koreatimes-2014-07-27-rare-earth-exports.txt").read_text("utf-8")
CLAIMS_FILE = "graph/claims/koreatimes-2014-07-27.yaml"  # a claim sheet, compiled by the build


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("queries") / "store"


def ask(capsys: Any, store: Path, name: str, *params: str, project: Path = ROOT) -> Any:
    """Run ``kgtool query NAME --format json`` and return the parsed rows."""
    args = ["--project", str(project), "--store", str(store), "-q", "query", name]
    for param in params:
        args += [param] if param.startswith("--") else ["--param", param]
    code = main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def check_provenance(rows: list[dict[str, Any]]) -> None:
    """Every row is sourced: a claim, a party, a modality, and a quote equal to the text."""
    assert rows
    for row in rows:
        assert row["claim"].startswith("clm:")
        assert row["attributedTo"].startswith("ent:")
        assert row["modality"].startswith("kg:")
        assert row["source"] == SOURCE
        assert TEXT[row["start"] : row["end"]] == row["quote"]


def by_claim(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["claim"]: row for row in rows}


def claims_with(predicate: str) -> set[str]:
    """The claims (as CURIEs) that have kg:PREDICATE in the shipped claims file."""
    iri = "https://w3id.org/kgtool/ontology#" + predicate
    return {
        "clm:" + quad.subject.value.rsplit("/", 1)[1]
        for quad in compiled_claims(ROOT)
        if quad.predicate.value == iri
    }


def compiled_claims(root: Path) -> list[ox.Triple]:
    """The triples the build compiles the claims sheet into."""
    compiled = compile_file(Project(root), root / CLAIMS_FILE)
    return list(ox.parse(compiled.ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))


def edit_sheet(root: Path, change: Callable[[Any], None]) -> None:
    """Load the claims sheet of a project copy, let ``change`` edit it, write it back."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 4096
    path = root / CLAIMS_FILE
    data = yaml.load(path.read_text("utf-8"))
    change(data)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)


def test_q1_trade_flows(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "trade-flows")
    check_provenance(rows)
    assert {r["importerLabel"] for r in rows} == {"China"}
    rare = [r for r in rows if r["commodityLabel"] == "rare earth elements"]
    assert sorted(r["edtf"] for r in rare) == ["2013-01", "2014", "2014-05", "2014-06"]
    january = next(r for r in rare if r["edtf"] == "2013-01")
    assert january["statedTime"] == "Last January"
    assert january["resolution"] == "kg:ResolvedFromContext"
    assert "commodity" in january["interpreted"]
    earlier = [r for r in rows if r.get("qualifier") == "mostly"]
    assert {r["commodityLabel"] for r in earlier} == {"anthracite", "iron ore"}
    assert {r["statedTime"] for r in earlier} == {"previously"}
    yearly = next(r for r in rows if r.get("ratePer") == "P1Y")
    assert (yearly["commodityLabel"], yearly["quantity"], yearly["unit"]) == (
        "anthracite",
        11000000,
        "TNE",
    )


def test_q1_period_and_commodity_filters(capsys: Any, store_dir: Path) -> None:
    may = ask(capsys, store_dir, "trade-flows", "from=2014-05-01", "to=2014-05-31")
    assert "2014-05" in {r.get("edtf") for r in may}
    assert not {"2014-06", "2013-01"} & {r.get("edtf") for r in may}
    coal = ask(capsys, store_dir, "trade-flows", "commodity=ent:coal")
    assert {r["commodityLabel"] for r in coal} == {"anthracite"}
    minerals = ask(capsys, store_dir, "trade-flows", "commodity=minerals")
    assert {"rare earth elements", "iron ore", "anthracite", "minerals"} == {
        r["commodityLabel"] for r in minerals
    }
    assert ask(capsys, store_dir, "trade-flows", "importer=ent:japan") == []


def test_q2_monthly_exports(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "monthly-exports")
    check_provenance(rows)
    got = {(r["month"], r["value"], r["currency"]) for r in rows}
    assert got == {("2014-05", 550000, "USD"), ("2014-06", 1330000, "USD")}
    for row in rows:
        assert row["attributedTo"] == "ent:kita"
        assert row["attributedToLabel"] == "Korea International Trade Association"
        assert row["modality"] == "kg:Reported"
        assert row["citedSource"] == "src:kita-report-2014"
        assert set(row["interpreted"].split(", ")) == {"commodity", "importer"}
        assert (row["commodityLabel"], row["importerLabel"]) == ("rare earth elements", "China")
        assert row["resolution"] == "kg:ResolvedFromContext" and row["resolutionNote"]
        assert "KITA" in row["quote"]
    assert len({r["claim"] for r in rows}) == len(rows)  # one row per flow


def test_interpreted_names_each_claims_properties_or_nothing(capsys: Any, store_dir: Path) -> None:
    """`interpreted` joins a claim's kg:interpretedProperty names (GROUP BY); a claim
    without any has no value at all, not an empty string, and keeps its one row."""
    interpreted = claims_with("interpretedProperty")
    seen = {True: 0, False: 0}
    for name in ("trade-flows", "first-export", "earnings-change", "monthly-exports"):
        rows = ask(capsys, store_dir, name)
        assert rows, name
        for row in rows:
            has = row["claim"] in interpreted
            assert ("interpreted" in row) == has, (name, row["claim"])
            assert row.get("interpreted", "x"), (name, row["claim"])
            seen[has] += 1
    assert seen[True] and seen[False]


def test_q3_monthly_total_is_computed(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "monthly-exports-total")
    assert len(rows) == 1
    total = rows[0]
    assert (total["currency"], total["total"], total["months"]) == ("USD", 1880000, 2)
    months = ask(capsys, store_dir, "monthly-exports")
    assert total["total"] == sum(r["value"] for r in months)
    # computed, not stored: no literal 1880000 anywhere in the graph
    assert "1880000" not in (ROOT / CLAIMS_FILE).read_text("utf-8")
    assert ask(capsys, store_dir, "monthly-exports-total", "from=2014-06-01")[0]["total"] == (
        1330000
    )


def test_q4_first_export(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "first-export")
    check_provenance(rows)
    (row,) = rows
    assert row["statedTime"] == "Last January" and row["edtf"] == "2013-01"
    assert row["resolution"] == "kg:ResolvedFromContext"
    assert "posting date" in row["resolutionNote"]
    assert row["valueStated"] == "nearly $25,000"
    assert (row["maxValue"], row["currency"], row["approximation"]) == (25000, "USD", "kg:Below")
    assert "value" not in row


def test_q5_reserves(capsys: Any, store_dir: Path) -> None:
    (row,) = ask(capsys, store_dir, "reserves")
    check_provenance([row])
    assert (row["quantity"], row["unit"]) == (20000000, "TNE")
    assert row["modality"] == "kg:Estimated"
    assert row["attributedTo"] == "ent:kang-hyun-kyung"  # no estimating party is named
    assert row["quantityStated"] == "an estimated 20 million tons"


def test_q6_earnings_change(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "earnings-change")
    check_provenance(rows)
    got = {(r["commodityLabel"], r["changePercent"], r["unit"]) for r in rows}
    assert got == {("anthracite", -23, "P1"), ("iron ore", -5, "P1")}
    for row in rows:
        assert row["attributedTo"] == "ent:kita" and row["citedSource"] == "src:kita-report-2014"
        assert row["edtf"] == "2014-01/2014-06"
        assert "wasAttributedTo" in row["interpreted"]


def test_q7_trade_share(capsys: Any, store_dir: Path) -> None:
    (row,) = ask(capsys, store_dir, "trade-share")
    check_provenance([row])
    assert (row["commodityLabel"], row["share"], row["unit"]) == ("natural resources", 73, "P1")
    assert row["edtf"] == "2012"
    assert ask(capsys, store_dir, "trade-share", "year=2013") == []


def test_q8_annual_export_volume(capsys: Any, store_dir: Path) -> None:
    (row,) = ask(capsys, store_dir, "annual-export-volume")
    check_provenance([row])
    assert (row["commodityLabel"], row["quantity"], row["unit"], row["ratePer"]) == (
        "anthracite",
        11000000,
        "TNE",
        "P1Y",
    )
    assert "anthracitic" in row["quote"]


def test_q9_non_asserted_claims(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "non-asserted-claims")
    check_provenance(rows)
    assert "kg:Asserted" not in {r["modality"] for r in rows}
    pairs = {(r["attributedTo"], r["modality"]) for r in rows}
    assert ("ent:some-experts", "kg:Alleged") in pairs
    assert ("ent:unnamed-reports", "kg:Reported") in pairs
    assert ("ent:kang-hyun-kyung", "kg:Speculated") in pairs
    assert ("ent:kang-hyun-kyung", "kg:Interpretation") in pairs
    choi = {r["modality"] for r in rows if r["attributedTo"] == "ent:choi-kyung-soo"}
    assert {"kg:Opinion", "kg:Quotation", "kg:Recommendation"} <= choi
    reported = next(r for r in rows if r["attributedTo"] == "ent:unnamed-reports")
    assert "reportedly" in reported["quote"] and "Japanese company" in reported["quote"]


def test_q9_claims_by_modality_and_party(capsys: Any, store_dir: Path) -> None:
    alleged = ask(capsys, store_dir, "claims-by-modality")
    check_provenance(alleged)
    assert {r["attributedTo"] for r in alleged} == {"ent:some-experts"}
    kita = ask(capsys, store_dir, "claims-by-party")
    check_provenance(kita)
    assert {r["attributedTo"] for r in kita} == {"ent:kita"}
    assert {r["claim"] for r in kita} >= {"clm:kt140727-01", "clm:kt140727-10"}
    # the cited document is the one the claim cites in the graph, and only then
    cited = {r["claim"] for r in kita if "citedSource" in r}
    assert cited == {r["claim"] for r in kita} & claims_with("citesSource")
    assert all(r["citedSourceName"].startswith("KITA report") for r in kita if r["claim"] in cited)


def test_q10_person_profile(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "person-profile")
    check_provenance(rows)
    aspects = {r["aspect"]: r for r in rows}
    assert aspects["position"]["valueLabel"] == "President of the North Korea Resources Institute"
    org = aspects["organization"]
    assert org["valueLabel"] == "North Korea Resources Institute"
    assert org["organizationType"] == "non-profit think tank"
    assert org["basedInLabel"] == "Seoul"


def test_q11_speech_acts(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "speech-acts")
    check_provenance(rows)
    kinds = {r["kind"]: r for r in rows}
    assert {"direct quotation", "concern", "indication", "call to action", "construal"} <= set(
        kinds
    )
    quote = kinds["direct quotation"]
    assert "President Park Geun-hye's optimistic view" in quote["content"]
    assert quote["content"] in TEXT and quote["modality"] == "kg:Quotation"
    assert "resources drain" in kinds["indication"]["content"]
    call = kinds["call to action"]
    assert call["addresseeLabel"] == "Seoul officials"
    assert "roadmap" in call["requestedActions"] and "tailor-made" in call["requestedActions"]


def test_q12_sanctions(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "sanctions")
    check_provenance(rows)
    assert "United Nations" in {r.get("leaderLabel") for r in rows}
    for row in rows:
        assert set(row["reasons"].split(", ")) == {"missile launches", "nuclear weapons tests"}
    assert any("international community" in r["imposers"] for r in rows)


def test_q13_sole_trading_partner(capsys: Any, store_dir: Path) -> None:
    (row,) = ask(capsys, store_dir, "sole-trading-partner")
    check_provenance([row])
    assert row["partnerLabel"] == "China"
    assert (row["attributedTo"], row["modality"]) == ("ent:some-experts", "kg:Alleged")
    assert "only country" in row["quote"]


def test_q14_factory_history(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "factory-history")
    check_provenance(rows)
    events = {r["event"]: r for r in rows}
    factory = events["factory operation"]
    assert factory["operatorLabel"] == "a Japanese company"
    assert factory["statedTime"] == "In the late 1980s or early 1990s"
    assert factory["modality"] == "kg:Reported" and factory["attributedTo"] == "ent:unnamed-reports"
    assert "United Nations" in events["business withdrawal"]["causeDescription"]
    assert ask(capsys, store_dir, "factory-history", "before=1980-01-01") == []


def test_q15_commodity_facts(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "commodity-facts")
    check_provenance(rows)
    kinds = {r["factKind"]: r for r in rows}
    assert (kinds["commodity definition"]["number"], kinds["commodity definition"]["unit"]) == (
        17,
        "C62",
    )
    designation = kinds["designation"]
    assert designation["designatedAs"] == "technology metals"
    assert designation["designatorLabel"] == "United States Department of Energy"
    assert "smartphones" in kinds["commodity use"]["description"]
    assert kinds["demand trend"]["trend"] == "increase"


def test_q16_claim_provenance(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "claim-provenance", "claim=clm:kt140727-01")
    check_provenance(rows)
    (row,) = rows
    assert row["headline"] == "Rare earth elements boost NK income"
    assert (row["publisherLabel"], row["authorLabel"]) == ("The Korea Times", "Kang Hyun-kyung")
    assert row["datePublished"].startswith("2014-07-27")
    assert row["url"].startswith("https://www.koreatimes.co.kr/")
    assert (row["start"], row["end"]) == (30, 217)
    assert row["citedSource"] == "src:kita-report-2014" and row["citedAuthorLabel"] == (
        "Korea International Trade Association"
    )
    every = ask(capsys, store_dir, "claim-provenance")
    check_provenance(every)
    assert len({r["claim"] for r in every}) == len(every) >= 35
    # only the claims that cite a document in the graph have one (5 of 35), not every
    # claim the KITA report
    citing = claims_with("citesSource")
    assert {r["claim"] for r in every if "citedSource" in r} == citing
    assert len(citing) == 5
    assert not any("citedAuthorLabel" in r for r in every if r["claim"] not in citing)


def test_q17_entity_mentions(capsys: Any, store_dir: Path) -> None:
    rows = ask(capsys, store_dir, "entity-mentions")
    surfaces = {r["surface"].lower() for r in rows}
    assert {"the north", "the communist country", "the pyongyang regime"} <= surfaces
    for row in rows:
        assert TEXT[row["start"] : row["end"]] == row["surface"]
        assert row["source"] == SOURCE
    kita = ask(capsys, store_dir, "entity-mentions", "entity=KITA")
    assert "KITA" in {r["surface"] for r in kita}


def test_other_questions(capsys: Any, store_dir: Path) -> None:
    interpretations = ask(capsys, store_dir, "interpretations")
    check_provenance(interpretations)
    assert "clm:kt140727-01" in {r["claim"] for r in interpretations}
    assert all(r.get("interpreted") or r.get("resolutionNote") for r in interpretations)
    numbers = ask(capsys, store_dir, "quantities")
    check_provenance(numbers)
    assert {"USD", "TNE", "P1", "C62"} <= {r["unitOrCurrency"] for r in numbers}
    tons = ask(capsys, store_dir, "quantities", "unit=TNE")
    assert {Decimal(r["value"]) for r in tons} == {Decimal(20000000), Decimal(11000000)}
    china = ask(capsys, store_dir, "entity-claims")
    check_provenance(china)
    assert {"exporter", "importer", "partner country"} & {r["role"] for r in china}
    search = ask(capsys, store_dir, "quote-search", "text=ANTHRACITIC")
    check_provenance(search)
    assert all("anthracitic" in r["quote"].lower() for r in search)
    period = ask(capsys, store_dir, "claims-in-period", "from=2012-01-01", "to=2012-12-31")
    assert "clm:kt140727-19" in {r["claim"] for r in period}


# The answer comes from the graph: take the claim out and it disappears ----------------
def remove_claim(project: Project, claim: str) -> None:
    """Rewrite the claims sheet of a project copy without the claim."""

    def drop(data: Any) -> None:
        before = len(data["claims"])
        data["claims"] = [c for c in data["claims"] if c.get("id") != claim]
        assert len(data["claims"]) == before - 1

    edit_sheet(project.root, drop)


@pytest.mark.parametrize(
    ("query", "claim"),
    [
        ("monthly-exports", "kt140727-01"),
        ("first-export", "kt140727-03"),
        ("reserves", "kt140727-05"),
        ("trade-share", "kt140727-19"),
        ("annual-export-volume", "kt140727-20"),
        ("sole-trading-partner", "kt140727-22"),
        ("person-profile", "kt140727-27"),
        ("speech-acts", "kt140727-35"),
    ],
)
def test_answer_disappears_without_its_claim(
    capsys: Any, project_copy: Project, query: str, claim: str
) -> None:
    store = project_copy.root / "store"
    before = ask(capsys, store, query, project=project_copy.root)
    assert "clm:" + claim in {r["claim"] for r in before}
    remove_claim(project_copy, claim)
    after = ask(capsys, store, query, project=project_copy.root)
    assert "clm:" + claim not in {r["claim"] for r in after}
    assert len(after) < len(before)


def test_flow_without_importer(capsys: Any, project_copy: Project) -> None:
    """A flow whose importer is taken out has no importer: not China, not every entity."""
    store = project_copy.root / "store"

    def drop_importer(data: Any) -> None:
        (claim,) = [c for c in data["claims"] if c.get("id") == "kt140727-01"]
        del claim["TradeFlow"]["importer"]

    edit_sheet(project_copy.root, drop_importer)
    months = ask(capsys, store, "monthly-exports", project=project_copy.root)
    (row,) = [r for r in months if r["claim"] == "clm:kt140727-01"]
    assert "importerLabel" not in row
    assert len(months) == 2
    flows = ask(capsys, store, "trade-flows", project=project_copy.root)
    assert "clm:kt140727-01" not in {r["claim"] for r in flows}
    assert {r["importerLabel"] for r in flows} == {"China"}


def test_total_follows_the_graph(capsys: Any, project_copy: Project) -> None:
    store = project_copy.root / "store"
    remove_claim(project_copy, "kt140727-01")
    (row,) = ask(capsys, store, "monthly-exports-total", project=project_copy.root)
    assert (row["total"], row["months"]) == (1330000, 1)


# The same answers from a SPARQL server whose default graph is the union ----------------
@pytest.fixture(scope="module")
def oxigraph_query_url(tmp_path_factory: pytest.TempPathFactory, shipped_store: Any) -> Any:
    """A real ``oxigraph serve --union-default-graph`` holding the shipped graph."""
    import socket
    import subprocess
    import sys
    import time

    import requests

    from kgtool.remote import Endpoint

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    location = tmp_path_factory.mktemp("oxigraph-queries")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "oxigraph"),
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/query", params={"query": "ASK {}"}, timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "oxigraph did not start"
                time.sleep(0.1)
        Endpoint.from_base(base, timeout=120).push(shipped_store)
        yield base + "/query"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.server
def test_every_query_runs_on_a_union_default_graph_server(
    capsys: Any, store_dir: Path, oxigraph_query_url: str
) -> None:
    from kgtool.query import list_queries

    for query in list_queries(ROOT / "queries"):
        if "CONSTRUCT" in query.text:
            continue
        local = ask(capsys, store_dir, query.name)
        remote = ask(capsys, store_dir, query.name, f"--endpoint={oxigraph_query_url}")
        key = json.dumps
        assert sorted(map(key, remote)) == sorted(map(key, local)), query.name
