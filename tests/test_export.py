"""Deterministic serialisation, independent of insertion order and blank-node labels."""

from __future__ import annotations

import os
import random
import shutil
import threading
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

import kgtool.export as export_module
from kgtool.build import build
from kgtool.cli import main
from kgtool.errors import InputError
from kgtool.export import (
    DIST_FILES,
    FORMATS,
    StagingCancelled,
    commit_dist,
    discard_dist,
    export,
    serialize,
    stage_dist,
)
from kgtool.project import Project
from kgtool.store import open_store

EX = "http://example.org/"
G = ox.NamedNode(EX + "g")

#: a relabelling that keeps the old label (claim sheets name entities by label)
PREF_LABEL = 'skos:prefLabel "North Korea"@en'
DPRK_LABEL = 'skos:prefLabel "DPRK"@en ; skos:altLabel "North Korea"@en'


def _quads() -> list[ox.Quad]:
    b1, b2 = ox.BlankNode(), ox.BlankNode()
    return [
        ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("x"), G),
        ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "q"), b1, G),
        ox.Quad(
            b1,
            ox.NamedNode(EX + "r"),
            ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
            G,
        ),
        ox.Quad(b1, ox.NamedNode(EX + "s"), b2, G),
        ox.Quad(b2, ox.NamedNode(EX + "t"), ox.Literal("y", language="en"), G),
    ]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_same_graph_any_order_same_bytes(fmt: str) -> None:
    first = serialize(_quads(), fmt)
    shuffled = _quads()  # fresh blank nodes, different labels
    random.Random(7).shuffle(shuffled)
    assert serialize(shuffled, fmt) == first


def test_rdf_type_comes_first_for_each_subject() -> None:
    subject = ox.NamedNode(EX + "z")
    quads = [
        ox.Quad(subject, ox.NamedNode(EX + "a"), ox.Literal("v"), G),
        ox.Quad(
            subject,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(EX + "C"),
            G,
        ),
    ]
    lines = serialize(quads, "nq").decode("utf-8").splitlines()
    assert len(lines) == 2 and "#type>" in lines[0]  # though "a" sorts before it


def test_unknown_format_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown export format"):
        serialize(_quads(), "xlsx")


def test_turtle_round_trips() -> None:
    data = serialize(_quads(), "ttl")
    parsed = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
    assert len(parsed) == len(_quads())


# dist/ ------------------------------------------------------------------------------


def _build(project: Project) -> list[str]:
    messages: list[str] = []
    build(project, progress=messages.append).store.close()
    return messages


def _assert_dist_is_the_export(project: Project) -> None:
    with open_store(project, refresh=False) as kgstore:
        for name, (selection, fmt) in DIST_FILES.items():
            expected = export(kgstore, fmt, selection=selection)
            assert (project.dist_dir / name).read_bytes() == expected, name


