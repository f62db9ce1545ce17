"""Validation: the SHACL shapes plus the checks SHACL cannot make alone.

Validation returns a :class:`ValidationReport`; callers decide whether it
fails the run. Each result names its focus node, property, message and the
project file the focus node was written in.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kgtool.errors import InputError
from kgtool.project import (
    GRAPH_BASE,
    NAMESPACES,
    SHAPES_FILE,
    SHEET_SUFFIX,
    Project,
    sha256_file,
)

if TYPE_CHECKING:
    from kgtool.store import KgStore

SH = NAMESPACES["sh"]
KG = NAMESPACES["kg"]
INTEGRITY_COMPONENT = KG + "SourceIntegrityConstraintComponent"


@dataclass(frozen=True, order=True)
class ValidationResult:
    """One violation, warning or info, in the terms of the SHACL report."""

    focus: str
    path: str
    component: str
    message: str
    severity: str = "Violation"
    value: str = ""
    shape: str = ""
    files: tuple[str, ...] = ()

    def key(self) -> tuple[str, str, str]:
        """(focus, path, constraint component): what two validators must agree on."""
        return (self.focus, self.path, self.component)


@dataclass
class ValidationReport:
    results: list[ValidationResult] = field(default_factory=list)
    engine: str = "sparql"

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)

    def to_json(self) -> str:
        payload = {
            "conforms": self.conforms,
            "engine": self.engine,
            "results": [asdict(r) for r in self.results],
        }
        return json.dumps(payload, indent=2, sort_keys=True)

    def to_text(self, compact: Any = None) -> str:
        """A report a person can read: one block per result, then a summary line."""
        short = compact or (lambda term: term)
        lines: list[str] = []
        for r in self.results:
            where = ", ".join(r.files) if r.files else "(file unknown)"
            lines.append(f"{r.severity}: {r.message}")
            lines.append(f"  focus:      {short(r.focus)}")
            if r.path:
                lines.append(f"  property:   {short(r.path)}")
            if r.value:
                lines.append(f"  value:      {short(r.value)}")
            lines.append(f"  constraint: {short(r.component)}")
            lines.append(f"  in file:    {where}")
        violations = sum(r.severity == "Violation" for r in self.results)
        summary = "conforms" if self.conforms else f"{violations} violation(s)"
        others = len(self.results) - violations
        if others:
            summary += f", {others} warning(s)/info"
        lines.append(f"validation: {summary}")
        return "\n".join(lines)


class FileIndex:
    """Which project files nodes are written in, for the few nodes that have results.

    The project's files are listed once per run, not once per node: listing
    them walks the whole project folder.
    """

    def __init__(self, kgstore: KgStore, *, other_graphs: bool = False) -> None:
        self.kgstore = kgstore
        # graphs that are no file (source texts) named by their path, as
        # Project.path_of_graph names them
        self.other_graphs = other_graphs
        self.graphs: dict[str, str] | None = None
        self.found: dict[Any, tuple[str, ...]] = {}

    def of(self, node: Any) -> tuple[str, ...]:
        """The files of a node (a pyoxigraph term) as subject, sorted."""
        import pyoxigraph as ox

        if node in self.found:
            return self.found[node]
        project = self.kgstore.project
        if self.graphs is None:
            paths = project.rdf_files()
            if self.other_graphs:  # as Project.path_of_graph: the first file of a graph
                paths.reverse()
            self.graphs = {project.graph_iri(p): project.relative(p) for p in paths}
        found = set()
        if not isinstance(node, ox.Literal):  # a literal is never a subject
            for quad in self.kgstore.store.quads_for_pattern(node, None, None):
                graph = getattr(quad.graph_name, "value", None)
                if graph in self.graphs:
                    found.add(self.graphs[graph])
                elif self.other_graphs and graph and graph.startswith(GRAPH_BASE):
                    found.add(graph[len(GRAPH_BASE) :])
        if any(path.endswith(SHEET_SUFFIX) for path in found):  # name the sheet's line too
            from kgtool.authoring.compile import sheet_line

            found = {sheet_line(project, path, node.value) for path in found}
        self.found[node] = tuple(sorted(found))
        return self.found[node]


#: documents per VALUES block when only some are checked
_BATCH = 400

#: threads hashing source files
HASH_WORKERS = 4


def _documents(kgstore: KgStore, focus: Collection[str] | None) -> list[Any]:
    """Rows (doc, path, sha) of the source documents, only those in ``focus`` if given."""
    pattern = "?doc kg:localPath ?path OPTIONAL { ?doc kg:sha256 ?sha }"
    if focus is None:  # sub-selects: two scans hash-joined, not a lookup per document
        return list(
            kgstore.query(
                "SELECT ?doc ?path ?sha WHERE { { SELECT ?doc ?path WHERE { ?doc kg:localPath "
                "?path } } OPTIONAL { SELECT ?doc ?sha WHERE { ?doc kg:sha256 ?sha } } }"
            )
        )
    import pyoxigraph as ox

    from kgtool.shacl_sparql import focus_terms

    terms = focus_terms(focus)
    iris = [t for t in terms if isinstance(t, ox.NamedNode)]
    rows = []
    for i in range(0, len(iris), _BATCH):
        block = " ".join(str(t) for t in iris[i : i + _BATCH])
        query = f"SELECT ?doc ?path ?sha WHERE {{ VALUES ?doc {{ {block} }} {pattern} }}"
        rows += list(kgstore.query(query))
    blank = {t for t in terms if not isinstance(t, ox.NamedNode)}
    if blank:  # SPARQL text cannot name them: scan, keep theirs
        everything = kgstore.query(f"SELECT ?doc ?path ?sha WHERE {{ {pattern} }}")
        rows += [row for row in everything if row["doc"] in blank]
    return rows


def check_source_integrity(
    kgstore: KgStore, focus: Collection[str] | None = None
) -> list[ValidationResult]:
    """Every source document's file exists and still has its recorded sha256.

    With ``focus`` (IRIs, blank nodes as ``_:label``) only the documents among
    those nodes are checked.
    """
    from concurrent.futures import ThreadPoolExecutor

    project = kgstore.project
    files = FileIndex(kgstore, other_graphs=True)
    rows = _documents(kgstore, focus)

    known = kgstore.input_hashes or {}

    def digest(row: Any) -> str | None:
        """The file's sha256, or None when it does not exist (reading releases the GIL).

        A store refreshed in this process has just checked every text's hash.
        """
        local = row["path"].value
        if "graph/" + local in known:
            return known["graph/" + local]
        file = project.graph_dir / local
        return sha256_file(file) if file.is_file() else None

    with ThreadPoolExecutor(max_workers=HASH_WORKERS) as pool:
        digests = list(pool.map(digest, rows))
    results = []
    for row, actual in zip(rows, digests, strict=True):
        doc, local = row["doc"].value, row["path"].value
        recorded = row["sha"].value if row["sha"] is not None else None
        if actual is None:
            results.append(
                ValidationResult(
                    doc,
                    KG + "localPath",
                    INTEGRITY_COMPONENT,
                    f"The source file graph/{local} does not exist.",
                    value=local,
                    files=files.of(row["doc"]),
                )
            )
            continue
        if recorded is not None and actual != recorded:
            results.append(
                ValidationResult(
                    doc,
                    KG + "sha256",
                    INTEGRITY_COMPONENT,
                    f"The source file graph/{local} has changed: its sha256 is "
                    f"{actual}, the graph records {recorded}. Restore the file "
                    "or re-anchor the claims and record the new hash.",
                    value=recorded,
                    files=files.of(row["doc"]),
                )
            )
    return results


def _rdflib_graphs(kgstore: KgStore) -> tuple[Any, Any]:
    """(data, shapes) as rdflib graphs, the data being every graph but the shapes."""
    import pyoxigraph as ox
    from rdflib import Graph

    shapes_iri = kgstore.project.graph_iri(kgstore.project.root / SHAPES_FILE)
    data, shapes = Graph(), Graph()
    for target, keep in ((data, False), (shapes, True)):
        quads = [
            q
            for q in kgstore.store.quads_for_pattern(None, None, None)
            if (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == shapes_iri) == keep
        ]
        payload = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)
        target.parse(data=payload, format="nt")
    return data, shapes


def _with_sheet_lines(kgstore: KgStore, node: str, files: list[str]) -> tuple[str, ...]:
    """Files of a node, a claim sheet with the line and column the node was written at."""
    if not any(path.endswith(SHEET_SUFFIX) for path in files):
        return tuple(files)
    from kgtool.authoring.compile import sheet_line

    return tuple(sorted(sheet_line(kgstore.project, path, node) for path in files))


def validate_with_pyshacl(kgstore: KgStore) -> list[ValidationResult]:
    """The reference engine: pyshacl over rdflib copies of the store's graphs."""
    import pyshacl
    from rdflib import RDF, Namespace

    data, shapes = _rdflib_graphs(kgstore)
    if len(shapes) == 0:
        raise InputError(f"no SHACL shapes found in {SHAPES_FILE}", path=SHAPES_FILE)
    conforms, report_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    if conforms:
        return []
    sh = Namespace(SH)
    results = []
    for node in report_graph.subjects(RDF.type, sh.ValidationResult):

        def one(predicate: Any, node: Any = node) -> str:
            value = report_graph.value(node, predicate)
            return "" if value is None else str(value)

        focus = one(sh.focusNode)
        severity = one(sh.resultSeverity).rsplit("#", 1)[-1]
        results.append(
            ValidationResult(
                focus=focus,
                path=one(sh.resultPath),
                component=one(sh.sourceConstraintComponent),
                message=one(sh.resultMessage) or "constraint violated",
                severity=severity or "Violation",
                value=one(sh.value),
                shape=one(sh.sourceShape),
                files=_with_sheet_lines(kgstore, focus, kgstore.graph_of_subject(focus)),
            )
        )
    return results


def validate(
    kgstore: KgStore, *, engine: str = "sparql", focus: Collection[str] | None = None
) -> ValidationReport:
    """Check integrity of the sources, then the shapes; never raises on bad data.

    With ``focus`` (IRIs, blank nodes as ``_:label``) only those nodes are
    checked, for incremental rebuilds: the results are those of a full
    validation whose focus node is one of them. The pyshacl engine, a
    reference only, validates everything and keeps those.
    """
    results = check_source_integrity(kgstore, focus)
    if engine != "pyshacl":
        from kgtool import shacl_sparql

        results += shacl_sparql.validate(kgstore, focus=focus)
    else:
        found = validate_with_pyshacl(kgstore)
        if focus is not None:
            wanted = {f.removeprefix("_:") for f in focus}
            found = [r for r in found if r.focus.removeprefix("_:") in wanted]
        results += found
    return ValidationReport(sorted(set(results)), engine=engine)


def validate_project(project: Project, **kwargs: Any) -> ValidationReport:
    """Convenience: refresh the project's store and validate it."""
    from kgtool.store import refresh_store

    kgstore, _ = refresh_store(project)
    return validate(kgstore, **kwargs)
