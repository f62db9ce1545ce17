"""A source text is read as its bytes say, by the store and the sheet compiler alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgtool.cli import main
from kgtool.errors import InputError
from kgtool.project import Project
from kgtool.source_text import read_source_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "authoring"
NOTE = "Fictional article, written for kgtool's documentation and tests."


def run(project: Project, *args: str) -> int:
    return main(["--project", str(project.root), "--store", str(project.store_path), "-q", *args])


def test_crlf_bom_and_lone_cr_are_characters_of_the_text(tmp_path: Path) -> None:
    project = Project(tmp_path)
    file = tmp_path / "t.txt"
    file.write_bytes(b"\xef\xbb\xbfa\r\nb\rc\n")
    assert read_source_text(project, file) == "\ufeffa\r\nb\rc\n"
    file.write_bytes(b"ab\xffc")
    with pytest.raises(InputError, match=r"t.txt: the source text is not UTF-8 \(byte 2"):
        read_source_text(project, file)


def test_a_sheet_on_a_crlf_text_builds_with_offsets_into_its_bytes(
    project_copy: Project, tmp_path: Path
) -> None:
    article = tmp_path / "harbour-2026-03-02.txt"
    article.write_bytes((FIXTURES / "harbour-2026-03-02.txt").read_bytes().replace(b"\n", b"\r\n"))
    assert run(project_copy, "add", "source", str(article), "--note", NOTE,
               "--published", "2026-03-02T09:00:00+09:00", "--publisher", "The Harbour Ledger",
               "--author", "Mina Cho", "--headline", "Iron ore and coal") == 0  # fmt: skip
    sheet = project_copy.graph_dir / "claims" / "harbour-2026-03-02.yaml"
    sheet.write_bytes((FIXTURES / "harbour-2026-03-02.yaml").read_bytes())
    assert run(project_copy, "build") == 0  # the validator checks each quote at its offsets
    assert run(project_copy, "validate") == 0
