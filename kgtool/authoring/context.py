"""What a sheet is compiled against: the ontology, the shapes, the entities, the sources.

The compiler knows no fact class and no property by name: it asks this
context which classes are facts, which properties apply to a class (the
SHACL property shapes of the class and its superclasses, and specific
``rdfs:domain``\\ s) and what a property's range is (``rdfs:range``, else the
``sh:class`` / ``sh:datatype`` of its property shape). A new kind of fact in
``ontology/`` is therefore usable in a sheet with no change to Python.

The context is read from every RDF file of the project except the claims
and mentions folders (which hold statements, not vocabulary) and the sheets.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kgtool.errors import InputError
from kgtool.project import NAMESPACES, RDF_SUFFIXES, Project
from kgtool.source_text import read_source_text

if TYPE_CHECKING:
    import pyoxigraph as ox

KG = NAMESPACES["kg"]
RDF = NAMESPACES["rdf"]
RDFS = NAMESPACES["rdfs"]
OWL = NAMESPACES["owl"]
SH = NAMESPACES["sh"]
SKOS = NAMESPACES["skos"]
SCHEMA = NAMESPACES["schema"]
XSD = NAMESPACES["xsd"]
PROV = NAMESPACES["prov"]

#: folders of graph/ that hold statements; the context never reads them
STATEMENT_FOLDERS = ("claims", "mentions")
SHEET_SUFFIXES = (".yaml", ".yml")


@dataclass
class SourceInfo:
    """A source document as a sheet needs it."""

    iri: str
    local_path: str
    text: str
    published: str | None  # xsd:dateTime or xsd:date lexical form
    author: str | None
    language: str | None
    #: why the text could not be read (missing, unreadable, not UTF-8); ``text`` is then ""
    problem: InputError | None = None
    #: the sha256 the graph records for the text (kg:sha256), if any
    recorded_sha256: str | None = None

    def changed(self) -> str | None:
        """How the text on disk differs from the recorded one, or None when it does not."""
        if self.problem is not None or self.recorded_sha256 is None:
            return None
        actual = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        if actual == self.recorded_sha256:
            return None
        return (
            f"graph/{self.local_path} has changed: its sha256 is {actual}, "
            f"the graph records {self.recorded_sha256}"
        )


@dataclass
class Context:
    """Indexes over the vocabulary and the entities, built once per set of inputs."""

    classes: dict[str, set[str]] = field(default_factory=dict)  # class -> superclasses, incl.
    types: dict[str, set[str]] = field(default_factory=dict)  # node -> asserted classes
    labels: dict[str, set[str]] = field(default_factory=dict)  # lower-case label -> IRIs
    label_of: dict[str, str] = field(default_factory=dict)  # IRI -> preferred label
    ranges: dict[str, str] = field(default_factory=dict)  # property -> rdfs:range
    domains: dict[str, set[str]] = field(default_factory=dict)
    functional: set[str] = field(default_factory=set)
    shape_paths: dict[str, dict[str, tuple[str | None, bool]]] = field(default_factory=dict)
    concepts: dict[str, set[str]] = field(default_factory=dict)  # name -> concept IRIs
    in_scheme: dict[str, set[str]] = field(default_factory=dict)  # concept -> its schemes
    sources: dict[str, SourceInfo] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)  # term -> skos:definition
    written: dict[str, set[str]] = field(default_factory=dict)  # lower-case label -> as written
    cues: dict[str, list[str]] = field(default_factory=dict)  # modality -> its kg:cueWord
    titles: dict[str, set[str]] = field(default_factory=dict)  # position -> kg:positionTitle

    # --- classes ---------------------------------------------------------------

    def ancestors(self, cls: str) -> set[str]:
        return self.classes.get(cls, {cls})

    def is_a(self, node: str, cls: str) -> bool:
        return any(cls in self.ancestors(t) for t in self.types.get(node, ()))

    def fact_classes(self) -> dict[str, str]:
        """Local name -> IRI of every subclass of kg:Fact (kg:Fact itself excluded)."""
        fact = KG + "Fact"
        return {local(c): c for c, sup in self.classes.items() if fact in sup and c != fact}

    # --- properties ------------------------------------------------------------

    def properties_of(self, cls: str) -> dict[str, str]:
        """Local name -> IRI of the properties that apply to instances of ``cls``."""
        ups = self.ancestors(cls)
        found: dict[str, str] = {}
        for shaped in ups:
            for prop in self.shape_paths.get(shaped, {}):
                found[local(prop)] = prop
        for prop, doms in self.domains.items():
            if doms & (ups - {KG + "Fact"}):
                found.setdefault(local(prop), prop)
        return found

    def range_of(self, prop: str, cls: str) -> str | None:
        """The property's rdfs:range, else what its property shape for ``cls`` requires."""
        if prop in self.ranges:
            return self.ranges[prop]
        for shaped in sorted(self.ancestors(cls)):
            hit = self.shape_paths.get(shaped, {}).get(prop)
            if hit and hit[0]:
                return hit[0]
        return None

    def single_valued(self, prop: str, cls: str) -> bool:
        if prop in self.functional:
            return True
        return any(
            self.shape_paths.get(c, {}).get(prop, (None, False))[1] for c in self.ancestors(cls)
        )

    # --- entities and concepts -------------------------------------------------

    def lookup(self, name: str) -> set[str]:
        """IRIs whose label or alt label is ``name`` (case-insensitive), or the CURIE/IRI."""
        text = name.strip()
        iri = expand(text)
        if iri is not None and (iri in self.types or iri in self.label_of):
            return {iri}
        return set(self.labels.get(text.casefold(), ()))

    def nearest_labels(self, name: str, among: Iterable[str] | None = None) -> list[str]:
        pool = sorted(
            {self.label_of[i] for i in among} if among is not None else set(self.label_of.values())
        )
        by_fold = {p.casefold(): p for p in pool}
        close = difflib.get_close_matches(name.casefold(), list(by_fold), n=3, cutoff=0.4)
        return [by_fold[c] for c in close]

    def concept(self, name: str) -> set[str]:
        return set(self.concepts.get(name.strip().casefold(), ()))


