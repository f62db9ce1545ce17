"""Building and refreshing the store: only changed files are parsed again."""

from __future__ import annotations

import io
import os
import queue
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool.errors import StoreError
from kgtool.pieces import PieceCache
from kgtool.project import GRAPH_BASE, Project
from kgtool.store.database import _open_database, _replace_graphs
from kgtool.store.handle import KgStore
from kgtool.store.layout import (
    DATABASE_NAME,
    PIECES_NAME,
    STORE_FORMAT,
    Progress,
    _check_replaceable,
    _quiet,
    _remove_stale_builds,
    _remove_tree,
    _Unusable,
)
from kgtool.store.manifest import (
    PieceEntry,
    _hash_inputs,
    _manifest,
    _pieces_of,
    _read_manifest,
    _update_unfinished,
    _write_manifest,
)
from kgtool.store.parsing import ConcatenatedFiles, _render_files, load_file
from kgtool.store.texts import _render_texts, inject_source_texts

if TYPE_CHECKING:
    import pyoxigraph as ox


@dataclass
class BuildStats:
    """What a build or refresh did, for progress lines and benchmarks."""

    action: str = "unchanged"  # "built", "updated" or "unchanged"
    reloaded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    quads: int = 0
    seconds: float = 0.0
    #: graph IRI -> (piece key before, piece key after); None for absent
    graphs: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


def _build_fresh(
    project: Project, target: Path, hashes: dict[str, str], progress: Progress
) -> tuple[ox.Store, dict[str, PieceEntry]]:
    """Compile every input into a new database under ``target``.

    A producer thread parses files into pieces (on a few threads) while the
    database bulk-loads each finished piece from one continuous N-Quads
    stream: parsing and writing overlap, and one bulk load is many times
    faster than one per file.
    """
    import pyoxigraph as ox

    cache = PieceCache(target / PIECES_NAME)
    ready: queue.Queue[Path | None] = queue.Queue()
    outcome: dict[str, Any] = {}

    def produce() -> None:
        def done(entry: PieceEntry) -> None:
            ready.put(cache.nquads_path(entry.key))

        try:
            files = project.rdf_files()
            pieces = _render_files(project, files, hashes, cache, progress, "parsed", done)
            outcome["pieces"] = _render_texts(project, pieces, hashes, cache, done)[0]
        except BaseException as error:  # handed to the loading thread, raised there
            outcome["error"] = error
        finally:
            ready.put(None)

    producer = threading.Thread(target=produce, name="kgtool-parse", daemon=True)
    store = ox.Store(str(target / DATABASE_NAME))
    try:
        producer.start()
        stream = io.BufferedReader(ConcatenatedFiles(iter(ready.get, None)), 1 << 20)
        with stream:
            store.bulk_load(stream, format=ox.RdfFormat.N_QUADS)
        producer.join()
        if "error" in outcome:
            raise outcome["error"]
        store.flush()
    except BaseException:
        producer.join()  # it writes into target, which the caller is about to delete
        # Drop the database before the caller deletes its folder: the traceback
        # keeps this frame alive, and an open RocksDB keeps writing files there.
        del store
        raise
    pieces: dict[str, PieceEntry] = outcome["pieces"]
    progress(f"loaded {sum(e.quads for e in pieces.values())} quads into the store")
    return store, pieces


def build_store(project: Project, *, progress: Progress = _quiet) -> tuple[KgStore, BuildStats]:
    """Build the store from scratch in a temporary folder, then swap it in.

    On any error the previous store (if any) is left exactly as it was.
    """
    import pyoxigraph as ox

    started = time.perf_counter()
    final = project.store_path
    _check_replaceable(final)
    old_manifest = _read_manifest(final)
    old_pieces = _pieces_of(old_manifest or {})
    hashes, stamps = _hash_inputs(project, old_manifest)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(final)
    tmp = Path(tempfile.mkdtemp(prefix=f"{final.name}.new-{os.getpid()}-", dir=final.parent))
    try:
        store, pieces = _build_fresh(project, tmp, hashes, progress)
        del store  # release the database lock before moving the folder
        _write_manifest(tmp, _manifest(hashes, stamps, pieces))
    except BaseException:
        _remove_tree(tmp)
        raise
    old = final.parent / f"{final.name}.old-{os.getpid()}"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.replace(old)
    tmp.replace(final)
    shutil.rmtree(old, ignore_errors=True)
    quads = sum(entry.quads for entry in pieces.values())
    graphs = _graph_changes(old_pieces, pieces, changed_only=False)
    stats = BuildStats("built", sorted(hashes), [], quads, time.perf_counter() - started, graphs)
    store = ox.Store(str(final / DATABASE_NAME))
    return KgStore(project, store, path=final, pieces=pieces, hashes=hashes), stats


