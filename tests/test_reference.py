"""No unsourced statement about the world: reference knowledge apart from claims."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_queries import ask

from kgtool.cli import main
from kgtool.project import Project

KG = "https://w3id.org/kgtool/ontology#"
ENT = "https://w3id.org/kgtool/entity/"
PREFIXES = (
    "PREFIX kg: <https://w3id.org/kgtool/ontology#> "
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
    "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX schema: <http://schema.org/> "
)


def select(store: Any, query: str) -> list[dict[str, str]]:
    rows = store.query(PREFIXES + query)  # a KgStore: the default graph is the union
    return [{v.value: s[v].value for v in rows.variables if s[v] is not None} for s in rows]


def test_no_entity_states_a_world_relation_of_its_own(shipped_store: Any) -> None:
    rows = select(shipped_store, "SELECT ?s ?p ?o WHERE { ?p kg:worldRelation true . ?s ?p ?o . }")
    # the only kg:basedIn left is the fact of the article's claim: "Seoul-based ... NKRI"
    assert [(r["s"].rsplit("/", 1)[1], r["o"]) for r in rows] == [
        ("kt140727-27-fact", ENT + "seoul")
    ]


def test_reference_statements_name_their_source(shipped_store: Any) -> None:
    rows = select(
        shipped_store,
        "SELECT ?subject ?predicate ?object ?name ?recorded WHERE { "
        "?st a kg:ReferenceStatement ; rdf:subject ?subject ; rdf:predicate ?predicate ; "
        "rdf:object ?object ; prov:wasDerivedFrom ?ref . "
        "?ref schema:name ?name ; kg:recordedOn ?recorded } ORDER BY ?subject",
    )
    got = {
        (r["subject"][len(ENT) :], r["predicate"][len(KG) :], r["object"][len(ENT) :]) for r in rows
    }
    assert got == {
        ("park-geun-hye", "holdsPosition", "president-of-south-korea"),
        ("seoul", "locatedIn", "south-korea"),
    }
    assert all(r["recorded"] == "2026-12-03" for r in rows)
    names = {r["name"] for r in rows}
    assert any("Q138048" in n for n in names) and any("ISO 3166-2:KR" in n for n in names)
    # reference knowledge is never a claim, and no claim states it
    assert not select(shipped_store, "SELECT ?st WHERE { ?st a kg:ReferenceStatement , kg:Claim }")


def test_claims_and_reference_knowledge_stay_apart(capsys: Any, tmp_path: Path) -> None:
    rows = ask(capsys, tmp_path / "store", "related-entities", "entity=ent:south-korea")
    kinds = {(r["relatedLabel"], r["kind"]) for r in rows}
    assert kinds == {("Seoul officials", "claim"), ("Seoul", "reference")}
    reference = next(r for r in rows if r["kind"] == "reference")
    assert reference["referenceSource"] == "ref:iso-3166-2-kr"
    assert "quote" not in reference  # reference knowledge has no quote of a source


def _validate(project: Project, capsys: Any) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--project", str(project.root), "validate"])
    return code, capsys.readouterr().out


def test_an_unsourced_world_statement_is_a_violation(project_copy: Project, capsys: Any) -> None:
    entities = project_copy.root / "graph/entities.ttl"
    text = entities.read_text("utf-8")
    unsourced = text.replace(
        'skos:definition "English-language daily newspaper."@en .',
        'skos:definition "English-language daily newspaper."@en ;\n    kg:basedIn ent:seoul .',
    )
    assert unsourced != text
    entities.write_text(unsourced, "utf-8")
    code, out = _validate(project_copy, capsys)
    assert code == 1
    assert "statement about the world with no source" in out
    assert "ent:the-korea-times" in out
    # attributed to a reference source, the same triple conforms
    reference = project_copy.root / "graph/reference.ttl"
    reference.write_text(
        reference.read_text("utf-8")
        + "\nref:korea-times-based-in-seoul a kg:ReferenceStatement ;\n"
        "    rdf:subject ent:the-korea-times ; rdf:predicate kg:basedIn ; rdf:object ent:seoul ;\n"
        "    prov:wasDerivedFrom ref:iso-3166-2-kr .\n",
        "utf-8",
    )
    code, out = _validate(project_copy, capsys)
    assert code == 0, out


def test_identifier_properties_name_the_standard_they_come_from(shipped_store: Any) -> None:
    rows = select(
        shipped_store,
        "SELECT ?property ?name WHERE { ?ref kg:sourceOfValues ?property ; schema:name ?name }",
    )
    sources = {r["property"][len(KG) :]: r["name"] for r in rows}
    assert sources["hsCode"].startswith("Harmonized Commodity Description")
    assert all(sources[p].startswith("ISO 3166-1") for p in ("iso3166Alpha2", "iso3166Numeric"))
