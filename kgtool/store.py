"""The embedded store: a persistent pyoxigraph database compiled from the project.

Parsing Turtle is the slow part of every command, so ``kgtool build`` does it
once and records the sha256 of each input in a manifest. Later commands open
the store read-only; when an input changed they reload just the named graphs
of the changed files, and a store that cannot be opened or disagrees with its
manifest is rebuilt from scratch rather than trusted.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool.errors import InputError, StoreError
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
    is left for validation to report; here it simply gets no text.
    """
    import pyoxigraph as ox

    kg, schema = NAMESPACES["kg"], NAMESPACES["schema"]
    rows = store.query(
        f"SELECT ?doc ?path WHERE {{ ?doc <{kg}localPath> ?path }}",
        use_default_graph_as_union=True,
    )
    text_predicate = ox.NamedNode(schema + "text")
    for row in rows:
        doc, local = row["doc"], row["path"].value
        if only is not None and local not in only:
            continue
        graph = ox.NamedNode(source_text_graph(project, local))
        store.remove_graph(graph)
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
        """Run SPARQL over the union of all named graphs (raw pyoxigraph result)."""
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

        graphs = {
            q.graph_name.value
            for q in self.store.quads_for_pattern(ox.NamedNode(iri), None, None)
            if isinstance(q.graph_name, ox.NamedNode)
        }
        return sorted(filter(None, (self.project.path_of_graph(g) for g in graphs)))

    def __len__(self) -> int:
        return len(self.store)


def _read_manifest(store_path: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((store_path / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != STORE_FORMAT:
        return None
    return manifest


def _write_manifest(store_path: Path, manifest: dict[str, Any]) -> None:
    tmp = store_path / (MANIFEST_NAME + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(store_path / MANIFEST_NAME)


def _build_fresh(project: Project, target: Path, progress: Progress) -> tuple[ox.Store, int]:
    """Compile every input into a new database under ``target``."""
    import pyoxigraph as ox

    files = project.rdf_files()
    store = ox.Store(str(target / DATABASE_NAME))
    for index, path in enumerate(files, 1):
        progress(f"loading {project.relative(path)} ({index}/{len(files)})")
        load_file(store, project, path, bulk=True)
    inject_source_texts(store, project)
    store.flush()
    return store, len(store)


def build_store(project: Project, *, progress: Progress = _quiet) -> tuple[KgStore, BuildStats]:
    """Build the store from scratch in a temporary folder, then swap it in.

    On any error the previous store (if any) is left exactly as it was.
    """
    started = time.perf_counter()
    hashes = dict(project.iter_hashes())
    final = project.store_path
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / (final.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        store, quads = _build_fresh(project, tmp, progress)
        del store  # release the database lock before moving the folder
        _write_manifest(tmp, {"format": STORE_FORMAT, "files": hashes, "quads": quads})
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = final.parent / (final.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.replace(old)
    tmp.replace(final)
    shutil.rmtree(old, ignore_errors=True)
    import pyoxigraph as ox

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
    """
    import pyoxigraph as ox

    started = time.perf_counter()
    manifest = None if force else _read_manifest(project.store_path)
    if manifest is None:
        if not force and project.store_path.exists():
            progress("store has no valid manifest: rebuilding")
        return build_store(project, progress=progress)
    try:
        store = ox.Store(str(project.store_path / DATABASE_NAME))
    except OSError as error:
        if "lock" in str(error).lower():
            raise StoreError(
                f"the store at {project.store_path} is in use by another process",
                hint="stop 'kgtool serve' or the other kgtool command, then try again",
            ) from None
        progress(f"store cannot be opened ({error}): rebuilding")
        return build_store(project, progress=progress)
    quads = len(store)
    if quads != manifest.get("quads"):
        progress("store does not match its manifest: rebuilding")
        del store
        return build_store(project, progress=progress)

    hashes = dict(project.iter_hashes())
    changed, removed = _changed(manifest.get("files", {}), hashes)
    stats = BuildStats("unchanged", quads=quads)
    if changed or removed:
        _apply_changes(project, store, changed, removed, progress)
        quads = len(store)
        _write_manifest(
            project.store_path, {"format": STORE_FORMAT, "files": hashes, "quads": quads}
        )
        stats = BuildStats("updated", changed, removed, quads)
    stats.seconds = time.perf_counter() - started
    return KgStore(project, store, path=project.store_path), stats


def _apply_changes(
    project: Project,
    store: ox.Store,
    changed: Iterable[str],
    removed: Iterable[str],
    progress: Progress,
) -> None:
    """Replace the named graphs of changed files; re-read changed source texts."""
    import pyoxigraph as ox

    texts: set[str] = set()
    for name in removed:
        if name.endswith(".txt"):
            texts.add(name.removeprefix("graph/"))
        else:
            store.remove_graph(ox.NamedNode(GRAPH_BASE + name.rsplit(".", 1)[0]))
    for name in changed:
        if name.endswith(".txt"):
            texts.add(name.removeprefix("graph/"))
            continue
        path = project.root / name
        progress(f"reloading {name}")
        staging = ox.Store()
        load_file(staging, project, path, bulk=False)  # parse first: a bad file changes nothing
        graph = ox.NamedNode(project.graph_iri(path))
        store.remove_graph(graph)
        store.extend(staging.quads_for_pattern(None, None, None, graph))
        texts.add("*")
    inject_source_texts(store, project, only=None if "*" in texts else texts)
    store.flush()


def open_store(project: Project, *, progress: Progress = _quiet, refresh: bool = True) -> KgStore:
    """The project's store, up to date; ``refresh=False`` fails instead of building."""
    if refresh:
        return refresh_store(project, progress=progress)[0]
    import pyoxigraph as ox

    if _read_manifest(project.store_path) is None:
        raise StoreError(f"no built store at {project.store_path}", hint="run 'kgtool build' first")
    try:
        store = ox.Store.read_only(str(project.store_path / DATABASE_NAME))
    except OSError as error:
        raise StoreError(f"cannot open the store: {error}", hint="run 'kgtool build'") from None
    return KgStore(project, store, path=project.store_path)


def memory_store(project: Project) -> KgStore:
    """An in-memory store of the project, for tests and one-off checks."""
    import pyoxigraph as ox

    store = ox.Store()
    for path in project.rdf_files():
        load_file(store, project, path, bulk=False)
    inject_source_texts(store, project)
    return KgStore(project, store, path=None)
