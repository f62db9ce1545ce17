"""kgtool build: exports written only for a valid graph, deterministic, atomic."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import kgtool.build
from kgtool.build import build as run_build
from kgtool.cli import main
from kgtool.export import DIST_FILES, export
from kgtool.project import Project
from kgtool.store import open_store


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _build(project: Project, *extra: str) -> int:
    return main(
        ["--project", str(project.root), "--store", str(project.store_path), "-q", "build", *extra]
    )


def test_build_writes_dist_for_the_shipped_graph(project_copy: Project) -> None:
    assert _build(project_copy) == 0
    names = sorted(p.name for p in project_copy.dist_dir.iterdir())
    assert names == ["graph.ttl", "kgtool.trig", "ontology.ttl"]


@pytest.mark.slow
def test_build_is_byte_identical_across_processes_and_hash_seeds(
    project_copy: Project, tmp_path: Path
) -> None:
    """Two builds from scratch, in fresh interpreters with different hash seeds."""
    runs = []
    for seed in ("1", "12345"):
        store = tmp_path / f"store-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "kgtool",
                "--project",
                str(project_copy.root),
                "--store",
                str(store),
                "-q",
                "build",
                "--force",
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        runs.append(_digests(project_copy.dist_dir))
    assert runs[0] == runs[1]


def test_exports_load_in_an_independent_parser(project_copy: Project) -> None:
    import pyoxigraph as ox

    assert _build(project_copy) == 0
    dist = project_copy.dist_dir
    triples = list(ox.parse(path=str(dist / "graph.ttl"), format=ox.RdfFormat.TURTLE))
    quads = list(ox.parse(path=str(dist / "kgtool.trig"), format=ox.RdfFormat.TRIG))
    ontology = list(ox.parse(path=str(dist / "ontology.ttl"), format=ox.RdfFormat.TURTLE))
    assert triples and ontology
    with open_store(project_copy, refresh=False) as kgstore:
        assert len(quads) == len(kgstore)  # every quad of the store, each once
    graphs = {q.graph_name.value for q in quads}
    assert project_copy.graph_iri(project_copy.graph_dir / "sources.ttl") in graphs


def test_syntax_error_exits_2_with_file_and_line_and_keeps_dist(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _build(project_copy) == 0
    before = _digests(project_copy.dist_dir)
    bad = project_copy.graph_dir / "sources.ttl"
    lines = bad.read_text().splitlines()
    lines.insert(5, 'src:broken schema:name "unterminated .')
    bad.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert _build(project_copy) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("error: graph/sources.ttl:6:")
    assert "Traceback" not in err[0]
    assert _digests(project_copy.dist_dir) == before


def test_violation_exits_1_and_keeps_dist(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _build(project_copy) == 0
    before = _digests(project_copy.dist_dir)
    _violate(project_copy)
    capsys.readouterr()
    assert _build(project_copy) == 1
    out = capsys.readouterr()
    assert "modality kg:Reported" in out.out
    assert "graph/claims/koreatimes-2014-07-27.yaml:" in out.out  # the sheet line of the claim
    assert "dist/ was not written" in out.err
    assert _digests(project_copy.dist_dir) == before


def test_missing_project_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(tmp_path / "nowhere"), "build"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: no kgtool project")


# dist/ is staged while validation runs --------------------------------------------


def _violate(project: Project) -> None:
    """A reported claim attributed only to the article's author: a SHACL violation."""
    claims = project.graph_dir / "claims" / "koreatimes-2014-07-27.yaml"
    text = claims.read_text()
    assert "    by: Korea International Trade Association\n" in text
    claims.write_text(text.replace("    by: Korea International Trade Association\n", "", 1))


def _relabel(project: Project) -> None:
    entities = project.graph_dir / "entities.ttl"
    text = entities.read_text(encoding="utf-8")
    # a definition, not a label: claim sheets name entities by their labels
    entities.write_text(
        text.replace("Country in the northern", "State in the northern", 1), encoding="utf-8"
    )


