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
from typing import TYPE_CHECKING, Any

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


def select_quads(kgstore: KgStore, selection: str) -> list[ox.Quad]:
    """The quads of the named graphs a selection keeps."""
    import pyoxigraph as ox

    if selection not in SELECTIONS:
        raise InputError(
            f"unknown graph selection {selection!r}", hint=f"use one of {', '.join(SELECTIONS)}"
        )
    prefixes = tuple(GRAPH_BASE + p for p in SELECTIONS[selection])
    return [
        q
        for q in kgstore.store.quads_for_pattern(None, None, None)
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(prefixes)
    ]


def serialize(quads: Iterable[ox.Quad], fmt: str) -> bytes:
    """Serialize quads deterministically in one of :data:`FORMATS`."""
    import pyoxigraph as ox

    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    attribute, keeps_graphs = FORMATS[fmt]
    ordered = canonical_quads(quads)
    items: list[Any] = ordered if keeps_graphs else _distinct_triples(ordered)
    prefixes = None if fmt in {"nt", "nq"} else NAMESPACES
    return ox.serialize(items, format=getattr(ox.RdfFormat, attribute), prefixes=prefixes)


def _distinct_triples(quads: list[ox.Quad]) -> list[ox.Triple]:
    """The union of the graphs as sorted triples (a triple in two graphs once)."""
    triples = {q.triple for q in quads}
    return sorted(
        triples,
        key=lambda t: (
            str(t.subject),
            t.predicate.value != RDF_TYPE,
            str(t.predicate),
            str(t.object),
        ),
    )


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
        cache: dict[str, list[ox.Quad]] = {}
        for name, (selection, fmt) in DIST_FILES.items():
            progress(f"writing dist/{name}")
            quads = cache.setdefault(selection, select_quads(kgstore, selection))
            (staging / name).write_bytes(serialize(quads, fmt))
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
    return serialize(select_quads(kgstore, selection), fmt)
