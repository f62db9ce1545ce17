"""The shapes graph as the compiler reads it: nodes, their SHACL parameters, lists."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kgtool.errors import InputError
from kgtool.project import NAMESPACES, SHAPES_FILE

if TYPE_CHECKING:
    from kgtool.shacl.source import Source

SH = NAMESPACES["sh"]
RDF = NAMESPACES["rdf"]
RDFS = NAMESPACES["rdfs"]
XSD = NAMESPACES["xsd"]
OWL = NAMESPACES["owl"]

#: parameters that select focus nodes or describe a shape, not constraints
DESCRIPTIVE = {
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "path", "message",
    "severity", "deactivated", "name", "description", "order", "group", "defaultValue",
    "property", "declare", "prefixes", "flags", "qualifiedValueShape",
    "qualifiedValueShapesDisjoint", "ignoredProperties",
}  # fmt: skip

#: the parameters that give a shape focus nodes
TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target")


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

    def message(self, node: Any) -> str:
        """The node's sh:message, in English when it has several."""
        messages = self.values(node, "message")
        for m in messages:
            if getattr(m, "language", None) in (None, "", "en"):
                return str(m.value)
        return str(messages[0].value) if messages else ""

    def severity(self, shape: Any) -> str:
        severity = self.one(shape, "severity")
        return severity.value.removeprefix(SH) if severity is not None else "Violation"

    def deactivated(self, node: Any) -> bool:
        flag = self.one(node, "deactivated")
        return flag is not None and flag.value == "true"


def sparql_term(term: Any) -> str:
    """A pyoxigraph term written as SPARQL (its N-Triples form is valid SPARQL)."""
    return str(term)


def load_shapes(source: Source) -> Shapes:
    """The shapes named graph of the store, indexed by subject."""
    triples: dict[Any, dict[str, list[Any]]] = {}
    for quad in source.quads(graph=source.shapes_graph):
        triples.setdefault(quad.subject, {}).setdefault(quad.predicate.value, []).append(
            quad.object
        )
    if not triples:
        raise InputError(f"no SHACL shapes found in {SHAPES_FILE}", path=SHAPES_FILE)
    for objects in (o for props in triples.values() for o in props.values()):
        objects.sort(key=str)
    return Shapes(triples)


def shapes_with_targets(shapes: Shapes) -> list[Any]:
    """The shapes that have focus nodes: explicit targets, or a shape that is a class."""
    found = []
    for node, props in shapes.triples.items():
        types = {t.value for t in props.get(RDF + "type", [])}
        implicit = SH + "NodeShape" in types and (RDFS + "Class" in types or OWL + "Class" in types)
        if implicit or any(SH + t in props for t in TARGETS):
            found.append(node)
    return sorted(found, key=str)