def test_dist_after_an_edit_reuses_the_old_files_and_equals_a_full_export(
    project_copy: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(project_copy)
    entities = project_copy.graph_dir / "entities.ttl"
    text = entities.read_text(encoding="utf-8")
    entities.write_text(text.replace(PREF_LABEL, DPRK_LABEL, 1), encoding="utf-8")
    reused: list[set[str]] = []
    real = export_module._read_dist_index

    def spying(*args: Any) -> dict[str, Any]:
        found = real(*args)
        reused.append(set(found))
        return found

    monkeypatch.setattr(export_module, "_read_dist_index", spying)
    _build(project_copy)
    assert reused == [set(DIST_FILES)]  # every old file was a source of unchanged pieces
    _assert_dist_is_the_export(project_copy)
    assert b"DPRK" in (project_copy.dist_dir / "graph.ttl").read_bytes()


def test_dist_changed_by_hand_is_rewritten_and_an_unchanged_one_is_kept(
    project_copy: Project,
) -> None:
    _build(project_copy)
    graph_ttl = project_copy.dist_dir / "graph.ttl"
    kept = graph_ttl.stat()
    assert "dist/ is up to date" in _build(project_copy)
    assert graph_ttl.stat().st_ino == kept.st_ino  # not rewritten

    with graph_ttl.open("r+b") as handle:  # same size, other bytes
        handle.write(b"#")
    messages = _build(project_copy)
    assert "dist/ is up to date" not in messages
    _assert_dist_is_the_export(project_copy)


def test_staged_dist_is_swapped_in_only_on_commit(project_copy: Project) -> None:
    _build(project_copy)
    dist = project_copy.dist_dir
    before = {p.name: p.read_bytes() for p in dist.iterdir()}
    entities = project_copy.graph_dir / "entities.ttl"
    text = entities.read_text(encoding="utf-8")
    entities.write_text(text.replace(PREF_LABEL, DPRK_LABEL, 1), encoding="utf-8")
    with open_store(project_copy) as kgstore:
        staged = stage_dist(kgstore, dist)
        assert staged.staging is not None and staged.staging.is_dir()
        assert {p.name: p.read_bytes() for p in dist.iterdir()} == before
        discard_dist(staged)
        assert not staged.staging and not dist.with_name("dist.new").exists()
        assert {p.name: p.read_bytes() for p in dist.iterdir()} == before

        messages: list[str] = []
        assert commit_dist(stage_dist(kgstore, dist), progress=messages.append) == [
            dist / name for name in DIST_FILES
        ]
        assert not dist.with_name("dist.new").exists()
        up_to_date = stage_dist(kgstore, dist)
        assert up_to_date.staging is None  # the fast path: nothing written
        commit_dist(up_to_date, progress=messages.append)
        assert messages[-1] == "dist/ is up to date"
    _assert_dist_is_the_export(project_copy)
    assert b"DPRK" in (dist / "graph.ttl").read_bytes()


def test_cancelled_staging_leaves_no_folder(project_copy: Project) -> None:
    _build(project_copy)
    dist = project_copy.dist_dir
    (project_copy.graph_dir / "entities.ttl").write_text(
        (project_copy.graph_dir / "entities.ttl").read_text(encoding="utf-8") + "\n",
        encoding="utf-8",
    )
    cancel = threading.Event()
    cancel.set()
    with open_store(project_copy) as kgstore, pytest.raises(StagingCancelled):
        stage_dist(kgstore, dist, cancel=cancel)
    assert not dist.with_name("dist.new").exists()
    _assert_dist_is_the_export(project_copy)  # still the last build's files


# Literals as written ------------------------------------------------------------
W3C_TURTLE = Path(__file__).resolve().parent / "w3c" / "turtle"
W3C_CASES = sorted(path.stem for path in W3C_TURTLE.glob("*.ttl"))


def test_w3c_turtle_literals_round_trip_through_dist_and_export(project_copy: Project) -> None:
    """Each W3C evaluation case's result triples are in dist/ and the exports, exactly."""
    assert len(W3C_CASES) == 9
    folder = project_copy.graph_dir / "w3c"
    folder.mkdir()
    for name in W3C_CASES:
        shutil.copy(W3C_TURTLE / f"{name}.ttl", folder / f"{name}.ttl")
    assert main(["--project", str(project_copy.root), "--store", str(project_copy.store_path),
                 "-q", "build"]) == 0  # fmt: skip
    trig = set(ox.parse((project_copy.dist_dir / "kgtool.trig").read_bytes(),
                        format=ox.RdfFormat.TRIG))  # fmt: skip
    with open_store(project_copy, refresh=False) as kgstore:
        nquads = set(ox.parse(export(kgstore, "nq"), format=ox.RdfFormat.N_QUADS))
        ntriples = set(ox.parse(export(kgstore, "nt"), format=ox.RdfFormat.N_TRIPLES))
    for name in W3C_CASES:
        graph = ox.NamedNode(project_copy.graph_iri(folder / f"{name}.ttl"))
        expected = list(
            ox.parse(path=str(W3C_TURTLE / f"{name}.nt"), format=ox.RdfFormat.N_TRIPLES)
        )
        assert expected, name
        for triple in expected:
            quad = ox.Quad(triple.subject, triple.predicate, triple.object, graph)
            assert quad in trig, (name, str(triple))
            assert quad in nquads, (name, str(triple))
            assert ox.Quad(triple.subject, triple.predicate, triple.object) in ntriples, name


def test_a_dist_moved_aside_by_a_killed_build_is_put_back(project_copy: Project) -> None:
    argv = ["--project", str(project_copy.root), "--store", str(project_copy.store_path), "-q"]
    assert main([*argv, "build"]) == 0
    dist = project_copy.dist_dir
    good = {p.name: p.read_bytes() for p in dist.iterdir()}
    os.replace(dist, dist.with_name("dist.old"))  # killed right after moving it aside
    text = project_copy.graph_dir / "sources" / "koreatimes-2014-07-27-rare-earth-exports.txt"
    text.write_bytes(text.read_bytes() + b"!")  # the next build does not conform
    assert main([*argv, "build"]) == 1
    assert {p.name: p.read_bytes() for p in dist.iterdir()} == good  # the last good build
    assert not dist.with_name("dist.old").exists()
