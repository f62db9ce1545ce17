"""The embedded store: a persistent pyoxigraph database compiled from the project.

Parsing Turtle is the slow part of every command, so ``kgtool build`` does it
once and records the sha256 of each input in a manifest. Later commands open
the store read-only; when an input changed they reload just the named graphs
of the changed files, and a store that cannot be opened or disagrees with its
manifest is rebuilt from scratch rather than trusted.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool.errors import InputError, QueryError, StoreError
from kgtool.project import GRAPH_BASE, NAMESPACES, Project

if TYPE_CHECKING:
    import pyoxigraph as ox

MANIFEST_NAME = "manifest.json"
DATABASE_NAME = "oxigraph"
STORE_FORMAT = 1

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass
class BuildStats:
    """What a build or refresh did, for progress lines and benchmarks."""

    action: str = "unchanged"  # "built", "updated" or "unchanged"
    reloaded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    quads: int = 0
    seconds: float = 0.0


def parse_error(error: SyntaxError, path: str) -> InputError:
    """A pyoxigraph syntax error as a one-line message with file, line and column."""
    text = str(error.msg if hasattr(error, "msg") else error)
    return InputError(
        f"RDF syntax error: {text}",
        path=path,
        line=error.lineno,
        column=error.offset,
        hint="fix the file and run the command again",
    )


def load_file(store: ox.Store, project: Project, path: Path, *, bulk: bool) -> None:
    """Load one RDF file into its own named graph, or raise a located InputError."""
    import pyoxigraph as ox

    fmt = ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.N_TRIPLES
    target = ox.NamedNode(project.graph_iri(path))
    loader = store.bulk_load if bulk else store.load
    try:
        loader(path=str(path), format=fmt, to_graph=target, base_iri=path.resolve().as_uri())
    except SyntaxError as error:
        raise parse_error(error, project.relative(path)) from None
    except OSError as error:
        raise InputError(f"cannot read file: {error}", path=project.relative(path)) from None


def source_text_graph(project: Project, local_path: str) -> str:
    """The named graph that holds a source document's text."""
    return GRAPH_BASE + "graph/" + local_path.rsplit(".", 1)[0]


def inject_source_texts(store: ox.Store, project: Project, only: set[str] | None = None) -> None:
    """Add ``schema:text`` for each document with a ``kg:localPath``.

    The text lives in the store (not in hand-written Turtle) so that SHACL-SPARQL
    can compare every quote with the characters at its offsets. A missing file
    is left for validation to report; here it simply gets no text. With
    ``only=None`` every text is re-read and text graphs of documents that are
    gone are dropped, so a renamed ``kg:localPath`` leaves nothing stale.
    """
    import pyoxigraph as ox

    kg, schema = NAMESPACES["kg"], NAMESPACES["schema"]
    rows = store.query(
        f"SELECT ?doc ?path WHERE {{ ?doc <{kg}localPath> ?path }}",
        use_default_graph_as_union=True,
    )
    text_predicate = ox.NamedNode(schema + "text")
    wanted = [(row["doc"], row["path"].value) for row in rows]
    if only is None:
        file_graphs = {project.graph_iri(path) for path in project.rdf_files()}
        for quad in list(store.quads_for_pattern(None, text_predicate, None)):
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph.value not in file_graphs:
                store.remove(quad)
    for doc, local in wanted:
        if only is not None and local not in only:
            continue
        graph = ox.NamedNode(source_text_graph(project, local))
        for quad in list(store.quads_for_pattern(doc, text_predicate, None, graph)):
            store.remove(quad)
        file = project.graph_dir / local
        if not file.is_file():
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"cannot read source text: {error}", path=str(file)) from None
        store.add(ox.Quad(doc, text_predicate, ox.Literal(text), graph))


