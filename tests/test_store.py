"""The persistent store: built once, refreshed per file, never trusted when damaged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

import kgtool.project as project_module
import kgtool.store as store_module
import kgtool.store.database as database_module
import kgtool.store.parsing as parsing_module
import kgtool.store.refresh as refresh_module
from kgtool.authoring.compile import compile_file
from kgtool.errors import InputError, StoreError
from kgtool.project import NAMESPACES, Project
from kgtool.store import (
    MANIFEST_NAME,
    build_store,
    open_store,
    refresh_store,
    source_text_graph,
)

SCHEMA_TEXT = ox.NamedNode(NAMESPACES["schema"] + "text")
ENTITIES = "graph/entities.ttl"
SOURCE_TXT = "graph/sources/koreatimes-2014-07-27-rare-earth-exports.txt"
#: the claim sheets, compiled against the entities, the ontology and the texts
SHEETS = ["graph/claims/koreatimes-2014-07-27.yaml", "graph/mentions/koreatimes-2014-07-27.yaml"]
#: a relabelling that keeps the old label (claim sheets name entities by label)
PREF_LABEL = 'skos:prefLabel "North Korea"@en'
DPRK_LABEL = 'skos:prefLabel "DPRK"@en ; skos:altLabel "North Korea"@en'


@pytest.fixture
def built(project_copy: Project) -> Project:
    """A project copy whose store has been built once and released."""
    kgstore, stats = build_store(project_copy)
    assert stats.action == "built"
    kgstore.close()
    return project_copy


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the store parses from now on (the real loader still runs)."""
    calls: list[str] = []
    real = parsing_module.parse_file

    def counting(project: Project, path: Path) -> bytes:
        calls.append(project.relative(path))
        return real(project, path)

    monkeypatch.setattr(parsing_module, "parse_file", counting)
    return calls


def manifest(project: Project) -> dict:
    return json.loads((project.store_path / MANIFEST_NAME).read_text(encoding="utf-8"))


def content(record: dict) -> dict:
    """A manifest without its stat stamps, which settle on their own a second after a write,
    and without the name of its database generation, which every rebuild renews."""
    return {key: value for key, value in record.items() if key not in {"stamps", "database"}}


def database_of(project: Project) -> Path:
    """The folder of the store's published database generation."""
    return project.store_path / manifest(project)["database"]


def claim_count(kgstore: store_module.KgStore) -> int:
    rows = list(kgstore.query("SELECT (COUNT(?c) AS ?n) WHERE { ?c a kg:Claim }"))
    return int(rows[0]["n"].value)


def text_of(kgstore: store_module.KgStore) -> str:
    texts = [q.object.value for q in kgstore.store.quads_for_pattern(None, SCHEMA_TEXT, None)]
    assert len(texts) == 1
    return texts[0]


# Reuse -----------------------------------------------------------------------------
def test_second_refresh_parses_nothing(built: Project, loads: list[str]) -> None:
    before = manifest(built)
    kgstore, stats = refresh_store(built)
    with kgstore:
        assert stats.action == "unchanged"
        assert loads == []
        assert stats.reloaded == [] and stats.removed == []
        assert len(kgstore) == before["quads"] == stats.quads
        assert claim_count(kgstore) > 0
    assert content(manifest(built)) == content(before)


