"""Every output format kgtool writes, in one table.

One entry per format: its name (``--format``), file extension, media types
(for the endpoint's content negotiation; the first is the one answered), the
kind of result it applies to, and its writer. The CLI's ``query`` and
``export`` options, their ``--help``, the endpoint's ``Accept`` handling and
its Service Description all read this table, so adding a format is one entry.

Two kinds of result: ``solutions`` (SELECT and ASK) and ``graph`` (CONSTRUCT,
DESCRIBE, and exports of the store). A name may stand for a different entry
per kind: ``json`` is compact JSON for solutions and JSON-LD for a graph,
``table`` aligned columns for solutions and Turtle for a graph.

Writers are named ``module:function`` and imported when used, so that
reading this table (``kgtool --help``) imports nothing heavy.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kgtool.errors import QueryError

if TYPE_CHECKING:
    from kgtool.results import QueryResult

SOLUTIONS = "solutions"
GRAPH = "graph"
W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One output format; ``rdf_format`` and ``keeps_graphs`` only for RDF syntaxes."""

    name: str
    extension: str
    media_types: tuple[str, ...]
    kind: str
    writer: str
    description: str
    aliases: tuple[str, ...] = ()
    rdf_format: str | None = None  # the pyoxigraph RdfFormat attribute
    keeps_graphs: bool = False  # named graphs are kept (else merged)
    w3c_name: str | None = None  # its IRI is http://www.w3.org/ns/formats/ + this

    @property
    def w3c_iri(self) -> str | None:
        return W3C_FORMATS + self.w3c_name if self.w3c_name else None

    @property
    def media_type(self) -> str | None:
        return self.media_types[0] if self.media_types else None

    def write(self, result: QueryResult) -> str:
        module, _, function = self.writer.partition(":")
        writer: Any = getattr(importlib.import_module(module), function)
        text: str = writer(result, self.name)
        return text


_RESULTS = "kgtool.results"

#: the table; within a kind, the first entry with a media type is the HTTP default
FORMATS: tuple[Format, ...] = (
    # SELECT and ASK
    Format("sparql-json", "srj", ("application/sparql-results+json", "application/json"),
           SOLUTIONS, f"{_RESULTS}:write_sparql_json", "W3C SPARQL 1.1 Query Results JSON",
           w3c_name="SPARQL_Results_JSON"),
    Format("sparql-xml", "srx", ("application/sparql-results+xml", "application/xml"),
           SOLUTIONS, f"{_RESULTS}:write_w3c", "W3C SPARQL Query Results XML",
           w3c_name="SPARQL_Results_XML"),
    Format("csv", "csv", ("text/csv",), SOLUTIONS, f"{_RESULTS}:write_w3c",
           "W3C SPARQL 1.1 Query Results CSV (plain values)", w3c_name="SPARQL_Results_CSV"),
    Format("tsv", "tsv", ("text/tab-separated-values",), SOLUTIONS, f"{_RESULTS}:write_w3c",
           "W3C SPARQL 1.1 Query Results TSV (RDF terms)", w3c_name="SPARQL_Results_TSV"),
    Format("json", "json", (), SOLUTIONS, f"{_RESULTS}:write_json",
           "compact JSON: one object per row, exact values, CURIEs"),
    Format("table", "txt", (), SOLUTIONS, f"{_RESULTS}:write_table",
           "aligned columns for a terminal"),
    # CONSTRUCT, DESCRIBE and exports
    Format("ttl", "ttl", ("text/turtle", "application/x-turtle"), GRAPH,
           f"{_RESULTS}:write_rdf", "Turtle", aliases=("table",), rdf_format="TURTLE",
           w3c_name="Turtle"),
    Format("nt", "nt", ("application/n-triples", "text/plain"), GRAPH,
           f"{_RESULTS}:write_rdf", "N-Triples", rdf_format="N_TRIPLES", w3c_name="N-Triples"),
    Format("nq", "nq", ("application/n-quads",), GRAPH, f"{_RESULTS}:write_rdf",
           "N-Quads", rdf_format="N_QUADS", keeps_graphs=True,
           w3c_name="N-Quads"),
    Format("trig", "trig", ("application/trig",), GRAPH, f"{_RESULTS}:write_rdf",
           "TriG", rdf_format="TRIG", keeps_graphs=True, w3c_name="TriG"),
    Format("rdfxml", "rdf", ("application/rdf+xml",), GRAPH, f"{_RESULTS}:write_rdf",
           "RDF/XML", rdf_format="RDF_XML", w3c_name="RDF_XML"),
    Format("jsonld", "jsonld", ("application/ld+json",), GRAPH, f"{_RESULTS}:write_rdf",
           "JSON-LD", aliases=("json",), rdf_format="JSON_LD", keeps_graphs=True,
           w3c_name="JSON-LD"),
)  # fmt: skip


def of_kind(kind: str) -> tuple[Format, ...]:
    return tuple(f for f in FORMATS if f.kind == kind)


def names(kind: str | None = None, *, aliases: bool = True) -> tuple[str, ...]:
    """Format names (for ``--format`` choices), of one kind or of all, without repeats."""
    found: list[str] = []
    for fmt in FORMATS if kind is None else of_kind(kind):
        found.append(fmt.name)
        if aliases:
            found.extend(fmt.aliases)
    return tuple(dict.fromkeys(found))


def find(name: str, kind: str) -> Format:
    """The format ``name`` stands for with a result of ``kind``, or a QueryError."""
    for fmt in of_kind(kind):
        if name == fmt.name or name in fmt.aliases:
            return fmt
    what = "a SELECT/ASK" if kind == SOLUTIONS else "a CONSTRUCT/DESCRIBE"
    raise QueryError(
        f"format {name!r} does not apply to {what} result",
        hint=f"use one of {', '.join(names(kind))}",
    )


def write(result: QueryResult, name: str) -> str:
    """The result written in the format ``name`` stands for with its kind of result."""
    return find(name, result.result_kind).write(result)


def offered(kind: str) -> dict[str, Format]:
    """Media type -> format, for content negotiation; the first is the default."""
    return {media: fmt for fmt in of_kind(kind) for media in fmt.media_types}


def help_text(kind: str | None = None) -> str:
    """One line per format for ``--help``: ``name: description``."""
    return "; ".join(f"{f.name}: {f.description}" for f in (of_kind(kind) if kind else FORMATS))


def rdf_formats() -> Iterator[Format]:
    """The RDF syntaxes (exports and graph results)."""
    return (f for f in of_kind(GRAPH) if f.rdf_format is not None)
