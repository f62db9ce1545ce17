"""Deterministic exports: the same store always gives byte-identical files.

Named graphs come in IRI order; within each, triples are sorted (subject,
``rdf:type`` first, predicate, object) and blank nodes relabelled by RDF
Dataset Canonicalization (RDFC-1.0), so a diff of two exports shows only what
changed, in the section of the file that changed. Turtle keeps one section
per source file; N-Triples and RDF/XML merge the graphs into one sorted set.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from kgtool.errors import InputError
from kgtool.pieces import assemble, render, sort_lines
from kgtool.project import GRAPH_BASE, NAMESPACES

if TYPE_CHECKING:
    import pyoxigraph as ox

    from kgtool.store import KgStore

RDF_TYPE = NAMESPACES["rdf"] + "type"

#: format name -> (pyoxigraph format attribute, keeps named graphs)
FORMATS: dict[str, tuple[str, bool]] = {
    "ttl": ("TURTLE", False),
    "nt": ("N_TRIPLES", False),
    "jsonld": ("JSON_LD", True),
    "trig": ("TRIG", True),
    "nq": ("N_QUADS", True),
    "rdfxml": ("RDF_XML", False),
}

#: which named graphs each selection keeps, by IRI prefix under GRAPH_BASE
SELECTIONS: dict[str, tuple[str, ...]] = {
    "all": ("",),
    "data": ("graph/",),
    "ontology": ("ontology/",),
}


def _sort_key(quad: ox.Quad) -> tuple[str, str, bool, str, str]:
    return (
        str(quad.graph_name),
        str(quad.subject),
        quad.predicate.value != RDF_TYPE,
        str(quad.predicate),
        str(quad.object),
    )


def canonical_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Quads in a stable order, with blank nodes canonically relabelled."""
    import pyoxigraph as ox

    items = list(quads)
    if any(isinstance(t, ox.BlankNode) for q in items for t in (q.subject, q.object)):
        dataset = ox.Dataset(items)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        items = list(dataset)
    items.sort(key=_sort_key)
    return items


def _selected_graphs(kgstore: KgStore, selection: str) -> list[str]:
    if selection not in SELECTIONS:
        raise InputError(
            f"unknown graph selection {selection!r}", hint=f"use one of {', '.join(SELECTIONS)}"
        )
    prefixes = tuple(GRAPH_BASE + p for p in SELECTIONS[selection])
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


def _pieces_of_store(kgstore: KgStore, selection: str) -> Iterator[Piece]:
    """The selection's pieces: from the store's cache when it has them, else rendered now."""
    import pyoxigraph as ox

    cache = kgstore.piece_cache
    for graph in _selected_graphs(kgstore, selection):
        entry = kgstore.pieces.get(graph)
        if entry is not None and cache is not None and cache.has(entry.key):
            yield (
                graph,
                cache.nquads_path(entry.key).read_bytes(),
                cache.turtle_path(entry.key).read_bytes(),
            )
            continue
        dumped = kgstore.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
        rendered = render(graph, _split(dumped))
        yield graph, rendered.nquads, rendered.turtle


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
    return _render(_pieces_of_store(kgstore, selection), fmt)


#: what ``kgtool build`` writes to dist/: file name -> (selection, format)
DIST_FILES: dict[str, tuple[str, str]] = {
    "kgtool.trig": ("all", "trig"),
    "kgtool.nq": ("all", "nq"),
    "graph.ttl": ("data", "ttl"),
    "ontology.ttl": ("ontology", "ttl"),
}


def write_dist(
    kgstore: KgStore, dist: Path, *, progress: Callable[[str], None] = lambda _: None
) -> list[Path]:
    """Write every dist file into a fresh folder, then swap it in whole.

    One pass over the graphs appends each piece to every file that selects
    it, so the cost is one read of each cached piece. A failure part-way
    leaves the previous ``dist/`` untouched.
    """
    staging = dist.with_name(dist.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        progress(f"writing {', '.join(DIST_FILES)} to {dist.name}/")
        chosen = {name: set(_selected_graphs(kgstore, s)) for name, (s, _) in DIST_FILES.items()}
        with ExitStack() as stack:
            handles = {n: stack.enter_context((staging / n).open("wb")) for n in DIST_FILES}
            for name, (_, fmt) in DIST_FILES.items():
                handles[name].writelines(assemble([], fmt))  # the header alone
            for piece in _pieces_of_store(kgstore, "all"):
                for name, (_, fmt) in DIST_FILES.items():
                    if piece[0] in chosen[name]:
                        handles[name].writelines(_body(piece, fmt))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = dist.with_name(dist.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dist.exists():
        os.replace(dist, old)
    os.replace(staging, dist)
    shutil.rmtree(old, ignore_errors=True)
    return [dist / name for name in DIST_FILES]


def _body(piece: Piece, fmt: str) -> Iterator[bytes]:
    """One piece's part of an export, without the header :func:`assemble` starts with."""
    parts = assemble([piece], fmt)
    if fmt != "nq":
        next(parts)
    return parts


def export(kgstore: KgStore, fmt: str, *, selection: str = "all") -> bytes:
    """One export as bytes (``kgtool export``)."""
    return serialize_store(kgstore, selection, fmt)
