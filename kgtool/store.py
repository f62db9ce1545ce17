"""The embedded store: a persistent pyoxigraph database compiled from the project.

Parsing Turtle is the slow part of every command, so ``kgtool build`` does it
once and records the sha256 of each input in a manifest. Later commands open
the store read-only; when an input changed they reload just the named graphs
of the changed files, and a store that cannot be opened or disagrees with its
manifest is rebuilt from scratch rather than trusted.
"""

from __future__ import annotations

import io
import json
import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool.errors import InputError, QueryError, StoreError
from kgtool.pieces import PieceCache, piece_key, render
from kgtool.project import GRAPH_BASE, NAMESPACES, Project, sha256_file

if TYPE_CHECKING:
    import pyoxigraph as ox

MANIFEST_NAME = "manifest.json"
DATABASE_NAME = "oxigraph"
PIECES_NAME = "pieces"
REPORT_NAME = "report.json"
DIST_INDEX_NAME = "dist.json"  # where each piece sits in the last dist/ files
STORE_FORMAT = 2

#: threads that parse files at once (parsing and loading release the GIL)
WORKERS = max(1, min(4, os.cpu_count() or 1))

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
    #: graph IRI -> (piece key before, piece key after); None for absent
    graphs: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


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


LOCAL_PATH = NAMESPACES["kg"] + "localPath"
SCHEMA_TEXT = NAMESPACES["schema"] + "text"


@dataclass
class PieceEntry:
    """What the manifest records of one named graph: its piece and what it holds."""

    key: str
    quads: int
    docs: list[list[str]] = field(default_factory=list)  # [document IRI, kg:localPath]
    text: str = ""  # for a source-text graph: the text's kg:localPath

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "quads": self.quads}
        if self.docs:
            out["docs"] = self.docs
        if self.text:
            out["text"] = self.text
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PieceEntry:
        return cls(data["key"], int(data["quads"]), data.get("docs", []), data.get("text", ""))


def render_file(project: Project, path: Path, digest: str, cache: PieceCache) -> PieceEntry:
    """Parse one RDF file in a scratch store and cache its export piece.

    The scratch store normalises literals exactly as the real one does, so a
    piece holds the very quads the store will hold; loading the store from
    the pieces then parses N-Quads, the cheapest format.
    """
    import pyoxigraph as ox

    graph = project.graph_iri(path)
    scratch = ox.Store()
    load_file(scratch, project, path, bulk=False)
    docs = sorted(
        [q.subject.value, q.object.value]
        for q in scratch.quads_for_pattern(None, ox.NamedNode(LOCAL_PATH), None)
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal)
    )
    dumped = scratch.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
    piece = render(graph, dumped.decode("utf-8").splitlines())
    key = piece_key(graph, digest)
    cache.put(key, piece)
    return PieceEntry(key, piece.quads, docs)


def _text_entries(
    project: Project, files: dict[str, PieceEntry], hashes: dict[str, str]
) -> dict[str, tuple[PieceEntry, list[str]]]:
    """The source-text graphs the file graphs ask for: graph -> (entry sans count, documents).

    A text's key covers its bytes and the documents pointing at it, so moving
    a ``kg:localPath`` to another document re-renders the piece.
    """
    by_path: dict[str, set[str]] = {}
    for entry in files.values():
        for doc, local in entry.docs:
            by_path.setdefault(local, set()).add(doc)
    out: dict[str, tuple[PieceEntry, list[str]]] = {}
    for local, docs in sorted(by_path.items()):
        digest = hashes.get("graph/" + local)  # every text under graph/ is hashed
        if digest is None:
            file = project.graph_dir / local  # a text elsewhere, or a path with ".."
            if not file.is_file():
                continue  # validation reports the missing file
            digest = sha256_file(file)
        graph = source_text_graph(project, local)
        ordered = sorted(docs)
        key = piece_key(graph, digest + "\n" + "\n".join(ordered))
        out[graph] = (PieceEntry(key, 0, text=local), ordered)
    return out


def render_text(project: Project, graph: str, entry: PieceEntry, docs: list[str],
                cache: PieceCache) -> PieceEntry:  # fmt: skip
    """Cache the piece of one source text: ``schema:text`` of each document citing it."""
    import pyoxigraph as ox

    file = project.graph_dir / entry.text
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read source text: {error}", path=str(file)) from None
    triples = [
        ox.Triple(ox.NamedNode(doc), ox.NamedNode(SCHEMA_TEXT), ox.Literal(text)) for doc in docs
    ]
    lines = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8").splitlines()
    piece = render(graph, lines)
    cache.put(entry.key, piece)
    return PieceEntry(entry.key, piece.quads, text=entry.text)


