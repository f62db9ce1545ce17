"""A SHACL engine that runs the shapes as SPARQL on the embedded store.

pyshacl walks every focus node in Python over an rdflib copy of the graph,
which takes minutes at a million triples. Here each shape is compiled into a
few SELECT queries and pyoxigraph evaluates them on the store as it is. The
shapes are read from the store's shapes named graph, so the engine follows
whatever ``ontology/shapes.ttl`` says; a constraint component it cannot
compile is an error that names it, never a silent skip.

The queries are written for how pyoxigraph evaluates them on RocksDB. A
triple pattern joined to another is evaluated once per row of the first (an
index lookup each, tens of microseconds on a large store), while a pattern
inside a sub-select or a MINUS is evaluated once on its own and hash-joined:
for a whole graph the second is many times faster. So a full validation scans
each constrained property once, from no focus node, and only the few rows that
break a constraint are then checked against the shape's targets in Python;
checks that need every focus node (minimum counts, ``sh:hasValue``) scan the
targets and remove the nodes that conform with a MINUS; and the SHACL-SPARQL
queries are restated with their triple patterns as sub-selects (see
:func:`hash_joined`). Queries shared by several shapes run once, and the
queries run on a few threads, since pyoxigraph releases the GIL.

Validation restricted to given focus nodes (``validate(..., focus=...)``), as
incremental rebuilds need, goes the other way: it finds which shapes target
each node, then runs each shape's checks with the nodes in a ``VALUES`` block
that opens the pattern, so every lookup starts from them. The tests of all
the property shapes of a shape whose path is an IRI share two queries that
read each node's triples once. Its results are exactly those of a full
validation about the same focus nodes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from kgtool.errors import InputError, KgtoolError
from kgtool.project import NAMESPACES, SHAPES_FILE
from kgtool.validate import FileIndex, ValidationResult

if TYPE_CHECKING:
    from kgtool.store import KgStore

SH = NAMESPACES["sh"]
RDF = NAMESPACES["rdf"]
RDFS = NAMESPACES["rdfs"]
XSD = NAMESPACES["xsd"]
OWL = NAMESPACES["owl"]

#: threads evaluating checks at once (the store is read-only meanwhile, and
#: pyoxigraph releases the GIL while it evaluates)
WORKERS = max(1, min(4, os.cpu_count() or 1))

#: focus nodes per VALUES block. pyoxigraph starts a join from the VALUES block
#: only while it looks smaller than a typed pattern (estimated at 1000 rows);
#: beyond that it scans the typed pattern and compares every pair, quadratically.
BATCH = 400

#: candidate rows an unanchored check may return before it is rerun joined with
#: its targets (the rows would cost more in Python than the targets' scan)
CANDIDATES = 2000

#: parameters that select focus nodes or describe a shape, not constraints
DESCRIPTIVE = {
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "path", "message",
    "severity", "deactivated", "name", "description", "order", "group", "defaultValue",
    "property", "declare", "prefixes", "flags", "qualifiedMinCount", "qualifiedMaxCount",
    "qualifiedValueShapesDisjoint", "ignoredProperties",
}  # fmt: skip

#: value-level parameters, each checked on one value node at a time
VALUE_COMPONENTS = {
    "class": "ClassConstraintComponent",
    "datatype": "DatatypeConstraintComponent",
    "nodeKind": "NodeKindConstraintComponent",
    "in": "InConstraintComponent",
    "pattern": "PatternConstraintComponent",
    "minLength": "MinLengthConstraintComponent",
    "maxLength": "MaxLengthConstraintComponent",
    "languageIn": "LanguageInConstraintComponent",
    "minInclusive": "MinInclusiveConstraintComponent",
    "maxInclusive": "MaxInclusiveConstraintComponent",
    "minExclusive": "MinExclusiveConstraintComponent",
    "maxExclusive": "MaxExclusiveConstraintComponent",
    "not": "NotConstraintComponent",
    "or": "OrConstraintComponent",
    "and": "AndConstraintComponent",
    "xone": "XoneConstraintComponent",
    "node": "NodeConstraintComponent",
}

#: parameters that relate a focus node's values to each other or to another property
FOCUS_COMPONENTS = {
    "minCount", "maxCount", "hasValue", "lessThan", "lessThanOrEquals", "equals",
    "disjoint", "uniqueLang", "qualifiedValueShape", "sparql",
}  # fmt: skip

#: SPARQL casts that reject an ill-formed lexical form of their own datatype
CASTS = {XSD + t for t in ("decimal", "integer", "boolean", "double", "float", "dateTime")}
NUMERIC = {XSD + t for t in ("decimal", "integer", "double", "float")}

NODE_KINDS = {
    "IRI": "!isIRI({v})",
    "Literal": "!isLiteral({v})",
    "BlankNode": "!isBlank({v})",
    "BlankNodeOrIRI": "isLiteral({v})",
    "BlankNodeOrLiteral": "isIRI({v})",
    "IRIOrLiteral": "isBlank({v})",
}


class UnsupportedShape(KgtoolError):
    """The shapes use a SHACL feature this engine does not compile."""


@dataclass
class Shapes:
    """The shapes graph as a dict of subject -> predicate -> objects."""

    triples: dict[Any, dict[str, list[Any]]]
    subclasses: dict[str, list[str]] = field(default_factory=dict)

    def values(self, node: Any, name: str) -> list[Any]:
        return self.triples.get(node, {}).get(SH + name, [])

    def one(self, node: Any, name: str) -> Any:
        found = self.values(node, name)
        return found[0] if found else None

    def params(self, node: Any) -> Iterator[str]:
        for predicate in self.triples.get(node, {}):
            if predicate.startswith(SH):
                yield predicate[len(SH) :]

    def items(self, node: Any) -> list[Any]:
        """The members of an RDF list."""
        out = []
        while node is not None and not (hasattr(node, "value") and node.value == RDF + "nil"):
            out.append(self.triples[node][RDF + "first"][0])
            node = self.triples[node].get(RDF + "rest", [None])[0]
        return out


def _sparql_term(term: Any) -> str:
    """A pyoxigraph term written as SPARQL (its N-Triples form is valid SPARQL)."""
    return str(term)


def _message(shapes: Shapes, node: Any) -> str:
    messages = shapes.values(node, "message")
    for m in messages:
        if getattr(m, "language", None) in (None, "", "en"):
            return str(m.value)
    return str(messages[0].value) if messages else ""


def _flags(tests: dict[str, str]) -> str:
    """``BIND`` + ``FILTER`` giving ``?ks``: the keys of the tests that fail, space-separated.

    One row per value then says which constraints it breaks; a test that
    raises an error counts as passed, as it would in a FILTER of its own.
    """
    parts = ", ".join(f'COALESCE(IF({test}, "{k} ", ""), "")' for k, test in tests.items())
    concat = f"CONCAT({parts})" if len(tests) > 1 else parts
    return f'BIND ({concat} AS ?ks) FILTER (?ks != "")'


class Compiler:
    """Turns shapes into SPARQL text; one instance per validation run."""

    def __init__(self, shapes: Shapes, kgstore: KgStore) -> None:
        self.shapes = shapes
        self.kgstore = kgstore
        self.counter = 0

    def fresh(self) -> str:
        self.counter += 1
        return f"?_kgtool{self.counter}"

    # Paths -------------------------------------------------------------------
    def path(self, node: Any) -> tuple[str, str]:
        """(SPARQL property path, text for reports: the IRI, or the path in SPARQL)."""
        import pyoxigraph as ox

        if isinstance(node, ox.NamedNode):
            return f"<{node.value}>", node.value
        if RDF + "first" in self.shapes.triples.get(node, {}):
            parts = [self.path(p)[0] for p in self.shapes.items(node)]
            text = "(" + "/".join(parts) + ")"
            return text, text
        for name, template in (
            ("inversePath", "^{}"),
            ("zeroOrMorePath", "{}*"),
            ("oneOrMorePath", "{}+"),
            ("zeroOrOnePath", "{}?"),
        ):
            inner = self.shapes.one(node, name)
            if inner is not None:
                sub = self.path(inner)[0]
                sub = sub if sub.startswith("<") else f"({sub})"
                text = template.format(sub)
                return text, text
        alternatives = self.shapes.one(node, "alternativePath")
        if alternatives is not None:
            text = "(" + "|".join(self.path(p)[0] for p in self.shapes.items(alternatives)) + ")"
            return text, text
        raise UnsupportedShape(f"unsupported SHACL property path on {node}")

    def bounded(self, node: Any) -> bool:
        """Whether a path has no ``*``, ``+`` or ``?``: evaluated from no start node it
        then matches only what its triples join to, never every node of the graph."""
        import pyoxigraph as ox

        if isinstance(node, ox.NamedNode):
            return True
        if RDF + "first" in self.shapes.triples.get(node, {}):
            return all(self.bounded(p) for p in self.shapes.items(node))
        if any(self.shapes.one(node, n) is not None for n in
               ("zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath")):  # fmt: skip
            return False
        inverse = self.shapes.one(node, "inversePath")
        if inverse is not None:
            return self.bounded(inverse)
        alternatives = self.shapes.one(node, "alternativePath")
        return alternatives is not None and all(
            self.bounded(p) for p in self.shapes.items(alternatives)
        )

    # Classes -----------------------------------------------------------------
    def subclasses(self, iri: str) -> list[str]:
        """The class and its rdfs:subClassOf descendants in the data (cached)."""
        if iri not in self.shapes.subclasses:
            self.prefetch([iri])
        return self.shapes.subclasses[iri]

    def prefetch(self, classes: Iterable[str]) -> None:
        """Look up the subclasses of several classes in one query (one per class adds up)."""
        wanted = sorted(set(classes) - set(self.shapes.subclasses))
        if not wanted:
            return
        found: dict[str, set[str]] = {iri: {iri} for iri in wanted}
        listed = " ".join(f"<{iri}>" for iri in wanted)
        rows = self.kgstore.query(
            f"SELECT DISTINCT ?c ?super WHERE {{ VALUES ?super {{ {listed} }} "
            f"?c <{RDFS}subClassOf>* ?super }}"
        )
        for row in rows:
            if isinstance(row["c"], type(row["super"])):  # a class is an IRI
                found[row["super"].value].add(row["c"].value)
        for iri, subs in found.items():
            self.shapes.subclasses[iri] = sorted(subs)

    def instance_of(self, var: str, iri: str, *, bound: bool = False) -> str:
        """A pattern that matches when ``var`` has type ``iri`` or a subclass of it.

        ``bound``: ``var`` is bound where the pattern is used (an EXISTS); its
        types are then read once and filtered, rather than joined with a VALUES
        block, which pyoxigraph would evaluate apart and hash-join.
        """
        classes = self.subclasses(iri)
        if len(classes) == 1:
            return f"{var} <{RDF}type> <{iri}> ."
        cls = self.fresh()
        listed = " ".join(f"<{c}>" for c in classes)
        if bound:
            return f"{var} <{RDF}type> {cls} . FILTER ({cls} IN ({listed.replace(' ', ', ')}))"
        return f"VALUES {cls} {{ {listed} }} {var} <{RDF}type> {cls} ."

    # Targets -----------------------------------------------------------------
    def target_classes(self, shape: Any) -> list[str]:
        """sh:targetClass values, plus the shape itself when it is also a class."""
        import pyoxigraph as ox

        classes = [c.value for c in self.shapes.values(shape, "targetClass")]
        types = self.shapes.triples.get(shape, {}).get(RDF + "type", [])
        if isinstance(shape, ox.NamedNode) and any(
            t.value in (RDFS + "Class", OWL + "Class") for t in types
        ):
            classes.append(shape.value)
        return classes

    def targets(self, shape: Any) -> str | None:
        """A group pattern binding ?this to every focus node of the shape, or None.

        A node may match more than once (two of its types are targeted); the
        results are made distinct at the end rather than every target scan.
        """
        groups = []
        classes = sorted({c for t in self.target_classes(shape) for c in self.subclasses(t)})
        if len(classes) == 1:
            groups.append(f"{{ ?this <{RDF}type> <{classes[0]}> . }}")
        elif classes:
            cls = self.fresh()
            listed = " ".join(f"<{c}>" for c in classes)
            groups.append(f"{{ VALUES {cls} {{ {listed} }} ?this <{RDF}type> {cls} . }}")
        nodes = self.shapes.values(shape, "targetNode")
        if nodes:
            groups.append(f"{{ VALUES ?this {{ {' '.join(map(_sparql_term, nodes))} }} }}")
        groups += [
            f"{{ ?this <{p.value}> [] }}" for p in self.shapes.values(shape, "targetSubjectsOf")
        ]
        groups += [
            f"{{ [] <{p.value}> ?this }}" for p in self.shapes.values(shape, "targetObjectsOf")
        ]
        if self.shapes.values(shape, "target"):
            raise UnsupportedShape(f"sh:target (SPARQL-based targets) on {shape} is not supported")
        if not groups:
            return None
        return groups[0] if len(groups) == 1 else "{ " + " UNION ".join(groups) + " }"

    def target_sets(self, shape: Any) -> Targets:
        """The shape's targets in a form that tests single nodes (see :class:`Targets`)."""
        classes = frozenset(c for t in self.target_classes(shape) for c in self.subclasses(t))
        return Targets(
            classes,
            frozenset(self.shapes.values(shape, "targetNode")),
            tuple(self.shapes.values(shape, "targetSubjectsOf")),
            tuple(self.shapes.values(shape, "targetObjectsOf")),
        )

    # Value constraints -------------------------------------------------------
    def value_violation(self, shape: Any, name: str, param: Any, var: str) -> str:
        """A SPARQL expression true when value ``var`` breaks one value-level parameter."""
        sh = self.shapes
        if name == "class":
            return f"NOT EXISTS {{ {self.instance_of(var, param.value, bound=True)} }}"
        if name == "datatype":
            test = f"(!isLiteral({var}) || DATATYPE({var}) != <{param.value}>"
            if param.value in CASTS:
                # an ill-formed lexical form keeps the datatype but fails the cast;
                # a valid number never does, and isNumeric() needs no string
                cast = f'DATATYPE(COALESCE(<{param.value}>(STR({var})), "")) != <{param.value}>'
                if param.value in NUMERIC:
                    cast = f"(!isNumeric({var}) && {cast})"
                test += f" || {cast}"
            return test + ")"
        if name == "nodeKind":
            kind = param.value.removeprefix(SH)
            if kind not in NODE_KINDS:
                raise UnsupportedShape(f"unknown sh:nodeKind {param.value} on {shape}")
            return NODE_KINDS[kind].format(v=var)
        if name == "in":
            members = " || ".join(f"sameTerm({var}, {_sparql_term(t)})" for t in sh.items(param))
            return f"!({members or 'false'})"
        if name == "pattern":
            flags = sh.one(shape, "flags")
            flag_arg = f", {_sparql_term(flags)}" if flags is not None else ""
            literal = '"' + param.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            return f"(isBlank({var}) || !REGEX(STR({var}), {literal}{flag_arg}))"
        if name in ("minLength", "maxLength"):
            op = "<" if name == "minLength" else ">"
            return f"(isBlank({var}) || STRLEN(STR({var})) {op} {int(param.value)})"
        if name == "languageIn":
            tags = " || ".join(
                f"langMatches(LANG({var}), {_sparql_term(t)})" for t in sh.items(param)
            )
            return f"(!isLiteral({var}) || !({tags or 'false'}))"
        if name in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            op = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">",
                  "maxExclusive": "<"}[name]  # fmt: skip
            return f"!COALESCE({var} {op} {_sparql_term(param)}, false)"
        if name == "not":
            return f"!({self.shape_violation(param, var)})"
        if name == "node":
            return self.shape_violation(param, var)
        if name in ("or", "and", "xone"):
            members = [self.shape_violation(s, var) for s in sh.items(param)]
            if not members:
                return "false" if name == "and" else "true"
            if name == "or":
                return "(" + " && ".join(f"({m})" for m in members) + ")"
            if name == "and":
                return "(" + " || ".join(f"({m})" for m in members) + ")"
            return "(" + " + ".join(f"IF({m}, 0, 1)" for m in members) + ") != 1"
        if name == "hasValue":
            return f"!sameTerm({var}, {_sparql_term(param)})"
        raise UnsupportedShape(f"sh:{name} on {shape} is not supported")

    def shape_violation(self, shape: Any, var: str, skip: Collection[str] = ()) -> str:
        """An expression true when ``var`` does not conform to a (value-level) shape
        (the parameters in ``skip`` left out)."""
        parts = []
        for name in sorted(set(self.shapes.params(shape))):
            if name in DESCRIPTIVE - {"property"} or name in skip:
                continue
            if name in VALUE_COMPONENTS or name == "hasValue":
                for param in self.shapes.values(shape, name):
                    parts.append(self.value_violation(shape, name, param, var))
            else:
                raise UnsupportedShape(
                    f"sh:{name} inside sh:not/sh:or/sh:and/sh:xone/sh:node/"
                    f"sh:qualifiedValueShape ({shape}) is not supported"
                )
        return "(" + " || ".join(parts) + ")" if parts else "false"


