"""The results formats of kgtool.results: compact JSON keeps every value; TSV keeps every row."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgtool.project import Project
from kgtool.query import LocalExecutor
from kgtool.results import QueryResult, plain_value
from kgtool.store import KgStore

XSD = "http://www.w3.org/2001/XMLSchema#"


def run(sparql: str) -> QueryResult:
    kgstore = KgStore(Project(Path.cwd()), ox.Store(), path=None)
    return LocalExecutor(kgstore).execute(sparql, {})


def strict_json(text: str) -> object:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ('"abc"^^xsd:integer', "abc"),
        ('"INF"^^xsd:double', "INF"),
        ('"-INF"^^xsd:double', "-INF"),
        ('"NaN"^^xsd:double', "NaN"),
        ('"1e400"^^xsd:double', "INF"),  # the engine reads it as the double +INF
        ("12345678901234567890.5", "12345678901234567890.5"),
        ('"12"^^<http://example.org/dt#integer>', "12"),
        ('"1.5"^^<http://example.org/dt#decimal>', "1.5"),
        ('"yes"^^xsd:boolean', "yes"),
        ("12345678901234567890123", 12345678901234567890123),
        ("2.50", 2.5),
        ("7.0", 7),
        ('"1.5e3"^^xsd:double', 1500.0),
        ('"42"^^xsd:unsignedShort', 42),
        ("true", True),
        ('"0"^^xsd:boolean', False),
    ],
)
def test_compact_json_keeps_the_value(literal: str, expected: object) -> None:
    result = run(f"SELECT ?v WHERE {{ BIND({literal} AS ?v) }}")
    data = strict_json(result.serialize("json"))
    assert data == [{"v": expected}]
    assert type(data[0]["v"]) is type(expected)  # type: ignore[index]


def test_compact_json_numbers_are_exact() -> None:
    term = ox.Literal(
        "0.1000000000000000055511151231257827", datatype=ox.NamedNode(XSD + "decimal")
    )
    value = plain_value(term)
    assert value == "0.1000000000000000055511151231257827"  # no double holds it exactly
    exact = plain_value(ox.Literal("0.125", datatype=ox.NamedNode(XSD + "decimal")))
    assert exact == 0.125 and Decimal(repr(exact)) == Decimal("0.125")


def test_tsv_and_csv_keep_rows_with_nothing_bound() -> None:
    result = run("SELECT ?x WHERE { VALUES ?x { 1 UNDEF } }")
    assert result.serialize("tsv") == "?x\n1\n\n"
    assert result.serialize("csv") == "x\r\n1\r\n\r\n"
