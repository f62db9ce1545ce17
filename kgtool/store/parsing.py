"""Parsing the project's RDF files into named graphs and their export pieces."""

from __future__ import annotations

import contextlib
import hashlib
import io
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool import limits
from kgtool.errors import InputError, parse_error
from kgtool.limits import WORKERS
from kgtool.pieces import PieceCache, piece_key, render
from kgtool.project import NAMESPACES, SHEET_SUFFIX, Project
from kgtool.store.layout import Progress
from kgtool.store.manifest import PieceEntry

if TYPE_CHECKING:
    import pyoxigraph as ox

    from kgtool.store.workers import RenderPool


def _read_error(project: Project, path: Path, error: BaseException) -> InputError:
    """A file that cannot be read (permissions, a symlink loop, a line too long)."""
    if isinstance(error, MemoryError):
        return InputError(
            f"a line or literal is too long to parse ({str(error) or 'out of memory'})",
            path=project.relative(path),
            hint="split the line; literals longer than 16 MB cannot be loaded",
        )
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return InputError(
        f"cannot read file: {reason}",
        path=project.relative(path),
        hint="check that the file exists and is readable",
    )


def _format(path: Path) -> Any:
    import pyoxigraph as ox

    return ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.N_TRIPLES


def parse_file(project: Project, path: Path) -> bytes:
    """The statements of one RDF file as written, as N-Triples, or a located InputError.

    No base IRI is given: a relative IRI is an error rather than resolved
    against the checkout's path, which would make the graph depend on where
    the project lives.
    """
    import pyoxigraph as ox

    if path.suffix == SHEET_SUFFIX:  # a claim sheet: compiled to N-Triples
        from kgtool.authoring.compile import compile_file

        return compile_file(project, path).ntriples.encode("utf-8")
    try:
        return bytes(
            ox.serialize(
                ox.parse(path=str(path), format=_format(path)), format=ox.RdfFormat.N_TRIPLES
            )
        )
    except SyntaxError as error:
        raise parse_error(error, project.relative(path)) from None
    except (OSError, MemoryError) as error:
        raise _read_error(project, path, error) from None


def load_file(store: ox.Store, project: Project, path: Path, *, bulk: bool) -> None:
    """Load one RDF file into its own named graph, or raise a located InputError."""
    import pyoxigraph as ox

    target = ox.NamedNode(project.graph_iri(path))
    loader = store.bulk_load if bulk else store.load
    try:
        if path.suffix == SHEET_SUFFIX:  # a claim sheet: compiled to N-Triples, then loaded
            data = parse_file(project, path)
            loader(input=data, format=ox.RdfFormat.N_TRIPLES, to_graph=target)
            return
        loader(path=str(path), format=_format(path), to_graph=target)
    except SyntaxError as error:
        raise parse_error(error, project.relative(path)) from None
    except (OSError, MemoryError) as error:
        raise _read_error(project, path, error) from None


LOCAL_PATH = NAMESPACES["kg"] + "localPath"
_LOCAL_PATH_SPACED = f" <{LOCAL_PATH}> "


def _scratch(lines: list[str]) -> ox.Store:
    """An in-memory store of some N-Triples lines of one file."""
    import pyoxigraph as ox

    store = ox.Store()
    if lines:
        store.load(("\n".join(lines) + "\n").encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def _merged_in_store(lines: list[str]) -> int:
    """How many distinct statements the database holds as one with another.

    The database stores typed literals by value ("0100" and "100" as one
    integer), so only statements with a typed literal can merge: those are
    counted in a scratch store, a fifth or so of a file, not all of it.
    Every other distinct line is a quad of its own.
    """
    typed = {line for line in lines if '"^^<' in line}
    return len(typed) - len(_scratch(sorted(typed))) if typed else 0


def render_file(project: Project, path: Path, digest: str, cache: PieceCache) -> PieceEntry:
    """Parse one RDF file and cache its export piece.

    The piece holds the statements as written: the database normalises some
    literals (``"0100"^^xsd:integer`` is stored as ``100``, derived integer
    types as ``xsd:integer``), and exports must not. The database is loaded
    from the pieces; its count of quads comes from the piece, less those the
    database merges (:func:`_merged_in_store`).
    """
    import pyoxigraph as ox

    graph = project.graph_iri(path)
    lines = parse_file(project, path)
    text = lines.decode("utf-8").splitlines()
    try:
        piece = render(graph, text)
    except InputError as error:  # blank nodes nested too deep
        raise InputError(error.message, path=project.relative(path), hint=error.hint) from None
    stored = piece.quads - _merged_in_store(text)
    # The documents as the database holds them, from the few lines that can name one.
    located = _scratch([line for line in text if _LOCAL_PATH_SPACED in line])
    docs = sorted(
        [q.subject.value, q.object.value]
        for q in located.quads_for_pattern(None, ox.NamedNode(LOCAL_PATH), None)
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal)
    )
    if path.suffix == SHEET_SUFFIX:
        # A sheet's input digest covers every file it reads (a claims sheet changes
        # it for its mentions sheet too), so its piece is keyed by what it compiled
        # to: a graph whose statements did not change keeps its key, and the
        # database, the validation and the search index leave it alone.
        digest = hashlib.sha256(lines).hexdigest()
    key = piece_key(graph, digest)
    cache.put(key, piece)
    return PieceEntry(key, piece.quads, docs, stored=None if stored == piece.quads else stored)


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


def render_files(
    project: Project,
    files: list[Path],
    hashes: dict[str, str],
    cache: PieceCache,
    progress: Progress,
    verb: str,
    done: Callable[[PieceEntry], None] = lambda _: None,
    pool: RenderPool | None = None,
) -> dict[str, PieceEntry]:
    """Render the pieces of ``files``; the first bad file stops the lot.

    A few threads each render a file at a time: in ``pool``'s worker
    processes if given, or in ones of its own when the files are big enough
    to pay for starting them (:func:`use_processes`), else on the threads.
    ``done`` is called with each finished piece, in file order.
    """
    out: dict[str, PieceEntry] = {}
    with contextlib.ExitStack() as stack:
        threads = stack.enter_context(ThreadPoolExecutor(max_workers=WORKERS))
        if pool is None and use_processes(files):
            from kgtool.store.workers import RenderPool

            # Entered last, so left first: on an error the workers are killed
            # before the threads are waited for.
            pool = stack.enter_context(RenderPool(WORKERS))
        render = render_file if pool is None else partial(pool.run, render_file)
        futures = [
            threads.submit(render, project, path, hashes[project.relative(path)], cache)
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


def use_processes(files: list[Path]) -> bool:
    """Whether worker processes pay: more than one core, and enough bytes to render."""
    if WORKERS < 2 or len(files) < 2 or not sys.executable:
        return False
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:
            continue  # reported when the file is read
        if total >= limits.PROCESS_BYTES:
            return True
    return False