@dataclass(frozen=True)
class Targets:
    """A shape's targets as sets, to test given nodes one by one in Python.

    Used for the few candidate rows of a check and for the focus nodes of a
    restricted validation: a handful of index lookups per node instead of a
    scan of every target.
    """

    classes: frozenset[str]
    nodes: frozenset[Any]
    subjects_of: tuple[Any, ...]
    objects_of: tuple[Any, ...]


class NodeFacts:
    """What target membership needs to know about nodes, looked up once per node."""

    def __init__(self, kgstore: KgStore) -> None:
        import pyoxigraph as ox

        self.store = kgstore.store
        self.type = ox.NamedNode(RDF + "type")
        self.literal = ox.Literal
        self.default = ox.DefaultGraph
        self.types: dict[Any, frozenset[str]] = {}
        self.edges: dict[tuple[Any, Any, bool], bool] = {}
        self._index: dict[str, dict[Any, list[int]]] | None = None

    def _types(self, node: Any) -> frozenset[str]:
        if node not in self.types:
            quads = self.store.quads_for_pattern(node, self.type, None)
            self.types[node] = frozenset(
                q.object.value for q in quads if not isinstance(q.graph_name, self.default)
            )
        return self.types[node]

    def _edge(self, node: Any, predicate: Any, as_subject: bool) -> bool:
        key = (node, predicate, as_subject)
        if key not in self.edges:
            if as_subject:
                quads = self.store.quads_for_pattern(node, predicate, None)
            else:
                quads = self.store.quads_for_pattern(None, predicate, node)
            self.edges[key] = any(not isinstance(q.graph_name, self.default) for q in quads)
        return self.edges[key]

    def targeting(self, plans: list[ShapePlan], node: Any) -> list[int]:
        """The indexes of the plans whose shape targets ``node``."""
        index = self.index(plans)
        found = set(index["nodes"].get(node, ()))
        for predicate, shapes in index["objects_of"].items():
            if self._edge(node, predicate, False):
                found.update(shapes)
        if isinstance(node, self.literal):
            return sorted(found)  # only targetNode and targetObjectsOf reach literals
        for cls in self._types(node):
            found.update(index["classes"].get(cls, ()))
        for predicate, shapes in index["subjects_of"].items():
            if self._edge(node, predicate, True):
                found.update(shapes)
        return sorted(found)

    def index(self, plans: list[ShapePlan]) -> dict[str, dict[Any, list[int]]]:
        """Plans by target class, node and predicate (built once per run)."""
        if self._index is None:
            self._index = {"classes": {}, "nodes": {}, "subjects_of": {}, "objects_of": {}}
            for i, plan in enumerate(plans):
                for kind, keys in (
                    ("classes", plan.targets.classes),
                    ("nodes", plan.targets.nodes),
                    ("subjects_of", plan.targets.subjects_of),
                    ("objects_of", plan.targets.objects_of),
                ):
                    for key in keys:
                        self._index[kind].setdefault(key, []).append(i)
        return self._index

    def targeted(self, targets: Targets, node: Any) -> bool:
        """Whether ``node`` is a focus node of a shape with these targets."""
        if node in targets.nodes:
            return True
        if any(self._edge(node, p, False) for p in targets.objects_of):
            return True
        if isinstance(node, self.literal):
            return False  # only targetNode and targetObjectsOf reach literals
        if targets.classes and not targets.classes.isdisjoint(self._types(node)):
            return True
        return any(self._edge(node, p, True) for p in targets.subjects_of)


