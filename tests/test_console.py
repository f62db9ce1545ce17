"""Output for people: tables that fit the terminal, columns in SELECT order, quiet pipes."""

from __future__ import annotations

import io
import time
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
    quick = StatusLine(stream=stream, delay=30)
    quick("pushing")
    quick.close()
    assert quick.enabled and stream.getvalue() == ""  # done before the line was due
    slow = StatusLine(stream=stream, delay=0.05)
    slow("pushing")
    deadline = time.monotonic() + 10
    while slow._status is None and time.monotonic() < deadline:
        time.sleep(0.01)
    slow("pushing graph 2 of 7")
    slow.close()
    assert "pushing" in stream.getvalue()


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


def test_output_ends_the_status_line_first(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command's output is never written onto the status line, nor sent to stderr."""
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stream = Terminal()
    status = StatusLine(stream=stream, delay=0.01)
    status("validating")
    deadline = time.monotonic() + 10
    while status._status is None and time.monotonic() < deadline:
        time.sleep(0.01)
    with status._lock:  # the line is fully shown once its lock is free
        assert status._status is not None
    print("the report")
    assert status._status is None and not type(sys.stdout).__name__.startswith("_Ends")
    assert capsys.readouterr().out == "the report\n"
    assert "the report" not in stream.getvalue()
