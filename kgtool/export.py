"""Deterministic exports: the same store always gives byte-identical files.

Quads are sorted (subject, then ``rdf:type`` first, predicate, object) and
blank nodes, where the ontology or shapes have them, are relabelled by
RDF Dataset Canonicalization (RDFC-1.0) before sorting, so that a diff of two
exports shows only what changed in the graph.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from kgtool.errors import InputError
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


def select_quads(kgstore: KgStore, selection: str) -> list[ox.Quad]:
    """The quads of the named graphs a selection keeps."""
    import pyoxigraph as ox

    wanted = set(_selected_graphs(kgstore, selection))
    return [
        q
        for q in kgstore.store.quads_for_pattern(None, None, None)
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in wanted
    ]


# Sorting lines, not terms ----------------------------------------------------
#
# Sorting millions of quads by the N-Triples form of their terms is the cost of
# a deterministic export. The same order comes from sorting N-Triples *lines*
# as plain strings: terms never contain a raw space or control character, so a
# line compares like the tuple (subject, predicate, object) of its terms. The
# one exception to lexical order, rdf:type first, is had by swapping that
# predicate for "\x01" while sorting. Lines come straight from pyoxigraph's
# dump of each named graph, so no Python object is made per triple.

TYPE_NT = f"<{RDF_TYPE}>"
_TYPE_KEY = "\x01"
_TYPE_NT_SPACED = f" {TYPE_NT} "
_TYPE_KEY_SPACED = f" {_TYPE_KEY} "

GraphLines = list[tuple[str, list[str]]]  # (graph as "<iri>", N-Triples lines)


def _sorted_lines(lines: Iterable[str]) -> list[str]:
    """Lines in export order; the rdf:type swap is done on the joined text, at C speed."""
    text = "\n".join(lines).replace(_TYPE_NT_SPACED, _TYPE_KEY_SPACED)
    keyed = text.split("\n") if text else []
    keyed.sort()
    return "\n".join(keyed).replace(_TYPE_KEY_SPACED, _TYPE_NT_SPACED).split("\n") if keyed else []


def _with_graph(lines: list[str], graph: str) -> str:
    """N-Triples lines as N-Quads text in ``graph`` ("" is the default graph)."""
    if not lines:
        return ""
    text = "\n".join(lines) + "\n"
    return text.replace(" .\n", f" {graph} .\n") if graph else text


def _split(text: bytes) -> list[str]:
    return text.decode("utf-8").splitlines()


def _lines_of_quads(quads: Iterable[ox.Quad]) -> GraphLines:
    """Quads as N-Triples lines grouped by named graph (the default graph is "")."""
    import pyoxigraph as ox

    by_graph: dict[str, list[ox.Triple]] = {}
    for quad in quads:
        graph = quad.graph_name
        key = f"<{graph.value}>" if isinstance(graph, ox.NamedNode) else ""
        by_graph.setdefault(key, []).append(quad.triple)
    return sorted(
        (graph, _split(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)))
        for graph, triples in by_graph.items()
    )


def _lines_of_store(kgstore: KgStore, selection: str) -> GraphLines:
    import pyoxigraph as ox

    out: GraphLines = []
    for graph in _selected_graphs(kgstore, selection):
        text = kgstore.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
        out.append((f"<{graph}>", _split(text)))
    out.sort()
    return out


def _has_blank(lines: list[str]) -> bool:
    return any(line.startswith("_:") or " _:" in line for line in lines)


def _canonicalize(graphs: GraphLines) -> GraphLines:
    """Relabel blank nodes by RDFC-1.0 over the graphs that have any; others pass as they are.

    Canonical labels depend only on the quads that mention blank nodes, so
    leaving blank-free graphs out gives the labels the whole dataset would get.
    """
    import pyoxigraph as ox

    blank = [(g, lines) for g, lines in graphs if _has_blank(lines)]
    if not blank:
        return graphs
    nquads = "".join(_with_graph(lines, g) for g, lines in blank)
    dataset = ox.Dataset(ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    relabelled = dict(_lines_of_quads(dataset))
    return [(g, relabelled.get(g, []) if g in dict(blank) else lines) for g, lines in graphs]


def _render(graphs: GraphLines, fmt: str) -> bytes:
    """Sorted graphs in a format of :data:`FORMATS`, through pyoxigraph's serializers."""
    import pyoxigraph as ox

    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    attribute, keeps_graphs = FORMATS[fmt]
    graphs = _canonicalize(graphs)
    if keeps_graphs:
        text = "".join(_with_graph(_sorted_lines(lines), g) for g, lines in graphs)
        if fmt == "nq":
            return text.encode("utf-8")
        source = ox.RdfFormat.N_QUADS
    else:
        distinct = {line for _, lines in graphs for line in lines}
        text = "\n".join(_sorted_lines(distinct)) + "\n" if distinct else ""
        if fmt == "nt":
            return text.encode("utf-8")
        source = ox.RdfFormat.N_TRIPLES
    items = ox.parse(text.encode("utf-8"), format=source)
    return ox.serialize(items, format=getattr(ox.RdfFormat, attribute), prefixes=NAMESPACES)


def serialize(quads: Iterable[ox.Quad], fmt: str) -> bytes:
    """Serialize quads deterministically in one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    return _render(_lines_of_quads(quads), fmt)


def serialize_store(kgstore: KgStore, selection: str, fmt: str) -> bytes:
    """:func:`serialize` of a selection, reading N-Triples straight from the store."""
    return _render(_lines_of_store(kgstore, selection), fmt)


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

    A failure part-way leaves the previous ``dist/`` untouched.
    """
    staging = dist.with_name(dist.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        cache: dict[str, GraphLines] = {}
        for name, (selection, fmt) in DIST_FILES.items():
            progress(f"writing dist/{name}")
            if selection not in cache:
                cache[selection] = _canonicalize(_lines_of_store(kgstore, selection))
            (staging / name).write_bytes(_render(cache[selection], fmt))
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


def export(kgstore: KgStore, fmt: str, *, selection: str = "all") -> bytes:
    """One export as bytes (``kgtool export``)."""
    return serialize_store(kgstore, selection, fmt)