@dataclass(frozen=True)
class Outcome:
    """What one failing test of a check reports."""

    component: str
    path: str
    message: str
    severity: str


@dataclass
class Check:
    """One compiled check: a query for the whole graph and one for given focus nodes.

    ``full`` is the query of a full validation: when ``anchored`` it joins the
    shape's targets and its rows are results; otherwise its rows are candidates
    whose ``?this`` must still be a target (tested in Python, or with
    ``joined`` when there are many). ``restricted`` is a query split where a
    ``VALUES ?this`` block goes. Either may be None when the other form covers
    the check. A row's ``?ks`` lists the keys of ``outcomes`` it breaks;
    without ``?ks`` it breaks ``key``.
    """

    shape: Any
    full: str | None
    restricted: tuple[str, str] | None
    outcomes: dict[str, Outcome]
    key: str = ""
    anchored: bool = False
    joined: str | None = None
    constraint: Any = None  # the SHACL-SPARQL constraint node, for those checks


@dataclass
class ShapePlan:
    """The checks of one shape with targets, and its targets in both forms."""

    shape: Any
    pattern: str
    targets: Targets
    checks: list[Check]


def _severity(shapes: Shapes, shape: Any) -> str:
    severity = shapes.one(shape, "severity")
    return severity.value.removeprefix(SH) if severity is not None else "Violation"


def _deactivated(shapes: Shapes, node: Any) -> bool:
    flag = shapes.one(node, "deactivated")
    return flag is not None and flag.value == "true"


def compile_checks(compiler: Compiler, top: Any, focus: str) -> list[Check]:
    """Every check of one shape with targets (a node shape, or a property shape)."""
    sh = compiler.shapes
    checks: list[Check] = []
    lookups = _Lookups()
    if sh.one(top, "path") is not None:
        property_shapes, node_level = [top], None
    else:
        property_shapes, node_level = sh.values(top, "property"), top
    if node_level is not None:
        checks += _compile_one(compiler, node_level, focus, None, top, lookups, "n")
    for index, prop in enumerate(property_shapes):
        if _deactivated(sh, prop):
            continue
        path = sh.one(prop, "path")
        checks += _compile_one(compiler, prop, focus, path, top, lookups, str(index))
    return checks + lookups.checks(top)


@dataclass
class _Lookups:
    """The restricted tests of one shape that read its focus nodes' own triples.

    A node's outgoing triples come with one index scan. Reading them once per
    shape, for every property shape whose path is a plain IRI, instead of
    once per constraint, is most of what makes restricted validation cheap:
    one query tests their values, one counts them.
    """

    predicates: set[str] = field(default_factory=set)
    value_tests: dict[str, str] = field(default_factory=dict)  # key -> test of ?_p ?value
    binds: list[str] = field(default_factory=list)  # one per count, on each triple
    aggregates: list[str] = field(default_factory=list)
    count_tests: dict[str, str] = field(default_factory=dict)  # key -> test of the counts
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def count(self, expression: str, distinct: bool = True) -> str:
        """A per-node count of the triples for which ``expression`` is bound (no error)."""
        n = len(self.aggregates)
        self.binds.append(f"BIND ({expression} AS ?_a{n})")
        self.aggregates.append(f"(COUNT({'DISTINCT ' if distinct else ''}?_a{n}) AS ?_c{n})")
        return f"?_c{n}"

    def checks(self, top: Any) -> list[Check]:
        found = []
        if self.value_tests:
            predicates = ", ".join(sorted(self.predicates))
            query = (
                "SELECT DISTINCT ?this ?value ?ks WHERE { {VALUES} ?this ?_p ?value . "
                f"FILTER (?_p IN ({predicates})) {_flags(self.value_tests)} }}"
            )
            found.append(Check(top, None, _split(query), self.outcomes))
        if self.count_tests:
            query = (
                f"SELECT ?this ?ks WHERE {{ {{ SELECT ?this {' '.join(self.aggregates)} "
                "WHERE { {VALUES} OPTIONAL { ?this ?_p ?value "
                f"{' '.join(self.binds)} }} }} GROUP BY ?this }} {_flags(self.count_tests)} }}"
            )
            found.append(Check(top, None, _split(query), self.outcomes))
        return found