def local(iri: str) -> str:
    """The local name of an IRI: what follows its last '#' or '/'."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def expand(text: str) -> str | None:
    """A CURIE with a known prefix, or an absolute IRI in <...>, as an IRI; else None."""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    prefix, sep, rest = text.partition(":")
    if sep and prefix in NAMESPACES and " " not in rest:
        return NAMESPACES[prefix] + rest
    return None


def context_files(project: Project) -> list[Path]:
    """The RDF files the context is read from, in a stable order."""
    skip = tuple(str(project.graph_dir / f) + os.sep for f in STATEMENT_FOLDERS)
    return [
        p for p in project.rdf_files() if p.suffix in RDF_SUFFIXES and not str(p).startswith(skip)
    ]


def context_digest(project: Project) -> str:
    """A digest of the stat stamps of every input the context is read from, texts included.

    Stamps, not contents: every sheet of a build asks, so this must cost a stat per
    file, not a read; an edited or replaced file always has a new ctime or inode.
    """
    digest = hashlib.sha256()
    for path in [*context_files(project), *project.source_text_files()]:
        info = os.stat(path)
        stamp = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        digest.update(f"{project.relative(path)}\0{stamp}\n".encode())
    return digest.hexdigest()


_CACHE: dict[tuple[str, str], Context] = {}
_LOCK = threading.Lock()


def load_context(project: Project) -> Context:
    """The context of the project's current files (cached while they stay unchanged)."""
    key = (str(project.root), context_digest(project))
    with _LOCK:
        if key not in _CACHE:
            _CACHE.clear()
            _CACHE[key] = _read(project)
        return _CACHE[key]


def _read(project: Project) -> Context:
    import pyoxigraph as ox

    from kgtool.errors import parse_error

    quads: list[ox.Quad] = []
    for path in context_files(project):  # read here, not into the store: a scratch copy
        fmt = ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.N_TRIPLES
        try:
            quads += ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
        except SyntaxError as error:
            raise parse_error(error, project.relative(path)) from None
    ctx = Context()
    _index_classes(ctx, quads)
    _index_properties(ctx, quads)
    _index_labels(ctx, quads)
    _index_sources(ctx, quads, project)
    return ctx


def _named(term: object) -> bool:
    import pyoxigraph as ox

    return isinstance(term, ox.NamedNode)


def _index_classes(ctx: Context, quads: list[ox.Quad]) -> None:
    parents: dict[str, set[str]] = {}
    for q in quads:
        p, s, o = q.predicate.value, q.subject, q.object
        if p == RDFS + "subClassOf" and _named(o):
            parents.setdefault(s.value, set()).add(o.value)
        elif p == RDF + "type" and _named(s):
            ctx.types.setdefault(s.value, set()).add(o.value)
            if o.value == OWL + "Class":
                parents.setdefault(s.value, set())
    for cls in parents:
        seen, todo = {cls}, [cls]
        while todo:
            for up in parents.get(todo.pop(), ()):
                if up not in seen:
                    seen.add(up)
                    todo.append(up)
        ctx.classes[cls] = seen