def _staging_dir(project: Project) -> Path:
    return project.dist_dir.with_name(project.dist_dir.name + ".new")


def _dist_state(project: Project) -> dict[str, tuple[str, int]]:
    """Each dist file's digest and inode: a file rewritten with the same bytes shows too."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_ino)
        for p in sorted(project.dist_dir.iterdir())
    }


def _staging_finished(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """An event set when build()'s stage_dist returns (or raises)."""
    finished = threading.Event()
    real = kgtool.build.stage_dist

    def staging(*args: Any, **kwargs: Any) -> Any:
        try:
            return real(*args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(kgtool.build, "stage_dist", staging)
    return finished


def test_dist_is_staged_while_validation_runs(
    project_copy: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _build(project_copy) == 0
    _relabel(project_copy)
    finished = _staging_finished(monkeypatch)
    real = kgtool.build.validate_incrementally
    seen: list[bool] = []

    def validating(*args: Any, **kwargs: Any) -> Any:
        report = real(*args, **kwargs)
        # staging runs beside validation, so it can finish before validation returns
        seen.append(finished.wait(timeout=60))
        seen.append(_staging_dir(project_copy).is_dir())
        return report

    monkeypatch.setattr(kgtool.build, "validate_incrementally", validating)
    outcome = run_build(project_copy)
    outcome.store.close()
    assert outcome.report.conforms and seen == [True, True]
    assert not _staging_dir(project_copy).exists()
    assert b"DPRK" in (project_copy.dist_dir / "graph.ttl").read_bytes()
    with open_store(project_copy, refresh=False) as kgstore:
        for name, (selection, fmt) in DIST_FILES.items():
            assert (project_copy.dist_dir / name).read_bytes() == export(
                kgstore, fmt, selection=selection
            ), name


def test_non_conforming_edit_leaves_dist_as_it_was_and_no_staging(
    project_copy: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _build(project_copy) == 0
    before = _dist_state(project_copy)
    _violate(project_copy)
    finished = _staging_finished(monkeypatch)
    outcome = run_build(project_copy)
    outcome.store.close()
    assert not outcome.report.conforms and not outcome.written
    assert finished.is_set()  # the files were staged (or cancelled), then thrown away
    assert _dist_state(project_copy) == before
    assert not _staging_dir(project_copy).exists()


@pytest.mark.parametrize("wait_for_staging", [True, False], ids=["staged", "cancelled"])
def test_validation_error_leaves_dist_as_it_was_and_no_staging(
    project_copy: Project, monkeypatch: pytest.MonkeyPatch, wait_for_staging: bool
) -> None:
    assert _build(project_copy) == 0
    before = _dist_state(project_copy)
    _relabel(project_copy)  # a conforming edit: only the error keeps dist/ as it was
    finished = _staging_finished(monkeypatch)

    def failing(*_: Any, **__: Any) -> Any:
        if wait_for_staging:
            assert finished.wait(timeout=60) and _staging_dir(project_copy).is_dir()
        raise RuntimeError("validation blew up")

    monkeypatch.setattr(kgtool.build, "validate_incrementally", failing)
    with pytest.raises(RuntimeError, match="blew up"):
        run_build(project_copy)
    assert finished.is_set()  # build waited for the staging thread before raising
    assert _dist_state(project_copy) == before
    assert not _staging_dir(project_copy).exists()
    monkeypatch.undo()
    assert _build(project_copy) == 0  # and the next build writes the edit
    assert b"DPRK" in (project_copy.dist_dir / "graph.ttl").read_bytes()


# Integrity of inputs and outputs ---------------------------------------------------
SOURCE_TXT = "graph/sources/koreatimes-2014-07-27-rare-earth-exports.txt"

TEXT_EDITS = {
    "crlf": lambda data: data.replace(b"\n", b"\r\n"),
    "lone-cr": lambda data: data.replace(b"\n", b"\r", 1),
    "bom": lambda data: b"\xef\xbb\xbf" + data,
    "one-byte": lambda data: data[:100] + bytes([data[100] ^ 0x20]) + data[101:],
}
#: edits after which a claim's quote is no longer in the text: its sheet cannot be compiled
BREAKS_A_QUOTE = {"one-byte"}


@pytest.mark.parametrize("change", TEXT_EDITS, ids=list(TEXT_EDITS))
def test_any_byte_change_of_a_source_text_fails_the_incremental_build(
    project_copy: Project, change: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _build(project_copy) == 0
    before = _digests(project_copy.dist_dir)
    path = project_copy.root / SOURCE_TXT
    path.write_bytes(TEXT_EDITS[change](path.read_bytes()))
    capsys.readouterr()
    code = _build(project_copy)
    captured = capsys.readouterr()
    if change in BREAKS_A_QUOTE:  # bad input (exit 2), with the changed text as its cause
        assert code == 2
        (line,) = captured.err.strip().splitlines()
        assert line.startswith(f"error: {SOURCE_TXT} has changed: its sha256 is "), line
        assert "graph/claims/koreatimes-2014-07-27.yaml:" in line  # and the quote it broke
    else:  # the quotes are still found: the validation reports the change (exit 1)
        assert code == 1
        assert "has changed: its sha256 is" in captured.out
    assert _digests(project_copy.dist_dir) == before


def _literals(data: bytes, fmt: Any) -> set[tuple[str, str, str | None]]:
    import pyoxigraph as ox

    return {
        (term.value, term.datatype.value, term.language)
        for quad in ox.parse(data, format=fmt)
        for term in (quad.object,)
        if isinstance(term, ox.Literal)
    }


def _written_literals(project: Project, path: Path) -> set[tuple[str, str, str | None]]:
    """The literals of one input as written: a claim sheet's are those of the N-Triples
    it compiles to, every other file's those of its own text."""
    import pyoxigraph as ox

    from kgtool.project import SHEET_SUFFIX

    if path.suffix == SHEET_SUFFIX:
        from kgtool.authoring.compile import compile_file

        data = compile_file(project, path).ntriples.encode("utf-8")
        return _literals(data, ox.RdfFormat.N_TRIPLES)
    fmt = ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.N_TRIPLES
    return _literals(path.read_bytes(), fmt)


def test_dist_keeps_every_literal_as_written(project_copy: Project) -> None:
    import pyoxigraph as ox

    extra = project_copy.graph_dir / "literals.ttl"
    extra.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "<https://w3id.org/kgtool/entity/x> <https://w3id.org/kgtool/ontology#n>"
        ' "0100"^^xsd:integer, 1.50, "-3"^^xsd:negativeInteger,'
        ' "196"^^xsd:nonNegativeInteger, 1.0E0, "100"^^xsd:integer .\n',
        encoding="utf-8",
    )
    assert _build(project_copy) == 0
    written: set[tuple[str, str, str | None]] = set()
    sheets = [p for p in project_copy.rdf_files() if p.suffix == ".yaml"]
    assert sheets  # the claims and mentions are sheets: their compiled literals count too
    for path in project_copy.rdf_files():
        written |= _written_literals(project_copy, path)
    assert ("0100", "http://www.w3.org/2001/XMLSchema#integer", None) in written
    from_sheets = set().union(*(_written_literals(project_copy, p) for p in sheets))
    assert "http://www.w3.org/2001/XMLSchema#decimal" in {t[1] for t in from_sheets}
    trig = _literals((project_copy.dist_dir / "kgtool.trig").read_bytes(), ox.RdfFormat.TRIG)
    assert written - trig == set()
    for name, selection in (("graph.ttl", "graph/"), ("ontology.ttl", "ontology/")):
        exported = _literals((project_copy.dist_dir / name).read_bytes(), ox.RdfFormat.TURTLE)
        for path in project_copy.rdf_files():
            if project_copy.relative(path).startswith(selection):
                assert _written_literals(project_copy, path) <= exported, path
    with open_store(project_copy, refresh=False) as kgstore:  # queries see the values
        nq = export(kgstore, "nq")
    assert b'"0100"^^<http://www.w3.org/2001/XMLSchema#integer>' in nq


def test_two_files_for_one_graph_are_an_error_naming_both(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = project_copy.graph_dir / "claims"
    (claims / "y.ttl").write_text("", encoding="utf-8")
    (claims / "y.nt").write_text(
        '<https://w3id.org/kgtool/entity/y> <http://www.w3.org/2000/01/rdf-schema#label> "y" .\n',
        encoding="utf-8",
    )
    assert _build(project_copy) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "graph/claims/y.nt" in err[0] and "graph/claims/y.ttl" in err[0]
    assert not project_copy.dist_dir.exists()


def test_a_source_text_and_an_rdf_file_for_one_graph_are_an_error(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """A text's graph is named from its path too: its text would replace the file's
    statements in the store."""
    text = project_copy.root / "graph/sources/koreatimes-2014-07-27-rare-earth-exports.txt"
    text.with_suffix(".ttl").write_text(
        '<https://w3id.org/kgtool/entity/y> <http://www.w3.org/2000/01/rdf-schema#label> "y" .\n',
        encoding="utf-8",
    )
    assert _build(project_copy) == 2
    err = capsys.readouterr().err.strip()
    assert "koreatimes-2014-07-27-rare-earth-exports.ttl" in err
    assert "koreatimes-2014-07-27-rare-earth-exports.txt" in err


@pytest.mark.parametrize(
    ("original", "copy"),
    [("graph/claims/koreatimes-2014-07-27.yaml", "graph/claims/copy.yaml"),
     ("graph/entities.ttl", "graph/copy.ttl")],
    ids=["claim-sheet", "turtle"],
)  # fmt: skip
@pytest.mark.parametrize("quiet", [[], ["-q"]], ids=["", "quiet"])
def test_an_exact_copy_of_a_claims_file_warns(
    project_copy: Project,
    capsys: pytest.CaptureFixture[str],
    original: str,
    copy: str,
    quiet: list[str],
) -> None:
    (project_copy.root / copy).write_bytes((project_copy.root / original).read_bytes())
    code = main([*quiet, "--project", str(project_copy.root), "--store",
                 str(project_copy.store_path), "build"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0
    (warning,) = [line for line in err.splitlines() if line.startswith("warning:")]
    assert copy in warning and original in warning  # a warning is not progress: -q shows it
    assert "exact copy" in warning


def test_relative_iris_are_refused(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (project_copy.graph_dir / "relative.ttl").write_text(
        '<thing> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n', encoding="utf-8"
    )
    assert _build(project_copy) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: graph/relative.ttl:1:")
    assert "relative IRIs are refused" in err[0]


def test_dist_does_not_depend_on_where_the_project_lives(make_project: Any) -> None:
    first = make_project("a")
    second = make_project("somewhere-else")
    assert _build(first) == 0 and _build(second) == 0
    assert _digests(first.dist_dir) == _digests(second.dist_dir)


def test_a_warm_build_says_dist_is_up_to_date_and_nothing_else(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--verbose", "--project", str(project_copy.root), "--store",
            str(project_copy.store_path), "build"]  # fmt: skip
    assert main(argv) == 0
    assert "wrote dist/kgtool.trig" in capsys.readouterr().err
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "dist/ is up to date" in captured.err
    assert "wrote" not in captured.err
    assert "(unchanged)" in captured.out


def test_build_force_validates_every_node(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--verbose", "--project", str(project_copy.root), "--store",
            str(project_copy.store_path), "build"]  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    assert main([*argv, "--force"]) == 0
    err = capsys.readouterr().err
    assert "validating everything with sparql" in err
    assert "nothing changed since the last validation" not in err