@dataclass
class _Context:
    """What the checks of one (node or property) shape share while compiled."""

    compiler: Compiler
    shape: Any
    top: Any
    focus: str  # the targets as a group pattern binding ?this
    path: str  # SPARQL property path, "" at node level
    path_text: str
    message: str
    severity: str
    unanchored: bool  # whether checks may scan the path from no start node
    lookups: _Lookups | None  # where restricted tests go when the path is an IRI
    prefix: str  # makes the keys of outcomes unique within the top shape

    def outcome(self, component: str, message: str | None = None) -> Outcome:
        return Outcome(SH + component, self.path_text, message or self.message, self.severity)

    def key(self, n: int | str) -> str:
        return f"{self.prefix}.{n}"

    def check(
        self,
        full: str | None,
        restricted: str | None,
        outcomes: dict[str, Outcome],
        *,
        anchored: bool = False,
        joined: str | None = None,
        key: str = "",
    ) -> Check:
        """A Check; ``restricted`` is written with ``{VALUES}`` where the block goes."""
        split = _split(restricted) if restricted is not None else None
        return Check(self.top, full, split, outcomes, key, anchored, joined)

    def positive(
        self,
        select: str,
        where: str,
        tail: str,
        outcomes: dict[str, Outcome],
        key: str = "",
        lookup: str | None = None,
    ) -> Check:
        """A check whose rows are violations of the focus nodes they name.

        ``where`` binds ?this through the path; the full query runs it from no
        start node when the path allows (rows are then candidates), else from
        the targets. ``lookup``, if given, says the same as ``where`` in a form
        that starts from ?this, for the restricted query.
        """
        restricted = f"SELECT {select} WHERE {{ {{VALUES}} {lookup or where} }} {tail}"
        if not self.unanchored:
            full = f"SELECT {select} WHERE {{ {self.focus} {lookup or where} }} {tail}"
            return self.check(full, restricted, outcomes, anchored=True, key=key)
        full = f"SELECT {select} WHERE {{ {where} }} {tail}"
        joined = (
            f"SELECT {select} WHERE {{ {self.focus} {{ SELECT {select} WHERE {{ {where} }} "
            f"{tail} }} }}"
        )
        return self.check(full, restricted, outcomes, joined=joined, key=key)


def _split(restricted: str) -> tuple[str, str]:
    """A restricted query cut where its ``{VALUES}`` placeholder is."""
    before, after = restricted.split("{VALUES}", 1)
    return before, after


def _compile_one(compiler: Compiler, shape: Any, focus: str, path_node: Any, top: Any,
                 lookups: _Lookups, prefix: str) -> list[Check]:  # fmt: skip
    import pyoxigraph as ox

    sh = compiler.shapes
    names = sorted(set(sh.params(shape)))
    for name in names:
        if name in DESCRIPTIVE or name in VALUE_COMPONENTS or name in FOCUS_COMPONENTS:
            continue
        raise UnsupportedShape(f"the SHACL constraint sh:{name} (on {shape}) is not supported")
    if path_node is None and sh.values(shape, "property") and sh.one(shape, "path") is not None:
        raise UnsupportedShape(f"sh:property nested in the property shape {shape} is not supported")
    path, path_text = compiler.path(path_node) if path_node is not None else ("", "")
    only_nodes = not compiler.target_classes(top) and not any(
        sh.values(top, t) for t in ("targetSubjectsOf", "targetObjectsOf")
    )
    ctx = _Context(
        compiler, shape, top, focus, path, path_text,
        _message(sh, shape) or _message(sh, top), _severity(sh, shape),
        path_node is not None and compiler.bounded(path_node) and not only_nodes,
        lookups if isinstance(path_node, ox.NamedNode) else None, prefix,
    )  # fmt: skip
    checks: list[Check] = []
    if path_node is None:
        checks += _node_level(ctx, names)
    else:
        checks += _values(ctx, names)
        checks += _has_values(ctx)
        checks += _counts(ctx)
        checks += _qualified(ctx)
        checks += _pairs(ctx)
    for constraint in sh.values(shape, "sparql"):
        if not _deactivated(sh, constraint):
            checks.append(_sparql_constraint(ctx, constraint))
    return checks


def _node_level(ctx: _Context, names: list[str]) -> list[Check]:
    """Value constraints and sh:hasValue of a node shape, tested on the focus node itself."""
    sh, tests, outcomes = ctx.compiler.shapes, {}, {}
    for name in names:
        if name not in VALUE_COMPONENTS and name != "hasValue":
            continue
        component = VALUE_COMPONENTS.get(name, "HasValueConstraintComponent")
        for param in sh.values(ctx.shape, name):
            k = ctx.key(len(tests))
            tests[k] = ctx.compiler.value_violation(ctx.shape, name, param, "?value")
            outcomes[k] = ctx.outcome(component)
    if not tests:
        return []
    where = f"BIND (?this AS ?value) {_flags(tests)}"
    full = f"SELECT ?this ?value ?ks WHERE {{ {ctx.focus} {where} }}"
    restricted = f"SELECT ?this ?value ?ks WHERE {{ {{VALUES}} {where} }}"
    return [ctx.check(full, restricted, outcomes, anchored=True)]


def _values(ctx: _Context, names: list[str]) -> list[Check]:
    """All value-level constraints of a property shape.

    Restricted to given nodes, one query tests every value. On the whole graph
    an sh:class test per value would be one lookup each, so each sh:class gets
    its own query that removes the instances of the class with a MINUS.
    """
    compiler, sh = ctx.compiler, ctx.compiler.shapes
    tests, outcomes, classes = {}, {}, []
    for name in names:
        if name not in VALUE_COMPONENTS:
            continue
        for param in sh.values(ctx.shape, name):
            k = ctx.key(len(tests))
            tests[k] = compiler.value_violation(ctx.shape, name, param, "?value")
            outcomes[k] = ctx.outcome(VALUE_COMPONENTS[name])
            if name == "class" and ctx.unanchored:
                classes.append((k, param.value))
    if not tests:
        return []
    values = f"?this {ctx.path} ?value ."
    select = "DISTINCT ?this ?value ?ks"
    restricted: str | None = f"SELECT {select} WHERE {{ {{VALUES}} {values} {_flags(tests)} }}"
    if ctx.lookups is not None:
        ctx.lookups.predicates.add(ctx.path)
        ctx.lookups.outcomes.update(outcomes)
        for k, test in tests.items():
            ctx.lookups.value_tests[k] = f"sameTerm(?_p, {ctx.path}) && {test}"
        restricted = None
    by_class = {k for k, _ in classes}
    rest = {k: test for k, test in tests.items() if k not in by_class}
    checks = []
    if rest:
        check = ctx.positive(select, f"{values} {_flags(rest)}", "", outcomes)
        check.restricted = _split(restricted) if restricted is not None else None
        checks.append(check)
    elif restricted is not None:
        checks.append(ctx.check(None, restricted, outcomes))
    for k, iri in classes:
        where = f"{values} MINUS {{ {compiler.instance_of('?value', iri)} }}"
        check = ctx.positive("DISTINCT ?this ?value", where, "", outcomes, key=k)
        check.restricted = None
        checks.append(check)
    return checks


def _has_values(ctx: _Context) -> list[Check]:
    """sh:hasValue on a path: the focus nodes without the value."""
    checks = []
    for index, value in enumerate(ctx.compiler.shapes.values(ctx.shape, "hasValue")):
        term = _sparql_term(value)
        outcome = ctx.outcome("HasValueConstraintComponent")
        has = f"{{ ?this {ctx.path} {term} }}"
        restricted: str | None = f"SELECT ?this WHERE {{ {{VALUES}} FILTER NOT EXISTS {has} }}"
        if ctx.lookups is not None:
            key = ctx.key(f"h{index}")
            found = ctx.lookups.count(
                f"IF(sameTerm(?_p, {ctx.path}) && sameTerm(?value, {term}), 1, ?_none)", False
            )
            ctx.lookups.count_tests[key] = f"{found} = 0"
            ctx.lookups.outcomes[key] = outcome
            restricted = None
        if ctx.unanchored:
            full = f"SELECT ?this WHERE {{ {ctx.focus} MINUS {has} }}"
        else:
            full = f"SELECT ?this WHERE {{ {ctx.focus} FILTER NOT EXISTS {has} }}"
        checks.append(ctx.check(full, restricted, {"": outcome}, anchored=True))
    return checks


def _at_least(ctx: _Context, n: int, where: str, component: str,
              lookup: str | None = None) -> Check:  # fmt: skip
    """The focus nodes with fewer than ``n`` distinct ``?value`` matching ``where``
    (``lookup``: the same from a bound ?this)."""
    outcomes = {"": ctx.outcome(component)}
    lookup = lookup or where
    restricted = (
        f"SELECT ?this WHERE {{ {{VALUES}} OPTIONAL {{ {lookup} }} }} "
        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
    )
    if ctx.unanchored and n == 1:
        full = f"SELECT ?this WHERE {{ {ctx.focus} MINUS {{ {where} }} }}"
    elif n == 1:
        full = f"SELECT ?this WHERE {{ {ctx.focus} FILTER NOT EXISTS {{ {lookup} }} }}"
    elif ctx.unanchored:
        full = (
            f"SELECT ?this WHERE {{ {ctx.focus} MINUS {{ SELECT ?this WHERE {{ {where} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) >= {n}) }} }}"
        )
    else:
        full = (
            f"SELECT ?this WHERE {{ {ctx.focus} OPTIONAL {{ {lookup} }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
        )
    check = ctx.check(full, restricted, outcomes, anchored=True)
    if ctx.lookups is not None:
        check.restricted = None
    return check


