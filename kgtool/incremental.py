"""Incremental validation: after an edit, re-check only the nodes it can affect.

The last validation report is kept beside the store with the export piece
of every graph it saw. On the next build the pieces that changed are
compared line by line with their previous versions; the subjects of the
triples that appeared or disappeared, everything that reaches them within
:data:`DEPENDENCY_DEPTH` steps, and the nodes they point at are validated
again, and the other results are carried over. Changes to the ontology or
the shapes, an edit that reaches too many nodes, or one that reaches a
blank node of the data (which cannot be named as a focus node), validate
everything.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kgtool.project import GRAPH_BASE
from kgtool.store import REPORT_NAME
from kgtool.validate import ValidationReport, ValidationResult, validate

if TYPE_CHECKING:
    from kgtool.store import KgStore

REPORT_FORMAT = 1

#: How many steps a shape follows from its focus node, at most. The longest
#: chain in ontology/shapes.ttl is claim -> fact -> period -> resolution (3);
#: one more covers a class check on the last node reached.
DEPENDENCY_DEPTH = 4

#: Beyond this many affected nodes a full validation is as quick.
MAX_AFFECTED = 50_000

#: Graphs whose change can alter any result: the ontology and the shapes.
SCHEMA_GRAPHS = GRAPH_BASE + "ontology/"

#: Graphs of the data (and source texts): where focus nodes live.
DATA_GRAPHS = GRAPH_BASE + "graph/"

Progress = Callable[[str], None]


@dataclass
class SavedReport:
    """A validation report and the piece of every graph it was computed on."""

    engine: str
    pieces: dict[str, str]
    results: list[ValidationResult]


def save_report(
    store_path: Path, engine: str, pieces: dict[str, str], report: ValidationReport
) -> None:
    """Write the report beside the store atomically."""
    payload = {
        "format": REPORT_FORMAT,
        "engine": engine,
        "pieces": pieces,
        "results": [asdict(r) for r in report.results],
    }
    tmp = store_path / (REPORT_NAME + ".tmp")
    tmp.write_text(json.dumps(payload, sort_keys=True), encoding="utf-8")
    os.replace(tmp, store_path / REPORT_NAME)


def load_report(store_path: Path) -> SavedReport | None:
    """The saved report, or None when there is none or it cannot be read."""
    try:
        data = json.loads((store_path / REPORT_NAME).read_text(encoding="utf-8"))
        if data.get("format") != REPORT_FORMAT:
            return None
        results = [
            ValidationResult(**{**r, "files": tuple(r.get("files", ()))}) for r in data["results"]
        ]
        return SavedReport(str(data["engine"]), dict(data["pieces"]), results)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _subject_and_object(line: str) -> tuple[str, str]:
    """The subject and object of an N-Quads line, as N-Triples terms."""
    subject, rest = line.split(" ", 1)
    _, rest = rest.split(" ", 1)
    if rest.startswith("<"):
        return subject, rest[: rest.index(">") + 1]
    if rest.startswith("_:"):
        return subject, rest.split(" ", 1)[0]
    return subject, ""  # a literal: not a node any shape targets


def changed_nodes(
    kgstore: KgStore, changes: dict[str, tuple[str | None, str | None]]
) -> tuple[set[str], set[str]] | None:
    """(subjects, objects) of the triples that differ between old and new pieces.

    None when an old piece is no longer cached (the diff cannot be made).
    """
    cache = kgstore.piece_cache
    if cache is None:
        return None
    subjects: set[str] = set()
    objects: set[str] = set()
    for old, new in changes.values():
        difference = cache.difference(old, new)
        if difference is None:
            return None
        for line in difference[0] + difference[1]:
            subject, obj = _subject_and_object(line)
            subjects.add(subject)
            if obj:
                objects.add(obj)
    return subjects, objects


def _neighbours(kgstore: KgStore, nodes: Iterable[str], pattern: str) -> set[str] | None:
    """Nodes linked to ``nodes`` by ``pattern`` (?n is given, ?x is found), in batches.

    None when a blank node of a data graph is among them: it cannot be named
    as a focus node, so only a full validation is sure to re-check it.
    """
    found: set[str] = set()
    ordered = sorted(n for n in nodes if n.startswith("<"))
    for start in range(0, len(ordered), 2000):
        batch = ordered[start : start + 2000]
        sparql = (
            f"SELECT DISTINCT ?x ?g WHERE {{ VALUES ?n {{ {' '.join(batch)} }} "
            f"GRAPH ?g {{ {pattern} }} }}"
        )
        for row in kgstore.query(sparql):
            term = row["x"]
            kind = type(term).__name__
            if kind == "NamedNode":
                found.add(f"<{term.value}>")
            elif kind == "BlankNode" and row["g"].value.startswith(DATA_GRAPHS):
                return None
    return found


def affected_nodes(kgstore: KgStore, subjects: set[str], objects: set[str]) -> set[str] | None:
    """Every focus node whose results may differ, or None when there are too many.

    A node depends on the triples of the nodes it reaches by following
    properties forwards (``DEPENDENCY_DEPTH`` steps), and, through inverse
    paths and ``sh:targetObjectsOf``, on the triples pointing at it. Meeting
    a blank node of the data on the way also means None.
    """
    if any(not node.startswith("<") for node in subjects | objects):
        return None  # a blank node's label in a piece is not its label in the store
    affected = set(subjects) | objects
    pointed_at = _neighbours(kgstore, subjects, "?n ?p ?x .")
    if pointed_at is None:
        return None
    affected |= pointed_at
    frontier: set[str] | None = set(subjects)
    for _ in range(DEPENDENCY_DEPTH):
        frontier = _neighbours(kgstore, frontier, "?x ?p ?n .")
        if frontier is None:
            return None
        frontier -= affected
        affected |= frontier
        if len(affected) > MAX_AFFECTED:
            return None
        if not frontier:
            break
    return affected


def validate_incrementally(
    kgstore: KgStore,
    *,
    engine: str = "sparql",
    progress: Progress = lambda _: None,
    full: bool = False,
) -> ValidationReport:
    """Validate the store, reusing the saved report for what an edit cannot affect.

    Falls back to a full validation whenever the saved report does not apply,
    or when ``full`` asks for one; either way the new report is saved for the
    next build.
    """
    current = {graph: entry.key for graph, entry in kgstore.pieces.items()}
    report = None if full else _reuse(kgstore, current, engine, progress)
    if report is None:
        progress(f"validating everything with {engine}")
        report = validate(kgstore, engine=engine)
    if kgstore.path is not None:
        save_report(kgstore.path, engine, current, report)
    return report


def _reuse(
    kgstore: KgStore, current: dict[str, str], engine: str, progress: Progress
) -> ValidationReport | None:
    if kgstore.path is None:
        return None
    saved = load_report(kgstore.path)
    if saved is None or saved.engine != engine:
        return None
    changes = {
        graph: (saved.pieces.get(graph), current.get(graph))
        for graph in sorted(set(saved.pieces) | set(current))
        if saved.pieces.get(graph) != current.get(graph)
    }
    if not changes:
        progress("nothing changed since the last validation")
        return ValidationReport(saved.results, engine=engine)
    if any(graph.startswith(SCHEMA_GRAPHS) for graph in changes):
        return None
    nodes = changed_nodes(kgstore, changes)
    if nodes is None:
        return None
    affected = affected_nodes(kgstore, *nodes)
    if affected is None:
        return None
    focus = {node[1:-1] for node in affected} | _documents_of_texts(kgstore, changes)
    progress(f"validating {len(focus)} nodes an edit of {len(changes)} graph(s) can affect")
    fresh = validate(kgstore, engine=engine, focus=focus)
    kept = [r for r in saved.results if r.focus not in focus]
    return ValidationReport(sorted(set(kept + fresh.results)), engine=engine)


def _documents_of_texts(
    kgstore: KgStore, changes: dict[str, tuple[str | None, str | None]]
) -> set[str]:
    """The documents whose source text changed, appeared or went: their integrity is
    checked again whatever the edit did to the text's triples (a CRLF read as LF once
    left the piece's triples as they were)."""
    from kgtool.store import source_text_graph

    documents: set[str] = set()
    for entry in kgstore.pieces.values():
        for doc, local in entry.docs:
            if source_text_graph(kgstore.project, local) in changes:
                documents.add(doc)
    return documents
