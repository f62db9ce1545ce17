"""The first run: ``kgtool answer`` says each answer in one line of words, from the graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kgtool.cli import main
from kgtool.project import Project
from kgtool.query import LocalExecutor, list_queries, run
from kgtool.store import memory_store
from kgtool.summary import labeller, summarize

ROOT = Path(__file__).resolve().parent.parent


def answer(capsys: Any, project: Project, *args: str) -> list[str]:
    store = project.root / ".kgtool" / "test-store"
    code = main(["--project", str(project.root), "--store", str(store), "-q", "answer", *args])
    out = capsys.readouterr().out
    assert code == 0
    return out.splitlines()


def test_first_run_is_short_and_names_every_question(
    capsys: Any, project_copy: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    lines = answer(capsys, project_copy)
    names = [q.name for q in list_queries(project_copy.queries_dir)]
    assert len(lines) <= 40
    assert [line.split(":", 1)[0] for line in lines[: len(names)]] == names
    assert all(len(line) <= 100 for line in lines)
    assert any(line.strip().startswith("kgtool why clm:") for line in lines)
    assert any("kgtool serve" in line for line in lines)


def test_answer_in_words_comes_from_the_graph(
    capsys: Any, project_copy: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    total = next(line for line in answer(capsys, project_copy) if line.startswith("monthly-ex"))
    assert total.startswith("monthly-exports-total: US$1,880,000, 2 months, 2014-05, 2014-06")
    assert "reported by Korea International Trade Association" in total
    # the June claim taken out of the graph: the words follow the data
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 4096
    sheet = project_copy.graph_dir / "claims" / "koreatimes-2014-07-27.yaml"
    data = yaml.load(sheet.read_text("utf-8"))
    kept = [claim for claim in data["claims"] if claim["id"] != "kt140727-02"]
    assert len(kept) == len(data["claims"]) - 1
    data["claims"] = kept
    with sheet.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    total = next(line for line in answer(capsys, project_copy) if line.startswith("monthly-ex"))
    assert total.startswith("monthly-exports-total: US$550,000, 1 month, 2014-05")


def test_every_summary_is_words_not_iris() -> None:
    project = Project(ROOT)
    executor = LocalExecutor(memory_store(project))
    label = labeller(executor)
    for query in list_queries(project.queries_dir):
        words = summarize(run(query, executor=executor, project=project), label)
        assert words and "https://" not in words, (query.name, words)


def test_full_tables_are_one_command_away(capsys: Any, project_copy: Project) -> None:
    lines = answer(capsys, project_copy, "--format", "table")
    assert "== monthly-exports-total: Total of monthly export values" in lines
    assert len(lines) > 100


def test_next_steps_say_how_to_get_graphviz_when_it_is_missing(
    capsys: Any, project_copy: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import shutil

    def draw_step() -> tuple[str, str, list[str]]:
        """The draw line, the line after it, and all the lines."""
        lines = answer(capsys, project_copy)
        at = next(i for i, line in enumerate(lines) if "kgtool draw trade" in line)
        return lines[at], (lines[at + 1] if at + 1 < len(lines) else ""), lines

    monkeypatch.setenv("COLUMNS", "100")
    _, after, _ = draw_step()
    assert ("needs Graphviz" in after) == (shutil.which("dot") is None)
    apt = tmp_path / "apt-get"
    apt.write_text("#!/bin/sh\n")
    apt.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot here, but apt-get
    draw, after, lines = draw_step()
    assert draw.endswith("a picture of the trade network (trade.svg)")
    assert after.strip() == "needs Graphviz: sudo apt-get install graphviz"
    assert all(len(line) <= 100 for line in lines)  # the hint fits the width too
