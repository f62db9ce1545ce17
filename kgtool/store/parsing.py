"""Parsing the project's RDF files into named graphs and their export pieces."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool.errors import InputError
from kgtool.pieces import PieceCache, piece_key, render
from kgtool.project import NAMESPACES, Project
from kgtool.store.layout import Progress
from kgtool.store.manifest import PieceEntry

if TYPE_CHECKING:
    import pyoxigraph as ox


#: threads that parse files at once (parsing and loading release the GIL)
WORKERS = max(1, min(4, os.cpu_count() or 1))


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


LOCAL_PATH = NAMESPACES["kg"] + "localPath"


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
