"""Building and refreshing the store: only changed files are parsed again."""

from __future__ import annotations

import io
import queue
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool.errors import InputError, KgtoolWarning, StoreError
from kgtool.limits import WORKERS
from kgtool.pieces import PieceCache
from kgtool.project import GRAPH_BASE, Project
from kgtool.store.database import (
    copy_generation,
    next_generation,
    open_database,
    open_reader,
    replace_graphs,
)
from kgtool.store.handle import KgStore
from kgtool.store.layout import (
    PIECES_NAME,
    WRITE_LOCK_NAME,
    Progress,
    Unusable,
    check_replaceable,
    generation_number,
    list_entries,
    quiet,
    remove_tree,
)
from kgtool.store.locks import StoreBusy, collect_generations, writer_lock
from kgtool.store.manifest import (
    PieceEntry,
    Stamps,
    hash_inputs,
    make_manifest,
    pieces_of,
    read_manifest,
    write_manifest,
)
from kgtool.store.parsing import ConcatenatedFiles, load_file, render_files, use_processes
from kgtool.store.texts import inject_source_texts, render_texts

if TYPE_CHECKING:
    pass


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
    project: Project, store_path: Path, database: str, hashes: dict[str, str], progress: Progress
) -> dict[str, PieceEntry]:
    """Compile every input into a new generation ``database`` of the store.

    A producer thread has the files' pieces rendered (in worker processes
    when there is enough to render, else on a few threads) while the
    database bulk-loads each finished piece from one continuous N-Quads
    stream: rendering and writing overlap, and one bulk load is many times
    faster than one per file. The database is closed on return.
    """
    import pyoxigraph as ox

    cache = PieceCache(store_path / PIECES_NAME)
    ready: queue.Queue[Path | None] = queue.Queue()
    outcome: dict[str, Any] = {}
    files = project.rdf_files()
    pool = None
    if use_processes(files):
        from kgtool.store.workers import RenderPool  # not at import: it is the workers' main

        pool = RenderPool(WORKERS)

    def produce() -> None:
        def done(entry: PieceEntry) -> None:
            ready.put(cache.nquads_path(entry.key))

        try:
            pieces = render_files(project, files, hashes, cache, progress, "parsed", done, pool)
            outcome["pieces"] = render_texts(project, pieces, hashes, cache, done, pool)[0]
        except BaseException as error:  # handed to the loading thread, raised there
            outcome["error"] = error
        finally:
            ready.put(None)

    producer = threading.Thread(target=produce, name="kgtool-parse", daemon=True)
    try:
        store = ox.Store(str(store_path / database))
    except BaseException:
        if pool is not None:
            pool.close(kill=True)
        raise
    try:
        producer.start()
        stream = io.BufferedReader(ConcatenatedFiles(iter(ready.get, None)), 1 << 20)
        with stream:
            # Every piece was parsed strictly when it was rendered: no need to check again.
            store.bulk_load(stream, format=ox.RdfFormat.N_QUADS, lenient=True)
        producer.join()
        if pool is not None:
            pool.close()
        if "error" in outcome:
            raise outcome["error"]
        store.flush()
    except BaseException:
        if pool is not None:
            pool.close(kill=True)  # so the producer's waits end at once
        producer.join()  # it writes into the folder the caller is about to delete
        # Drop the database before the caller deletes its folder: the traceback
        # keeps this frame alive, and an open RocksDB keeps writing files there.
        del store
        raise
    del store  # closed: only a published generation is opened again, read-only
    pieces: dict[str, PieceEntry] = outcome["pieces"]
    progress(f"loaded {sum(e.quads for e in pieces.values())} quads into the store")
    return pieces


def _reader(project: Project, manifest: dict[str, Any], hashes: dict[str, str] | None) -> KgStore:
    """A read-only handle on the manifest's generation (raises :class:`Unusable`)."""
    store, lock = open_reader(project.store_path, manifest)
    pieces = pieces_of(manifest)
    return KgStore(project, store, path=project.store_path, pieces=pieces, hashes=hashes,
                   reader=lock, database=manifest["database"])  # fmt: skip


def _publish(project: Project, manifest: dict[str, Any], hashes: dict[str, str]) -> KgStore:
    """Write the manifest that makes a generation current; delete the ones nobody reads.

    The handle returned reads the new generation; the piece cache is pruned
    only when no reader holds an older generation (whose pieces it may read).
    """
    write_manifest(project.store_path, manifest)
    kgstore = _reader(project, manifest, hashes)
    kgstore.prune_pieces = collect_generations(project.store_path, manifest["database"])
    return kgstore


