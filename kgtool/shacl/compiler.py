"""The compiler's view of a shapes graph: property paths, classes, targets, value tests.

The value tests themselves are the constraint components' own functions
(:data:`kgtool.shacl.components.COMPONENTS`); this module asks them and
combines them for nested shapes (``sh:not``, ``sh:or``, ``sh:node`` …).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from kgtool.errors import UnsupportedShape
from kgtool.shacl.checks import Targets
from kgtool.shacl.shapes import DESCRIPTIVE, OWL, RDF, RDFS, Shapes, sparql_term
from kgtool.shacl.source import Source


class Compiler:
    """Turns shapes into SPARQL text; one instance per validation run."""

    def __init__(self, shapes: Shapes, source: Source) -> None:
        self.shapes = shapes
        self.source = source
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
        # one branch per class, each path from a constant: a server may refuse a
        # transitive path whose end is bound by a VALUES block (Virtuoso does)
        branches = " UNION ".join(
            f"{{ ?c <{RDFS}subClassOf>* <{iri}> BIND (<{iri}> AS ?super) }}" for iri in wanted
        )
        rows = self.source.select(f"SELECT DISTINCT ?c ?super WHERE {{ {branches} }}")
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
            groups.append(f"{{ VALUES ?this {{ {' '.join(map(sparql_term, nodes))} }} }}")
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
        from kgtool.shacl.components import COMPONENTS

        component = COMPONENTS.get(name)
        if component is None or component.value is None:
            raise UnsupportedShape(f"sh:{name} on {shape} is not supported")
        return component.value(self, shape, param, var)

    def shape_violation(self, shape: Any, var: str, skip: Collection[str] = ()) -> str:
        """An expression true when ``var`` does not conform to a (value-level) shape
        (the parameters in ``skip`` left out)."""
        parts = []
        for name in sorted(set(self.shapes.params(shape))):
            if name in DESCRIPTIVE - {"property"} or name in skip:
                continue
            if has_value_test(name):
                for param in self.shapes.values(shape, name):
                    parts.append(self.value_violation(shape, name, param, var))
            else:
                raise UnsupportedShape(
                    f"sh:{name} inside sh:not/sh:or/sh:and/sh:xone/sh:node/"
                    f"sh:qualifiedValueShape ({shape}) is not supported"
                )
        return "(" + " || ".join(parts) + ")" if parts else "false"


def has_value_test(name: str) -> bool:
    """Whether sh:``name`` can be tested on one value node at a time."""
    from kgtool.shacl.components import COMPONENTS

    component = COMPONENTS.get(name)
    return component is not None and component.value is not None