class ConcatenatedFiles(io.RawIOBase):
    """Several files read as one stream, so one bulk load takes every piece."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self.paths = iter(paths)
        self.handle: Any = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self.handle is None:
                path = next(self.paths, None)
                if path is None:
                    return 0
                self.handle = path.open("rb")
            count = self.handle.readinto(buffer)
            if count:
                return int(count)
            self.handle.close()
            self.handle = None

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
        super().close()


class KgStore:
    """A project's compiled store; use :func:`open_store` to get one."""

    def __init__(
        self,
        project: Project,
        store: ox.Store,
        *,
        path: Path | None,
        pieces: dict[str, PieceEntry] | None = None,
        hashes: dict[str, str] | None = None,
    ) -> None:
        self.project = project
        self.store = store
        self.path = path
        #: graph IRI -> its cached export piece (empty for an in-memory store)
        self.pieces = pieces or {}
        #: project path -> sha256 of every input, as checked when this handle was
        #: opened with a refresh (None for a read-only handle: files may have moved on)
        self.input_hashes = hashes

    @property
    def piece_cache(self) -> PieceCache | None:
        return PieceCache(self.path / PIECES_NAME) if self.path is not None else None

    # Queries ---------------------------------------------------------------
    def query(self, sparql: str, *, substitutions: dict[Any, Any] | None = None) -> Any:
        """Run SPARQL over the union of all named graphs (raw pyoxigraph result).

        pyoxigraph only substitutes variables that the query projects; a
        parameter used only inside the pattern is bound instead by a VALUES
        block opening the WHERE group, exactly as on a remote endpoint. That
        is decided from the query text first: letting pyoxigraph plan the
        query only to refuse the substitution costs up to 15 ms at 100,000
        claims. The retry below covers what the text cannot tell (``SELECT *``).
        """
        from kgtool.bindings import after_refusal, for_embedded

        sparql, substitutions = for_embedded(sparql, substitutions)
        try:
            return self._query(sparql, substitutions)
        except RuntimeError as error:
            if "corrupt" in str(error).lower():  # RocksDB reports damage it finds reading
                raise _damaged(self.path, error) from None
            if substitutions and "projection" in str(error):
                return self.query(after_refusal(sparql, substitutions))
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


def _probe(store: ox.Store, manifest: dict[str, Any]) -> None:
    """Check the database against the manifest without reading all of it.

    Counting every quad of a large RocksDB store takes seconds, so the
    manifest's total must equal the sum of its pieces and the three smallest
    graphs must hold as many quads as the manifest says; damage RocksDB
    detects raises on the way.
    """
    import pyoxigraph as ox

    pieces = manifest.get("pieces")
    total = manifest.get("quads")
    if not isinstance(pieces, dict) or not isinstance(total, int):
        raise _Unusable("store manifest records no quad counts")
    counts = {graph: int(entry["quads"]) for graph, entry in pieces.items()}
    if sum(counts.values()) != total:
        raise _Unusable(f"store manifest says {total} quads but its graphs add up to another")
    for graph in sorted(counts, key=lambda g: (counts[g], g))[:3]:
        found = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        if found != counts[graph]:
            raise _Unusable(f"store graph <{graph}> has {found} quads, manifest {counts[graph]}")


def _open_database(path: Path, manifest: dict[str, Any], *, read_only: bool) -> ox.Store:
    """Open the database and probe it against the manifest before anyone trusts it.

    Damage RocksDB detects (bad checksums, a garbled CURRENT file) and counts
    that differ from the manifest both raise :class:`_Unusable`.
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
        _probe(store, manifest)
    except (OSError, RuntimeError) as error:
        del store  # release the lock before anyone rebuilds
        raise _Unusable(f"store is damaged ({str(error).splitlines()[0][:120]})") from None
    except _Unusable:
        del store
        raise
    return store


def _pieces_of(manifest: dict[str, Any]) -> dict[str, PieceEntry]:
    return {g: PieceEntry.from_json(e) for g, e in manifest.get("pieces", {}).items()}


def _read_manifest(store_path: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((store_path / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != STORE_FORMAT:
        return None
    if not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("pieces"), dict):
        return None
    try:
        _pieces_of(manifest)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return manifest


def _update_unfinished(store_path: Path) -> bool:
    """Whether the manifest is the marker an update writes before it touches the database."""
    try:
        marker = json.loads((store_path / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("updating") is True


Stamps = dict[str, list[int] | None]


def _hash_inputs(
    project: Project, manifest: dict[str, Any] | None
) -> tuple[dict[str, str], Stamps]:
    """Every input's sha256 and stat stamp; files the manifest vouches for are not read."""
    known: dict[str, tuple[str, list[int] | None]] = {}
    if manifest is not None:
        stamps = manifest.get("stamps") or {}
        known = {rel: (digest, stamps.get(rel)) for rel, digest in manifest["files"].items()}
    hashes: dict[str, str] = {}
    new_stamps: Stamps = {}
    for rel, digest, stamp in project.iter_hashes(known):
        hashes[rel], new_stamps[rel] = digest, stamp
    return hashes, new_stamps


def _manifest(
    hashes: dict[str, str], stamps: Stamps, pieces: dict[str, PieceEntry]
) -> dict[str, Any]:
    return {
        "format": STORE_FORMAT,
        "files": hashes,
        "stamps": stamps,
        "quads": sum(entry.quads for entry in pieces.values()),
        "pieces": {graph: pieces[graph].to_json() for graph in sorted(pieces)},
    }


