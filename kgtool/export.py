"""Deterministic exports: the same store always gives byte-identical files.

Named graphs come in IRI order; within each, triples are sorted (subject,
``rdf:type`` first, predicate, object) and blank nodes relabelled by RDF
Dataset Canonicalization (RDFC-1.0), so a diff of two exports shows only what
changed, in the section of the file that changed. Turtle keeps one section
per source file; N-Triples and RDF/XML merge the graphs into one sorted set.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from kgtool.errors import InputError
from kgtool.formats import rdf_formats
from kgtool.pieces import Rendered, assemble, frame, prefix_header, render, sort_lines
from kgtool.project import GRAPH_BASE, NAMESPACES, file_stamp

if TYPE_CHECKING:
    import pyoxigraph as ox

    from kgtool.store import KgStore


#: format name -> (pyoxigraph format attribute, keeps named graphs), from kgtool.formats
FORMATS: dict[str, tuple[str, bool]] = {
    f.name: (f.rdf_format, f.keeps_graphs) for f in rdf_formats() if f.rdf_format is not None
}

#: which named graphs each selection keeps, by IRI prefix under GRAPH_BASE
SELECTIONS: dict[str, tuple[str, ...]] = {
    "all": ("",),
    "data": ("graph/",),
    "ontology": ("ontology/",),
}


def _prefixes(selection: str) -> tuple[str, ...]:
    """The graph IRI prefixes a selection keeps."""
    if selection not in SELECTIONS:
        raise InputError(
            f"unknown graph selection {selection!r}", hint=f"use one of {', '.join(SELECTIONS)}"
        )
    return tuple(GRAPH_BASE + p for p in SELECTIONS[selection])


def _selected_graphs(kgstore: KgStore, selection: str) -> list[str]:
    prefixes = _prefixes(selection)
    return [g for g in kgstore.named_graphs() if g.startswith(prefixes)]


# Rendering ----------------------------------------------------------------------
#
# Every format is built from per-graph pieces (kgtool.pieces): sorted N-Quads
# and a Turtle body per named graph, rendered once. A built store keeps them
# on disk, so an export is a concatenation; quads from elsewhere (a remote
# endpoint, a CONSTRUCT result) are rendered the same way, hence the same bytes.

Piece = tuple[str, bytes, bytes]  # (graph IRI or "" for the default graph, N-Quads, Turtle)


def _split(text: bytes) -> list[str]:
    return text.decode("utf-8").splitlines()


def _pieces_of_quads(quads: Iterable[ox.Quad]) -> list[Piece]:
    """Quads rendered per graph (the default graph is "" and comes first)."""
    import pyoxigraph as ox

    by_graph: dict[str, list[ox.Triple]] = {}
    for quad in quads:
        graph = quad.graph_name
        key = graph.value if isinstance(graph, ox.NamedNode) else ""
        by_graph.setdefault(key, []).append(quad.triple)
    out = []
    for graph, triples in sorted(by_graph.items()):
        lines = _split(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        rendered = render(graph, lines)
        out.append((graph, rendered.nquads, rendered.turtle))
    return out


def _pieces_of_store(kgstore: KgStore, selection: str, fmt: str) -> Iterator[Piece]:
    """The selection's pieces: from the store's cache when it has them, else rendered now.

    Only the half of a cached piece that ``fmt`` is built from is read (the
    other is b""): Turtle for ``ttl``/``trig``, N-Quads for the rest.
    """
    cache = kgstore.piece_cache
    cached = cache.keys() if cache is not None else set()
    turtle = fmt in ("ttl", "trig")
    for graph in _selected_graphs(kgstore, selection):
        entry = kgstore.pieces.get(graph)
        if entry is not None and cache is not None and entry.key in cached:
            if turtle:
                yield graph, b"", cache.turtle_path(entry.key).read_bytes()
            else:
                yield graph, cache.nquads_path(entry.key).read_bytes(), b""
            continue
        rendered = _render_from_store(kgstore, graph)
        yield graph, rendered.nquads, rendered.turtle


def _render_from_store(kgstore: KgStore, graph: str) -> Rendered:
    """A graph's piece rendered from the database (a store without cached pieces)."""
    import pyoxigraph as ox

    dumped = kgstore.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
    return render(graph, _split(dumped))


