"""Named queries: headers, parameters as terms, errors as one line, every result format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kgtool.cli import main
from kgtool.errors import QueryError
from kgtool.query import NamedQuery, bind_parameters, list_queries

ROOT = Path(__file__).resolve().parent.parent
QUERIES = list_queries(ROOT / "queries")


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("query") / "store"


def cli(capsys: Any, store: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--project", str(ROOT), "--store", str(store), "-q", *args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]


def test_header_parsing() -> None:
    text = (
        "# title: Exports in a year\n"
        "# description: What EXPORTER sold,\n"
        "#   and to whom.\n"
        "# param: exporter iri = ent:north-korea -- the exporting country\n"
        "# param: year gYear -- optional\n"
        '# param: text string = "two words" -- quoted default\n'
        "# competency: 1, 8\n"
        "SELECT * WHERE { ?s ?p ?o }\n"
    )
    query = NamedQuery.from_text(text, name="exports")
    assert query.title == "Exports in a year"
    assert query.description == "What EXPORTER sold, and to whom."
    assert [(p.name, p.type, p.default) for p in query.parameters] == [
        ("exporter", "iri", "ent:north-korea"),
        ("year", "gYear", None),
        ("text", "string", "two words"),
    ]
    assert query.parameters[0].description == "the exporting country"
    assert query.competency == (1, 8)
    bound = bind_parameters(query, {"year": "2014"})
    assert bound["exporter"] == ox.NamedNode("https://w3id.org/kgtool/entity/north-korea")
    assert bound["year"] == ox.Literal(
        "2014", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")
    )
    with pytest.raises(QueryError, match="bad parameter declaration"):
        NamedQuery.from_text("# param: x nosuchtype\nASK {}")


def test_every_query_has_a_header_and_runs(capsys: Any, store_dir: Path) -> None:
    assert len(QUERIES) >= 20
    for query in QUERIES:
        assert query.title and query.title != query.name, query.name
        assert query.description, query.name
        assert "PREFIX kg:" in query.text, query.name  # runnable anywhere
        fmt = "ttl" if "CONSTRUCT" in query.text else "json"
        code, out, err = cli(capsys, store_dir, "query", query.name, "--format", fmt)
        assert code == 0, f"{query.name}: {err}"
        assert out.strip(), query.name


def test_every_competency_question_has_a_query() -> None:
    answered = {n for q in QUERIES for n in q.competency}
    assert answered == set(range(1, 18))


def test_unknown_query(capsys: Any, store_dir: Path) -> None:
    code, _, err = cli(capsys, store_dir, "query", "no-such-question")
    assert_one_line_error(code, err, "unknown query 'no-such-question'")


def test_unknown_and_ill_typed_parameters(capsys: Any, store_dir: Path) -> None:
    code, _, err = cli(capsys, store_dir, "query", "trade-share", "--param", "year=abc")
    assert_one_line_error(code, err, "year", "gYear", "abc")
    code, _, err = cli(capsys, store_dir, "query", "trade-share", "--param", "nope=1")
    assert_one_line_error(code, err, "no parameter 'nope'")
    code, _, err = cli(capsys, store_dir, "query", "trade-flows", "--param", "from=May")
    assert_one_line_error(code, err, "from", "date")
    code, _, err = cli(capsys, store_dir, "query", "trade-flows", "--param", "exporter")
    assert_one_line_error(code, err, "NAME=VALUE")


def test_syntax_error_has_line_and_column(capsys: Any, store_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.rq"
    bad.write_text("# title: Broken\n# description: x\nSELECT ?s WHERE {\n  ?s ?p \n}\n")
    code, _, err = cli(capsys, store_dir, "query", str(bad))
    assert_one_line_error(code, err, "broken.rq:", "SPARQL syntax error")
    location = err.split("broken.rq:", 1)[1].split(":")
    assert location[0].isdigit() and location[1].isdigit()
    code, _, err = cli(capsys, store_dir, "query", "-e", "SELECT * WHERE { ?s ?p }")
    assert_one_line_error(code, err, "<expression>:1:")


def count_quads(capsys: Any, store: Path) -> int:
    code, out, err = cli(
        capsys,
        store,
        "query",
        "-e",
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        "--format",
        "json",
    )
    assert code == 0, err
    return int(json.loads(out)[0]["n"])


def test_parameters_are_terms_not_text(capsys: Any, store_dir: Path) -> None:
    before = count_quads(capsys, store_dir)
    assert before > 1000
    # an IRI parameter that tries to close the pattern is refused before anything runs
    for value in ["x> } ; DROP ALL ; #", "http://x> } ; DROP ALL ; #"]:
        code, out, err = cli(
            capsys, store_dir, "query", "trade-flows", "--param", f"exporter={value}"
        )
        assert_one_line_error(code, err, "exporter")
        assert out == ""
    # a string parameter with quotes and braces is one literal that matches nothing
    for value in ['x" ) } DROP ALL ; #', '"}} ; CLEAR DEFAULT ; SELECT * { ?s ?p ?o } #']:
        code, out, err = cli(
            capsys,
            store_dir,
            "query",
            "quote-search",
            "--param",
            f"text={value}",
            "--format",
            "json",
        )
        assert code == 0, err
        assert json.loads(out) == []
    assert count_quads(capsys, store_dir) == before
    code, out, _ = cli(capsys, store_dir, "query", "quote-search", "--format", "json")
    assert code == 0 and json.loads(out)  # the default still finds "sanctions"


def test_select_formats(capsys: Any, store_dir: Path) -> None:
    base = ("query", "monthly-exports")
    code, out, _ = cli(capsys, store_dir, *base, "--format", "json")
    records = json.loads(out)
    months = sorted(r["month"] for r in records)
    assert code == 0 and months == ["2014-05", "2014-06"]

    code, out, _ = cli(capsys, store_dir, *base, "--format", "table")
    assert code == 0 and "month" in out.splitlines()[0] and "(2 rows)" in out

    code, out, _ = cli(capsys, store_dir, *base, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(r["month"] for r in rows) == months
    assert {r["value"] for r in rows} == {"550000", "1330000"}

    code, out, _ = cli(capsys, store_dir, *base, "--format", "tsv")
    header = out.splitlines()[0].split("\t")
    assert "?month" in header and len(out.strip().splitlines()) == 3

    code, out, _ = cli(capsys, store_dir, *base, "--format", "sparql-json")
    parsed = ox.parse_query_results(out.encode(), format=ox.QueryResultsFormat.JSON)
    assert sorted(s["month"].value for s in parsed) == months

    code, out, _ = cli(capsys, store_dir, *base, "--format", "sparql-xml")
    parsed = ox.parse_query_results(out.encode(), format=ox.QueryResultsFormat.XML)
    values = [s["value"] for s in parsed]
    assert sorted(v.value for v in values) == ["1330000", "550000"]
    assert all(v.datatype.value.endswith("#decimal") for v in values)


def test_construct_as_turtle(capsys: Any, store_dir: Path) -> None:
    code, out, err = cli(capsys, store_dir, "query", "claim-record", "--format", "ttl")
    assert code == 0, err
    triples = list(ox.parse(out.encode(), format=ox.RdfFormat.TURTLE))
    subjects = {t.subject.value.rsplit("/", 1)[-1] for t in triples}
    assert {"kt140727-01", "kt140727-01-fact", "kt140727-01-value"} <= subjects
    assert "kt140727-02" not in subjects
    code, _, err = cli(capsys, store_dir, "query", "claim-record", "--format", "csv")
    assert_one_line_error(code, err, "CONSTRUCT")


def test_projected_variables() -> None:
    from kgtool.sparql_text import projected_variables

    text = "SELECT DISTINCT ?a (COUNT(?b) AS ?n) WHERE { { SELECT ?z WHERE { ?z ?y ?x } } }"
    assert projected_variables(text) == {"a", "n"}
    assert projected_variables("SELECT * { ?a ?b ?c }") is None
    assert projected_variables("CONSTRUCT { ?a ?b ?c } WHERE { ?a ?b ?c }") is None
    assert projected_variables("# SELECT ?x\nSELECT ?y WHERE { ?y ?p '?z' }") == {"y"}


# Output exactly as written, federation off, base IRI -------------------------------
def test_tsv_keeps_a_last_row_with_nothing_bound(capsys: Any, store_dir: Path) -> None:
    query = "SELECT ?x WHERE { VALUES ?x { 1 UNDEF } }"
    code, out, _ = cli(capsys, store_dir, "query", "-e", query, "--format", "tsv")
    assert code == 0
    assert out == "?x\n1\n\n"


def test_json_on_a_construct_is_json_ld(capsys: Any, store_dir: Path) -> None:
    query = (
        "CONSTRUCT { ?c kg:iso3166Alpha2 ?code } WHERE { ?c a kg:Country ; kg:iso3166Alpha2 ?code }"
    )
    code, out, _ = cli(capsys, store_dir, "query", "-e", query, "--format", "json")
    assert code == 0
    triples = list(ox.parse(out.encode(), format=ox.RdfFormat.JSON_LD))
    codes = {(t.subject.value.rsplit("/", 1)[1], t.object.value) for t in triples}
    assert ("china", "CN") in codes and len(codes) == len(triples) >= 5


def test_relative_iris_resolve_against_the_base(capsys: Any, store_dir: Path) -> None:
    query = "SELECT ?x WHERE { BIND(<s> AS ?x) }"
    code, out, _ = cli(capsys, store_dir, "query", "-e", query, "--format", "csv")
    assert code == 0
    assert out.splitlines()[1] == Path.cwd().resolve().as_uri() + "/s"
    code, out, _ = cli(
        capsys,
        store_dir,
        "query",
        "-e",
        query,
        "--format",
        "csv",
        "--base",
        "http://example.org/a/",
    )
    assert out.splitlines()[1] == "http://example.org/a/s"


def test_service_is_refused_on_the_embedded_store(capsys: Any, store_dir: Path) -> None:
    from serving import listener

    with listener() as heard:
        query = f"SELECT * WHERE {{ SERVICE <{heard.url}/x> {{ ?s ?p ?o }} }}"
        code, _, err = cli(capsys, store_dir, "query", "-e", query)
        assert_one_line_error(code, err, "SERVICE", heard.url, "--allow-service")
        text = 'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1/>" AS ?x) }'
        code, out, _ = cli(capsys, store_dir, "query", "-e", text, "--format", "csv")
        assert code == 0 and "SERVICE" in out
        assert heard.requests == []
        code, out, err = cli(
            capsys, store_dir, "query", "-e", query, "--allow-service", heard.url + "/"
        )
        assert code == 0, err  # allowed: the request is made, its (empty) answer shown
        assert "(0 rows)" in out
        assert heard.requests and heard.requests[0].startswith("POST /x")
