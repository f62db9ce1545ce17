"""``kgtool suggest``: candidate claims, measured against curated ones, skipped by the build."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from kgtool.authoring.context import load_context
from kgtool.authoring.mentions import report
from kgtool.authoring.suggest import curated, matches, measure, sentences, suggest
from kgtool.cli import main
from kgtool.project import Project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "authoring"
SHIPPED = "koreatimes-2014-07-27-rare-earth-exports"
FICTION = "tinport-2026-05-11"

# Measured on the shipped article (38 curated claims, three of them relations between
# entities, a kind of fact the suggester does not propose), rounded down:
# precision 1.000, recall 0.816, kind agrees 0.548, modality agrees 0.774.
SHIPPED_FLOOR = {"precision": 1.0, "recall": 0.81, "kind": 0.54, "modality": 0.77}
# Measured on the fictional article (5 suggestions, 5 curated claims), rounded down:
# precision 1.000, recall 1.000, kind agrees 0.600, modality agrees 1.000.
FICTION_FLOOR = {"precision": 1.0, "recall": 1.0, "kind": 0.6, "modality": 1.0}


def run(project: Project, *args: str) -> int:
    return main(["--project", str(project.root), "--store", str(project.store_path), "-q", *args])


def figures(project: Project, source: str) -> dict[str, float]:
    ctx = load_context(project)
    found = report(project, source)
    info = ctx.sources[found.source]
    result = measure(suggest(ctx, info, found.mentions), curated(project, ctx, info))
    return {k: getattr(result, k) for k in ("precision", "recall", "kind", "modality")}


def fiction(project: Project) -> Project:
    """The fictional article registered with its entities and its five curated claims."""
    shutil.copy(FIXTURES / "tinport-entities.ttl", project.graph_dir)
    article = str(FIXTURES / f"{FICTION}.txt")
    when = "2026-05-11T08:00:00+07:00"
    note = "Fictional article, written for kgtool's tests."
    args = ["--published", when, "--author", "Mina Cho", "--note", note]
    assert run(project, "add", "source", article, *args) == 0
    shutil.copy(FIXTURES / f"{FICTION}.yaml", project.graph_dir / "claims")
    return project


def test_matching_rule() -> None:
    assert matches((0, 100), (40, 80))  # a curated part of a suggested sentence
    assert matches((0, 100), (70, 130))  # 30 of the shorter 60
    assert not matches((0, 100), (80, 140))  # 20 of 60
    assert not matches((0, 10), (10, 20))


def test_suggestions_on_the_shipped_article_do_not_fall(project_copy: Project) -> None:
    measured = figures(project_copy, SHIPPED)
    for name, floor in SHIPPED_FLOOR.items():
        assert measured[name] >= floor, (name, measured[name])


def test_suggestions_on_a_fictional_article_do_not_fall(project_copy: Project) -> None:
    measured = figures(fiction(project_copy), FICTION)
    for name, floor in FICTION_FLOOR.items():
        assert measured[name] >= floor, (name, measured[name])


def test_each_suggestion_proposes_kind_modality_and_attribution(project_copy: Project) -> None:
    project = fiction(project_copy)
    ctx = load_context(project)
    found = report(project, FICTION)
    info = ctx.sources[found.source]
    by_start = {
        info.text[s.start : s.end].split()[0]: s for s in suggest(ctx, info, found.mentions)
    }
    first = by_start["Vietnam"]
    assert (first.kind, first.modality, first.by) == (
        "TradeFlow",
        "reported",
        "Vietnam Customs Department",
    )
    assert first.found["money"] == ["$48 million"] and "according to" in first.found["cues"]
    assert (by_start["Traders"].modality, by_start["Traders"].by) == ("speculated", "traders")
    assert (by_start["Some"].modality, by_start["Some"].by) == ("alleged", "some analysts")
    assert by_start["Indonesia"].kind == "TradeShare"
    assert "The" not in by_start  # "The weather was mild": no entity, no value
    assert "Port" not in by_start  # an entity-less sentence with no value


def test_draft_sheet_is_skipped_by_the_build_until_accepted(
    project_copy: Project, capsys: Any
) -> None:
    project = fiction(project_copy)
    capsys.readouterr()
    assert run(project, "suggest", FICTION) == 0
    assert capsys.readouterr().out.strip() == (
        f"wrote 5 candidate claims to graph/claims/{FICTION}.suggested.yaml"
    )
    draft = project.graph_dir / "claims" / f"{FICTION}.suggested.yaml"
    text = draft.read_text("utf-8")
    assert text.count("    candidate: true\n") == 5
    assert run(project, "suggest", FICTION) == 2  # an existing draft is kept
    assert draft.read_text("utf-8") == text
    assert main(["--project", str(project.root), "--store", str(project.store_path), "build"]) == 0
    out = capsys.readouterr().out
    assert f"skipped 5 candidate claims of graph/claims/{FICTION}.suggested.yaml" in out
    assert "built:" in out
    # a curator accepts the last one: deletes its mark and completes its fact
    head, last = text.rsplit("  - quote:", 1)
    last = last.replace("    candidate: true\n", "").replace(
        "TradeFlow: {}",
        "TradeFlow: {exporter: Vietnam, importer: Japan, commodity: copper concentrate, "
        "tradeQuantity: '20,000 tons', period: last year}",
    )
    draft.write_text(head + "  - quote:" + last, "utf-8")
    capsys.readouterr()
    assert run(project, "build") == 0
    assert run(project, "why", f"clm:{FICTION}-s05") == 0
    assert "20,000 tons" in capsys.readouterr().out


def test_measure_option_prints_the_figures(project_copy: Project, capsys: Any) -> None:
    capsys.readouterr()
    target = project_copy.root / "draft.yaml"
    assert run(project_copy, "suggest", SHIPPED, "--measure", "-o", str(target)) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("16 suggestions, 38 curated claims: precision 1.000, recall 0.816")
    assert target.is_file()


def test_sentences_keep_offsets() -> None:
    text = "Mr. Kim said trade rose 3.5 percent.\nIt fell. Then it rose again."
    spans = sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Mr. Kim said trade rose 3.5 percent.",
        "It fell.",
        "Then it rose again.",
    ]