def test_settled_inputs_are_not_read_again(built: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(project_module, "SETTLED_NS", 0)  # every file counts as settled
    refresh_store(built)[0].close()  # records every input's stat stamp
    hashed: list[str] = []
    real = project_module.sha256_file

    def counting(path: str | Path) -> str:
        hashed.append(str(path))
        return real(path)

    monkeypatch.setattr(project_module, "sha256_file", counting)
    kgstore, stats = refresh_store(built)
    kgstore.close()
    assert stats.action == "unchanged" and hashed == []

    # The same size and the old mtime put back: the changed ctime still gives it away.
    path = built.root / ENTITIES
    info = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "capital Pyongyang" in text
    path.write_text(text.replace("capital Pyongyang", "capital Pyongyanq", 1), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size
    kgstore, stats = refresh_store(built)
    with kgstore:
        assert stats.reloaded == sorted([ENTITIES, *SHEETS])  # sheets read the entities
        assert hashed == [str(path), *(str(built.root / sheet) for sheet in SHEETS)]
        labels = {str(q.object.value) for q in kgstore.store.quads_for_pattern(None, None, None)}
        assert any("Pyongyanq" in label for label in labels)


def test_small_edit_is_patched_into_the_same_store_a_fresh_build_gives(
    built: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    patched: list[bool] = []
    real = database_module.patch_graph

    def spying(*args: object) -> bool:
        patched.append(real(*args))  # type: ignore[arg-type]
        return patched[-1]

    monkeypatch.setattr(database_module, "patch_graph", spying)
    path = built.root / ENTITIES
    path.write_text(
        path.read_text(encoding="utf-8").replace(PREF_LABEL, DPRK_LABEL, 1), encoding="utf-8"
    )
    kgstore, stats = refresh_store(built)
    with kgstore:
        assert stats.reloaded == sorted([ENTITIES, *SHEETS])  # sheets read the entities
        patched_quads = _ground(kgstore)
        count = len(kgstore.store)
    assert patched and all(patched)  # a few quads swapped, no graph reloaded
    fresh, _ = build_store(Project(built.root, tmp_path / "fresh"))
    with fresh:
        assert _ground(fresh) == patched_quads  # blank nodes get fresh labels in each build
        assert len(fresh.store) == count


def _ground(kgstore: store_module.KgStore) -> set[str]:
    return {str(q) for q in kgstore.store if not _has_blank(q.triple)}


def test_editing_one_file_reloads_only_its_graph(built: Project, loads: list[str]) -> None:
    path = built.root / ENTITIES
    added = "https://w3id.org/kgtool/entity/test-added-entity"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f'\n<{added}> <{NAMESPACES["rdfs"]}label> "Added"@en .\n')
    quads_before = manifest(built)["quads"]

    kgstore, stats = refresh_store(built)
    with kgstore:
        assert stats.action == "updated"
        assert stats.reloaded == sorted([ENTITIES, *SHEETS])  # sheets read the entities
        assert sorted(loads) == sorted([ENTITIES, *SHEETS])
        assert len(kgstore) == quads_before + 1
        graphs = {
            q.graph_name.value
            for q in kgstore.store.quads_for_pattern(ox.NamedNode(added), None, None)
        }
        assert graphs == {built.graph_iri(path)}
    assert manifest(built)["quads"] == quads_before + 1


def test_source_text_edit_reinjects_the_text(built: Project, loads: list[str]) -> None:
    path = built.root / SOURCE_TXT
    new_text = path.read_text(encoding="utf-8") + "\nAn added closing line."
    path.write_text(new_text, encoding="utf-8")

    kgstore, stats = refresh_store(built)
    with kgstore:
        assert stats.reloaded == sorted([SOURCE_TXT, *SHEETS])  # sheets quote the text
        assert sorted(loads) == SHEETS  # no RDF file was parsed, the sheets were compiled
        assert text_of(kgstore) == new_text


def test_document_losing_its_local_path_loses_its_text(built: Project) -> None:
    """The text graph follows the documents that point at it, not only the .txt file."""
    sources = built.graph_dir / "sources.ttl"
    text = sources.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if "kg:localPath" in ln)
    sources.write_text(text.replace(line + "\n", ""), encoding="utf-8")
    for sheet in SHEETS:  # sheets cannot quote a document without its text
        (built.root / sheet).unlink()

    kgstore, stats = refresh_store(built)
    with kgstore:
        assert stats.reloaded == ["graph/sources.ttl"] and stats.removed == SHEETS
        assert list(kgstore.store.quads_for_pattern(None, SCHEMA_TEXT, None)) == []
        assert source_text_graph(built, SOURCE_TXT.removeprefix("graph/")) not in {
            g.value for g in kgstore.store.named_graphs()
        }


def test_each_file_lands_in_its_own_named_graph(built: Project) -> None:
    with open_store(built, refresh=False) as kgstore:
        files = built.rdf_files()
        texts = [
            source_text_graph(built, p.relative_to(built.graph_dir).as_posix())
            for p in built.source_text_files()
        ]
        assert kgstore.named_graphs() == sorted({*(built.graph_iri(p) for p in files), *texts})
        for path in files:
            # Oxigraph stores derived datatypes as their primitive (nonNegativeInteger
            # as integer), so the file is compared with itself loaded alone, not as parsed.
            alone = ox.Store()
            if path.suffix == ".yaml":  # a claim sheet: as compiled
                data = compile_file(built, path).ntriples.encode("utf-8")
                alone.load(data, format=ox.RdfFormat.N_TRIPLES)
            else:
                alone.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri())
            expected = [q.triple for q in alone]
            graph = ox.NamedNode(built.graph_iri(path))
            stored = [q.triple for q in kgstore.store.quads_for_pattern(None, None, None, graph)]
            assert len(stored) == len(expected), path
            assert {t for t in stored if not _has_blank(t)} == {
                t for t in expected if not _has_blank(t)
            }, path