def _graph_changes(
    old: dict[str, PieceEntry], new: dict[str, PieceEntry], *, changed_only: bool
) -> dict[str, tuple[str | None, str | None]]:
    """graph -> (old key, new key), for every graph or only those whose piece changed."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for graph in sorted(set(old) | set(new)):
        before = old[graph].key if graph in old else None
        after = new[graph].key if graph in new else None
        if before != after or not changed_only:
            out[graph] = (before, after)
    return out


def _texts_may_differ(
    changed: list[str],
    removed: list[str],
    reparsed: dict[str, PieceEntry],
    old_pieces: dict[str, PieceEntry],
) -> bool:
    """Whether a source-text piece can have changed: a text or a file's documents did.

    Otherwise bringing 5,000 text pieces in line (a key each) is skipped.
    """
    if removed or any(name.endswith(".txt") for name in changed):
        return True
    return any(
        graph not in old_pieces or entry.docs != old_pieces[graph].docs
        for graph, entry in reparsed.items()
    )


def _changed(old: dict[str, str], new: dict[str, str]) -> tuple[list[str], list[str]]:
    changed = sorted(name for name, digest in new.items() if old.get(name) != digest)
    removed = sorted(name for name in old if name not in new)
    return changed, removed


def refresh_store(
    project: Project, *, progress: Progress = _quiet, force: bool = False
) -> tuple[KgStore, BuildStats]:
    """Open the store, bringing it up to date with the project's files first.

    Unchanged inputs cost one hash each; changed RDF files are parsed into
    their pieces (before the database is touched, so a syntax error changes
    nothing) and their named graphs replaced; a missing, unreadable or
    inconsistent store is rebuilt. A store another process holds open for
    writing is an error, never a rebuild.
    """
    started = time.perf_counter()
    manifest = None if force else _read_manifest(project.store_path)
    if manifest is None:
        if not force and project.store_path.exists():
            if _update_unfinished(project.store_path):
                progress("the last update of the store did not finish: rebuilding")
            else:
                progress("store has no valid manifest: rebuilding")
        return build_store(project, progress=progress)
    hashes, stamps = _hash_inputs(project, manifest)
    changed, removed = _changed(manifest["files"], hashes)
    old_pieces = _pieces_of(manifest)
    pieces = dict(old_pieces)
    cache = PieceCache(project.store_path / PIECES_NAME)
    graphs: dict[str, tuple[str | None, str | None]] = {}
    if changed or removed:
        rdf = [project.root / n for n in changed if not n.endswith(".txt")]
        reparsed = _render_files(project, rdf, hashes, cache, progress, "reparsed")
        pieces.update(reparsed)
        for name in removed:
            if not name.endswith(".txt"):
                progress(f"removing {name}")
                pieces.pop(GRAPH_BASE + name.rsplit(".", 1)[0], None)
        if _texts_may_differ(changed, removed, reparsed, old_pieces):
            pieces, _ = _render_texts(project, pieces, hashes, cache)
        graphs = _graph_changes(old_pieces, pieces, changed_only=True)
    reason = None
    try:
        store = _open_database(project.store_path, manifest, read_only=False)
    except _Unusable as unusable:
        reason = str(unusable)
    if reason is not None:  # outside the except block, so no frame keeps the lock alive
        progress(f"{reason}: rebuilding")
        return build_store(project, progress=progress)

    action = "unchanged"
    if changed or removed:
        # Mark the store as in flux first: a crash part-way makes the next run rebuild.
        # A marker, not the whole manifest: writing 5,000 inputs' entries twice costs time.
        _write_manifest(project.store_path, {"format": STORE_FORMAT, "updating": True})
        _replace_graphs(store, cache, pieces, graphs)
        _write_manifest(project.store_path, _manifest(hashes, stamps, pieces))
        action = "updated"
    elif stamps != manifest.get("stamps"):  # touched but unchanged: remember the new stamps
        _write_manifest(project.store_path, _manifest(hashes, stamps, pieces))
    quads = sum(entry.quads for entry in pieces.values())
    stats = BuildStats(action, changed, removed, quads, time.perf_counter() - started, graphs)
    return KgStore(project, store, path=project.store_path, pieces=pieces, hashes=hashes), stats


def open_store(project: Project, *, progress: Progress = _quiet, refresh: bool = True) -> KgStore:
    """The project's store, up to date; ``refresh=False`` opens it read-only as it is.

    Read-only handles take no lock, so any number of them (``kgtool serve``
    workers, concurrent queries) can be open at once; they still refuse a store
    that disagrees with its manifest.
    """
    if refresh:
        return refresh_store(project, progress=progress)[0]
    manifest = _read_manifest(project.store_path)
    if manifest is None:
        if _update_unfinished(project.store_path):
            raise StoreError(
                f"the store at {project.store_path} is being updated, or its last update "
                "did not finish",
                hint="try again when the build is done, or run 'kgtool build'",
            )
        raise StoreError(f"no built store at {project.store_path}", hint="run 'kgtool build' first")
    try:
        store = _open_database(project.store_path, manifest, read_only=True)
    except _Unusable as reason:
        raise StoreError(
            f"cannot use the store at {project.store_path}: {reason}", hint="run 'kgtool build'"
        ) from None
    return KgStore(project, store, path=project.store_path, pieces=_pieces_of(manifest))


def memory_store(project: Project) -> KgStore:
    """An in-memory store of the project, for tests and one-off checks."""
    import pyoxigraph as ox

    store = ox.Store()
    for path in project.rdf_files():
        load_file(store, project, path, bulk=False)
    inject_source_texts(store, project)
    return KgStore(project, store, path=None)
