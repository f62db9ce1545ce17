"""One rule binds parameters for both executors: VALUES, or substitutions where they reach."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgtool.bindings import after_refusal, as_values, for_embedded
from kgtool.query import LocalExecutor, executor_for
from kgtool.remote import Endpoint
from kgtool.store import KgStore

CHINA = ox.NamedNode("https://w3id.org/kgtool/entity/china")


def test_a_projected_parameter_stays_a_substitution() -> None:
    text = "SELECT ?entity ?label WHERE { ?entity rdfs:label ?label }"
    substitutions = {ox.Variable("entity"): CHINA}
    assert for_embedded(text, substitutions) == (text, substitutions)


def test_a_parameter_used_only_in_the_pattern_becomes_values() -> None:
    text = "SELECT ?label WHERE { ?entity rdfs:label ?label }"
    sparql, left = for_embedded(text, {ox.Variable("entity"): CHINA})
    assert left is None
    assert sparql == as_values(text, {"entity": CHINA})
    assert f"VALUES (?entity) {{ ({CHINA}) }}" in sparql


def test_select_star_is_left_to_the_refusal() -> None:
    text = "SELECT * WHERE { ?entity rdfs:label ?label }"
    substitutions = {ox.Variable("entity"): CHINA}
    assert for_embedded(text, substitutions) == (text, substitutions)
    assert after_refusal(text, substitutions) == as_values(text, {"entity": CHINA})


def test_the_server_text_and_the_embedded_text_are_the_same_rule() -> None:
    text = "SELECT ?label WHERE { ?entity rdfs:label ?label }"
    remote = Endpoint("http://127.0.0.1:1/query", graphs=[]).prepare(text, {"entity": CHINA})
    embedded, _ = for_embedded(text, {ox.Variable("entity"): CHINA})
    assert remote.endswith(embedded)  # the server's text only adds PREFIX lines


def test_executor_for_a_store_a_url_and_an_executor(shipped_store: KgStore) -> None:
    local = executor_for(shipped_store)
    assert isinstance(local, LocalExecutor)
    assert executor_for(local) is local
    remote = executor_for("http://127.0.0.1:7878/query", timeout=5.0)
    assert isinstance(remote, Endpoint) and remote.timeout == 5.0


@pytest.mark.parametrize(
    ("query_url", "store_url"),
    [
        ("http://h:7878", "http://h:7878/store"),
        ("http://h:7878/query", "http://h:7878/store"),
        ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud-auth"),
        ("http://h:3030/kg/sparql", "http://h:3030/kg/data"),
        ("http://h:3030/kg/query", "http://h:3030/kg/data"),
        ("http://h:7200/repositories/kg", "http://h:7200/repositories/kg/rdf-graphs/service"),
        ("http://h/elsewhere/endpoint", None),
    ],
)
def test_the_graph_store_url_is_derived(query_url: str, store_url: str | None) -> None:
    assert Endpoint(query_url).store_url == store_url
