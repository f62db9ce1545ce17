"""Validation: the SHACL shapes plus the checks SHACL cannot make alone.

Validation returns a :class:`ValidationReport`; callers decide whether it
fails the run. Each result names its focus node, property, message and the
project file the focus node was written in.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from kgtool.errors import InputError
from kgtool.limits import BATCH, WORKERS
from kgtool.project import NAMESPACES, SHAPES_FILE, SHEET_SUFFIX, sha256_file
from kgtool.report import FileIndex, ValidationReport, ValidationResult

if TYPE_CHECKING:
    from kgtool.project import Project
    from kgtool.remote import Endpoint
    from kgtool.shacl.source import Source
    from kgtool.store import KgStore

SH = NAMESPACES["sh"]
KG = NAMESPACES["kg"]
INTEGRITY_COMPONENT = KG + "SourceIntegrityConstraintComponent"


def _documents(source: Source, focus: Collection[str] | None) -> list[dict[str, Any]]:
    """Rows (doc, path, sha) of the source documents, only those in ``focus`` if given."""
    pattern = "?doc kg:localPath ?path OPTIONAL { ?doc kg:sha256 ?sha }"
    if focus is None:  # sub-selects: two scans hash-joined, not a lookup per document
        return list(
            source.select(
                f"PREFIX kg: <{KG}> "
                "SELECT ?doc ?path ?sha WHERE { { SELECT ?doc ?path WHERE { ?doc kg:localPath "
                "?path } } OPTIONAL { SELECT ?doc ?sha WHERE { ?doc kg:sha256 ?sha } } }"
            )
        )
    import pyoxigraph as ox

    from kgtool.shacl import focus_terms

    terms = focus_terms(focus)
    iris = [t for t in terms if isinstance(t, ox.NamedNode)]
    rows = []
    prefix = f"PREFIX kg: <{KG}> "
    for i in range(0, len(iris), BATCH):
        block = " ".join(str(t) for t in iris[i : i + BATCH])
        query = f"{prefix}SELECT ?doc ?path ?sha WHERE {{ VALUES ?doc {{ {block} }} {pattern} }}"
        rows += list(source.select(query))
    blank = {t for t in terms if not isinstance(t, ox.NamedNode)}
    if blank:  # SPARQL text cannot name them: scan, keep theirs
        everything = source.select(f"{prefix}SELECT ?doc ?path ?sha WHERE {{ {pattern} }}")
        rows += [row for row in everything if row["doc"] in blank]
    return rows


def check_source_integrity(
    graph: KgStore | Source, focus: Collection[str] | None = None
) -> list[ValidationResult]:
    """Every source document's file exists and still has its recorded sha256.

    With ``focus`` (IRIs, blank nodes as ``_:label``) only the documents among
    those nodes are checked.
    """
    from concurrent.futures import ThreadPoolExecutor

    from kgtool.shacl.source import source_of

    source = source_of(graph)
    project = source.project
    files = FileIndex(source, other_graphs=True)
    rows = _documents(source, focus)

    known = source.input_hashes or {}

    def digest(row: Any) -> str | None:
        """The file's sha256, or None when it does not exist (reading releases the GIL).

        A store refreshed in this process has just checked every text's hash.
        """
        local = row["path"].value
        if "graph/" + local in known:
            return known["graph/" + local]
        file = project.graph_dir / local
        return sha256_file(file) if file.is_file() else None

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        digests = list(pool.map(digest, rows))
    results = []
    for row, actual in zip(rows, digests, strict=True):
        doc, local = row["doc"].value, row["path"].value
        recorded = row["sha"].value if row.get("sha") is not None else None
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
    """(data, shapes) as rdflib graphs, the data being every graph but the shapes.

    A literal outside its datatype's lexical space is marked ill-typed, as
    rdflib marks those of the few datatypes it parses itself: pyshacl's
    ``sh:datatype`` rejects exactly the literals so marked.
    """
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
    _mark_ill_typed(kgstore, data, shapes)
    return data, shapes


def _with_sheet_lines(kgstore: KgStore, node: str, files: list[str]) -> tuple[str, ...]:
    """Files of a node, a claim sheet with the line and column the node was written at."""
    if not any(path.endswith(SHEET_SUFFIX) for path in files):
        return tuple(files)
    from kgtool.authoring.compile import sheet_line

    return tuple(sorted(sheet_line(kgstore.project, path, node) for path in files))


def _mark_ill_typed(kgstore: KgStore, data: Any, shapes: Any) -> None:
    """Flag the data's literals that are outside the lexical space of a datatype the
    shapes name (the same test as the SPARQL engine's, run on the store)."""
    from rdflib import Literal, URIRef

    from kgtool.shacl.datatypes import ill_typed_query

    datatypes = [str(o) for o in shapes.objects(None, URIRef(SH + "datatype"))]
    query = ill_typed_query(datatypes)
    if query is None:
        return
    for row in kgstore.query(query):
        term = row["literal"]
        bad = Literal(term.value, datatype=term.datatype.value)
        bad._ill_typed = True  # rdflib's own flag, set for the datatypes it parses
        for subject, predicate, _ in list(data.triples((None, None, bad))):
            data.remove((subject, predicate, bad))
            data.add((subject, predicate, bad))


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
    graph: KgStore | Endpoint,
    *,
    engine: str = "sparql",
    focus: Collection[str] | None = None,
    project: Project | None = None,
) -> ValidationReport:
    """Check integrity of the sources, then the shapes; never raises on bad data.

    ``graph`` is the embedded store, or a SPARQL server that holds the pushed
    graph (``project``: the checkout it was pushed from, whose source texts
    are checked and whose files the results name). With ``focus`` (IRIs,
    blank nodes as ``_:label``) only those nodes are checked, for incremental
    rebuilds: the results are those of a full validation whose focus node is
    one of them. The pyshacl engine, a reference only, validates everything
    and keeps those.
    """
    from kgtool import shacl
    from kgtool.shacl.source import EndpointSource, StoreSource

    source: Source
    if hasattr(graph, "store"):
        source = StoreSource(graph)  # type: ignore[arg-type]
    else:
        if project is None:
            raise InputError("validating a server needs the project it was pushed from")
        if engine == "pyshacl" or focus is not None:
            raise InputError(
                "a server is validated in full by the sparql engine only",
                hint="drop --engine pyshacl, or validate the embedded store",
            )
        source = EndpointSource(graph, project)  # type: ignore[arg-type]
    results = check_source_integrity(source, focus)
    if engine != "pyshacl":
        results += shacl.validate(source, focus=focus)
    else:
        found = validate_with_pyshacl(graph)  # type: ignore[arg-type]
        if focus is not None:
            wanted = {f.removeprefix("_:") for f in focus}
            found = [r for r in found if r.focus.removeprefix("_:") in wanted]
        results += found
    return ValidationReport(sorted(set(results)), engine=engine)


__all__ = [
    "FileIndex",
    "ValidationReport",
    "ValidationResult",
    "check_source_integrity",
    "validate",
    "validate_with_pyshacl",
]
