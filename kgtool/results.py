"""Query results in one shape, whatever store answered, and their formats.

Embedded and remote stores both hand back pyoxigraph result objects; this
module materialises them into :class:`QueryResult` and writes the W3C result
formats, plain CSV/TSV/JSON for spreadsheets and scripts, and aligned tables
for people.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kgtool.project import NAMESPACES

XSD = NAMESPACES["xsd"]


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


#: XSD datatypes whose values are integers (the derived types included)
_INTEGER_TYPES = frozenset(
    {
        "integer", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
        "negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt",
        "unsignedShort", "unsignedByte",
    }
)  # fmt: skip
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DOUBLE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _number(kind: str, lexical: str) -> int | float | None:
    """The JSON number that is exactly the literal's value, or None when there is none.

    Ill-typed lexical forms, non-finite doubles and decimals that a JSON reader
    (a double) cannot hold exactly have no such number.
    """
    text = lexical.strip()
    if kind in _INTEGER_TYPES:
        return int(text) if _INTEGER.fullmatch(text) else None
    if kind == "decimal":
        if not _DECIMAL.fullmatch(text):
            return None
        value = Decimal(text)
        if value == value.to_integral_value():
            return int(value)
        number = float(value)
        return number if Decimal(repr(number)) == value else None
    if kind in {"double", "float"}:
        if not _DOUBLE.fullmatch(text):
            return None  # INF, -INF, NaN, or not a number at all
        number = float(text)
        return number if math.isfinite(number) else None
    return None


def plain_value(term: Any) -> Any:
    """A term as a JSON value that keeps it exactly.

    XSD numbers become JSON numbers when one holds the value exactly (integers
    always; decimals when a double holds them; finite doubles); booleans
    become true/false; everything else, including ill-typed literals,
    non-finite doubles, big decimals and custom datatypes, is the lexical
    form as a string. IRIs are CURIEs for the known namespaces.
    """
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if not datatype.startswith(XSD):
            return term.value
        kind = datatype[len(XSD) :]
        if kind == "boolean" and term.value in {"true", "false", "1", "0"}:
            return term.value in {"true", "1"}
        number = _number(kind, term.value)
        return term.value if number is None else number
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
            # A solution iterates over its values in the order of ``variables`` (None where
            # unbound): a third of the cost of looking each value up by name, which at
            # thousands of rows of 15-20 columns is a tenth of a query's time.
            names = [v.value for v in raw.variables]
            return cls("select", names, [list(row) for row in raw])
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
        """The result in a format of :mod:`kgtool.formats` that applies to its kind."""
        from kgtool.formats import write

        return write(self, fmt)

    @property
    def result_kind(self) -> str:
        """``solutions`` (SELECT, ASK) or ``graph`` (CONSTRUCT, DESCRIBE): which formats apply."""
        return "graph" if self.kind == "graph" else "solutions"

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


# Writers of kgtool.formats ------------------------------------------------------
# Each takes a result and the name of its format and returns the text; the
# registry in kgtool.formats says which applies to which kind of result.
def write_table(result: QueryResult, _: str) -> str:
    """Aligned columns for people; a graph result is shown as Turtle."""
    if result.kind == "graph":
        return write_rdf(result, "ttl")
    return result.table()


def write_json(result: QueryResult, _: str) -> str:
    """Compact JSON: a list of objects of plain values (see :func:`plain_value`); ASK: a boolean."""
    if result.kind == "ask":
        return json.dumps(result.boolean)
    return json.dumps(result.records(), indent=2, ensure_ascii=False, allow_nan=False)


def write_sparql_json(result: QueryResult, _: str) -> str:
    """The W3C SPARQL 1.1 Query Results JSON Format."""
    return result.sparql_json()


def write_w3c(result: QueryResult, fmt: str) -> str:
    """SPARQL Results XML, CSV or TSV, written by pyoxigraph's serializers."""
    import pyoxigraph as ox

    target = {"sparql-xml": "XML", "csv": "CSV", "tsv": "TSV"}[fmt]
    if result.kind == "ask" and fmt != "sparql-xml":
        return "true\n" if result.boolean else "false\n"
    parsed = ox.parse_query_results(
        result.sparql_json().encode(), format=ox.QueryResultsFormat.JSON
    )
    return parsed.serialize(format=getattr(ox.QueryResultsFormat, target)).decode()


def write_rdf(result: QueryResult, fmt: str) -> str:
    """A graph result in an RDF format of kgtool.export, deterministically."""
    import pyoxigraph as ox

    from kgtool.export import serialize

    quads = [ox.Quad(t.subject, t.predicate, t.object) for t in result.triples]
    return serialize(quads, fmt).decode()