def _at_most(ctx: _Context, n: int, where: str, component: str,
             lookup: str | None = None) -> Check:  # fmt: skip
    """The focus nodes with more than ``n`` distinct ``?value`` matching ``where``."""
    outcomes = {"": ctx.outcome(component)}
    tail = f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})"
    check = ctx.positive("?this", where, tail, outcomes, lookup=lookup)
    if ctx.lookups is not None:
        check.restricted = None
    return check


def _counted(ctx: _Context, count: str, low: Any, high: Any, components: tuple[str, str],
             tag: str) -> None:  # fmt: skip
    """Register the restricted tests of a pair of bounds on one per-node count."""
    assert ctx.lookups is not None
    for bound, op, component, suffix in ((low, "<", components[0], "min"),
                                         (high, ">", components[1], "max")):  # fmt: skip
        if bound is not None and (op == ">" or int(bound.value) > 0):
            key = ctx.key(f"{tag}{suffix}")
            ctx.lookups.count_tests[key] = f"{count} {op} {int(bound.value)}"
            ctx.lookups.outcomes[key] = ctx.outcome(component)


def _counts(ctx: _Context) -> list[Check]:
    """sh:minCount and sh:maxCount."""
    sh, checks = ctx.compiler.shapes, []
    where = f"?this {ctx.path} ?value ."
    low, high = sh.one(ctx.shape, "minCount"), sh.one(ctx.shape, "maxCount")
    if low is not None and int(low.value) > 0:
        checks.append(_at_least(ctx, int(low.value), where, "MinCountConstraintComponent"))
    if high is not None:
        checks.append(_at_most(ctx, int(high.value), where, "MaxCountConstraintComponent"))
    if ctx.lookups is not None and checks:
        count = ctx.lookups.count(f"IF(sameTerm(?_p, {ctx.path}), ?value, ?_none)")
        components = ("MinCountConstraintComponent", "MaxCountConstraintComponent")
        _counted(ctx, count, low, high, components, "c")
    return checks


def _conforming(ctx: _Context, qualified: Any) -> tuple[str, str]:
    """Patterns binding ?this and each ?value that conforms to a qualified value shape:
    (for the whole graph, from a bound ?this).

    From a bound ?this each value is tested in a FILTER. On the whole graph
    the sh:class tests of the shape become joins with the class's instances
    instead, evaluated once and hash-joined rather than looked up per value.
    """
    compiler = ctx.compiler
    bad = compiler.shape_violation(qualified, "?value")
    lookup = f"?this {ctx.path} ?value FILTER (!{bad})"
    classes = [c.value for c in compiler.shapes.values(qualified, "class")]
    if not ctx.unanchored or not classes:
        return lookup, lookup
    rest = compiler.shape_violation(qualified, "?value", skip={"class"})
    values = f"?this {ctx.path} ?value" + (f" FILTER (!{rest})" if rest != "false" else "")
    joins = " ".join(
        f"{{ SELECT ?value WHERE {{ {compiler.instance_of('?value', c)} }} }}" for c in classes
    )
    return f"{{ SELECT ?this ?value WHERE {{ {values} }} }} {joins}", lookup


def _qualified(ctx: _Context) -> list[Check]:
    """sh:qualifiedMinCount / sh:qualifiedMaxCount over the values that conform."""
    sh, checks = ctx.compiler.shapes, []
    qualified = sh.one(ctx.shape, "qualifiedValueShape")
    if qualified is None:
        return []
    disjoint = sh.one(ctx.shape, "qualifiedValueShapesDisjoint")
    if disjoint is not None and disjoint.value == "true":
        raise UnsupportedShape(f"sh:qualifiedValueShapesDisjoint on {ctx.shape} is not supported")
    where, lookup = _conforming(ctx, qualified)
    low, high = sh.one(ctx.shape, "qualifiedMinCount"), sh.one(ctx.shape, "qualifiedMaxCount")
    components = ("QualifiedMinCountConstraintComponent", "QualifiedMaxCountConstraintComponent")
    if low is not None and int(low.value) > 0:
        checks.append(_at_least(ctx, int(low.value), where, components[0], lookup))
    if high is not None:
        checks.append(_at_most(ctx, int(high.value), where, components[1], lookup))
    if ctx.lookups is not None and checks:
        bad = ctx.compiler.shape_violation(qualified, "?value")
        count = ctx.lookups.count(f"IF(sameTerm(?_p, {ctx.path}) && !{bad}, ?value, ?_none)")
        _counted(ctx, count, low, high, components, "q")
    return checks


def _pairs(ctx: _Context) -> list[Check]:
    """Constraints that compare a focus node's values with each other or another property."""
    sh, path, checks = ctx.compiler.shapes, ctx.path, []
    for name, component, test in (
        ("lessThan", "LessThanConstraintComponent", "!COALESCE(?value < ?other, false)"),
        ("lessThanOrEquals", "LessThanOrEqualsConstraintComponent",
         "!COALESCE(?value <= ?other, false)"),
    ):  # fmt: skip
        for other in sh.values(ctx.shape, name):
            where = f"?this {path} ?value . ?this <{other.value}> ?other . FILTER ({test})"
            checks.append(ctx.positive("DISTINCT ?this ?value", where, "",
                                       {"": ctx.outcome(component)}))  # fmt: skip
    for other in sh.values(ctx.shape, "disjoint"):
        where = f"?this {path} ?value . ?this <{other.value}> ?value ."
        outcomes = {"": ctx.outcome("DisjointConstraintComponent")}
        checks.append(ctx.positive("DISTINCT ?this ?value", where, "", outcomes))
    for other in sh.values(ctx.shape, "equals"):
        where = (
            f"{{ ?this {path} ?value FILTER NOT EXISTS {{ ?this <{other.value}> ?value }} }} "
            f"UNION {{ ?this <{other.value}> ?value FILTER NOT EXISTS {{ ?this {path} ?value }} }}"
        )
        outcomes = {"": ctx.outcome("EqualsConstraintComponent")}
        checks.append(ctx.positive("DISTINCT ?this ?value", where, "", outcomes))
    unique = sh.one(ctx.shape, "uniqueLang")
    if unique is not None and unique.value == "true":
        where = (
            f"?this {path} ?a , ?b . "
            f'FILTER (!sameTerm(?a, ?b) && LANG(?a) != "" && LANG(?a) = LANG(?b))'
        )
        outcomes = {"": ctx.outcome("UniqueLangConstraintComponent")}
        checks.append(ctx.positive("DISTINCT ?this", where, "", outcomes))
    return checks


def _prefix_header(sh: Shapes, constraint: Any) -> str:
    lines = []
    for ontology in sh.values(constraint, "prefixes"):
        for declaration in sh.values(ontology, "declare"):
            prefix, namespace = sh.one(declaration, "prefix"), sh.one(declaration, "namespace")
            lines.append(f"PREFIX {prefix.value}: <{namespace.value}>")
    return "\n".join(sorted(set(lines))) + "\n"


def _split_select(text: str, constraint: Any) -> tuple[str, str, int, int]:
    """(prologue, select query, offsets of the ``{`` and ``}`` of its WHERE group).

    The prologue (PREFIX / BASE lines) must move to the top when the query
    becomes a sub-select; the WHERE group is where pre-bound focus nodes go.
    """
    from kgtool.sparql_text import tokens, where_group

    toks = list(tokens(text))
    start = next((t.start for t in toks if t.is_word("SELECT")), None)
    if start is None or any(t.is_word("CONSTRUCT", "ASK", "DESCRIBE") for t in toks):
        raise UnsupportedShape(f"the sh:select of {constraint} is not a SELECT query")
    body = text[start:]
    group = where_group(body)
    if group is None:
        raise UnsupportedShape(f"the sh:select of {constraint} has no WHERE group")
    projection = []
    for token in tokens(body):
        if token.text == "{" or token.is_word("WHERE", "FROM"):
            break
        projection.append(token)
    if not any(t.text in ("*", "?this", "$this") for t in projection):
        raise UnsupportedShape(f"the SHACL-SPARQL constraint {constraint} does not select $this")
    return text[:start], body, group[0], group[1]


