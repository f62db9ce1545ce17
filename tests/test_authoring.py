"""Claim sheets end to end: the shipped article as a sheet, a new user's path, every error."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kgtool.authoring.compile import compile_file
from kgtool.cli import main
from kgtool.project import Project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "authoring"
CLAIMS = "graph/claims/koreatimes-2014-07-27.yaml"
MENTIONS = "graph/mentions/koreatimes-2014-07-27.yaml"
CLM = "https://w3id.org/kgtool/claim/"
KG = "https://w3id.org/kgtool/ontology#"
OA = "http://www.w3.org/ns/oa#"
TIME = "http://www.w3.org/2006/time#"
FICTION = "Fictional article, written for kgtool's documentation and tests."


def compiled(path: str, root: Path = ROOT) -> set[str]:
    text = compile_file(Project(root), root / path).ntriples
    return {str(t) for t in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)}


def turtle(name: str) -> set[str]:
    return {str(t) for t in ox.parse(path=str(FIXTURES / name), format=ox.RdfFormat.TURTLE)}


def is_value_anchor(triple: str) -> bool:
    """A triple of the new value-level anchors (an addition, not a change)."""
    subject = triple.split(" ", 1)[0]
    return f"<{KG}hasValueAnchor>" in triple or bool(
        re.search(r"-anchor\d*(-quote|-pos)?>$", subject)
        and not re.search(r"/kt140727-\d\d-anchor", subject)
    )


# --- the shipped article -----------------------------------------------------------------


#: claims given a period as the text implies it, with its order in time (docs/model.md)
NEW_PERIODS = ("06", "12", "17", "18", "20", "24", "25", "34")
RELATION_CLAIMS = ("36", "37", "38")  # relations between entities


def is_depth_addition(triple: str) -> bool:
    """A triple of the readings, hedges, new periods, order in time and relation claims."""
    subject, predicate = triple.split(" ", 2)[:2]
    ours = [f"/kt140727-{n}" for n in NEW_PERIODS]
    return (
        bool(re.search(r"-(reading|hedge)\d*(-anchor)?(-quote|-pos)?>$", subject))
        or predicate
        in {f"<{KG}hasReading>", f"<{KG}hasHedge>", f"<{TIME}after>", f"<{TIME}before>"}
        or any(f"/kt140727-{n}" in subject for n in RELATION_CLAIMS)
        or (predicate == f"<{KG}period>" and any(o in subject for o in ours))
        # a period resolved from context gives its claim an interpretation note
        or (
            predicate == f"<{KG}interpretationNote>"
            and any(f"/kt140727-{n}>" in subject for n in NEW_PERIODS if n not in ("24", "25"))
        )
        or any(subject.endswith(f"{o}-time>") for o in ours)
    )


def test_sheet_states_what_the_turtle_stated() -> None:
    """Same claims, facts, values, times, attributions and anchors as the Turtle it replaces."""
    old, new = turtle("koreatimes-2014-07-27.claims.ttl"), compiled(CLAIMS)
    anchor17 = f"<{CLM}kt140727-17-anchor"
    # claim 17's quote runs to the end of its sentence, so that the order it states
    # ("after international sanctions were imposed") is inside it: its exact and end change
    lost = old - new
    assert {tuple(t.split(" ", 2)[:2]) for t in lost} == {  # nothing else is lost
        (f"{anchor17}-quote>", f"<{OA}exact>"),
        (f"{anchor17}-pos>", f"<{OA}end>"),
    }
    assert len(lost) == 2
    added = {t for t in new - old if not is_value_anchor(t) and not is_depth_addition(t)}
    claim24 = f"<{CLM}kt140727-24>"
    assert added == {  # an imposer the sentence does not name; claim 17's longer quote
        f"{claim24} <{KG}interpretedProperty> <{KG}imposer>",
        next(t for t in new if t.startswith(f"{claim24} <{KG}interpretationNote>")),
        next(t for t in new if t.startswith(f"{anchor17}-quote> <{OA}exact>")),
        next(t for t in new if t.startswith(f"{anchor17}-pos> <{OA}end>")),
    }


def test_mention_sheet_states_every_mention() -> None:
    assert compiled(MENTIONS) == turtle("koreatimes-2014-07-27.mentions.ttl")


def test_every_value_entity_and_time_is_anchored_inside_its_quote() -> None:
    text = (ROOT / "graph/sources/koreatimes-2014-07-27-rare-earth-exports.txt").read_text("utf-8")
    graph = ox.Store()
    graph.load(compile_file(Project(ROOT), ROOT / CLAIMS).ntriples.encode(), ox.RdfFormat.N_TRIPLES)
    rows = list(
        graph.query(
            "PREFIX kg: <https://w3id.org/kgtool/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#> "
            "SELECT ?c ?s ?e ?x ?cs ?ce WHERE { ?c kg:hasValueAnchor ?a . "
            "?a oa:hasSelector ?p, ?q . "
            "?p oa:start ?s ; oa:end ?e . ?q oa:exact ?x . ?c kg:hasAnchor/oa:hasSelector ?cp . "
            "?cp oa:start ?cs ; oa:end ?ce }"
        )
    )
    assert len(rows) > 100
    for row in rows:
        start, end = int(row["s"].value), int(row["e"].value)
        assert text[start:end] == row["x"].value
        assert int(row["cs"].value) <= start < end <= int(row["ce"].value)


def test_no_offset_is_hand_written_under_graph() -> None:
    for path in (ROOT / "graph").rglob("*"):
        if path.suffix in (".ttl", ".yaml"):
            assert "oa:start" not in path.read_text("utf-8"), path
            assert "start:" not in path.read_text("utf-8"), path


def test_compiling_is_deterministic() -> None:
    project = Project(ROOT)
    first = compile_file(project, ROOT / CLAIMS).ntriples
    assert first == compile_file(project, ROOT / CLAIMS).ntriples
    assert first.splitlines() == sorted(first.splitlines())


def test_schema_accepts_the_shipped_sheets_and_rejects_a_wrong_one(capsys: Any) -> None:
    import jsonschema
    from ruamel.yaml import YAML

    assert main(["--project", str(ROOT), "sheet-schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "TradeFlow" in schema["properties"]["claims"]["items"]["properties"]
    for sheet in (CLAIMS, MENTIONS):
        jsonschema.validate(YAML(typ="safe").load((ROOT / sheet).read_text("utf-8")), schema)
    wrong = {"source": "x", "claims": [{"quote": "q", "TradeFlow": {"exporterr": "China"}}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(wrong, schema)


# --- a new user's path -------------------------------------------------------------------


def run(project: Project, *args: str) -> int:
    return main(["--project", str(project.root), "--store", str(project.store_path), "-q", *args])


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_new_user_walk_through(
    project_copy: Project, capsys: Any, tmp_path: Path, suffix: str
) -> None:
    article = FIXTURES / f"harbour-2026-03-02{suffix}"
    extra = [
        "--published",
        "2026-03-02T09:00:00+09:00",
        "--publisher",
        "The Harbour Ledger",
        "--author",
        "Mina Cho",
        "--headline",
        "Iron ore and coal keep Seoul's harbours busy",
    ]
    assert (
        run(
            project_copy,
            "add",
            "source",
            str(article),
            "--note",
            FICTION,
            *(extra if suffix == ".txt" else []),
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "src:harbour-2026-03-02" in out and "new entity: ent:mina-cho" in out
    text_file = project_copy.graph_dir / "sources/harbour-2026-03-02.txt"
    text = text_file.read_text("utf-8")
    if suffix == ".txt":
        assert text_file.read_bytes() == article.read_bytes()
    meta = (project_copy.graph_dir / "sources/harbour-2026-03-02.source.ttl").read_text("utf-8")
    assert FICTION in meta and "The Harbour Ledger" in meta
    # a second add refuses to replace it
    assert run(project_copy, "add", "source", str(article)) == 2
    assert "already exists" in capsys.readouterr().err
    shutil.copy(FIXTURES / "harbour-2026-03-02.yaml", project_copy.graph_dir / "claims")
    assert run(project_copy, "build") == 0
    assert run(project_copy, "validate") == 0
    capsys.readouterr()
    assert (
        run(
            project_copy,
            "query",
            "trade-flows",
            "--param",
            "exporter=ent:japan",
            "--param",
            "importer=ent:south-korea",
            "--format",
            "json",
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert {r["claim"] for r in rows} == {"clm:harbour-01", "clm:harbour-02"}
    for row in rows:
        assert text[row["start"] : row["end"]] == row["quote"]
        assert row["source"] == "src:harbour-2026-03-02"
    assert {r.get("edtf") for r in rows} == {"2026-01/2026-06"}
    assert run(project_copy, "why", "clm:harbour-03") == 0
    why = capsys.readouterr().out
    sentence = "South Korea bought coal worth about $95 million from China last year."
    start = text.index(sentence)
    assert f"[{start}, {start + len(sentence)})" in why
    assert "2025" in why and "about" in why.lower()


# --- every error: one located line, exit 2, dist/ unchanged ------------------------------

ERRORS = [
    (
        "quote not found",
        "Japan shipped 3.2 million tons",
        "Japan shipped 3.3 million tons",
        r"quote not found .*closest passages: \[\d+, \d+\)",
    ),
    (
        "ambiguous quote",
        "quote: South Korea bought coal worth about $95 million from China last year.",
        "quote: South Korea",
        r"the quote occurs \d+ times, at \[\d+, \d+\), \[\d+",
    ),
    ("unknown entity", "exporter: China,", "exporter: Chna,", r"unknown entity 'Chna'.*'China'"),
    (
        "unreadable value",
        "tradeValue: about $95 million",
        "tradeValue: about 95 millions",
        r"unreadable value: no currency",
    ),
    (
        "not applicable",
        "commodity: coal, reporterCountry",
        "exporter: China, reporterCountry",
        r"'exporter' does not apply to a TradeShare",
    ),
    (
        "value not in quote",
        "share: 40 percent",
        "share: 45 percent",
        r"'45 percent' is not inside the quote",
    ),
    (
        "entity not in quote",
        "exporter: Japan, importer: South Korea, commodity: iron ore, tradeQ",
        "exporter: China, importer: South Korea, commodity: iron ore, tradeQ",
        r"entity 'China' is not inside the quote",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "pattern"), ERRORS, ids=[e[0] for e in ERRORS])
def test_sheet_errors_are_one_located_line(
    project_copy: Project, capsys: Any, name: str, old: str, new: str, pattern: str
) -> None:
    article = FIXTURES / "harbour-2026-03-02.txt"
    assert (
        run(
            project_copy,
            "add",
            "source",
            str(article),
            "--published",
            "2026-03-02",
            "--author",
            "Mina Cho",
        )
        == 0
    )
    sheet = project_copy.graph_dir / "claims" / "harbour-2026-03-02.yaml"
    sheet.write_text((FIXTURES / "harbour-2026-03-02.yaml").read_text("utf-8"), "utf-8")
    assert run(project_copy, "build") == 0
    before = digests(project_copy.dist_dir)
    text = sheet.read_text("utf-8")
    assert old in text
    sheet.write_text(text.replace(old, new, 1), "utf-8")
    line = text[: text.index(old)].count("\n") + 1
    capsys.readouterr()
    assert run(project_copy, "build") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"error: graph/claims/harbour-2026-03-02.yaml:{line}:"), err[0]
    assert re.search(pattern, err[0]), err[0]
    assert digests(project_copy.dist_dir) == before


def test_violation_names_the_sheet_line_of_the_claim(project_copy: Project, capsys: Any) -> None:
    sheet = project_copy.root / CLAIMS
    text = sheet.read_text("utf-8")
    sheet.write_text(text.replace("    by: Korea International Trade Association\n", "", 1))
    capsys.readouterr()
    assert run(project_copy, "build") == 1
    item = text[: text.index("  - id: kt140727-01")].count("\n") + 1
    assert f"{CLAIMS}:{item}:5" in capsys.readouterr().out


def test_add_source_refuses_bad_input(project_copy: Project, capsys: Any, tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    empty = tmp_path / "empty.html"
    empty.write_text(
        "<html><head><title>x</title></head><body><script>var a;</script></body></html>"
    )
    for file, message in ((latin, "not UTF-8"), (empty, "no article text")):
        assert run(project_copy, "add", "source", str(file)) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err
    assert not (project_copy.graph_dir / "sources" / "latin.txt").exists()


def test_relative_time_without_a_date_is_refused(project_copy: Project, capsys: Any) -> None:
    article = str(FIXTURES / "harbour-2026-03-02.txt")
    assert run(project_copy, "add", "source", article, "--author", "Mina Cho") == 0
    shutil.copy(FIXTURES / "harbour-2026-03-02.yaml", project_copy.graph_dir / "claims")
    capsys.readouterr()
    assert run(project_copy, "build") == 2
    err = capsys.readouterr().err
    assert "no publication date" in err and "harbour-2026-03-02.yaml:" in err


NEW_KIND = """
kg:PortCall a owl:Class ; rdfs:subClassOf kg:Fact ;
    rdfs:label "port call"@en ; skos:definition "Goods landed at a country's ports."@en .
