"""A store kgtool wrote is always recoverable: builds killed with SIGKILL at ten
points of their run, on a generated corpus of 5,000 claims, are followed by a
build that succeeds and gives the answers and the dist/ bytes of a clean build."""

from __future__ import annotations

import hashlib
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest

from kgtool.limits import PROCESS_BYTES
from kgtool.project import Project

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
KGTOOL = Path(sys.executable).parent / "kgtool"
CLAIMS = 5000
EDITED = "graph/claims/part-00005.ttl"

#: (rebuild from scratch?, the progress line after which the build is killed); each
#: build follows an edit, so each has a store update, a validation and a dist/ to write
KILL_POINTS = [
    (True, r"^parsed .* \(2/\d+\)$"),  # parsing, the bulk load running beside it
    (True, r"^parsed .* \(9/\d+\)$"),
    (True, r"^loaded \d+ quads"),  # the database complete, not yet published
    (True, r"^store built"),  # published, validation starting
    (True, r"^validating"),  # validating while dist/ is staged
    (False, r"^reparsed "),  # an edit: the changed file parsed
    (False, r"^store updated"),  # the patched copy published
    (False, r"^validating"),
    (False, r"^(replacing|creating) dist/"),  # swapping dist/ in
    (True, r"^wrote dist/kgtool\.trig"),  # dist/ swapped in, its index written
]

QUERIES = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?s ?o WHERE { ?s rdfs:label ?o } ORDER BY ?s ?o",
]


def kgtool(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KGTOOL), "--project", str(project), "--store", str(project / "store"), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def edit(project: Path, on: bool) -> None:
    """Reword the first claim's label (on) or put it back (off)."""
    path = project / EDITED
    text = path.read_text(encoding="utf-8")
    if on:
        label = re.search(r'rdfs:label "([^"]+)"', text)
        assert label is not None
        path.write_text(text.replace(label.group(0), label.group(0)[:-1] + ' (edited)"', 1))
    else:
        path.write_text(text.replace(' (edited)"', '"'), encoding="utf-8")


def answers(project: Path) -> list[str]:
    out = []
    for sparql in QUERIES:
        done = kgtool(project, "query", "-e", sparql, "--format", "csv")
        assert done.returncode == 0, done.stderr
        out.append(done.stdout)
    for name in ("kgtool.trig", "graph.ttl", "ontology.ttl"):
        out.append(hashlib.sha256((project / "dist" / name).read_bytes()).hexdigest())
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash") / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), "--claims", str(CLAIMS),
         "--out", str(folder)],
        check=True, capture_output=True,
    )  # fmt: skip
    # Big enough that its builds render their pieces in worker processes.
    assert sum(p.stat().st_size for p in Project(folder).rdf_files()) >= PROCESS_BYTES
    return folder


def clean_answers(corpus: Path, tmp: Path, on: bool) -> list[str]:
    """The answers of a clean build of the corpus, edited or not, in a folder of its own."""
    folder = tmp / ("clean-edited" if on else "clean")
    shutil.copytree(corpus, folder)
    edit(folder, on)
    assert kgtool(folder, "build").returncode == 0
    return answers(folder)


def killed_build(project: Path, force: bool, pattern: str) -> str:
    """Run ``kgtool build`` and SIGKILL it right after the progress line ``pattern``
    (``--verbose`` writes each progress step as a line, also to a pipe)."""
    command = [str(KGTOOL), "--verbose", "--project", str(project), "--store",
               str(project / "store"), "build", *(["--force"] if force else [])]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               text=True)  # fmt: skip
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line.rstrip("\n"))
        if re.search(pattern, seen[-1]):
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=300)
    # Worker processes write to the same pipe: it ends when the last one has exited.
    assert _ends_within(process.stderr, 60), f"a worker outlived the build killed at {pattern!r}"
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL, f"never reached {pattern!r}: {seen}"
    return seen[-1]


def _ends_within(pipe: IO[str], seconds: float) -> bool:
    """Whether every writer of ``pipe`` closes it within ``seconds`` (its rest is dropped)."""
    deadline = time.monotonic() + seconds
    with selectors.DefaultSelector() as waiting:
        waiting.register(pipe, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if waiting.select(left) and not os.read(pipe.fileno(), 1 << 16):
                return True
    return False


def test_builds_killed_at_ten_points_are_recovered(corpus: Path, tmp_path: Path) -> None:
    expected = {on: clean_answers(corpus, tmp_path, on) for on in (False, True)}
    assert expected[False] != expected[True]  # the edit shows in the answers
    project = tmp_path / "project"
    shutil.copytree(corpus, project)
    assert kgtool(project, "build").returncode == 0
    on = False
    for force, pattern in KILL_POINTS:
        on = not on  # every killed build has an edit to publish
        edit(project, on)
        killed_build(project, force, pattern)
        done = kgtool(project, "build")
        assert done.returncode == 0, (pattern, done.stderr)
        assert answers(project) == expected[on], pattern
        store = project / "store"
        generations = [p.name for p in store.iterdir() if p.name.startswith("oxigraph-")]
        assert len([g for g in generations if not g.endswith(".readers")]) == 1, generations
    forced = kgtool(project, "build", "--force")
    assert forced.returncode == 0, forced.stderr
    assert answers(project) == expected[on]
