"""Servers' answers read as embedded-store terms: blank-node labels, old term types, XSD forms."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kgtool.errors import RemoteError
from kgtool.remote.answers import XSD, blank_node, canonical_lexical, parse_answer, results_json


def bindings(*rows: dict[str, object]) -> bytes:
    names = sorted({name for row in rows for name in row})
    return json.dumps({"head": {"vars": names}, "results": {"bindings": list(rows)}}).encode()


def test_virtuoso_blank_node_labels_become_valid_stable_ones() -> None:
    body = bindings(
        {"s": {"type": "bnode", "value": "nodeID://b10168"}},
        {"s": {"type": "bnode", "value": "nodeID://b10168"}},
        {"s": {"type": "bnode", "value": "nodeID://b10169"}},
    )
    first, second, third = (row[0] for row in results_json(body).rows)
    assert isinstance(first, ox.BlankNode)
    assert first == second != third
    assert ox.BlankNode(first.value) == first  # a valid label
    assert blank_node("b0") == ox.BlankNode("b0")  # valid labels are kept


def test_typed_literal_and_language_and_unbound() -> None:
    body = bindings(
        {
            "n": {"type": "typed-literal", "datatype": XSD + "integer", "value": "7"},
            "l": {"type": "literal", "xml:lang": "en", "value": "China"},
        },
        {"l": {"type": "literal", "value": "plain"}},
    )
    result = results_json(body)
    assert result.variables == ["l", "n"]
    assert result.rows[0] == [
        ox.Literal("China", language="en"),
        ox.Literal("7", datatype=ox.NamedNode(XSD + "integer")),
    ]
    assert result.rows[1] == [ox.Literal("plain"), None]


@pytest.mark.parametrize(
    ("text", "datatype", "canonical"),
    [
        ("1", "boolean", "true"),
        ("0", "boolean", "false"),
        ("true", "boolean", "true"),
        ("12", "duration", "P1Y"),
        ("14", "duration", "P1Y2M"),
        ("3600.0", "duration", "PT1H"),
        ("86400.0", "dayTimeDuration", "P1D"),
        ("90061.5", "duration", "P1DT1H1M1.5S"),
        ("0", "duration", "PT0S"),
        ("P1Y", "duration", "P1Y"),
        ("12", "integer", "12"),
    ],
)
def test_numbers_a_server_stores_natively_read_back_in_canonical_form(
    text: str, datatype: str, canonical: str
) -> None:
    assert canonical_lexical(text, XSD + datatype) == canonical
    if datatype != "integer":  # the form Oxigraph keeps for the same value
        kept = ox.Literal(canonical, datatype=ox.NamedNode(XSD + datatype))
        assert kept.value == canonical


def test_ask_and_a_graph_answer() -> None:
    assert results_json(b'{"head": {}, "boolean": false}').boolean is False
    graph = parse_answer(
        b"<http://e/a> <http://e/b> _:vb1 .\n", "text/plain", graph_form=True, origin="x"
    )
    assert len(graph.triples) == 1


def test_not_results_is_one_remote_error() -> None:
    with pytest.raises(RemoteError, match="did not answer with SPARQL results"):
        parse_answer(
            b"<html>oops</html>", "application/sparql-results+json", graph_form=False, origin="x"
        )
