"""What is particular to Virtuoso, on a real Virtuoso 7 started by scripts/test.sh.

Digest authentication on its Graph Store endpoint, its SPARQL errors (HTTP
500) reported at once with its own message, and its defaults kgtool relies on.
The parity of every query, ``why``, ``mentions``, the networks and the export
is in test_remote_parity.py.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from kgtool.errors import RemoteError
from kgtool.project import GRAPH_BASE
from kgtool.remote import Endpoint

pytestmark = pytest.mark.server

LOGIN = {"KGTOOL_ENDPOINT_USER": "dba", "KGTOOL_ENDPOINT_PASSWORD": "dba"}
TRIPLE = ox.Triple(
    ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b"), ox.Literal("c")
)


@pytest.fixture
def virtuoso(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = os.environ.get("KGTOOL_TEST_VIRTUOSO")
    if not url:
        pytest.skip("no Virtuoso server: run the tests through scripts/test.sh")
    monkeypatch.delenv("KGTOOL_ENDPOINT_TOKEN", raising=False)
    yield url


def test_the_store_url_is_derived_for_virtuoso(virtuoso: str) -> None:
    assert (
        Endpoint(virtuoso).store_url == virtuoso.removesuffix("/sparql") + "/sparql-graph-crud-auth"
    )


def test_push_answers_the_digest_challenge(virtuoso: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in LOGIN.items():
        monkeypatch.setenv(name, value)
    graph = GRAPH_BASE + "test/digest"
    endpoint = Endpoint(virtuoso, timeout=30)
    endpoint.put_graph(graph, [TRIPLE])
    endpoint.put_graph(graph, [TRIPLE])  # the second with the challenge remembered
    assert endpoint.graph_counts(GRAPH_BASE + "test/") == {graph: 1}
    endpoint.delete_graph(graph)
    assert endpoint.graph_counts(GRAPH_BASE + "test/") == {}


def test_a_wrong_password_is_one_line(virtuoso: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGTOOL_ENDPOINT_USER", "dba")
    monkeypatch.setenv("KGTOOL_ENDPOINT_PASSWORD", "not-the-password")
    with pytest.raises(RemoteError) as caught:
        Endpoint(virtuoso, timeout=30).put_graph(GRAPH_BASE + "test/refused", [TRIPLE])
    message = str(caught.value)
    assert "401" in message and "KGTOOL_ENDPOINT_PASSWORD" in message and "\n" not in message


def test_without_credentials_the_hint_names_them(
    virtuoso: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KGTOOL_ENDPOINT_USER", raising=False)
    with pytest.raises(RemoteError, match=r"401.*KGTOOL_ENDPOINT_USER"):
        Endpoint(virtuoso, timeout=30).put_graph(GRAPH_BASE + "test/refused", [TRIPLE])


def test_a_sparql_error_is_quoted_at_once(virtuoso: str) -> None:
    """Virtuoso answers 500 to a query it cannot compile: the same every time, not retried."""
    keys = " ".join(f"?o{i}" for i in range(22))  # Virtuoso groups by 20 keys at most
    patterns = " ".join(f"?s <http://example.org/p{i}> ?o{i} ." for i in range(22))
    query = f"SELECT {keys} (COUNT(*) AS ?n) WHERE {{ {patterns} }} GROUP BY {keys}"
    started = time.monotonic()
    with pytest.raises(RemoteError) as caught:
        Endpoint(virtuoso, timeout=30, retries=3, backoff=2.0, graphs=[]).execute(query, {})
    assert time.monotonic() - started < 2.0  # a retry would have waited 2 s first
    message = str(caught.value)
    assert "500" in message and "SQ186" in message  # Virtuoso's own words
    assert "SPARQL query:" not in message and "?o21" not in message  # not the query's copy
    assert "is the server running" not in message and "\n" not in message


def test_an_answer_cut_at_the_row_limit_is_refused(virtuoso: str) -> None:
    """Virtuoso cuts an answer at its ResultSetMaxRows without an error; kgtool says so.

    ``maxrows`` in the URL lowers the limit for these requests, as a low
    ResultSetMaxRows in virtuoso.ini would.
    """
    query = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5"
    limited = Endpoint(virtuoso + "?maxrows=3", timeout=30)
    with pytest.raises(RemoteError, match="cut its answer at 3 rows") as caught:
        limited.execute(query, {}, dataset=False)
    assert "ResultSetMaxRows" in caught.value.hint
    assert len(limited.execute("SELECT ?s WHERE { ?s ?p ?o } LIMIT 2", {}, dataset=False).rows) == 2
    assert len(Endpoint(virtuoso, timeout=30).execute(query, {}, dataset=False).rows) == 5


def test_a_dataset_of_many_graphs_is_answered(
    virtuoso: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Virtuoso repeats each graph a query names as a header of its answer: with 60
    graphs that is over the 100 headers Python's HTTP client takes by default."""
    for name, value in LOGIN.items():
        monkeypatch.setenv(name, value)
    graphs = [f"{GRAPH_BASE}test/many/{i:02d}" for i in range(60)]
    writer = Endpoint(virtuoso, timeout=60)
    try:
        for graph in graphs:
            writer.put_graph(graph, [TRIPLE])
        reader = Endpoint(virtuoso, timeout=60, graphs=graphs)
        rows = reader.execute("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", {}).rows
        assert sorted(row[0].value for row in rows) == graphs
    finally:
        for graph in graphs:
            writer.delete_graph(graph)