kg:port a owl:ObjectProperty , owl:FunctionalProperty ; rdfs:subPropertyOf kg:involves ;
    rdfs:label "port"@en ; skos:definition "The country of the port."@en ;
    rdfs:domain kg:Fact ; rdfs:range kg:Country .
kg:cargoValue a owl:ObjectProperty , owl:FunctionalProperty ;
    rdfs:label "cargo value"@en ; skos:definition "What the cargo was worth."@en ;
    rdfs:domain kg:PortCall ; rdfs:range schema:MonetaryAmount .
"""
NEW_SHAPE = """
kgsh:PortCallShape a sh:NodeShape ; sh:targetClass kg:PortCall ;
    sh:property [ sh:path kg:port ; sh:minCount 1 ; sh:class kg:Country ;
                  sh:message "A port call has one kg:port, a kg:Country."@en ] .
"""


def test_a_new_kind_of_fact_needs_no_python(project_copy: Project, capsys: Any) -> None:
    """A fact class and its properties added to ontology/ are usable in a sheet at once."""
    with (project_copy.ontology_dir / "kgtool.ttl").open("a", encoding="utf-8") as handle:
        handle.write(NEW_KIND)
    with (project_copy.ontology_dir / "shapes.ttl").open("a", encoding="utf-8") as handle:
        handle.write(NEW_SHAPE)
    article = str(FIXTURES / "harbour-2026-03-02.txt")
    assert run(project_copy, "add", "source", article, "--published", "2026-03-02",
               "--author", "Mina Cho") == 0  # fmt: skip
    (project_copy.graph_dir / "claims" / "ports.yaml").write_text(
        "source: harbour-2026-03-02\nid-prefix: port-\nclaims:\n"
        "  - quote: Japan shipped 3.2 million tons of iron ore worth nearly $410 million to"
        " South Korea\n    PortCall: {port: South Korea, cargoValue: nearly $410 million}\n",
        encoding="utf-8",
    )
    assert run(project_copy, "build") == 0
    triples = compiled("graph/claims/ports.yaml", project_copy.root)
    fact, value = f"<{CLM}port-01-fact>", f"<{CLM}port-01-value>"
    assert f"{fact} <{KG}port> <https://w3id.org/kgtool/entity/south-korea>" in triples
    assert (
        f'{value} <http://schema.org/maxValue> "410000000"^^<http://www.w3.org/2001/XMLSchema#decimal>'
        in triples
    )
    # and the shape of the new class is enforced: a port call without its port
    sheet = project_copy.graph_dir / "claims" / "ports.yaml"
    sheet.write_text(sheet.read_text("utf-8").replace("port: South Korea, ", ""), "utf-8")
    capsys.readouterr()
    assert run(project_copy, "build") == 1
    assert "graph/claims/ports.yaml:5:" in capsys.readouterr().out


def test_add_source_is_deterministic_and_replaces_only_when_asked(project_copy: Project) -> None:
    article = str(FIXTURES / "harbour-2026-03-02.html")
    rdf = project_copy.graph_dir / "sources" / "harbour-2026-03-02.source.ttl"
    assert run(project_copy, "add", "source", article) == 0
    first = rdf.read_bytes()
    assert b'schema:headline "Iron ore and coal keep Seoul\'s harbours busy"@en' in first
    assert b"ent:mina-cho" in first and b"ent:the-harbour-ledger" in first
    assert b'"2026-03-02T00:00:00Z"^^xsd:dateTime' in first  # the page gives the day only
    assert run(project_copy, "add", "source", article, "--replace") == 0
    assert rdf.read_bytes() == first
    assert (
        run(project_copy, "add", "source", article, "--replace", "--author", "Kang Hyun-kyung") == 0
    )
    replaced = rdf.read_bytes()
    assert b"schema:author ent:kang-hyun-kyung" in replaced
    assert b"ent:mina-cho" not in replaced  # a known author is found by label, not created


def test_both_engines_name_the_sheet_line(project_copy: Project, capsys: Any) -> None:
    sheet = project_copy.root / CLAIMS
    text = sheet.read_text("utf-8")
    sheet.write_text(text.replace("    by: Korea International Trade Association\n", "", 1))
    item = text[: text.index("  - id: kt140727-01")].count("\n") + 1
    for engine in ("sparql", "pyshacl"):
        capsys.readouterr()
        assert run(project_copy, "validate", "--engine", engine) == 1
        assert f"{CLAIMS}:{item}:5" in capsys.readouterr().out, engine
