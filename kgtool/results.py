"""Query results in one shape, whatever store answered, and their formats.

Embedded and remote stores both hand back pyoxigraph result objects; this
module materialises them into :class:`QueryResult` and writes the W3C result
formats, plain CSV/TSV/JSON for spreadsheets and scripts, and aligned tables
for people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kgtool.errors import QueryError
from kgtool.project import NAMESPACES

if TYPE_CHECKING:
    pass

SELECT_FORMATS = ("table", "csv", "tsv", "json", "sparql-json", "sparql-xml")
GRAPH_FORMATS = ("ttl", "nt", "jsonld", "table")


def compact(term: Any) -> str:
    """A term as a person reads it: CURIE for known namespaces, bare literal values."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, base in NAMESPACES.items():
            if term.value.startswith(base) and len(term.value) > len(base):
                return f"{prefix}:{term.value[len(base) :]}"
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def compact_iri(iri: str) -> str:
    """:func:`compact` for a plain IRI string."""
    import pyoxigraph as ox

    if not iri:
        return ""
    try:
        return compact(ox.NamedNode(iri))
    except ValueError:  # not an IRI (a literal value in a report): shown as it is
        return iri


def _json_term(term: Any) -> dict[str, str]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != NAMESPACES["xsd"] + "string":
        out["datatype"] = term.datatype.value
    return out


def plain_value(term: Any) -> Any:
    """A term as a JSON value: numbers as numbers, booleans as booleans, else text."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.Literal):
        kind = term.datatype.value.rsplit("#", 1)[-1]
        if kind in {"integer", "nonNegativeInteger", "int", "long", "positiveInteger"}:
            return int(term.value)
        if kind in {"decimal", "double", "float"}:
            number = float(term.value)
            return int(number) if number.is_integer() and kind == "decimal" else number
        if kind == "boolean":
            return term.value == "true"
        return term.value
    return compact(term)


@dataclass
class QueryResult:
    """A materialised result: solutions, a boolean, or triples."""

    kind: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[Any] = field(default_factory=list)

    @classmethod
    def from_pyoxigraph(cls, raw: Any) -> QueryResult:
        import pyoxigraph as ox

        if isinstance(raw, ox.QueryBoolean):
            return cls("ask", boolean=bool(raw))
        if isinstance(raw, ox.QuerySolutions):
            names = [v.value for v in raw.variables]
            return cls("select", names, [[row[name] for name in names] for row in raw])
        return cls("graph", triples=list(raw))

    # Views -------------------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts of plain values (unbound variables omitted)."""
        return [
            {
                name: plain_value(value)
                for name, value in zip(self.variables, row, strict=True)
                if value is not None
            }
            for row in self.rows
        ]

    def column(self, name: str) -> list[Any]:
        index = self.variables.index(name)
        return [row[index] for row in self.rows]

    # Formats -----------------------------------------------------------------
    def sparql_json(self) -> str:
        """The W3C SPARQL 1.1 Query Results JSON Format."""
        if self.kind == "ask":
            return json.dumps({"head": {}, "boolean": self.boolean}, indent=2)
        bindings = [
            {
                name: _json_term(value)
                for name, value in zip(self.variables, row, strict=True)
                if value is not None
            }
            for row in self.rows
        ]
        payload = {"head": {"vars": self.variables}, "results": {"bindings": bindings}}
        return json.dumps(payload, indent=2, ensure_ascii=False)

    def serialize(self, fmt: str) -> str:
        """The result in one of :data:`SELECT_FORMATS` or :data:`GRAPH_FORMATS`."""
        if self.kind == "graph":
            return self._serialize_graph(fmt)
        if fmt == "table":
            return self.table()
        if fmt == "json":
            if self.kind == "ask":
                return json.dumps(self.boolean)
            return json.dumps(self.records(), indent=2, ensure_ascii=False)
        if fmt == "sparql-json":
            return self.sparql_json()
        if fmt in {"sparql-xml", "csv", "tsv"}:
            import pyoxigraph as ox

            target = {"sparql-xml": "XML", "csv": "CSV", "tsv": "TSV"}[fmt]
            if self.kind == "ask" and fmt != "sparql-xml":
                return "true\n" if self.boolean else "false\n"
            parsed = ox.parse_query_results(
                self.sparql_json().encode(), format=ox.QueryResultsFormat.JSON
            )
            return parsed.serialize(format=getattr(ox.QueryResultsFormat, target)).decode()
        raise QueryError(
            f"format {fmt!r} does not apply to a {self.kind.upper()} result",
            hint=f"use one of {', '.join(SELECT_FORMATS)}",
        )

    def _serialize_graph(self, fmt: str) -> str:
        import pyoxigraph as ox

        from kgtool.export import serialize

        if fmt == "table":
            fmt = "ttl"
        if fmt not in GRAPH_FORMATS:
            raise QueryError(
                f"format {fmt!r} does not apply to a CONSTRUCT/DESCRIBE result",
                hint=f"use one of {', '.join(GRAPH_FORMATS)}",
            )
        quads = [ox.Quad(t.subject, t.predicate, t.object) for t in self.triples]
        return serialize(quads, fmt).decode()

    def table(self, max_width: int | None = None) -> str:
        """Columns in the query's order, fitted to the terminal (see :mod:`kgtool.console`).

        ``max_width``: the table's width in characters (default: the terminal's).
        """
        from kgtool.console import table

        if self.kind == "ask":
            return "yes" if self.boolean else "no"
        body = [[compact(v) for v in row] for row in self.rows]
        footer = f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})"
        return table(self.variables, body, footer=footer, columns=max_width)