def _has_blank(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


# Damage ------------------------------------------------------------------------------
def _garbage_database(project: Project) -> None:
    for file in database_of(project).iterdir():
        if file.is_file() and file.name != "LOCK":
            size = max(file.stat().st_size, 64)
            with file.open("r+b") as handle:
                handle.seek(size // 3 if file.stat().st_size else 0)
                handle.write(os.urandom(size // 2 + 16))


def _delete_manifest(project: Project) -> None:
    (project.store_path / MANIFEST_NAME).unlink()


def _wrong_quad_count(project: Project) -> None:
    data = manifest(project)
    data["quads"] += 1
    (project.store_path / MANIFEST_NAME).write_text(json.dumps(data), encoding="utf-8")


def _truncated_manifest(project: Project) -> None:
    path = project.store_path / MANIFEST_NAME
    path.write_bytes(path.read_bytes()[:40])


def _deleted_database(project: Project) -> None:
    import shutil

    shutil.rmtree(database_of(project))


DAMAGE: dict[str, Callable[[Project], None]] = {
    "garbage-in-rocksdb-files": _garbage_database,
    "deleted-manifest": _delete_manifest,
    "manifest-quad-count-disagrees": _wrong_quad_count,
    "truncated-manifest": _truncated_manifest,
    "deleted-database": _deleted_database,
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_damaged_store_is_detected_and_rebuilt(built: Project, damage: str) -> None:
    good = manifest(built)
    DAMAGE[damage](built)

    if damage not in {"deleted-manifest", "truncated-manifest"}:
        with pytest.raises(StoreError):  # a read-only open never uses it silently
            open_store(built, refresh=False)

    messages: list[str] = []
    kgstore, stats = refresh_store(built, progress=messages.append)
    with kgstore:
        assert stats.action == "built", messages
        assert any("rebuilding" in m for m in messages)
        assert len(kgstore) == good["quads"]
        assert claim_count(kgstore) > 0
    assert content(manifest(built)) == content(good)


def test_update_interrupted_part_way_leaves_the_published_store(
    built: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = manifest(built)
    path = built.root / ENTITIES
    path.write_text(
        path.read_text(encoding="utf-8").replace(PREF_LABEL, DPRK_LABEL, 1), encoding="utf-8"
    )

    def crash(*_: object) -> None:
        raise KeyboardInterrupt  # as if the process died while patching the copy

    monkeypatch.setattr(refresh_module, "replace_graphs", crash)
    with pytest.raises(KeyboardInterrupt):
        refresh_store(built)
    monkeypatch.undo()
    assert manifest(built) == good
    with open_store(built, refresh=False) as kgstore:  # the last build, untouched
        assert len(kgstore) == good["quads"]
    generations = sorted(p.name for p in built.store_path.glob("oxigraph-*") if p.is_dir())
    assert generations == [good["database"]]  # the half-made copy is gone

    kgstore, stats = refresh_store(built)
    with kgstore:
        assert stats.action == "updated"
        labels = {q.object.value for q in kgstore.store.quads_for_pattern(None, None, None)
                  if isinstance(q.object, ox.Literal)}  # fmt: skip
        assert "DPRK" in labels
    assert manifest(built)["quads"] == good["quads"] + 1  # the old label kept as an alt label


def test_generations_left_by_killed_builds_are_removed(built: Project) -> None:
    left = built.store_path / "oxigraph-99"  # a build killed before publishing it
    (left).mkdir()
    (left / "000001.sst").write_bytes(b"x" * 1000)
    reader = open_store(built, refresh=False)  # holds the published generation
    held = built.store_path / reader.database
    with reader:
        kgstore, _ = build_store(built)
        kgstore.close()
        assert not left.exists()
        assert held.is_dir()  # still read: kept
        assert manifest(built)["database"] == "oxigraph-100"
        assert claim_count(reader) == claim_count(open_store(built, refresh=False)) > 0
    build_store(built)[0].close()
    assert not held.exists()  # released: removed by the next build


def test_syntax_error_keeps_the_previous_store(built: Project) -> None:
    good = manifest(built)
    path = built.root / ENTITIES
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(5, "ent:broken ent:triple ;;; <<< .")  # becomes line 6
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(InputError) as caught:
        refresh_store(built)
    message = str(caught.value)
    assert message.startswith(f"{ENTITIES}:6:"), message
    assert caught.value.line == 6 and caught.value.column is not None
    assert content(manifest(built)) == content(good)
    with open_store(built, refresh=False) as kgstore:
        assert len(kgstore) == good["quads"]

    with pytest.raises(InputError, match=r"^graph/entities\.ttl:6:"):
        build_store(built)  # a full rebuild fails the same way ...
    assert content(manifest(built)) == content(good)  # ... and swaps nothing in
    assert [p.name for p in built.store_path.glob("oxigraph-*") if p.is_dir()] == [good["database"]]


def test_many_read_only_handles(built: Project) -> None:
    first = open_store(built, refresh=False)
    second = open_store(built, refresh=False)
    with first, second:
        assert claim_count(first) == claim_count(second) > 0


LOCK_HOLDER = textwrap.dedent(
    """
    import fcntl, sys
    handle = open(sys.argv[1], "ab")
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    print("locked", flush=True)
    sys.stdin.read()
    """
)


def test_lock_held_by_another_writer_is_a_clear_error(built: Project) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(built.store_path / "write.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        good = manifest(built)
        with pytest.raises(StoreError, match="in use by another process"):
            build_store(built)
        path = built.root / ENTITIES
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        with pytest.raises(StoreError, match="in use by another process"):
            refresh_store(built)
        assert content(manifest(built)) == content(good)  # not rebuilt
        messages: list[str] = []
        with open_store(built, progress=messages.append) as reader:  # readers are not blocked
            assert len(reader) == good["quads"]
        assert messages == ["another process is updating the store: reading the last build"]
    finally:
        holder.communicate("", timeout=30)


def test_handles_in_one_process_do_not_block_a_refresh(built: Project) -> None:
    kgstore, _ = refresh_store(built)
    path = built.root / ENTITIES
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    with kgstore:
        again, stats = refresh_store(built)
        with again:
            assert stats.action == "updated"
            assert claim_count(again) == claim_count(kgstore) > 0


def test_store_files_written_by_every_command_are_its_own(built: Project) -> None:
    """After build, validate and a killed writer's leftovers, the folder is still ours."""
    from kgtool.build import build
    from kgtool.shacl import PLAN_NAME
    from kgtool.store.layout import OWN_FILES

    assert PLAN_NAME in OWN_FILES  # the validator's plan is one of the store's files
    build(built).store.close()
    for name in ("manifest.json.tmp", "report.json.tmp", f"{PLAN_NAME}.tmp-123-456"):
        (built.store_path / name).write_bytes(b"torn")
    build_store(built)[0].close()  # --force: no "not a kgtool store"


def test_refuses_to_replace_a_folder_that_is_not_a_store(project_copy: Project) -> None:
    folder = project_copy.store_path
    folder.mkdir(parents=True)
    keep = folder / "notes.txt"
    keep.write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError, match="not a kgtool store"):
        refresh_store(project_copy)
    assert keep.read_text(encoding="utf-8") == "mine"


def test_unprojected_parameters_are_bound_by_values_up_front(project_copy: Project) -> None:
    """A parameter the query does not project reaches pyoxigraph as a VALUES block, so
    the query is planned once instead of being refused a substitution first (every
    caller of KgStore.query: named queries and the server's workers alike)."""
    sent: list[tuple[str, object]] = []

    class Recording(store_module.KgStore):
        def _query(self, sparql: str, substitutions: dict | None) -> object:
            sent.append((sparql, substitutions))
            return super()._query(sparql, substitutions)

    database = ox.Store()
    database.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x")))
    kgstore = Recording(project_copy, database, path=None)
    value = ox.Literal("x")
    rows = kgstore.query(
        "SELECT ?s WHERE { ?s <http://e/p> ?o }", substitutions={ox.Variable("o"): value}
    )
    assert [row["s"].value for row in rows] == ["http://e/a"]
    ((text, substitutions),) = sent
    assert substitutions is None and 'VALUES (?o) { ("x") }' in text
    rows = kgstore.query(
        "SELECT ?s ?o WHERE { ?s <http://e/p> ?o }", substitutions={ox.Variable("o"): value}
    )
    assert sent[-1][1] == {ox.Variable("o"): value} and len(list(rows)) == 1
    rows = kgstore.query(
        "SELECT * WHERE { ?s <http://e/p> ?o }", substitutions={ox.Variable("o"): value}
    )
    assert len(list(rows)) == 1  # SELECT *: planned with the substitution, as before


def test_a_following_handle_reads_each_new_build(built: Project) -> None:
    """What ``kgtool serve`` does: a read-only handle switches to the next generation."""
    reader = open_store(built, refresh=False)
    reader.follow = True
    with reader:
        first = reader.database
        before = claim_count(reader)
        path = built.root / ENTITIES
        added = f"\n<{NAMESPACES['ent']}followed> a <{NAMESPACES['kg']}Claim> .\n"
        path.write_text(path.read_text(encoding="utf-8") + added, encoding="utf-8")
        refresh_store(built)[0].close()
        assert claim_count(reader) == before + 1  # the new build, without reopening
        assert reader.database != first
        build_store(built)[0].close()
        assert claim_count(reader) == before + 1
        assert (built.store_path / first).is_dir()  # still held: a thread may read it
        build_store(built)[0].close()  # after the reader's second switch
        assert not (built.store_path / first).exists()