def build_store(project: Project, *, progress: Progress = quiet) -> tuple[KgStore, BuildStats]:
    """Build the store from scratch into a new generation, then publish it.

    On any error the previous store (if any) is left exactly as it was.
    """
    with writer_lock(_prepared(project.store_path)):
        return _build_locked(project, progress)


def _prepared(store_path: Path) -> Path:
    """The store folder, checked to hold only the store's own files (it may not exist)."""
    check_replaceable(store_path)
    return store_path


def _build_locked(project: Project, progress: Progress) -> tuple[KgStore, BuildStats]:
    started = time.perf_counter()
    final = project.store_path
    old_manifest = read_manifest(final)
    old_pieces = pieces_of(old_manifest or {})
    hashes, stamps = hash_inputs(project, old_manifest)
    _check_graph_names(project, hashes)
    database = next_generation(final)
    try:
        pieces = _build_fresh(project, final, database, hashes, progress)
    except BaseException:
        remove_tree(final / database)
        raise
    try:
        kgstore = _publish(project, make_manifest(hashes, stamps, pieces, database), hashes)
    except Unusable as reason:
        raise StoreError(f"the store just built at {final} cannot be read: {reason}") from None
    quads = sum(entry.quads for entry in pieces.values())
    graphs = _graph_changes(old_pieces, pieces, changed_only=False)
    stats = BuildStats("built", sorted(hashes), [], quads, time.perf_counter() - started, graphs)
    return kgstore, stats


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
    project: Project, *, progress: Progress = quiet, force: bool = False
) -> tuple[KgStore, BuildStats]:
    """Open the store, bringing it up to date with the project's files first.

    Unchanged inputs cost one hash each (or one stat) and the store is then
    opened read-only, taking no lock a writer waits for. Changed RDF files
    are parsed into their pieces (before the database is touched, so a
    syntax error changes nothing), and a copy of the current generation gets
    their named graphs replaced before it is published; a missing,
    unreadable or inconsistent store is rebuilt. Another process updating the
    store at the same time is an error (:class:`StoreBusy`), never a rebuild.
    """
    started = time.perf_counter()
    seen: tuple[dict[str, Any], dict[str, str], Stamps] | None = None
    if not force:
        manifest = read_manifest(project.store_path)
        if manifest is not None:
            hashes, stamps = hash_inputs(project, manifest)
            _check_graph_names(project, hashes)
            if hashes == manifest["files"]:
                try:
                    kgstore = _reader(project, manifest, hashes)
                except Unusable:
                    pass  # rebuilt below, under the write lock
                else:
                    _tidy(project, manifest, stamps)
                    stats = BuildStats("unchanged", quads=manifest["quads"])
                    stats.seconds = time.perf_counter() - started
                    return kgstore, stats
            seen = (manifest, hashes, stamps)
    with writer_lock(_prepared(project.store_path)):
        return _refresh_locked(project, progress, force, started, seen)


def _tidy(project: Project, manifest: dict[str, Any], stamps: Stamps) -> None:
    """Record the stat stamps of files that settled and delete generations a killed
    build left, if no other process is writing (a reader never waits for it)."""
    leftovers = [
        name
        for name in list_entries(project.store_path)
        if generation_number(name) is not None and name != manifest["database"]
    ]
    if stamps == manifest.get("stamps") and not leftovers:
        return
    try:
        with writer_lock(project.store_path):
            if read_manifest(project.store_path) != manifest:
                return  # another writer came first
            if stamps != manifest.get("stamps"):
                write_manifest(project.store_path, {**manifest, "stamps": stamps})
            if leftovers:
                collect_generations(project.store_path, manifest["database"])
    except StoreError:  # busy, or a store we may only read: it waits for the next time
        pass