def _sparql_constraint(ctx: _Context, constraint: Any) -> Check:
    """A SHACL-SPARQL constraint: its query, with $this pre-bound when restricted.

    Its rows name their focus node, so it runs once on the whole graph and
    the rows of nodes outside the shape's targets are dropped.
    """
    from kgtool.sparql_text import tokens

    sh = ctx.compiler.shapes
    select = sh.one(constraint, "select")
    if select is None:
        raise UnsupportedShape(f"the SHACL-SPARQL constraint {constraint} has no sh:select")
    text = select.value
    for variable in ("currentShape", "shapesGraph"):
        if re.search(r"\$" + variable + r"\b", text):
            raise UnsupportedShape(f"${variable} in {constraint} is not supported")
    if re.search(r"\$PATH\b", text):
        if not ctx.path:
            raise UnsupportedShape(f"$PATH in {constraint} needs a property shape")
        text = re.sub(r"\$PATH\b", ctx.path, text)
    text = re.sub(r"\$this\b", "?this", text)
    header = _prefix_header(sh, constraint)
    prologue, body, open_at, close_at = _split_select(text, constraint)
    header += prologue
    inner = body[open_at + 1 : close_at]
    first = next(tokens(inner), None)
    if first is not None and first.is_word("SELECT"):  # VALUES may not precede a sub-select
        inner = f"{{ {inner} }}"
    restricted = (header + body[: open_at + 1] + " ", f" {inner}{body[close_at:]}")
    outcomes = {
        "": Outcome(SH + "SPARQLConstraintComponent", ctx.path_text,
                    _message(sh, constraint) or ctx.message, ctx.severity)
    }  # fmt: skip
    body = hash_joined(body) or body
    joined = f"{header}SELECT * WHERE {{ {ctx.focus} {{ {body} }} }}"
    return Check(ctx.top, header + body, restricted, outcomes, "", False, joined, constraint)


# Rewriting SHACL-SPARQL for the whole graph ------------------------------------
#
# pyoxigraph joins the triple patterns of a group one row at a time, an index
# lookup per pattern and row, and evaluates FILTER NOT EXISTS once per row: on
# a large store that costs tens of microseconds a row. A sub-select or a MINUS
# is evaluated once and hash-joined instead, which over the whole graph is
# several times faster. hash_joined() rewrites the top-level group of a
# constraint's query that way. It only restates the query: each triple pattern
# of the group, or of a group of triples nested in it, becomes a sub-select of
# that one pattern (a group's triples are joined in any order, and SELECT *
# keeps their variables), and a FILTER NOT EXISTS
# over plain triples that share a variable bound in every solution of the group
# becomes a MINUS at the group's end (the two then remove the same solutions).
# Syntax it does not follow leaves the query as written.


class _Unhandled(Exception):
    """Query syntax the rewrite leaves alone."""


def _is_a(token: Any) -> bool:
    """Whether a token is the keyword ``a`` (rdf:type), which is case-sensitive."""
    return bool(token.kind == "word" and token.text == "a")


@dataclass
class _Triple:
    text: str
    variables: set[str]
    wrap: bool  # a plain pattern worth evaluating on its own


class _Rewriter:
    """Splits a group of a SPARQL query into its elements (see hash_joined)."""

    def __init__(self, text: str, toks: list[Any]) -> None:
        self.text = text
        self.toks = toks

    def src(self, first: int, last: int) -> str:
        return self.text[self.toks[first].start : self.toks[last].end]

    def at(self, i: int, *texts: str) -> bool:
        return i < len(self.toks) and self.toks[i].kind == "punct" and self.toks[i].text in texts

    def closing(self, i: int) -> int:
        """The index of the bracket closing the one at ``i``."""
        pairs = {"(": ")", "{": "}", "[": "]"}
        if not self.at(i, *pairs):
            raise _Unhandled
        opener, closer, depth = self.toks[i].text, pairs[self.toks[i].text], 0
        for j in range(i, len(self.toks)):
            if self.at(j, opener):
                depth += 1
            elif self.at(j, closer):
                depth -= 1
                if depth == 0:
                    return j
        raise _Unhandled

    def term(self, i: int) -> int:
        """The index after an RDF term (no collections, no blank node labels or lists)."""
        toks, t = self.toks, self.toks[i]
        if t.kind in ("var", "iri", "pname", "number") or t.is_word("TRUE", "FALSE"):
            return i + 1
        if t.kind == "string":
            if self.at(i + 1, "@") and i + 2 < len(toks) and toks[i + 2].kind == "word":
                return i + 3
            if self.at(i + 1, "^") and self.at(i + 2, "^"):
                if i + 3 < len(toks) and toks[i + 3].kind in ("iri", "pname"):
                    return i + 4
                raise _Unhandled
            return i + 1
        if self.at(i, "[") and self.at(i + 1, "]"):
            return i + 2
        if self.at(i, "+", "-") and i + 1 < len(toks) and toks[i + 1].kind == "number":
            return i + 2
        raise _Unhandled

    def path(self, i: int) -> int:
        """The index after a property path (alternatives of sequences of elements)."""
        i = self.sequence(i)
        while self.at(i, "|"):
            i = self.sequence(i + 1)
        return i

    def sequence(self, i: int) -> int:
        i = self.element(i)
        while self.at(i, "/"):
            i = self.element(i + 1)
        return i

    def element(self, i: int) -> int:
        if self.at(i, "^"):
            i += 1
        if i >= len(self.toks):
            raise _Unhandled
        t = self.toks[i]
        if t.kind in ("iri", "pname") or _is_a(t):
            i += 1
        elif self.at(i, "("):
            end = self.closing(i)
            if self.path(i + 1) != end:
                raise _Unhandled
            i = end + 1
        else:
            raise _Unhandled  # negated property sets and the like
        return i + 1 if self.at(i, "*", "+", "?") else i

    def triples(self, i: int, out: list[_Triple]) -> int:
        """Parse ``subject predicate-object-list`` from ``i``; the index after it."""
        subject_end = self.term(i)
        subject = self.src(i, subject_end - 1)
        j = subject_end
        while True:
            if self.toks[j].kind == "var":
                verb_end, constant = j + 1, False
            else:
                verb_end = self.path(j)
                constant = verb_end == j + 1
            verb = self.src(j, verb_end - 1)
            typed = _is_a(self.toks[j]) or verb == f"<{RDF}type>"
            k = verb_end
            while True:
                object_end = self.term(k)
                spans = self.toks[i:subject_end] + self.toks[j:verb_end]
                found = {t.text[1:] for t in spans + self.toks[k:object_end] if t.kind == "var"}
                obj = self.src(k, object_end - 1)
                plain = constant and not (typed and self.toks[k].kind == "var")
                out.append(_Triple(f"{subject} {verb} {obj} .", found, plain))
                k = object_end
                if not self.at(k, ","):
                    break
                k += 1
            if not self.at(k, ";"):
                return k
            while self.at(k, ";"):
                k += 1
            if k >= len(self.toks) or self.at(k, ".", "}", "{"):
                return k
            if self.toks[k].kind == "word" and not _is_a(self.toks[k]):
                return k  # a keyword after a trailing ';'
            j = k

    def only_triples(self, first: int, last: int) -> list[_Triple]:
        """The triples of tokens ``first`` to ``last`` (exclusive), all of them triples."""
        found: list[_Triple] = []
        i = first
        while i < last:
            if self.at(i, "."):
                i += 1
                continue
            i = self.triples(i, found)
        if i != last:
            raise _Unhandled
        return found


def hash_joined(query: str) -> str | None:
    """The SELECT query with its WHERE group rewritten for hash joins, or None.

    None when there is nothing to gain or the group uses syntax the rewrite
    does not follow (see the comment above).
    """
    from kgtool.errors import QueryError
    from kgtool.sparql_text import tokens, where_group

    try:
        group = where_group(query)
        if group is None:
            return None
        open_at, close_at = group
        inner = query[open_at + 1 : close_at]
        rewritten = _rewrite_group(_Rewriter(inner, list(tokens(inner))))
    except (_Unhandled, QueryError, IndexError):
        return None
    if rewritten is None:
        return None
    return query[: open_at + 1] + " " + rewritten + " " + query[close_at:]


