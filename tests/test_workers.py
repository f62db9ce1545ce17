"""Pieces rendered in worker processes: the same bytes, located errors, no worker left."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

import kgtool.limits
from kgtool.errors import InputError
from kgtool.pieces import PieceCache
from kgtool.project import Project
from kgtool.store import build_store
from kgtool.store.parsing import render_file
from kgtool.store.workers import RenderPool


def _pieces(project: Project) -> dict[str, str]:
    folder = project.store_path / "pieces"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _manifest_pieces(project: Project) -> object:
    return json.loads((project.store_path / "manifest.json").read_text())["pieces"]


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[RenderPool]:
    """Every pool a build starts; builds in this module always render in workers."""
    monkeypatch.setattr(kgtool.limits, "PROCESS_BYTES", 0)
    monkeypatch.setattr(kgtool.limits, "WORKERS", 2)
    monkeypatch.setattr("kgtool.store.parsing.WORKERS", 2)
    started: list[RenderPool] = []
    original = RenderPool.__init__

    def record(self: RenderPool, count: int) -> None:
        original(self, count)
        started.append(self)

    monkeypatch.setattr(RenderPool, "__init__", record)
    return started


def _literal_file(project: Project) -> None:
    (project.graph_dir / "literals.ttl").write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "<https://w3id.org/kgtool/entity/x> <https://w3id.org/kgtool/ontology#n>"
        ' "0100"^^xsd:integer, "100"^^xsd:integer, [ <https://w3id.org/kgtool/ontology#m> 1 ] .\n',
        encoding="utf-8",
    )


def test_workers_render_the_pieces_threads_render(
    make_project: Callable[..., Project],
    pools: list[RenderPool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    in_workers, in_threads = make_project("workers"), make_project("threads")
    for project in (in_workers, in_threads):
        _literal_file(project)
    build_store(in_workers)[0].close()
    assert len(pools) == 1
    assert all(worker.returncode == 0 for worker in pools[0].workers)
    monkeypatch.setattr(kgtool.limits, "PROCESS_BYTES", 1 << 60)
    build_store(in_threads)[0].close()
    assert len(pools) == 1  # the second build rendered on threads only
    assert _pieces(in_workers) == _pieces(in_threads)
    manifest = _manifest_pieces(in_workers)
    assert manifest == _manifest_pieces(in_threads)
    assert isinstance(manifest, dict)
    literals = manifest["https://w3id.org/kgtool/graph/graph/literals"]
    assert (literals["quads"], literals["stored"]) == (4, 3)  # 0100 and 100: one integer


def test_a_bad_file_is_located_and_every_worker_ends(
    project_copy: Project, pools: list[RenderPool]
) -> None:
    (project_copy.graph_dir / "broken.ttl").write_text(
        "<https://w3id.org/kgtool/entity/x> <https://w3id.org/kgtool/ontology#n> 1 .\n"
        "<https://w3id.org/kgtool/entity/x> <https://w3id.org/kgtool/ontology#n> .\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        build_store(project_copy)
    assert caught.value.path == "graph/broken.ttl" and caught.value.line == 2
    assert len(pools) == 1
    assert all(worker.returncode is not None for worker in pools[0].workers)
    assert not (project_copy.store_path / "manifest.json").exists()


def test_a_worker_exits_when_its_parent_goes(
    project_copy: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parent killed outright closes the worker's only task pipe; the worker then exits.

    The worker runs this kgtool even from a folder holding another one.
    """
    other = tmp_path / "elsewhere" / "kgtool"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("raise ImportError('not this kgtool')\n")
    monkeypatch.chdir(other.parent)
    pool = RenderPool(1)
    worker = pool.workers[0]
    path = project_copy.graph_dir / "entities.ttl"
    entry = pool.run(render_file, project_copy, path, "0" * 64, PieceCache(tmp_path))
    assert entry.quads > 0 and (tmp_path / f"{entry.key}.nq").is_file()
    assert worker.stdin is not None
    worker.stdin.close()
    assert worker.wait(timeout=30) == 0
    pool.close()
