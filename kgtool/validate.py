"""Validation: the SHACL shapes plus the checks SHACL cannot make alone.

Validation returns a :class:`ValidationReport`; callers decide whether it
fails the run. Each result names its focus node, property, message and the
project file the focus node was written in.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kgtool.errors import InputError
from kgtool.project import NAMESPACES, SHAPES_FILE, Project, sha256_file

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


def check_source_integrity(kgstore: KgStore) -> list[ValidationResult]:
    """Every source document's file exists and still has its recorded sha256."""
    project = kgstore.project
    rows = kgstore.query(
        "SELECT ?doc ?path ?sha WHERE { ?doc kg:localPath ?path OPTIONAL { ?doc kg:sha256 ?sha } }"
    )
    results = []
    for row in rows:
        doc, local = row["doc"].value, row["path"].value
        recorded = row["sha"].value if row["sha"] is not None else None
        file = project.graph_dir / local
        files = tuple(kgstore.graph_of_subject(doc))
        if not file.is_file():
            results.append(
                ValidationResult(
                    doc,
                    KG + "localPath",
                    INTEGRITY_COMPONENT,
                    f"The source file graph/{local} does not exist.",
                    value=local,
                    files=files,
                )
            )
        elif recorded is not None and sha256_file(file) != recorded:
            results.append(
                ValidationResult(
                    doc,
                    KG + "sha256",
                    INTEGRITY_COMPONENT,
                    f"The source file graph/{local} has changed: its sha256 is "
                    f"{sha256_file(file)}, the graph records {recorded}. Restore the file "
                    "or re-anchor the claims and record the new hash.",
                    value=recorded,
                    files=files,
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
                files=tuple(kgstore.graph_of_subject(focus)),
            )
        )
    return results


def validate(kgstore: KgStore, *, engine: str = "sparql") -> ValidationReport:
    """Check integrity of the sources, then the shapes; never raises on bad data."""
    if engine != "pyshacl":
        from kgtool import shacl_sparql

        results = check_source_integrity(kgstore) + shacl_sparql.validate(kgstore)
    else:
        results = check_source_integrity(kgstore) + validate_with_pyshacl(kgstore)
    return ValidationReport(sorted(set(results)), engine=engine)


def validate_project(project: Project, **kwargs: Any) -> ValidationReport:
    """Convenience: refresh the project's store and validate it."""
    from kgtool.store import refresh_store

    kgstore, _ = refresh_store(project)
    return validate(kgstore, **kwargs)