def _rewrite_group(r: _Rewriter) -> str | None:
    """The elements of a group, its triples as sub-selects, FILTER NOT EXISTS as MINUS."""
    parts: list[str | _Triple] = []
    absent: list[tuple[str, int, int]] = []  # FILTER NOT EXISTS: its text and inner tokens
    bound: set[str] = set()  # variables bound in every solution of the group
    toks, i = r.toks, 0
    while i < len(toks):
        t = toks[i]
        if r.at(i, "."):
            i += 1
        elif r.at(i, "{"):  # a group, or a UNION of groups
            ends, branches = r.closing(i), []
            branches.append((i, ends))
            while ends + 2 < len(toks) and toks[ends + 1].is_word("UNION"):
                start = ends + 2
                ends = r.closing(start)
                branches.append((start, ends))
            groups = []
            for start, end in branches:
                try:
                    groups.append(r.only_triples(start + 1, end))
                except _Unhandled:
                    groups.append([])
            if len(branches) == 1 and groups[0]:  # a group of triples: they join the rest
                parts += groups[0]
            else:
                parts.append(r.src(i, ends))
            common = [{v for tr in group for v in tr.variables} for group in groups]
            bound |= set.intersection(*common)
            i = ends + 1
        elif t.is_word("FILTER"):
            if toks[i + 1].is_word("NOT") and toks[i + 2].is_word("EXISTS"):
                end = r.closing(i + 3)
                absent.append((r.src(i, end), i + 4, end))
            elif toks[i + 1].is_word("EXISTS"):
                end = r.closing(i + 2)
                parts.append(r.src(i, end))
            elif r.at(i + 1, "("):
                end = r.closing(i + 1)
                parts.append(r.src(i, end))
            elif toks[i + 1].kind in ("word", "pname", "iri") and r.at(i + 2, "("):
                end = r.closing(i + 2)
                parts.append(r.src(i, end))
            else:
                raise _Unhandled
            i = end + 1
        elif t.is_word("BIND", "OPTIONAL", "MINUS"):
            end = r.closing(i + 1)
            parts.append(r.src(i, end))
            i = end + 1
        elif t.kind == "word" and not t.is_word("TRUE", "FALSE"):
            raise _Unhandled  # GRAPH, SERVICE, VALUES, ...
        else:
            found: list[_Triple] = []
            i = r.triples(i, found)
            for triple in found:
                bound |= triple.variables
            parts += found
    minus = []
    for text, start, end in absent:
        try:
            pattern = r.only_triples(start, end)
        except _Unhandled:
            pattern = []
        shared = {v for tr in pattern for v in tr.variables} & bound
        if pattern and shared:
            minus.append("MINUS { " + " ".join(tr.text for tr in pattern) + " }")
        else:
            parts.append(text)
    wrapped = sum(isinstance(p, _Triple) and p.wrap for p in parts)
    if wrapped < 2 and not minus:
        return None
    out = []
    for part in parts:
        if isinstance(part, _Triple):
            out.append(f"{{ SELECT * WHERE {{ {part.text} }} }}" if part.wrap else part.text)
        else:
            out.append(part)
    return " ".join(out + minus)


