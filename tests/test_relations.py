"""Relations between entities as claims with anchors, followed by queries and ``why``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_queries import ROOT, TEXT, ask, check_provenance, edit_sheet

from kgtool.cli import main
from kgtool.project import Project


def test_a_countrys_company_through_its_nationality(capsys: Any, tmp_path: Path) -> None:
    rows = ask(capsys, tmp_path / "store", "related-entities", "entity=ent:japan")
    check_provenance(rows)
    assert [(r["related"], r["relation"], r["claim"]) for r in rows] == [
        ("ent:japanese-company", "nationality", "clm:kt140727-36")
    ]
    assert rows[0]["quote"] == "a Japanese company reportedly operated a factory in the North"
    assert rows[0]["modality"] == "kg:Reported" and rows[0]["attributedTo"] == "ent:unnamed-reports"


def test_an_agencys_government_and_officials_body(capsys: Any, tmp_path: Path) -> None:
    store = tmp_path / "store"
    doe = ask(capsys, store, "related-entities", "entity=ent:us-department-of-energy")
    assert [(r["related"], r["role"], r["claim"]) for r in doe] == [
        ("ent:united-states", "parent body", "clm:kt140727-37")
    ]
    assert TEXT[doe[0]["start"] : doe[0]["end"]] == "referred to by the US Department of Energy"
    officials = ask(capsys, store, "related-entities", "entity=ent:seoul-officials")
    assert [(r["related"], r["relation"]) for r in officials] == [("ent:south-korea", "membership")]
    nkri = ask(capsys, store, "related-entities", "entity=ent:nkri")
    assert {(r["related"], r["relation"]) for r in nkri} == {
        ("ent:seoul", "organization profile")  # "the Seoul-based non-profit think tank"
    }


def test_a_country_reaches_what_is_said_about_its_company(capsys: Any, tmp_path: Path) -> None:
    rows = ask(capsys, tmp_path / "store", "related-entity-claims", "entity=ent:japan")
    check_provenance(rows)
    assert [(r["claim"], r["factKind"], r["role"]) for r in rows] == [
        ("clm:kt140727-23", "factory operation", "operator"),
        ("clm:kt140727-25", "business withdrawal", "operator"),
    ]
    assert {r["relationClaim"] for r in rows} == {"clm:kt140727-36"}


def test_relation_rows_come_from_the_claim(capsys: Any, project_copy: Project) -> None:
    store = project_copy.root / "store"

    def drop(data: Any) -> None:
        data["claims"] = [c for c in data["claims"] if c.get("id") != "kt140727-36"]

    assert ask(capsys, store, "related-entities", "entity=ent:japan", project=project_copy.root)
    edit_sheet(project_copy.root, drop)
    assert (
        ask(capsys, store, "related-entities", "entity=ent:japan", project=project_copy.root) == []
    )
    after = ask(
        capsys, store, "related-entity-claims", "entity=ent:japan", project=project_copy.root
    )
    assert after == []


def test_why_an_entity_lists_what_is_said_about_its_related_entities(capsys: Any) -> None:
    assert main(["--project", str(ROOT), "-q", "why", "Japan"]) == 0
    out = capsys.readouterr().out
    own, related = out.split("== about related entities (2)")
    assert "clm:kt140727-36" in own and "clm:kt140727-23" not in own
    assert "clm:kt140727-23" in related and "clm:kt140727-25" in related
    assert (
        "operator: a Japanese company (related by nationality, clm:kt140727-36 (claim))" in related
    )