def _write_manifest(store_path: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically (a crash leaves the old or the new one)."""
    tmp = store_path / (MANIFEST_NAME + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        # One line: json only uses its C encoder without indent (5,000 inputs at 100k claims).
        handle.write(json.dumps(manifest, sort_keys=True) + "\n")
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


def _render_files(
    project: Project,
    files: list[Path],
    hashes: dict[str, str],
    cache: PieceCache,
    progress: Progress,
    verb: str,
    done: Callable[[PieceEntry], None] = lambda _: None,
) -> dict[str, PieceEntry]:
    """Render the pieces of ``files`` on a few threads; the first bad file stops the lot.

    ``done`` is called with each finished piece, in file order.
    """
    out: dict[str, PieceEntry] = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [
            pool.submit(render_file, project, path, hashes[project.relative(path)], cache)
            for path in files
        ]
        try:
            for index, (path, future) in enumerate(zip(files, futures, strict=True), 1):
                out[project.graph_iri(path)] = entry = future.result()
                done(entry)
                progress(f"{verb} {project.relative(path)} ({index}/{len(files)})")
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return out


def _render_texts(
    project: Project,
    pieces: dict[str, PieceEntry],
    hashes: dict[str, str],
    cache: PieceCache,
    done: Callable[[PieceEntry], None] = lambda _: None,
) -> tuple[dict[str, PieceEntry], list[str]]:
    """Bring the source-text pieces in line with the file pieces' documents.

    Returns the new piece map and the text graphs whose piece changed;
    ``done`` is called with each text piece.
    """
    files = {g: e for g, e in pieces.items() if not e.text}
    wanted = _text_entries(project, files, hashes)
    out = dict(files)
    changed = sorted(g for g, e in pieces.items() if e.text and g not in wanted)
    cached = cache.keys()
    for graph, (entry, docs) in wanted.items():
        old = pieces.get(graph)
        if old is not None and old.key == entry.key and entry.key in cached:
            out[graph] = old
        else:
            out[graph] = render_text(project, graph, entry, docs, cache)
            changed.append(graph)
        done(out[graph])
    return out, sorted(changed)


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
    known = {DATABASE_NAME, PIECES_NAME}
    for name in (MANIFEST_NAME, REPORT_NAME, DIST_INDEX_NAME):
        known |= {name, name + ".tmp"}
    if not entries <= known:
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


def _remove_stale_builds(final: Path) -> None:
    """Delete what killed builds left beside the store (``store.new-PID-*``, ``store.old-PID``).

    A build cut short by SIGKILL or a power cut cannot clean up, and its
    half-built database is as big as the store. A folder whose process is
    still running belongs to a build in progress and is left alone.
    """
    for leftover in final.parent.glob(f"{final.name}.*-*"):
        kind, _, rest = leftover.name[len(final.name) + 1 :].partition("-")
        pid = rest.split("-", 1)[0]
        if kind not in {"new", "old"} or not pid.isdigit() or _process_alive(int(pid)):
            continue
        _remove_tree(leftover)


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (signal 0 checks without signalling)."""
    if pid == os.getpid() or os.name != "posix":  # elsewhere signal 0 is no probe
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


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


#: above this many differing lines a graph is reloaded whole rather than patched
PATCH_LIMIT = 20_000


def _replace_graphs(
    store: ox.Store,
    cache: PieceCache,
    pieces: dict[str, PieceEntry],
    graphs: dict[str, tuple[str | None, str | None]],
) -> None:
    """Bring the changed graphs to their new pieces: patched when small, else reloaded."""
    import pyoxigraph as ox

    for graph, (old, new) in graphs.items():
        if old is not None and new is not None and _patch_graph(store, cache, graph, old, new):
            continue
        store.remove_graph(ox.NamedNode(graph))
        if new is not None and pieces[graph].quads:
            store.load(path=str(cache.nquads_path(new)), format=ox.RdfFormat.N_QUADS)
    store.flush()


def _patch_graph(store: ox.Store, cache: PieceCache, graph: str, old: str, new: str) -> bool:
    """Delete and insert only the quads two pieces differ by, in one update.

    Editing one label of a 40,000-quad file then writes two quads instead of
    80,000. Returns False (nothing done) when a differing line has a blank
    node, whose label in the database need not be the piece's, or when the
    difference is large enough that reloading is as cheap.
    """
    difference = cache.difference(old, new)
    if difference is None:
        return False
    removed, added = difference
    if len(removed) + len(added) > PATCH_LIMIT or any("_:" in line for line in removed + added):
        return False
    suffix = f" <{graph}> ."

    def block(lines: list[str]) -> str:
        triples = "\n".join(line[: -len(suffix)] + " ." for line in lines)
        return f"GRAPH <{graph}> {{\n{triples}\n}}"

    if not all(line.endswith(suffix) for line in removed + added):
        return False
    update = []
    if removed:
        update.append(f"DELETE DATA {{ {block(removed)} }}")
    if added:
        update.append(f"INSERT DATA {{ {block(added)} }}")
    if update:
        store.update(" ;\n".join(update))
    return True


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