def _refresh_locked(
    project: Project,
    progress: Progress,
    force: bool,
    started: float,
    seen: tuple[dict[str, Any], dict[str, str], Stamps] | None,
) -> tuple[KgStore, BuildStats]:
    """:func:`refresh_store` once the write lock is held; ``seen`` is the manifest and
    the inputs' hashes and stamps found before, reused if no other writer came between."""
    store_path = project.store_path
    manifest = None if force else read_manifest(store_path)
    if manifest is None:
        if not force and list_entries(store_path) not in ([], [WRITE_LOCK_NAME]):
            progress("store has no valid manifest: rebuilding")
        return _build_locked(project, progress)
    if seen is not None and seen[0] == manifest:
        hashes, stamps = seen[1], seen[2]
    else:
        hashes, stamps = hash_inputs(project, manifest)
    changed, removed = _changed(manifest["files"], hashes)
    old_pieces = pieces_of(manifest)
    pieces = dict(old_pieces)
    cache = PieceCache(store_path / PIECES_NAME)
    graphs: dict[str, tuple[str | None, str | None]] = {}
    if changed or removed:
        rdf = [project.root / n for n in changed if not n.endswith(".txt")]
        reparsed = render_files(project, rdf, hashes, cache, progress, "reparsed")
        pieces.update(reparsed)
        for name in removed:
            if not name.endswith(".txt"):
                progress(f"removing {name}")
                pieces.pop(GRAPH_BASE + name.rsplit(".", 1)[0], None)
        if _texts_may_differ(changed, removed, reparsed, old_pieces):
            pieces, _ = render_texts(project, pieces, hashes, cache)
        graphs = _graph_changes(old_pieces, pieces, changed_only=True)
    try:
        current = open_database(store_path, manifest)
    except Unusable as unusable:
        reason = str(unusable)
    else:
        reason = None
    if reason is not None:  # outside the except block, so no frame keeps it open
        progress(f"{reason}: rebuilding")
        return _build_locked(project, progress)
    database = manifest["database"]
    action = "updated" if changed or removed else "unchanged"
    if graphs:
        database = next_generation(store_path)
        try:
            copy_generation(current, store_path / database)
            del current
            _update_generation(store_path / database, cache, pieces, graphs)
        except BaseException:
            remove_tree(store_path / database)
            raise
    else:
        del current
    kgstore = _publish(project, make_manifest(hashes, stamps, pieces, database), hashes)
    quads = sum(entry.quads for entry in pieces.values())
    stats = BuildStats(action, changed, removed, quads, time.perf_counter() - started, graphs)
    return kgstore, stats


def _update_generation(
    database: Path,
    cache: PieceCache,
    pieces: dict[str, PieceEntry],
    graphs: dict[str, tuple[str | None, str | None]],
) -> None:
    """Bring an unpublished copy's changed graphs to their new pieces, then close it."""
    import pyoxigraph as ox

    store = ox.Store(str(database))
    try:
        replace_graphs(store, cache, pieces, graphs)
    finally:
        del store


def _check_graph_names(project: Project, hashes: dict[str, str]) -> None:
    """Two inputs for one named graph are an error; an exact copy of a file, a warning."""
    by_graph: dict[str, str] = {}
    by_digest: dict[str, str] = {}
    for rel, digest in hashes.items():  # a source text's graph is named the same way
        graph = rel.rsplit(".", 1)[0]
        if graph in by_graph:
            raise InputError(
                f"this file and {by_graph[graph]} would both be the named graph "
                f"<{GRAPH_BASE}{graph}>",
                path=rel,
                hint="rename or remove one of the two files",
            )
        by_graph[graph] = rel
        if rel.endswith(".txt"):
            continue
        if digest in by_digest:
            warnings.warn(
                f"{rel} is an exact copy of {by_digest[digest]}: each of its "
                "statements now has two files as its source (remove one)",
                KgtoolWarning,
                stacklevel=2,
            )
        else:
            by_digest[digest] = rel


def open_store(project: Project, *, progress: Progress = quiet, refresh: bool = True) -> KgStore:
    """The project's store, up to date; ``refresh=False`` opens it read-only as it is.

    Read-only handles take no lock a writer waits for, so any number of them
    (``kgtool serve`` workers, concurrent queries) can be open at once, also
    while a build writes the next generation. When the files changed but
    another process is updating the store, the last published store is read.
    """
    if refresh:
        try:
            return refresh_store(project, progress=progress)[0]
        except StoreBusy:
            progress("another process is updating the store: reading the last build")
    manifest = read_manifest(project.store_path)
    if manifest is None:
        list_entries(project.store_path)  # an unreadable folder is said so
        raise StoreError(f"no built store at {project.store_path}", hint="run 'kgtool build' first")
    try:
        return _reader(project, manifest, None)
    except Unusable as reason:
        raise StoreError(
            f"cannot use the store at {project.store_path}: {reason}", hint="run 'kgtool build'"
        ) from None


def memory_store(project: Project) -> KgStore:
    """An in-memory store of the project, for tests and one-off checks."""
    import pyoxigraph as ox

    store = ox.Store()
    for path in project.rdf_files():
        load_file(store, project, path, bulk=False)
    inject_source_texts(store, project)
    return KgStore(project, store, path=None)
