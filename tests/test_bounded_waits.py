"""Every network wait ends within the timeout the user gave, retries included.

A loopback socket that accepts connections and never answers stands in for a
hung server: the kernel completes the TCP handshake for the listen backlog,
so a client connects, sends, and then waits for an answer that never comes.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgtool.cli import main
from kgtool.errors import KgtoolError, RemoteError
from kgtool.project import GRAPH_BASE, Project
from kgtool.query import LocalExecutor
from kgtool.remote import DEFAULT_TIMEOUT, Endpoint
from kgtool.store import KgStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def silent_socket() -> Iterator[str]:
    """The base URL of a socket that accepts and never reads nor answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def many_triples(count: int) -> list[ox.Triple]:
    """Enough triples that the upload fills the socket buffers of a server that never reads."""
    predicate = ox.NamedNode("http://example.org/p")
    return [
        ox.Triple(ox.NamedNode(f"http://example.org/s{i}"), predicate, ox.Literal("x" * 80))
        for i in range(count)
    ]


def test_a_large_push_to_a_silent_server_ends_at_the_timeout(silent_socket: str) -> None:
    endpoint = Endpoint.from_base(silent_socket, timeout=1.0, retries=3, backoff=0.5)
    started = time.monotonic()
    with pytest.raises(RemoteError, match=r"did not answer within 1 s"):
        endpoint.put_graph(GRAPH_BASE + "graph/big", many_triples(60_000))
    assert time.monotonic() - started < 1.8  # one timeout in total, not one per attempt


def test_a_query_to_a_silent_server_ends_at_the_timeout(silent_socket: str) -> None:
    endpoint = Endpoint.from_base(silent_socket, timeout=1.0, graphs=[])
    started = time.monotonic()
    with pytest.raises(RemoteError, match=r"did not answer within 1 s"):
        endpoint.execute("ASK {}", {})
    assert time.monotonic() - started < 1.8


def test_cli_push_timeout_bounds_the_network_part(
    silent_socket: str, project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--project", str(project_copy.root), "-q"]
    assert main([*base, "build"]) == 0  # the store is built before the clock starts
    capsys.readouterr()
    started = time.monotonic()
    code = main([*base, "push", "--no-validate", "--timeout", "2", "--endpoint", silent_socket])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [line for line in err if line.startswith("error: ")] and len(err) == 1
    assert "did not answer within 2 s" in err[0]
    assert elapsed < 4.5  # opening the store (about a second), then one 2 s wait


def test_push_help_and_the_docs_give_the_same_default_timeout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["push", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"default: {DEFAULT_TIMEOUT:g}" in help_text
    docs = " ".join((ROOT / "docs" / "stores.md").read_text(encoding="utf-8").split())
    assert f"{DEFAULT_TIMEOUT:g} s by default" in docs


def test_a_service_call_to_a_silent_server_is_bounded(
    silent_socket: str, shipped_store: KgStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyoxigraph's SERVICE client has no timeout: kgtool stops waiting for it."""
    monkeypatch.setenv("KGTOOL_ENDPOINT_TIMEOUT", "1")
    query = f"SELECT * WHERE {{ SERVICE <{silent_socket}/query> {{ ?s ?p ?o }} }}"
    started = time.monotonic()
    with pytest.raises(KgtoolError):
        LocalExecutor(shipped_store).execute(query, {})
    assert time.monotonic() - started < 2.0