def _triple_lines(pieces: Iterable[Piece]) -> list[str]:
    """Every piece's triples as N-Triples lines, merged, sorted and deduplicated."""
    lines: list[str] = []
    for graph, nquads, _ in pieces:
        text = nquads.decode("utf-8")
        if graph:
            text = text.replace(f" <{graph}> .\n", " .\n")
        lines.extend(text.splitlines())
    return sort_lines(lines)


def _render(pieces: Iterable[Piece], fmt: str) -> bytes:
    """Pieces in graph order as one document in a format of :data:`FORMATS`."""
    import pyoxigraph as ox

    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    if fmt in ("nq", "trig", "ttl"):
        return b"".join(assemble(pieces, fmt))
    attribute, keeps_graphs = FORMATS[fmt]
    if keeps_graphs:
        data, source = b"".join(assemble(pieces, "nq")), ox.RdfFormat.N_QUADS
    else:
        lines = _triple_lines(pieces)
        data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
        if fmt == "nt":
            return data
        source = ox.RdfFormat.N_TRIPLES
    items = ox.parse(data, format=source)
    return ox.serialize(items, format=getattr(ox.RdfFormat, attribute), prefixes=NAMESPACES)


def serialize(quads: Iterable[ox.Quad], fmt: str) -> bytes:
    """Serialize quads deterministically in one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    return _render(_pieces_of_quads(quads), fmt)


def serialize_store(kgstore: KgStore, selection: str, fmt: str) -> bytes:
    """:func:`serialize` of a selection of the store, from its cached pieces."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    return _render(_pieces_of_store(kgstore, selection, fmt), fmt)


#: what ``kgtool build`` writes to dist/: file name -> (selection, format). All are
#: Turtle-family, built from the same cached Turtle bodies; N-Quads (five times the
#: bytes) is one ``kgtool export --format nq`` away.
DIST_FILES: dict[str, tuple[str, str]] = {
    "kgtool.trig": ("all", "trig"),
    "graph.ttl": ("data", "ttl"),
    "ontology.ttl": ("ontology", "ttl"),
}


def write_dist(
    kgstore: KgStore, dist: Path, *, progress: Callable[[str], None] = lambda _: None
) -> list[Path]:
    """Write every dist file into a fresh folder, then swap it in whole.

    :func:`stage_dist` then :func:`commit_dist`; ``kgtool build`` calls the
    two apart so that the files are written while the graph is validated. A
    failure part-way leaves the previous ``dist/`` untouched.
    """
    staged = stage_dist(kgstore, dist, progress=progress)
    try:
        return commit_dist(staged, progress=progress)
    finally:
        discard_dist(staged)  # a no-op once committed


@dataclass
class StagedDist:
    """Dist files written beside ``dist/``, to be swapped in (commit) or deleted (discard).

    ``staging`` is None when ``dist/`` already holds exactly these files.
    """

    dist: Path
    staging: Path | None
    index: str  # the JSON of dist.json, made while staging: commit only writes it
    index_path: Path | None

    @property
    def files(self) -> list[Path]:
        return [self.dist / name for name in DIST_FILES]


class StagingCancelled(Exception):
    """:func:`stage_dist` was told to stop; nothing is left behind. Never reaches a user:
    only a caller that passes ``cancel`` sees it, and it has given up on the files."""