class KgStore:
    """A project's compiled store; use :func:`open_store` to get one."""

    def __init__(self, project: Project, store: ox.Store, *, path: Path | None) -> None:
        self.project = project
        self.store = store
        self.path = path

    # Queries ---------------------------------------------------------------
    def query(self, sparql: str, *, substitutions: dict[Any, Any] | None = None) -> Any:
        """Run SPARQL over the union of all named graphs (raw pyoxigraph result).

        pyoxigraph only substitutes variables that the query projects; a
        parameter used only inside the pattern is bound instead by a VALUES
        block opening the WHERE group, exactly as on a remote endpoint.
        """
        try:
            return self._query(sparql, substitutions)
        except RuntimeError as error:
            if "corrupt" in str(error).lower():  # RocksDB reports damage it finds reading
                raise _damaged(self.path, error) from None
            if substitutions and "projection" in str(error):
                from kgtool.sparql_text import inject_values

                bindings = {variable.value: term for variable, term in substitutions.items()}
                return self.query(inject_values(sparql, bindings))
            raise QueryError(f"the query cannot run: {str(error).splitlines()[0]}") from None

    def _query(self, sparql: str, substitutions: dict[Any, Any] | None) -> Any:
        return self.store.query(
            sparql,
            use_default_graph_as_union=True,
            substitutions=substitutions,
            prefixes=NAMESPACES,
        )

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs())

    def graph_of_subject(self, iri: str) -> list[str]:
        """The project files in which a node appears as subject (for reports)."""
        import pyoxigraph as ox

        node: ox.NamedNode | ox.BlankNode
        try:
            node = ox.NamedNode(iri)
        except ValueError:  # a blank node's label, as validation reports give it
            node = ox.BlankNode(iri.removeprefix("_:"))
        graphs = {
            q.graph_name.value
            for q in self.store.quads_for_pattern(node, None, None)
            if isinstance(q.graph_name, ox.NamedNode)
        }
        return sorted(filter(None, (self.project.path_of_graph(g) for g in graphs)))

    def close(self) -> None:
        """Release the database (and its lock) now rather than at garbage collection."""
        import gc

        self.store = None  # type: ignore[assignment]
        gc.collect()

    def __enter__(self) -> KgStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self.store)


def _damaged(path: Path | None, error: BaseException) -> StoreError:
    return StoreError(
        f"the store at {path} is damaged: {str(error).splitlines()[0][:160]}",
        hint="run 'kgtool build --force' to rebuild it",
    )


class _Unusable(Exception):
    """The store on disk cannot be trusted; the message says why (for progress)."""


def _lock_error(path: Path, error: BaseException) -> StoreError | None:
    """A StoreError when ``error`` is RocksDB refusing a second writer, else None."""
    text = str(error)
    if "lock" not in text.lower():
        return None
    if "current process" in text:
        return StoreError(
            f"the store at {path} is already open in this process",
            hint="close the other KgStore (KgStore.close()) before refreshing",
        )
    return StoreError(
        f"the store at {path} is in use by another process",
        hint="stop 'kgtool serve' or the other kgtool command, then try again",
    )


def _open_database(path: Path, manifest: dict[str, Any], *, read_only: bool) -> ox.Store:
    """Open the database and check it against the manifest before anyone trusts it.

    Damage RocksDB detects (bad checksums, a garbled CURRENT file) and a quad
    count that differs from the manifest both raise :class:`_Unusable`.
    """
    import pyoxigraph as ox

    database = path / DATABASE_NAME
    if not database.is_dir():
        raise _Unusable("store database is missing")
    try:
        store = ox.Store.read_only(str(database)) if read_only else ox.Store(str(database))
    except OSError as error:
        locked = _lock_error(path, error)
        if locked is not None:
            raise locked from None
        raise _Unusable(f"store cannot be opened ({str(error).splitlines()[0][:120]})") from None
    except RuntimeError as error:
        raise _Unusable(f"store is damaged ({str(error).splitlines()[0][:120]})") from None
    try:
        quads = len(store)
    except (OSError, RuntimeError) as error:
        del store  # release the lock before anyone rebuilds
        raise _Unusable(f"store is damaged ({str(error).splitlines()[0][:120]})") from None
    if not isinstance(manifest.get("quads"), int) or quads != manifest["quads"]:
        del store
        raise _Unusable(f"store has {quads} quads but its manifest says {manifest.get('quads')}")
    return store


