"""The format registry: one table for --format, export, content negotiation and --help."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgtool.errors import QueryError
from kgtool.export import FORMATS as EXPORT_FORMATS
from kgtool.formats import FORMATS, GRAPH, SOLUTIONS, find, names, offered, write
from kgtool.results import QueryResult


def test_each_name_means_one_format_per_kind() -> None:
    for kind in (SOLUTIONS, GRAPH):
        spelled = [n for f in FORMATS if f.kind == kind for n in (f.name, *f.aliases)]
        assert len(spelled) == len(set(spelled)), kind


def test_exports_are_the_rdf_formats_of_the_table() -> None:
    rdf = {f.name for f in FORMATS if f.rdf_format}
    assert set(EXPORT_FORMATS) == rdf == {"ttl", "nt", "nq", "trig", "rdfxml", "jsonld"}
    for fmt in FORMATS:
        if fmt.rdf_format:  # each names a real pyoxigraph format with the same media type
            assert getattr(ox.RdfFormat, fmt.rdf_format).media_type == fmt.media_type


def test_results_media_types_are_pyoxigraph_s() -> None:
    for media, fmt in offered(SOLUTIONS).items():
        if media.startswith("application/sparql-results") or media.startswith("text/"):
            parsed = ox.QueryResultsFormat.from_media_type(media)
            assert parsed is not None and fmt.name in {"sparql-json", "sparql-xml", "csv", "tsv"}


def test_negotiation_offers_every_rdf_format_for_graphs() -> None:
    served = {f.name for f in offered(GRAPH).values()}
    assert served == {"ttl", "nt", "nq", "trig", "rdfxml", "jsonld"}
    assert next(iter(offered(GRAPH))) == "text/turtle"
    assert next(iter(offered(SOLUTIONS))) == "application/sparql-results+json"


def test_json_and_table_depend_on_the_kind() -> None:
    assert find("json", GRAPH).name == "jsonld"
    assert find("json", SOLUTIONS).name == "json"
    assert find("table", GRAPH).name == "ttl"
    with pytest.raises(QueryError, match="does not apply"):
        find("csv", GRAPH)
    with pytest.raises(QueryError, match="does not apply"):
        find("rdfxml", SOLUTIONS)


def test_cli_choices_come_from_the_table() -> None:
    from kgtool.cli.ask import FORMATS as QUERY_CHOICES

    assert set(QUERY_CHOICES) == {n for f in FORMATS for n in (f.name, *f.aliases)}
    assert set(names(GRAPH, aliases=False)) == set(EXPORT_FORMATS)


def test_every_rdf_format_writes_a_graph_result() -> None:
    triple = ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o"))
    result = QueryResult("graph", triples=[triple])
    for fmt in FORMATS:
        if fmt.kind != GRAPH:
            continue
        text = write(result, fmt.name)
        parsed = list(ox.parse(text.encode(), format=getattr(ox.RdfFormat, fmt.rdf_format)))
        assert [q.triple for q in parsed] == [triple], fmt.name
