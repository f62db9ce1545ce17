"""Hostile inputs end cleanly: one ``error:`` line, exit 2, no traceback, no hang."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgtool.project import Project

KGTOOL = Path(sys.executable).parent / "kgtool"
NOBODY = 65534
SOURCE_TXT = "graph/sources/koreatimes-2014-07-27-rare-earth-exports.txt"


def run(project: Project, *args: str, user: int | None = None) -> subprocess.CompletedProcess[str]:
    """``kgtool`` on the project (its store in the default place), as ``user`` if given."""
    command = [str(KGTOOL), "--project", str(project.root), "-q", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    env = {k: v for k, v in os.environ.items() if k != "KGTOOL_STORE"}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def one_error_line(done: subprocess.CompletedProcess[str], *words: str) -> str:
    """The run exited 2 with exactly one line on stderr, ``error: …`` holding ``words``."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr[-2000:]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_deeply_nested_blank_nodes_are_refused_not_crashed_on(project_copy: Project) -> None:
    depth = 20_000
    nested = "[ <http://e/p> " * depth + "<http://e/o>" + " ]" * depth
    (project_copy.graph_dir / "deep.ttl").write_text(f"<http://e/s> <http://e/p> {nested} .\n")
    one_error_line(run(project_copy, "build"), "graph/deep.ttl", "levels deep, more than 100")
    (project_copy.graph_dir / "deep.ttl").unlink()
    assert run(project_copy, "build").returncode == 0  # nothing was left broken


def test_a_source_text_over_16_mb_is_one_error(built_copy: Project) -> None:
    path = built_copy.root / SOURCE_TXT
    with path.open("ab") as handle:
        handle.write("\u00e9".encode() * (9 * 1024 * 1024))  # 9 M characters, 18 MB
    one_error_line(run(built_copy, "build"), SOURCE_TXT, "more than the 16,777,216")


def test_long_lists_and_cycles_of_blank_nodes(project_copy: Project) -> None:
    """Only look-alike chains are refused: a list of 5,000 distinct members is not,
    a cycle of 300 look-alike blank nodes is (RDFC-1.0 would spend minutes on it)."""
    members = " ".join(f"<http://e/m{i}>" for i in range(5000))
    (project_copy.graph_dir / "list.ttl").write_text(f"<http://e/s> <http://e/p> ({members}) .\n")
    assert run(project_copy, "build").returncode == 0
    cycle = "".join(f"_:n{i} <http://e/p> _:n{(i + 1) % 300} .\n" for i in range(300))
    (project_copy.graph_dir / "cycle.nt").write_text(cycle)
    one_error_line(run(project_copy, "build"), "graph/cycle.nt", "more than 100")


def test_a_literal_over_16_mb_is_one_error(project_copy: Project) -> None:
    big = "x" * (17 * 1024 * 1024)
    (project_copy.graph_dir / "big.nt").write_text(f'<http://e/s> <http://e/p> "{big}" .\n')
    one_error_line(run(project_copy, "build"), "graph/big.nt", "too long")


def test_a_symlink_loop_under_graph_is_one_error(project_copy: Project) -> None:
    (project_copy.graph_dir / "a.ttl").symlink_to("b.ttl")
    (project_copy.graph_dir / "b.ttl").symlink_to("a.ttl")
    (project_copy.graph_dir / "up").symlink_to("..")  # a link to a folder is not followed
    one_error_line(run(project_copy, "build"), ".ttl: cannot read file", "symbolic link")


@pytest.mark.parametrize(
    "args",
    [
        ("why", "<script>"),
        ("mentions", "<script>"),
        ("query", "trade-flows", "--param", "exporter=<x>"),
        ("network", "path", "<x>", "China"),
        ("why", "https://bad iri"),
    ],
    ids=["why", "mentions", "query-param", "network-path", "why-space"],
)
def test_invalid_iris_given_by_the_user_are_one_error(
    built_copy: Project, args: tuple[str, ...]
) -> None:
    one_error_line(run(built_copy, *args), "is not a valid IRI")


@pytest.fixture
def built_copy(project_copy: Project) -> Project:
    assert run(project_copy, "build").returncode == 0
    return project_copy


def _dist(project: Project) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(project.dist_dir.iterdir())}


def test_a_missing_source_text_exits_2(built_copy: Project) -> None:
    before = _dist(built_copy)
    (built_copy.root / SOURCE_TXT).unlink()
    for command in ("build", "validate"):  # the sheets quoting it cannot be compiled
        one_error_line(run(built_copy, command), SOURCE_TXT, "does not exist", "kg:localPath")
    assert _dist(built_copy) == before
    for folder in ("claims", "mentions"):  # with no sheet quoting it, validation finds it
        shutil.rmtree(built_copy.graph_dir / folder)
    done = run(built_copy, "build")
    one_error_line(done, SOURCE_TXT, "does not exist")
    assert "validation:" in done.stdout  # the report is printed too
    one_error_line(run(built_copy, "validate"), SOURCE_TXT, "does not exist")
    assert _dist(built_copy) == before


def test_a_source_text_that_is_not_utf8_is_one_error(built_copy: Project) -> None:
    path = built_copy.root / SOURCE_TXT
    path.write_bytes(path.read_bytes()[:50] + b"\xff" + path.read_bytes()[50:])
    one_error_line(run(built_copy, "build"), SOURCE_TXT, "not UTF-8 (byte 50")
    for folder in ("claims", "mentions"):  # the store's own reading says the same
        shutil.rmtree(built_copy.graph_dir / folder)
    one_error_line(run(built_copy, "build"), SOURCE_TXT, "not UTF-8 (byte 50")


# As a user who may not read everything (the tests run as root, who may) ------------
@pytest.fixture
def nobody_project(make_project: object) -> Iterator[Project]:
    """A project copy that user nobody owns, in a folder everyone may enter."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run kgtool as another user")
    base = Path(tempfile.mkdtemp(prefix="kgtool-nobody-"))
    try:
        base.chmod(0o755)
        root = base / "project"
        for folder in ("ontology", "graph", "queries"):
            shutil.copytree(Path(__file__).resolve().parent.parent / folder, root / folder)
        for path in [root, *root.rglob("*")]:
            os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
        yield Project(root, root / ".kgtool" / "store")
    finally:
        shutil.rmtree(base)


def test_an_unreadable_file_is_one_error(nobody_project: Project) -> None:
    (nobody_project.root / "graph" / "entities.ttl").chmod(0)
    line = one_error_line(run(nobody_project, "build", user=NOBODY), "graph/entities.ttl")
    assert "Permission denied" in line


def test_an_unreadable_folder_is_one_error(nobody_project: Project) -> None:
    (nobody_project.root / "graph" / "claims").chmod(0)
    line = one_error_line(run(nobody_project, "build", user=NOBODY), "graph/claims")
    assert "cannot read folder" in line


def test_an_unreadable_store_folder_says_so(nobody_project: Project) -> None:
    assert run(nobody_project, "build", user=NOBODY).returncode == 0
    nobody_project.store_path.chmod(0)
    for args in (("query", "trade-flows"), ("build",)):
        line = one_error_line(run(nobody_project, *args, user=NOBODY), "store")
        assert "not a kgtool store" not in line
        assert "Permission denied" in line, line