def _read_manifest(store_path: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((store_path / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != STORE_FORMAT:
        return None
    if not isinstance(manifest.get("files"), dict):
        return None
    return manifest


def _write_manifest(store_path: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically (a crash leaves the old or the new one)."""
    tmp = store_path / (MANIFEST_NAME + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(store_path / MANIFEST_NAME)


def _remove_tree(path: Path, attempts: int = 20) -> None:
    """Delete a folder, retrying while a closing database still flushes files into it."""
    for _ in range(attempts):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.05)


def _build_fresh(project: Project, target: Path, progress: Progress) -> tuple[ox.Store, int]:
    """Compile every input into a new database under ``target``."""
    import pyoxigraph as ox

    files = project.rdf_files()
    store = ox.Store(str(target / DATABASE_NAME))
    try:
        for index, path in enumerate(files, 1):
            progress(f"loading {project.relative(path)} ({index}/{len(files)})")
            load_file(store, project, path, bulk=True)
        inject_source_texts(store, project)
        store.flush()
    except BaseException:
        # Drop the database before the caller deletes its folder: the traceback
        # keeps this frame alive, and an open RocksDB keeps writing files there.
        del store
        raise
    return store, len(store)


def _check_replaceable(final: Path) -> None:
    """Refuse to replace a folder that is not a store, or a store another process holds.

    ``--store`` / KGTOOL_STORE may point anywhere; a typo must not delete a
    folder of the user's files, and swapping a database from under a running
    ``kgtool serve`` would leave it serving a deleted folder.
    """
    import pyoxigraph as ox

    if not final.exists():
        return
    entries = {p.name for p in final.iterdir()}
    if not entries <= {MANIFEST_NAME, MANIFEST_NAME + ".tmp", DATABASE_NAME}:
        raise StoreError(
            f"{final} is not a kgtool store (it holds other files); refusing to replace it",
            hint="choose an empty or new folder with --store",
        )
    if (final / DATABASE_NAME).is_dir():
        try:
            probe = ox.Store(str(final / DATABASE_NAME))
        except OSError as error:
            locked = _lock_error(final, error)
            if locked is not None:
                raise locked from None
            return
        except RuntimeError:  # damaged: that is why it is being replaced
            return
        del probe


def build_store(project: Project, *, progress: Progress = _quiet) -> tuple[KgStore, BuildStats]:
    """Build the store from scratch in a temporary folder, then swap it in.

    On any error the previous store (if any) is left exactly as it was.
    """
    import pyoxigraph as ox

    started = time.perf_counter()
    final = project.store_path
    _check_replaceable(final)
    hashes = dict(project.iter_hashes())
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=final.name + ".new-", dir=final.parent))
    try:
        store, quads = _build_fresh(project, tmp, progress)
        del store  # release the database lock before moving the folder
        _write_manifest(tmp, {"format": STORE_FORMAT, "files": hashes, "quads": quads})
    except BaseException:
        _remove_tree(tmp)
        raise
    old = final.parent / f"{final.name}.old-{os.getpid()}"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.replace(old)
    tmp.replace(final)
    shutil.rmtree(old, ignore_errors=True)
    stats = BuildStats("built", sorted(hashes), [], quads, time.perf_counter() - started)
    return KgStore(project, ox.Store(str(final / DATABASE_NAME)), path=final), stats


def _changed(old: dict[str, str], new: dict[str, str]) -> tuple[list[str], list[str]]:
    changed = sorted(name for name, digest in new.items() if old.get(name) != digest)
    removed = sorted(name for name in old if name not in new)
    return changed, removed


def refresh_store(
    project: Project, *, progress: Progress = _quiet, force: bool = False
) -> tuple[KgStore, BuildStats]:
    """Open the store, bringing it up to date with the project's files first.

    Unchanged inputs cost one hash each; changed RDF files have their named
    graph replaced; a missing, unreadable or inconsistent store is rebuilt.
    A store another process holds open for writing is an error, never a rebuild.
    """
    started = time.perf_counter()
    manifest = None if force else _read_manifest(project.store_path)
    if manifest is None:
        if not force and project.store_path.exists():
            progress("store has no valid manifest: rebuilding")
        return build_store(project, progress=progress)
    hashes = dict(project.iter_hashes())
    changed, removed = _changed(manifest["files"], hashes)
    # Parse before opening: a syntax error then holds no lock and changes nothing.
    changes = _parse_changes(project, changed, removed, progress) if changed or removed else None
    reason = None
    try:
        store = _open_database(project.store_path, manifest, read_only=False)
    except _Unusable as unusable:
        reason = str(unusable)
    if reason is not None:  # outside the except block, so no frame keeps the lock alive
        progress(f"{reason}: rebuilding")
        return build_store(project, progress=progress)

    stats = BuildStats("unchanged", quads=len(store))
    if changes is not None:
        # Mark the store as in flux first: a crash part-way makes the next run rebuild.
        _write_manifest(project.store_path, {**manifest, "quads": None})
        _apply_changes(project, store, changes)
        quads = len(store)
        _write_manifest(
            project.store_path, {"format": STORE_FORMAT, "files": hashes, "quads": quads}
        )
        stats = BuildStats("updated", changed, removed, quads)
    stats.seconds = time.perf_counter() - started
    return KgStore(project, store, path=project.store_path), stats


@dataclass
class _Changes:
    """Changed files parsed into a scratch store, ready to replace their graphs."""

    staging: Any
    graphs: list[Any] = field(default_factory=list)
    dropped: list[Any] = field(default_factory=list)
    texts: set[str] = field(default_factory=set)


def _parse_changes(
    project: Project, changed: Iterable[str], removed: Iterable[str], progress: Progress
) -> _Changes:
    """Parse every changed file before the real store is touched.

    A syntax error in any of them thus leaves the store (and its manifest) as it was.
    """
    import pyoxigraph as ox

    changes = _Changes(ox.Store())
    for name in changed:
        if name.endswith(".txt"):
            changes.texts.add(name.removeprefix("graph/"))
            continue
        path = project.root / name
        progress(f"reloading {name}")
        load_file(changes.staging, project, path, bulk=False)
        changes.graphs.append(ox.NamedNode(project.graph_iri(path)))
        changes.texts.add("*")
    for name in removed:
        if name.endswith(".txt"):
            changes.texts.add(name.removeprefix("graph/"))
        else:
            progress(f"removing {name}")
            changes.dropped.append(ox.NamedNode(GRAPH_BASE + name.rsplit(".", 1)[0]))
            changes.texts.add("*")
    return changes


def _apply_changes(project: Project, store: ox.Store, changes: _Changes) -> None:
    """Replace the named graphs of changed files; re-read changed source texts."""
    for graph in changes.dropped:
        store.remove_graph(graph)
    for graph in changes.graphs:
        store.remove_graph(graph)
        store.extend(changes.staging.quads_for_pattern(None, None, None, graph))
    texts = changes.texts
    inject_source_texts(store, project, only=None if "*" in texts else texts)
    store.flush()


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
        raise StoreError(f"no built store at {project.store_path}", hint="run 'kgtool build' first")
    try:
        store = _open_database(project.store_path, manifest, read_only=True)
    except _Unusable as reason:
        raise StoreError(
            f"cannot use the store at {project.store_path}: {reason}", hint="run 'kgtool build'"
        ) from None
    return KgStore(project, store, path=project.store_path)


def memory_store(project: Project) -> KgStore:
    """An in-memory store of the project, for tests and one-off checks."""
    import pyoxigraph as ox

    store = ox.Store()
    for path in project.rdf_files():
        load_file(store, project, path, bulk=False)
    inject_source_texts(store, project)
    return KgStore(project, store, path=None)