def _substitute(message: str, row: dict[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        term = row.get(match.group(1))
        return "" if term is None else str(term.value)

    return re.sub(r"\{[?$](\w+)\}", replace, message)


def load_shapes(kgstore: KgStore) -> Shapes:
    """The shapes named graph of the store, indexed by subject."""
    import pyoxigraph as ox

    project = kgstore.project
    graph = ox.NamedNode(project.graph_iri(project.shapes_path))
    triples: dict[Any, dict[str, list[Any]]] = {}
    for quad in kgstore.store.quads_for_pattern(None, None, None, graph):
        triples.setdefault(quad.subject, {}).setdefault(quad.predicate.value, []).append(
            quad.object
        )
    if not triples:
        raise InputError(f"no SHACL shapes found in {SHAPES_FILE}", path=SHAPES_FILE)
    for objects in (o for props in triples.values() for o in props.values()):
        objects.sort(key=str)
    return Shapes(triples)


def shapes_with_targets(shapes: Shapes) -> list[Any]:
    targets = {"targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target"}
    found = []
    for node, props in shapes.triples.items():
        types = {t.value for t in props.get(RDF + "type", [])}
        implicit = SH + "NodeShape" in types and (RDFS + "Class" in types or OWL + "Class" in types)
        if implicit or any(SH + t in props for t in targets):
            found.append(node)
    return sorted(found, key=str)


def compile_plan(kgstore: KgStore) -> list[ShapePlan]:
    """The checks of every shape with targets, in a stable order."""
    import pyoxigraph as ox

    shapes = load_shapes(kgstore)
    compiler = Compiler(shapes, kgstore)
    compiler.prefetch(
        o.value
        for props in shapes.triples.values()
        for name in (SH + "class", SH + "targetClass")
        for o in props.get(name, [])
        if isinstance(o, ox.NamedNode)
    )
    plans = []
    for shape in shapes_with_targets(shapes):
        if _deactivated(shapes, shape):
            continue
        pattern = compiler.targets(shape)
        if pattern is not None:
            checks = compile_checks(compiler, shape, pattern)
            plans.append(ShapePlan(shape, pattern, compiler.target_sets(shape), checks))
    return plans


#: where :func:`cached_plan` keeps the compiled plan, beside the store
PLAN_NAME = "shacl-plan.pickle"

#: the modules whose code shapes a compiled plan (beside this one)
PLAN_MODULES = ("errors.py", "project.py", "sparql_text.py", "validate.py")


def _plan_key(kgstore: KgStore) -> str:
    """A digest of everything :func:`compile_plan` reads, so a kept plan is never stale.

    That is the shapes graph as stored (its blank-node labels included: they
    end up in the plan and in results), every ``rdfs:subClassOf`` triple of
    any graph (:meth:`Compiler.prefetch` reads them all), and the code that
    compiles and pickles: this module and those it uses, pyoxigraph, Python.
    """
    import sys

    import pyoxigraph as ox

    graph = ox.NamedNode(kgstore.project.graph_iri(kgstore.project.shapes_path))
    digest = hashlib.sha256(f"{ox.__version__}\n{sys.version}\n{graph}\n".encode())
    here = Path(__file__)
    for source in (here, *(here.with_name(name) for name in PLAN_MODULES)):
        digest.update(source.read_bytes())
    digest.update(kgstore.store.dump(format=ox.RdfFormat.N_QUADS, from_graph=graph))
    subclass = ox.NamedNode(RDFS + "subClassOf")
    edges = {
        f"{q.subject} {q.object}" for q in kgstore.store.quads_for_pattern(None, subclass, None)
    }
    digest.update("\n".join(sorted(edges)).encode())
    return digest.hexdigest()


def cached_plan(kgstore: KgStore) -> list[ShapePlan]:
    """:func:`compile_plan`, kept beside the store under :func:`_plan_key`.

    Compiling takes a tenth of a second on every build, though the shapes
    rarely change. A plan that cannot be read or written is compiled again.
    """
    if kgstore.path is None:
        return compile_plan(kgstore)
    key = _plan_key(kgstore)
    path = kgstore.path / PLAN_NAME
    try:
        with path.open("rb") as handle:
            kept_key, plans = pickle.load(handle)
        if kept_key == key:
            return cast("list[ShapePlan]", plans)
    except Exception:  # missing, torn, or pickled by other code: compile again
        pass
    plans = compile_plan(kgstore)
    tmp = path.with_name(f"{PLAN_NAME}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        tmp.write_bytes(pickle.dumps((key, plans), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError:  # a read-only store: compile every time
        tmp.unlink(missing_ok=True)
    return plans


def compile_shapes(kgstore: KgStore) -> list[Check]:
    """Every check of the store's shapes, in a stable order."""
    return [check for plan in compile_plan(kgstore) for check in plan.checks]


# Running ---------------------------------------------------------------------

Row = tuple[Check, dict[str, Any]]


def _solutions(kgstore: KgStore, sparql: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The rows of a query as dicts of the bound variables; at most ``limit`` + 1 rows."""
    result = kgstore.query(sparql)
    names = [v.value for v in result.variables]
    rows = []
    for solution in result:
        rows.append({n: t for n, t in zip(names, solution, strict=True) if t is not None})
        if limit is not None and len(rows) > limit:
            break
    return rows


def _need_this(check: Check, rows: list[dict[str, Any]]) -> None:
    if any("this" not in row for row in rows):
        raise UnsupportedShape(
            f"the SHACL-SPARQL constraint {check.constraint} does not bind $this in its pattern"
        )


def _full_job(kgstore: KgStore, sparql: str, checks: list[tuple[Check, ShapePlan]],
              facts: NodeFacts) -> list[Row]:  # fmt: skip
    """Run one full-validation query and keep the rows about each check's focus nodes."""
    first = checks[0][0]
    if first.anchored:
        return [(first, row) for row in _solutions(kgstore, sparql)]
    rows = _solutions(kgstore, sparql, limit=CANDIDATES)
    if first.constraint is not None:
        _need_this(first, rows)
    out: list[Row] = []
    for check, plan in checks:
        if len(rows) > CANDIDATES and check.joined is not None:
            found = _solutions(kgstore, check.joined)
            if check.constraint is not None:
                _need_this(check, found)
            out += [(check, row) for row in found]
        else:
            out += [(check, row) for row in rows if facts.targeted(plan.targets, row["this"])]
    return out


def _run_full(kgstore: KgStore, plans: list[ShapePlan], facts: NodeFacts) -> list[Row]:
    """Every check on the whole graph; a query shared by several shapes runs once."""
    jobs: dict[str, list[tuple[Check, ShapePlan]]] = {}
    for plan in plans:
        for check in plan.checks:
            if check.full is not None:
                key = check.full if not check.anchored else f"{id(check)}\n{check.full}"
                jobs.setdefault(key, []).append((check, plan))
    # SHACL-SPARQL constraints are the slowest queries: start them first
    order = sorted(jobs, key=lambda k: jobs[k][0][0].constraint is None)
    tasks = [(jobs[k][0][0].full, jobs[k]) for k in order]
    return _gather(lambda task: _full_job(kgstore, task[0], task[1], facts), tasks)


def _gather(run: Callable[[Any], list[Any]], tasks: list[Any]) -> list[Any]:
    """Run tasks on the worker threads (pyoxigraph evaluates without the GIL)."""
    if WORKERS == 1 or len(tasks) < 2:
        return [row for task in tasks for row in run(task)]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return [row for rows in pool.map(run, tasks) for row in rows]


def focus_terms(focus: Iterable[str]) -> list[Any]:
    """Focus nodes as pyoxigraph terms: IRIs, and blank nodes as ``_:label`` (or the
    bare label, as results give it)."""
    import pyoxigraph as ox

    terms: dict[Any, None] = {}
    for text in focus:
        if text.startswith("_:"):
            terms[ox.BlankNode(text[2:])] = None
            continue
        try:
            terms[ox.NamedNode(text)] = None
        except ValueError:
            terms[ox.BlankNode(text)] = None
    return list(terms)


def _anchor(kgstore: KgStore, node: Any) -> str:
    """A triple pattern that binds ?this to a few nodes, the blank node ``node`` among them.

    SPARQL text cannot name a blank node of the data, so a restricted query
    reaches one through a triple it is in; rows about the other nodes that
    pattern binds are dropped.
    """
    import pyoxigraph as ox

    for quad in kgstore.store.quads_for_pattern(None, None, node):
        if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.graph_name, ox.NamedNode):
            return f"{quad.subject} {quad.predicate} ?this ."
    for quad in kgstore.store.quads_for_pattern(node, None, None):
        if isinstance(quad.object, ox.NamedNode | ox.Literal) and isinstance(
            quad.graph_name, ox.NamedNode
        ):
            return f"?this {quad.predicate} {quad.object} ."
    return "?this ?_ap ?_ao . FILTER (isBlank(?this))"


def _restricted_job(kgstore: KgStore, check: Check, nodes: list[Any]) -> list[Row]:
    """One check for some of its focus nodes: IRIs in a VALUES block, a blank node
    through a triple it is in (see :func:`_anchor`)."""
    import pyoxigraph as ox

    assert check.restricted is not None
    before, after = check.restricted
    if isinstance(nodes[0], ox.BlankNode):
        rows = _solutions(kgstore, before + _anchor(kgstore, nodes[0]) + after)
        if check.constraint is not None:
            _need_this(check, rows)
        rows = [row for row in rows if row["this"] == nodes[0]]
    else:
        block = "VALUES ?this { " + " ".join(map(_sparql_term, nodes)) + " }"
        rows = _solutions(kgstore, before + block + after)
        if check.constraint is not None:
            _need_this(check, rows)
    return [(check, row) for row in rows]


def _targeting(kgstore: KgStore, plans: list[ShapePlan], facts: NodeFacts,
               nodes: list[Any]) -> list[list[Any]]:  # fmt: skip
    """For each plan, the given nodes its shape targets.

    IRIs are looked up in SPARQL a VALUES block at a time (their types, and
    which target predicates they have), blank nodes one by one in Python.
    """
    import pyoxigraph as ox

    index = facts.index(plans)
    objects, subjects = list(index["objects_of"]), list(index["subjects_of"])
    branches = ["{ ?this a ?_t }"]
    branches += [f"{{ [] {p} ?this BIND ({i} AS ?_o) }}" for i, p in enumerate(objects)]
    branches += [f"{{ ?this {p} [] BIND ({i} AS ?_s) }}" for i, p in enumerate(subjects)]
    union = " UNION ".join(branches)

    def look_up(group: list[Any]) -> list[tuple[Any, int]]:
        block = "VALUES ?this { " + " ".join(map(_sparql_term, group)) + " }"
        found = []
        for row in _solutions(kgstore, f"SELECT ?this ?_t ?_o ?_s WHERE {{ {block} {union} }}"):
            if "_t" in row:
                shapes = index["classes"].get(row["_t"].value, [])
            elif "_o" in row:
                shapes = index["objects_of"][objects[int(row["_o"].value)]]
            else:
                shapes = index["subjects_of"][subjects[int(row["_s"].value)]]
            found += [(row["this"], i) for i in shapes]
        return found

    iris = [n for n in nodes if isinstance(n, ox.NamedNode)]
    pairs = _gather(look_up, [iris[i : i + BATCH] for i in range(0, len(iris), BATCH)])
    pairs += [(n, i) for n in iris for i in index["nodes"].get(n, ())]
    pairs += [(n, i) for n in nodes if not isinstance(n, ox.NamedNode)
              for i in facts.targeting(plans, n)]  # fmt: skip
    members: list[dict[Any, None]] = [{} for _ in plans]
    for node, i in pairs:
        members[i][node] = None
    return [list(found) for found in members]


def _run_restricted(kgstore: KgStore, plans: list[ShapePlan], facts: NodeFacts,
                    nodes: list[Any]) -> list[Row]:  # fmt: skip
    """The checks of each shape for the given nodes that are its focus nodes."""
    import pyoxigraph as ox

    targeted = _targeting(kgstore, plans, facts, nodes)
    tasks = []
    for plan, members in zip(plans, targeted, strict=True):
        iris = [n for n in members if not isinstance(n, ox.BlankNode | ox.Literal)]
        groups = [iris[i : i + BATCH] for i in range(0, len(iris), BATCH)]
        groups += [[n] for n in members if isinstance(n, ox.BlankNode)]
        for check in plan.checks:
            if check.restricted is not None:
                tasks += [(check, group) for group in groups]
    tasks.sort(key=lambda task: task[0].constraint is None)
    return _gather(lambda task: _restricted_job(kgstore, task[0], task[1]), tasks)


def validate(kgstore: KgStore, *, focus: Collection[str] | None = None) -> list[ValidationResult]:
    """Validate the store against its own shapes graph; never raises on bad data.

    With ``focus`` (IRIs, blank nodes as ``_:label``) only those focus nodes are
    checked: the results are the full validation's results about them.
    """
    plans = cached_plan(kgstore)
    facts = NodeFacts(kgstore)
    if focus is None:
        rows = _run_full(kgstore, plans, facts)
    else:
        rows = _run_restricted(kgstore, plans, facts, focus_terms(focus))
    files = FileIndex(kgstore)
    results = []
    for check, row in rows:
        this = row["this"]
        flagged = check.constraint is None and "ks" in row  # ?ks of a user query is theirs
        keys = row["ks"].value.split() if flagged else [check.key]
        for key in keys:
            outcome = check.outcomes[key]
            value = row.get("value")
            if value is None and check.constraint is not None and not outcome.path:
                value = this
            path = outcome.path
            if check.constraint is not None and row.get("path") is not None:
                path = row["path"].value
            results.append(
                ValidationResult(
                    focus=this.value,
                    path=path,
                    component=outcome.component,
                    message=_substitute(outcome.message, row) or "constraint violated",
                    severity=outcome.severity,
                    value="" if value is None else str(value.value),
                    shape=check.shape.value,
                    files=files.of(this),
                )
            )
    return list(dict.fromkeys(results))  # a node two targets match is reported once