def _index_properties(ctx: Context, quads: list[ox.Quad]) -> None:
    by_subject: dict[object, list[ox.Quad]] = {}
    for q in quads:
        by_subject.setdefault(q.subject, []).append(q)
        p, o = q.predicate.value, q.object
        if p == RDFS + "range" and _named(o):
            ctx.ranges[q.subject.value] = o.value
        elif p == RDFS + "domain":
            ctx.domains.setdefault(q.subject.value, set()).update(_union(by_subject, quads, o))
        elif p == RDF + "type" and o.value == OWL + "FunctionalProperty":
            ctx.functional.add(q.subject.value)
    for q in quads:
        if q.predicate.value != SH + "targetClass":
            continue
        paths = ctx.shape_paths.setdefault(q.object.value, {})
        for prop_quad in by_subject.get(q.subject, []):
            if prop_quad.predicate.value != SH + "property":
                continue
            facts = {x.predicate.value: x.object for x in by_subject.get(prop_quad.object, [])}
            path = facts.get(SH + "path")
            if path is None or not _named(path):
                continue
            want = facts.get(SH + "class") or facts.get(SH + "datatype")
            max_one = getattr(facts.get(SH + "maxCount"), "value", None) == "1"
            old = paths.get(path.value, (None, False))
            paths[path.value] = (
                old[0] or (want.value if want is not None else None),
                old[1] or max_one,
            )


def _union(by_subject: dict[object, list[ox.Quad]], quads: list[ox.Quad], node: object) -> set[str]:
    """A domain's classes: the IRI itself, or the members of an owl:unionOf list."""
    if _named(node):
        return {node.value}  # type: ignore[attr-defined]
    members: set[str] = set()
    for q in [x for x in quads if x.subject == node and x.predicate.value == OWL + "unionOf"]:
        cell = q.object
        while not _named(cell):
            cells = {x.predicate.value: x.object for x in quads if x.subject == cell}
            if RDF + "first" not in cells:
                break
            members.add(cells[RDF + "first"].value)
            cell = cells[RDF + "rest"]
    return members


def _index_labels(ctx: Context, quads: list[ox.Quad]) -> None:
    label_props = {SKOS + "prefLabel", SKOS + "altLabel", SCHEMA + "name", RDFS + "label"}
    concept = SKOS + "Concept"
    for q in quads:
        p = q.predicate.value
        if p == SKOS + "definition":
            ctx.definitions.setdefault(q.subject.value, q.object.value)
        if p == SKOS + "inScheme":
            ctx.in_scheme.setdefault(q.subject.value, set()).add(q.object.value)
        if p == KG + "cueWord":
            ctx.cues.setdefault(q.subject.value, []).append(q.object.value)
        if p == KG + "positionTitle":
            ctx.titles.setdefault(q.subject.value, set()).add(q.object.value)
        if p not in label_props or not _named(q.subject):
            continue
        iri, text = q.subject.value, q.object.value
        if concept in ctx.types.get(iri, ()):
            ctx.concepts.setdefault(text.casefold(), set()).add(iri)
            ctx.concepts.setdefault(local(iri).casefold(), set()).add(iri)
            continue
        if p == RDFS + "label" and iri in ctx.classes:
            continue  # class and property labels are not entity names
        if p == RDFS + "label" and not iri.startswith(NAMESPACES["src"]):
            continue
        ctx.labels.setdefault(text.casefold(), set()).add(iri)
        ctx.written.setdefault(text.casefold(), set()).add(text)
        if p in (SKOS + "prefLabel", SCHEMA + "name") or iri not in ctx.label_of:
            ctx.label_of[iri] = text


def _index_sources(ctx: Context, quads: list[ox.Quad], project: Project) -> None:
    doc_class = KG + "SourceDocument"
    wanted = {
        KG + "localPath": "path",
        SCHEMA + "datePublished": "published",
        SCHEMA + "author": "author",
        SCHEMA + "inLanguage": "language",
        KG + "sha256": "sha256",
    }
    found: dict[str, dict[str, str]] = {}
    for q in quads:
        key = wanted.get(q.predicate.value)
        if key and _named(q.subject):
            found.setdefault(q.subject.value, {}).setdefault(key, q.object.value)
    for iri, values in sorted(found.items()):
        if doc_class not in ctx.types.get(iri, ()) or "path" not in values:
            continue
        text, problem = _source_text(project, iri, values["path"])
        ctx.sources[iri] = SourceInfo(
            iri,
            values["path"],
            text,
            values.get("published"),
            values.get("author"),
            values.get("language"),
            problem,
            values.get("sha256"),
        )


def _source_text(project: Project, iri: str, local_path: str) -> tuple[str, InputError | None]:
    """The text as the store reads it (bytes, strict UTF-8), or why it cannot be read.

    The problem is kept, not raised: only a sheet quoting the source needs its text,
    and that sheet then fails with the real cause, not with "unknown source".
    """
    file = project.graph_dir / local_path
    if not file.exists() and not file.is_symlink():
        return "", InputError(
            f"the source file does not exist; kg:localPath of <{iri}> names it",
            path=project.relative(file),
            hint="restore the file, or correct kg:localPath",
        )
    try:
        return read_source_text(project, file), None
    except InputError as error:
        return "", error