def stage_dist(
    kgstore: KgStore,
    dist: Path,
    *,
    progress: Callable[[str], None] = lambda _: None,
    cancel: threading.Event | None = None,
) -> StagedDist:
    """Write every dist file into ``<dist>.new/``, leaving ``dist/`` as it is.

    Each file is its pieces in graph order. Runs of pieces that sit in the
    previous file in the same order are copied from it in one kernel call
    (``os.sendfile``), other pieces from the cache; so after a one-file edit
    300 MB of Turtle are rewritten in a fraction of a second. Where the
    pieces sat is kept beside the store (``dist.json``, written on commit)
    with each file's stat stamp, so a dist file changed by hand is never
    reused. Nothing is written when ``dist/`` is up to date. Safe to run on a
    thread while the store is queried: it only reads the store and the
    cache. Setting ``cancel`` stops it between pieces (:class:`StagingCancelled`).
    """
    from kgtool.store import DIST_INDEX_NAME

    _recover_dist(dist)
    index_path = kgstore.path / DIST_INDEX_NAME if kgstore.path is not None else None
    previous = _read_dist_index(index_path, dist)
    graphs = kgstore.named_graphs()
    cached = kgstore.piece_cache.keys() if kgstore.piece_cache is not None else set()
    chosen = {name: _dist_graphs(graphs, sel, fmt) for name, (sel, fmt) in DIST_FILES.items()}
    if all(_same_pieces(previous.get(name), chosen[name], kgstore, cached) for name in DIST_FILES):
        return StagedDist(dist, None, "", index_path)
    staging = dist.with_name(dist.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    index: dict[str, Any] = {"format": _index_format(), "dist": str(dist.resolve()), "files": {}}
    try:
        progress(f"writing {', '.join(DIST_FILES)} to {staging.name}/")
        for name, (_, fmt) in DIST_FILES.items():
            with (staging / name).open("wb", buffering=0) as out:
                before = previous.get(name)
                parts = _write_pieces(
                    kgstore, cached, out, chosen[name], fmt, dist / name, before, cancel
                )
                index["files"][name] = {"stamp": file_stamp(staging / name, settled=False),
                                        "parts": parts}  # fmt: skip
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return StagedDist(dist, staging, json.dumps(index), index_path)


def _recover_dist(dist: Path) -> None:
    """Put the last good ``dist/`` back if a build died between moving it aside and
    moving the new one in (the only moment ``dist/`` is missing)."""
    old = dist.with_name(dist.name + ".old")
    if not dist.exists() and old.is_dir():
        os.replace(old, dist)


def commit_dist(
    staged: StagedDist, *, progress: Callable[[str], None] = lambda _: None
) -> list[Path]:
    """Swap the staged files in as ``dist/`` (the old folder goes) and record the index."""
    dist, staging, index_path = staged.dist, staged.staging, staged.index_path
    if staging is None:
        progress(f"{dist.name}/ is up to date")
        return staged.files
    verb = "replacing" if dist.exists() else "creating"
    progress(f"{verb} {dist.name}/ from {staging.name}/")
    old = dist.with_name(dist.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if index_path is not None:
        index_path.unlink(missing_ok=True)  # about to describe files that are gone
    if dist.exists():
        os.replace(dist, old)
    try:
        os.replace(staging, dist)
    except BaseException:
        if old.exists() and not dist.exists():  # put the last good build back
            os.replace(old, dist)
        raise
    staged.staging = None
    shutil.rmtree(old, ignore_errors=True)
    if index_path is not None:
        tmp = index_path.with_name(index_path.name + ".tmp")
        tmp.write_text(staged.index, encoding="utf-8")
        os.replace(tmp, index_path)
    return staged.files


def discard_dist(staged: StagedDist) -> None:
    """Delete staged files that were not committed; ``dist/`` stays as it was."""
    if staged.staging is not None:
        shutil.rmtree(staged.staging, ignore_errors=True)
        staged.staging = None


def _dist_graphs(graphs: list[str], selection: str, fmt: str) -> list[str]:
    """The graphs a dist file is made of, in order."""
    prefixes = _prefixes(selection)  # once, not once per graph
    return [g for g in graphs if g.startswith(prefixes) and frame(g, fmt) is not None]


Part = list[Any]  # [graph, piece key ("" if rendered, not cached), framed length in bytes]

#: bump when the framing of pieces in dist files changes
DIST_INDEX_FORMAT = 1


def _index_format() -> str:
    """The index format and the header every dist file starts with."""
    digest = hashlib.sha256(prefix_header()).hexdigest()[:16]
    return f"{DIST_INDEX_FORMAT}-{digest}"


def _same_pieces(
    old_parts: list[Part] | None, graphs: list[str], kgstore: KgStore, cached: set[str]
) -> bool:
    """Whether a previous dist file holds exactly the cached pieces of ``graphs``, in order."""
    if old_parts is None or len(old_parts) != len(graphs) + 1:
        return False
    for (graph, key, _), wanted in zip(old_parts[1:], graphs, strict=True):
        entry = kgstore.pieces.get(wanted)
        if graph != wanted or not key or entry is None or entry.key != key or key not in cached:
            return False
    return True


def _read_dist_index(path: Path | None, dist: Path) -> dict[str, list[Part]]:
    """The parts of each previous dist file that is still exactly as it was written."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["format"] != _index_format() or data["dist"] != str(dist.resolve()):
            return {}
        return {
            name: entry["parts"]
            for name, entry in data["files"].items()
            if (dist / name).is_file() and file_stamp(dist / name, settled=False) == entry["stamp"]
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write_pieces(
    kgstore: KgStore,
    cached: set[str],
    out: BinaryIO,
    graphs: list[str],
    fmt: str,
    old_file: Path,
    old_parts: list[Part] | None,
    cancel: threading.Event | None = None,
) -> list[Part]:
    """Write the header and each graph's framed Turtle piece; return the parts written.

    ``cached`` holds the keys of the pieces on disk.
    """
    cache = kgstore.piece_cache
    where: dict[tuple[str, str], tuple[int, int]] = {}  # (graph, key) -> (offset, length)
    offset = 0
    for graph, key, length in old_parts or []:
        if key:
            where[(graph, key)] = (offset, length)
        offset += length
    header = prefix_header()
    out.write(header)
    parts: list[Part] = [["", "", len(header)]]
    with ExitStack() as stack:
        old = stack.enter_context(old_file.open("rb")) if where else None
        run = [0, 0]  # a range of the old file still to copy: [start, end)

        def flush() -> None:
            if old is not None and run[1] > run[0]:
                _send(out, old, run[0], run[1] - run[0])
            run[0] = run[1] = 0

        for graph in graphs:
            if cancel is not None and cancel.is_set():
                raise StagingCancelled
            around = frame(graph, fmt)
            if around is None:
                continue
            entry = kgstore.pieces.get(graph)
            key = (
                entry.key if entry is not None and cache is not None and entry.key in cached else ""
            )
            if key and (graph, key) in where:
                start, length = where[(graph, key)]
                if run[1] != start:
                    flush()
                    run[0] = start
                run[1] = start + length
                parts.append([graph, key, length])
                continue
            flush()
            if key and cache is not None:
                with cache.turtle_path(key).open("rb") as body:
                    size = os.fstat(body.fileno()).st_size
                    if size:
                        out.write(around[0])
                        _send(out, body, 0, size)
                        out.write(around[1])
                length = len(around[0]) + size + len(around[1]) if size else 0
            else:
                turtle = _render_from_store(kgstore, graph).turtle
                if turtle:
                    out.write(around[0] + turtle + around[1])
                length = len(around[0]) + len(turtle) + len(around[1]) if turtle else 0
            parts.append([graph, key, length])
        flush()
    return parts


def _send(out: BinaryIO, source: BinaryIO, offset: int, count: int) -> None:
    """Append ``count`` bytes of ``source`` from ``offset`` to ``out``, copied by the kernel."""
    end = offset + count
    if not hasattr(os, "sendfile"):  # Windows: copy through a buffer
        source.seek(offset)
        while offset < end:
            chunk = source.read(min(1 << 20, end - offset))
            if not chunk:
                raise OSError(f"{source.name} is shorter than expected")
            out.write(chunk)
            offset += len(chunk)
        return
    while offset < end:
        sent = os.sendfile(out.fileno(), source.fileno(), offset, end - offset)
        if sent == 0:
            raise OSError(f"{source.name} is shorter than expected")
        offset += sent


def export(kgstore: KgStore, fmt: str, *, selection: str = "all") -> bytes:
    """One export as bytes (``kgtool export``)."""
    return serialize_store(kgstore, selection, fmt)
