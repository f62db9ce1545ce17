"""SERVICE and nesting checks of query text: found by the grammar, not by a text search."""

from __future__ import annotations

import pytest

from kgtool.errors import QueryError, ServiceRefused
from kgtool.sparql_checks import check_nesting, check_services, service_targets


@pytest.mark.parametrize(
    ("query", "targets"),
    [
        ("SELECT * { SERVICE <http://a/s> { ?s ?p ?o } }", ["http://a/s"]),
        ("select * { service silent <http://a/s> {} }", ["http://a/s"]),
        ("PREFIX e: <http://a/> SELECT * { SERVICE e:s {} }", ["http://a/s"]),
        ("BASE <http://a/b/> SELECT * { SERVICE <../s> {} }", ["http://a/s"]),
        ("SELECT * { SERVICE ?where {} }", [None]),
        ("SELECT * { SERVICE kg:s {} }", ["https://w3id.org/kgtool/ontology#s"]),
        ('SELECT ("SERVICE <http://a/>" AS ?x) {}', []),
        ("# SERVICE <http://a/>\nSELECT * {}", []),
        ("SELECT ?SERVICE { ?SERVICE ex:SERVICE <http://a/SERVICE> }", []),
        ("SELECT * { SERVICE <s> {} }", ["http://endpoint/s"]),
    ],
)
def test_service_targets(query: str, targets: list[str | None]) -> None:
    prefixes = {"kg": "https://w3id.org/kgtool/ontology#", "ex": "http://ex/"}
    assert service_targets(query, base_iri="http://endpoint/sparql", prefixes=prefixes) == targets


def test_services_are_refused_unless_allowed() -> None:
    query = "SELECT * { SERVICE <http://a/sparql> {} }"
    with pytest.raises(ServiceRefused, match="federated queries are off"):
        check_services(query)
    check_services(query, ["http://a/"])
    with pytest.raises(ServiceRefused, match="not under an allowed prefix"):
        check_services(query, ["http://b/"])
    with pytest.raises(ServiceRefused, match="variable"):
        check_services("SELECT * { SERVICE ?x {} }", ["http://a/"])


def test_nesting_is_bounded() -> None:
    check_nesting("SELECT * WHERE " + "{" * 200 + "}" * 200)
    with pytest.raises(QueryError, match="more than 200 levels"):
        check_nesting("SELECT (" + "(" * 201 + "1" + ")" * 201 + " AS ?x) {}")
