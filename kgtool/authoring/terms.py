"""The triples a compiled sheet is made of, and where in the sheet each node came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kgtool.authoring.context import KG, NAMESPACES, RDF, XSD

if TYPE_CHECKING:
    import pyoxigraph as ox

OA = NAMESPACES["oa"]
CLM = NAMESPACES["clm"]
MNT = NAMESPACES["mnt"]


@dataclass
class Output:
    """Triples being written, with each subject's (line, column) in the sheet."""

    triples: list[ox.Triple] = field(default_factory=list)
    where: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add(self, subject: str, predicate: str, obj: ox.NamedNode | ox.Literal) -> None:
        import pyoxigraph as ox

        self.triples.append(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), obj))

    def iri(self, subject: str, predicate: str, obj: str) -> None:
        import pyoxigraph as ox

        self.add(subject, predicate, ox.NamedNode(obj))

    def typed(self, subject: str, predicate: str, value: str, datatype: str) -> None:
        import pyoxigraph as ox

        self.add(subject, predicate, ox.Literal(value, datatype=ox.NamedNode(datatype)))

    def text(self, subject: str, predicate: str, value: str, language: str | None = None) -> None:
        import pyoxigraph as ox

        self.add(subject, predicate, ox.Literal(value, language=language or None))

    def located(self, node: str, line: int, column: int) -> None:
        self.where.setdefault(node, (line, column))

    def anchor(
        self, node: str, source: str, exact: str, start: int, end: int, cls: str = KG + "TextAnchor"
    ) -> None:
        """A Web Annotation anchor: the quote and its offsets (code points, end excluded)."""
        self.iri(node, RDF + "type", cls)
        self.iri(node, OA + "hasSource", source)
        self.iri(node, OA + "hasSelector", node + "-quote")
        self.iri(node, OA + "hasSelector", node + "-pos")
        self.iri(node + "-quote", RDF + "type", OA + "TextQuoteSelector")
        self.text(node + "-quote", OA + "exact", exact)
        self.iri(node + "-pos", RDF + "type", OA + "TextPositionSelector")
        self.typed(node + "-pos", OA + "start", str(start), XSD + "nonNegativeInteger")
        self.typed(node + "-pos", OA + "end", str(end), XSD + "nonNegativeInteger")

    def ntriples(self) -> str:
        """The triples as sorted N-Triples: the same sheet always gives the same bytes."""
        import pyoxigraph as ox

        data = (ox.serialize(self.triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
        return "".join(sorted(set(data.splitlines(keepends=True))))
