"""Output for people: tables that fit the terminal, columns in SELECT order, quiet pipes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from kgtool.cli import main
from kgtool.console import CELL_LIMIT, StatusLine, table

ROOT = Path(__file__).resolve().parent.parent


def test_long_cells_wrap_within_the_width_and_are_cut_with_a_marker() -> None:
    long = "word " * 200  # 1,000 characters
    text = table(["name", "quote"], [["a", long], ["b", "short"]], footer="(2 rows)", columns=80)
    lines = text.splitlines()
    assert max(map(len, lines)) <= 80
    assert lines[0].split() == ["name", "quote"] and lines[-1] == "(2 rows)"
    assert text.count("…") == 1
    assert CELL_LIMIT // 5 - 2 <= text.count("word") <= CELL_LIMIT // 5  # cut at CELL_LIMIT


def test_status_line_is_silent_in_a_pipe() -> None:
    stream = io.StringIO()
    status = StatusLine(stream=stream)
    status("loading 3 files")
    status.close()
    assert stream.getvalue() == "" and not status.enabled


def test_status_line_is_silent_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("CI", "true")
    stream = Terminal()
    status = StatusLine(stream=stream)
    status("pushing")
    assert not status.enabled and stream.getvalue() == ""
    monkeypatch.delenv("CI")
    monkeypatch.setenv("TERM", "xterm")
    status = StatusLine(stream=stream)
    status("pushing")
    status.close()
    assert status.enabled and "pushing" in stream.getvalue()


def test_select_star_columns_in_the_order_the_query_names_them(
    capsys: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    query = "SELECT * WHERE { ?zclaim a kg:Claim ; kg:modality ?mod ; kg:inSource ?a } LIMIT 2"
    args = ["--project", str(ROOT), "--store", str(tmp_path / "s"), "-q", "query", "-e", query]
    assert main([*args]) == 0
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header == ["zclaim", "mod", "a"]
    assert main([*args, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].strip() == "zclaim,mod,a"


def test_tables_fit_the_terminal(
    capsys: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "90")
    args = ["--project", str(ROOT), "--store", str(tmp_path / "s"), "-q", "query"]
    assert main([*args, "claim-provenance"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 10 and max(map(len, lines)) <= 90
