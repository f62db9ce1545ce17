"""Every reading marked: where a claim's terms differ from the text's words, with a note."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_queries import TEXT, ask, check_provenance, edit_sheet

from kgtool.cli import main
from kgtool.project import Project


def readings(capsys: Any, store: Path, kind: str, project: Path | None = None) -> list[Any]:
    extra = {"project": project} if project else {}
    rows = ask(capsys, store, "readings", f"kind=kg:{kind}", **extra)
    check_provenance(rows)
    for row in rows:
        assert row["note"]
        if "words" in row:  # the words read are the text's own, inside the claim's quote
            assert TEXT[row["wordsStart"] : row["wordsEnd"]] == row["words"]
            assert row["start"] <= row["wordsStart"] < row["wordsEnd"] <= row["end"]
    return rows


def test_words_read_as_other_terms(capsys: Any, tmp_path: Path) -> None:
    rows = readings(capsys, tmp_path / "store", "TermReading")
    got = {(r["claim"][-2:], r["words"], r.get("value")) for r in rows}
    for claim in ("07", "10", "20"):  # "anthracitic" read as anthracite
        assert (claim, "anthracitic", "ent:anthracite") in got
    assert ("36", "Japanese", "ent:japan") in got
    assert ("38", "Seoul", "ent:south-korea") in got  # "Seoul officials": the government
    assert ("18", "international", "ent:international-community") in got
    assert not any(words == "iron ore" for _, words, _ in got)  # a label is no reading


def test_the_passive_construal_is_attributed_with_a_reason(capsys: Any, tmp_path: Path) -> None:
    rows = readings(capsys, tmp_path / "store", "AttributionReading")
    assert [(r["claim"], r["words"], r["value"], r["property"]) for r in rows] == [
        ("clm:kt140727-32", "were construed", "ent:kang-hyun-kyung", "kg:speaker")
    ]
    assert "author" in rows[0]["note"]


def test_presupposed_facts_and_coreference(capsys: Any, tmp_path: Path) -> None:
    store = tmp_path / "store"
    presupposed = readings(capsys, store, "PresuppositionReading")
    assert {(r["claim"][-2:], r["words"]) for r in presupposed} == {
        ("25", "pulled its business out"),
        ("29", "diversification"),
        ("34", "continued selling"),
        ("35", "come up with a roadmap"),
    }
    coreference = readings(capsys, store, "CoreferenceReading")
    got = {(r["claim"][-2:], r["words"], r["value"]) for r in coreference}
    assert ("05", "The country", "ent:north-korea") in got
    assert ("30", "he", "ent:choi-kyung-soo") in got
    assert ("18", "the Pyongyang regime", "ent:north-korea") in got


def test_times_and_context_are_readings_too(capsys: Any, tmp_path: Path) -> None:
    store = tmp_path / "store"
    times = {r["claim"][-2:]: r["words"] for r in readings(capsys, store, "TimeReading")}
    assert times["03"] == "Last January" and times["04"] == "this year"
    assert "19" not in times  # "in 2012" is explicit
    context = {(r["claim"][-2:], r["property"]) for r in readings(capsys, store, "ContextReading")}
    assert ("01", "kg:importer") in context and ("10", "prov:wasAttributedTo") in context


def test_a_reading_row_comes_from_its_claim(capsys: Any, project_copy: Project) -> None:
    store, root = project_copy.root / "store", project_copy.root
    before = {r["claim"] for r in readings(capsys, store, "TermReading", root)}
    edit_sheet(
        root, lambda d: d.update(claims=[c for c in d["claims"] if c["id"] != "kt140727-20"])
    )
    after = {r["claim"] for r in readings(capsys, store, "TermReading", root)}
    assert before - after == {"clm:kt140727-20"}


def _build_error(project: Project, capsys: Any) -> str:
    capsys.readouterr()
    assert main(["--project", str(project.root), "-q", "build"]) == 2
    return capsys.readouterr().err


def test_words_that_are_no_label_need_a_reading(capsys: Any, project_copy: Project) -> None:
    def drop(data: Any) -> None:
        data["readings"] = [r for r in data["readings"] if r["words"] != "anthracitic"]

    edit_sheet(project_copy.root, drop)
    err = _build_error(project_copy, capsys)
    assert err.startswith("error: graph/claims/koreatimes-2014-07-27.yaml:")
    assert "the quote says 'anthracitic' where the claim names 'anthracite'" in err
    assert len(err.strip().splitlines()) == 1


def test_an_attribution_the_words_do_not_give_needs_a_reading(
    capsys: Any, project_copy: Project
) -> None:
    def drop(data: Any) -> None:
        claim = next(c for c in data["claims"] if c["id"] == "kt140727-32")
        del claim["readings"]

    edit_sheet(project_copy.root, drop)
    err = _build_error(project_copy, capsys)
    assert "entity 'Kang Hyun-kyung' is not inside the quote" in err
