"""A SHACL engine that runs the shapes as SPARQL on the embedded store.

pyshacl walks every focus node in Python over an rdflib copy of the graph,
which takes minutes at a million triples. Here each shape is compiled into a
few SELECT queries (its targets, one query for the value constraints of each
property shape, one for its cardinalities, one per SHACL-SPARQL constraint)
and pyoxigraph evaluates them on the store as it is. The shapes are read from
the store's shapes named graph, so the engine follows whatever
``ontology/shapes.ttl`` says; a constraint component it cannot compile is an
error that names it, never a silent skip.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kgtool.errors import InputError, KgtoolError
from kgtool.project import NAMESPACES, SHAPES_FILE
from kgtool.validate import ValidationResult

if TYPE_CHECKING:
    from kgtool.store import KgStore

SH = NAMESPACES["sh"]
RDF = NAMESPACES["rdf"]
RDFS = NAMESPACES["rdfs"]
XSD = NAMESPACES["xsd"]
OWL = NAMESPACES["owl"]

#: threads evaluating checks at once (the store is read-only meanwhile)
WORKERS = max(1, min(4, os.cpu_count() or 1))

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


class Compiler:
    """Turns shapes into SPARQL text; one instance per validation run."""

    def __init__(self, shapes: Shapes, kgstore: KgStore) -> None:
        self.shapes = shapes
        self.kgstore = kgstore
        self.counter = 0

    def fresh(self) -> str:
        self.counter += 1
        return f"?_v{self.counter}"

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

    # Classes -----------------------------------------------------------------
    def subclasses(self, iri: str) -> list[str]:
        """The class and its rdfs:subClassOf descendants in the data (cached)."""
        if iri not in self.shapes.subclasses:
            rows = self.kgstore.query(
                f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS}subClassOf>* <{iri}> }}"
            )
            self.shapes.subclasses[iri] = sorted({row["c"].value for row in rows} | {iri})
        return self.shapes.subclasses[iri]

    def instance_of(self, var: str, iri: str) -> str:
        """A pattern that matches when ``var`` has type ``iri`` or a subclass of it."""
        classes = self.subclasses(iri)
        if len(classes) == 1:
            return f"{var} <{RDF}type> <{iri}> ."
        cls = self.fresh()
        values = " ".join(f"<{c}>" for c in classes)
        return f"VALUES {cls} {{ {values} }} {var} <{RDF}type> {cls} ."

    # Targets -----------------------------------------------------------------
    def targets(self, shape: Any) -> str | None:
        """A group pattern binding ?this to every focus node of the shape, or None."""
        import pyoxigraph as ox

        groups = []
        classes = [c.value for c in self.shapes.values(shape, "targetClass")]
        types = self.shapes.triples.get(shape, {}).get(RDF + "type", [])
        if isinstance(shape, ox.NamedNode) and any(
            t.value in (RDFS + "Class", OWL + "Class") for t in types
        ):
            classes.append(shape.value)
        groups += [f"{{ {self.instance_of('?this', c)} }}" for c in classes]
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
        if len(groups) == 1 and not nodes and len(self.shapes.values(shape, "targetClass")) < 2:
            single = groups[0]
            if single.startswith(f"{{ ?this <{RDF}type> <") and "VALUES" not in single:
                return single  # one class, no subclasses: each node matches once
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(groups) + " } }"

    # Value constraints -------------------------------------------------------
    def value_violation(self, shape: Any, name: str, param: Any, var: str) -> str:
        """A SPARQL expression true when value ``var`` breaks one value-level parameter."""
        sh = self.shapes
        if name == "class":
            return f"NOT EXISTS {{ {self.instance_of(var, param.value)} }}"
        if name == "datatype":
            test = f"(!isLiteral({var}) || DATATYPE({var}) != <{param.value}>"
            if param.value in CASTS:
                test += (
                    f' || DATATYPE(COALESCE(<{param.value}>(STR({var})), "")) != <{param.value}>'
                )
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

    def shape_violation(self, shape: Any, var: str) -> str:
        """An expression true when ``var`` does not conform to a (value-level) shape."""
        parts = []
        for name in sorted(set(self.shapes.params(shape))):
            if name in DESCRIPTIVE - {"property"}:
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


@dataclass
class Check:
    """One compiled query and how to read its rows into results."""

    sparql: str
    shape: Any
    path: str
    components: dict[str, str]  # ?k value -> component IRI
    message: str
    severity: str
    constraint: Any = None
    focus: str = ""  # the shape's target pattern, to restrict SHACL-SPARQL rows


def _severity(shapes: Shapes, shape: Any) -> str:
    severity = shapes.one(shape, "severity")
    return severity.value.removeprefix(SH) if severity is not None else "Violation"


def _check(
    shape: Any, path: str, sparql: str, component: str, message: str, severity: str
) -> Check:
    return Check(sparql, shape, path, {"": SH + component}, message, severity)


def compile_checks(compiler: Compiler, top: Any, focus: str) -> list[Check]:
    """Every check of one shape with targets (a node shape, or a property shape)."""
    sh = compiler.shapes
    checks: list[Check] = []
    if sh.one(top, "path") is not None:
        property_shapes, node_level = [top], None
    else:
        property_shapes, node_level = sh.values(top, "property"), top
    if node_level is not None:
        checks += _compile_one(compiler, node_level, focus, None, top)
    for prop in property_shapes:
        if _deactivated(sh, prop):
            continue
        checks += _compile_one(compiler, prop, focus, sh.one(prop, "path"), top)
    return checks


def _deactivated(shapes: Shapes, node: Any) -> bool:
    flag = shapes.one(node, "deactivated")
    return flag is not None and flag.value == "true"


def _compile_one(
    compiler: Compiler, shape: Any, focus: str, path_node: Any, top: Any
) -> list[Check]:
    sh = compiler.shapes
    message = _message(sh, shape) or _message(sh, top)
    severity = _severity(sh, shape)
    if path_node is not None:
        path, path_text = compiler.path(path_node)
        values = f"?this {path} ?value ."
    else:
        path, path_text = "", ""
        values = "BIND (?this AS ?value)"
    checks: list[Check] = []
    names = sorted(set(sh.params(shape)))
    for name in names:
        if name in DESCRIPTIVE or name in VALUE_COMPONENTS or name in FOCUS_COMPONENTS:
            continue
        raise UnsupportedShape(f"the SHACL constraint sh:{name} (on {shape}) is not supported")
    if path_node is None and sh.values(shape, "property") and sh.one(shape, "path") is not None:
        raise UnsupportedShape(f"sh:property nested in the property shape {shape} is not supported")

    # All value-level constraints in one pass over (focus, value).
    branches, components = [], {}
    for name in names:
        if name not in VALUE_COMPONENTS:
            continue
        for param in sh.values(shape, name):
            k = str(len(components))
            components[k] = SH + VALUE_COMPONENTS[name]
            branches.append(
                f"(?k = {k} && {compiler.value_violation(shape, name, param, '?value')})"
            )
    if branches:
        keys = " ".join(components)
        sparql = (
            f"SELECT DISTINCT ?this ?value ?k WHERE {{ {focus} {values} "
            f"VALUES ?k {{ {keys} }} FILTER ({' || '.join(branches)}) }}"
        )
        checks.append(Check(sparql, top, path_text, components, message, severity))

    for value in sh.values(shape, "hasValue"):
        if path_node is None:
            test = f"FILTER (!sameTerm(?this, {_sparql_term(value)}))"
        else:
            test = f"FILTER NOT EXISTS {{ ?this {path} {_sparql_term(value)} }}"
        checks.append(
            _check(
                top,
                path_text,
                f"SELECT ?this WHERE {{ {focus} {test} }}",
                "HasValueConstraintComponent",
                message,
                severity,
            )
        )
    if path_node is not None:
        checks += _counts(compiler, shape, top, focus, path, path_text, message, severity)
        checks += _pairs(sh, shape, top, focus, path, path_text, message, severity)
    for constraint in sh.values(shape, "sparql"):
        if not _deactivated(sh, constraint):
            check = _sparql_constraint(sh, constraint, top, path, path_text, severity, message)
            check.focus = focus
            checks.append(check)
    return checks


def _counts(compiler: Compiler, shape: Any, top: Any, focus: str, path: str, path_text: str,
            message: str, severity: str) -> list[Check]:  # fmt: skip
    """minCount / maxCount / qualified counts, grouped per focus node."""
    sh = compiler.shapes
    checks = []
    low, high = sh.one(shape, "minCount"), sh.one(shape, "maxCount")
    low_n = int(low.value) if low is not None else 0
    if low_n == 1 and high is None:
        sparql = f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?value }} }}"
        checks.append(
            _check(top, path_text, sparql, "MinCountConstraintComponent", message, severity)
        )
    elif low_n > 0 or high is not None:
        # One aggregation answers both bounds; ?k says which one failed.
        tests = []
        if low_n > 0:
            tests.append(f"IF(?n < {low_n}, 0, -1)")
        if high is not None:
            tests.append(f"IF(?n > {int(high.value)}, 1, -1)")
        optional = f"OPTIONAL {{ ?this {path} ?value }}" if low_n > 0 else f"?this {path} ?value"
        sparql = (
            f"SELECT ?this ?k WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?n) "
            f"WHERE {{ {focus} {optional} }} GROUP BY ?this }} "
            f"VALUES ?k {{ 0 1 }} FILTER (?k IN ({', '.join(tests)})) }}"
        )
        components = {
            "0": SH + "MinCountConstraintComponent",
            "1": SH + "MaxCountConstraintComponent",
        }
        checks.append(Check(sparql, top, path_text, components, message, severity))
    qualified = sh.one(shape, "qualifiedValueShape")
    if qualified is not None:
        disjoint = sh.one(shape, "qualifiedValueShapesDisjoint")
        if disjoint is not None and disjoint.value == "true":
            raise UnsupportedShape(f"sh:qualifiedValueShapesDisjoint on {shape} is not supported")
        bad = compiler.shape_violation(qualified, "?value")
        counted = (
            f"{{ SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{ {focus} "
            f"OPTIONAL {{ ?this {path} ?value FILTER (!{bad}) }} }} GROUP BY ?this }}"
        )
        for name, op in (("qualifiedMinCount", "<"), ("qualifiedMaxCount", ">")):
            bound = sh.one(shape, name)
            if bound is not None:
                component = name[0].upper() + name[1:] + "ConstraintComponent"
                sparql = f"SELECT ?this WHERE {{ {counted} FILTER (?n {op} {int(bound.value)}) }}"
                checks.append(_check(top, path_text, sparql, component, message, severity))
    return checks


def _pairs(sh: Shapes, shape: Any, top: Any, focus: str, path: str, path_text: str,
           message: str, severity: str) -> list[Check]:  # fmt: skip
    """Constraints that compare a focus node's values with each other or another property."""
    checks = []
    for name, component, test in (
        ("lessThan", "LessThanConstraintComponent", "!COALESCE(?value < ?other, false)"),
        ("lessThanOrEquals", "LessThanOrEqualsConstraintComponent",
         "!COALESCE(?value <= ?other, false)"),
    ):  # fmt: skip
        for other in sh.values(shape, name):
            sparql = (
                f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . "
                f"?this <{other.value}> ?other . FILTER ({test}) }}"
            )
            checks.append(_check(top, path_text, sparql, component, message, severity))
    for other in sh.values(shape, "disjoint"):
        sparql = (
            f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . "
            f"?this <{other.value}> ?value }}"
        )
        checks.append(
            _check(top, path_text, sparql, "DisjointConstraintComponent", message, severity)
        )
    for other in sh.values(shape, "equals"):
        sparql = (
            f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {{ ?this {path} ?value "
            f"FILTER NOT EXISTS {{ ?this <{other.value}> ?value }} }} "
            f"UNION {{ ?this <{other.value}> ?value "
            f"FILTER NOT EXISTS {{ ?this {path} ?value }} }} }}"
        )
        checks.append(
            _check(top, path_text, sparql, "EqualsConstraintComponent", message, severity)
        )
    unique = sh.one(shape, "uniqueLang")
    if unique is not None and unique.value == "true":
        sparql = (
            f"SELECT DISTINCT ?this WHERE {{ {focus} ?this {path} ?a , ?b . "
            f'FILTER (!sameTerm(?a, ?b) && LANG(?a) != "" && LANG(?a) = LANG(?b)) }}'
        )
        checks.append(
            _check(top, path_text, sparql, "UniqueLangConstraintComponent", message, severity)
        )
    return checks


def _prefix_header(sh: Shapes, constraint: Any) -> str:
    lines = []
    for ontology in sh.values(constraint, "prefixes"):
        for declaration in sh.values(ontology, "declare"):
            prefix, namespace = sh.one(declaration, "prefix"), sh.one(declaration, "namespace")
            lines.append(f"PREFIX {prefix.value}: <{namespace.value}>")
    return "\n".join(sorted(set(lines))) + "\n"


def _sparql_constraint(sh: Shapes, constraint: Any, top: Any, path: str, path_text: str,
                       severity: str, fallback: str) -> Check:  # fmt: skip
    select = sh.one(constraint, "select")
    if select is None:
        raise UnsupportedShape(f"the SHACL-SPARQL constraint {constraint} has no sh:select")
    text = select.value
    for variable in ("currentShape", "shapesGraph"):
        if re.search(r"\$" + variable + r"\b", text):
            raise UnsupportedShape(f"${variable} in {constraint} is not supported")
    if re.search(r"\$PATH\b", text):
        if not path:
            raise UnsupportedShape(f"$PATH in {constraint} needs a property shape")
        text = re.sub(r"\$PATH\b", path, text)
    text = re.sub(r"\$this\b", "?this", text)
    message = _message(sh, constraint) or fallback
    return Check(_prefix_header(sh, constraint) + text, top, path_text,
                 {"": SH + "SPARQLConstraintComponent"}, message, severity, constraint)  # fmt: skip


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


def compile_shapes(kgstore: KgStore) -> list[Check]:
    """Every check of the store's shapes, in a stable order."""
    shapes = load_shapes(kgstore)
    compiler = Compiler(shapes, kgstore)
    checks: list[Check] = []
    for shape in shapes_with_targets(shapes):
        if _deactivated(shapes, shape):
            continue
        focus = compiler.targets(shape)
        if focus is not None:
            checks += compile_checks(compiler, shape, focus)
    return checks


def _rows(
    kgstore: KgStore, check: Check, focus_sets: dict[str, set[Any]]
) -> Iterable[dict[str, Any]]:
    """The rows of one check; SHACL-SPARQL rows are kept only for the shape's focus nodes."""
    result = kgstore.query(check.sparql)
    names = [v.value for v in result.variables]
    rows = [dict(zip(names, solution, strict=True)) for solution in result]
    if check.constraint is None:
        return rows
    if check.focus not in focus_sets:
        found = kgstore.query(f"SELECT ?this WHERE {check.focus}")
        focus_sets[check.focus] = {row["this"] for row in found}
    wanted = focus_sets[check.focus]
    if any(row.get("this") is None for row in rows):
        raise UnsupportedShape(
            f"the SHACL-SPARQL constraint {check.constraint} does not bind $this in its pattern"
        )
    return [row for row in rows if row["this"] in wanted]


def validate(kgstore: KgStore) -> list[ValidationResult]:
    """Validate the store against its own shapes graph; never raises on bad data."""
    results = []
    focus_sets: dict[str, set[Any]] = {}
    files = _FileIndex(kgstore)
    checks = compile_shapes(kgstore)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:  # pyoxigraph evaluates without the GIL
        answers = list(pool.map(lambda check: _rows(kgstore, check, focus_sets), checks))
    for check, rows in zip(checks, answers, strict=True):
        for row in rows:
            this = row["this"]
            value = row.get("value")
            if value is None and check.constraint is not None and not check.path:
                value = this
            path = check.path
            if check.constraint is not None and row.get("path") is not None:
                path = row["path"].value
            component = check.components[str(row["k"].value) if "k" in row else ""]
            results.append(
                ValidationResult(
                    focus=this.value,
                    path=path,
                    component=component,
                    message=_substitute(check.message, row) or "constraint violated",
                    severity=check.severity,
                    value="" if value is None else str(value.value),
                    shape=check.shape.value,
                    files=files.of(this),
                )
            )
    return results


class _FileIndex:
    """Which project files each focus node is written in, with one file listing per run."""

    def __init__(self, kgstore: KgStore) -> None:
        self.kgstore = kgstore
        self.graphs: dict[str, str] | None = None

    def of(self, node: Any) -> tuple[str, ...]:
        project = self.kgstore.project
        if self.graphs is None:
            self.graphs = {project.graph_iri(p): project.relative(p) for p in project.rdf_files()}
        found = set()
        for quad in self.kgstore.store.quads_for_pattern(node, None, None):
            graph = getattr(quad.graph_name, "value", None)
            if graph in self.graphs:
                found.add(self.graphs[graph])
        return tuple(sorted(found))
