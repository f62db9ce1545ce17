"""A real Oxigraph server as the store: push, query parity, interruption, errors, auth.

The session server is started from the venv's ``oxigraph`` binary on a free
port, or reused when KGTOOL_TEST_SERVER holds the base URL of a running one.
Small recording HTTP servers on 127.0.0.1 stand in only where a test needs a
server to misbehave (slow, failing, or reporting the headers it received).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from sparql_servers import OxigraphServer, all_queries, as_strings, concatenations, free_port

from kgtool.cli import main
from kgtool.errors import RemoteError
from kgtool.export import export as local_export
from kgtool.export import serialize
from kgtool.project import GRAPH_BASE, Project
from kgtool.query import (
    LocalExecutor,
    NamedQuery,
    list_queries,
    run,
)
from kgtool.remote import Endpoint
from kgtool.store import KgStore

pytestmark = pytest.mark.server

#: the dataset given to endpoints in front of recording servers (no discovery request)
KNOWN = [GRAPH_BASE + "graph/entities", GRAPH_BASE + "ontology/kgtool"]
ASK_JSON = json.dumps({"head": {}, "boolean": True}).encode()


@pytest.fixture(scope="session")
def server_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a running Oxigraph server with the union default graph."""
    reuse = os.environ.get("KGTOOL_TEST_SERVER")
    if reuse:
        yield reuse.rstrip("/")
        return
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph")).start()
    try:
        yield server.base
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pushed(server_base: str, shipped_store: KgStore) -> Endpoint:
    """The session server holding the shipped graph."""
    endpoint = Endpoint.from_base(server_base, timeout=180)  # some queries take 20 s+
    endpoint.push(shipped_store)
    return endpoint


# Push and parity ------------------------------------------------------------------------
def test_push_then_every_query_gives_the_same_answer(
    pushed: Endpoint, shipped_store: KgStore, shipped_project: Project
) -> None:
    local = LocalExecutor(shipped_store)
    queries = all_queries(shipped_project)
    assert queries
    answered_rows = 0
    for query, params in queries:
        joined = concatenations(query.text)
        expected = as_strings(run(query, params, executor=local, project=shipped_project), joined)
        answered = as_strings(run(query, params, executor=pushed, project=shipped_project), joined)
        assert answered == expected, query.name
        answered_rows += len(answered)
    assert answered_rows > len(queries)  # the comparison is not between empty answers
    counts = pushed.graph_counts()
    assert counts == {
        graph: sum(
            1 for _ in shipped_store.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        )
        for graph in shipped_store.named_graphs()
    }


def test_export_from_the_server_is_byte_identical(pushed: Endpoint, shipped_store: KgStore) -> None:
    for fmt, selection in (("trig", "all"), ("ttl", "data"), ("nq", "ontology")):
        assert pushed.export(fmt, selection) == local_export(
            shipped_store, fmt, selection=selection
        )


def test_push_twice_leaves_the_same_triples(pushed: Endpoint, shipped_store: KgStore) -> None:
    before_counts, before = pushed.graph_counts(), pushed.export("nq")
    stats = pushed.push(shipped_store)
    assert stats.removed == []
    assert stats.triples == sum(before_counts.values())
    assert pushed.graph_counts() == before_counts
    assert pushed.export("nq") == before


def test_push_removes_graphs_of_deleted_files(pushed: Endpoint, shipped_store: KgStore) -> None:
    stale = GRAPH_BASE + "graph/deleted-file"
    triple = ox.Triple(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/b"), ox.Literal("c"))
    pushed.put_graph(stale, [triple])
    assert stale in pushed.graph_counts()
    stats = pushed.push(shipped_store)
    assert stats.removed == [stale]
    assert stale not in pushed.graph_counts()


def test_push_never_sends_an_empty_graph(pushed: Endpoint) -> None:
    with pytest.raises(RemoteError, match="with nothing"):
        pushed.put_graph(GRAPH_BASE + "graph/entities", [])


# Interruption ------------------------------------------------------------------------------
def generated_store(project: Project, version: str, graphs: int, size: int) -> KgStore:
    """A store of ``graphs`` named graphs of ``size`` triples whose objects say ``version``."""
    store = ox.Store()
    predicate = ox.NamedNode("http://example.org/version")
    for g in range(graphs):
        graph = ox.NamedNode(f"{GRAPH_BASE}generated/g{g}")
        store.extend(
            ox.Quad(
                ox.NamedNode(f"http://example.org/g{g}/s{i}"), predicate, ox.Literal(version), graph
            )
            for i in range(size)
        )
    return KgStore(project, store, path=None)


def versions(endpoint: Endpoint) -> dict[str, dict[str, int]]:
    """Per generated graph: how many triples say "old" and how many "new"."""
    result = endpoint.execute(
        "SELECT ?g ?v (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s <http://example.org/version> ?v } }"
        " GROUP BY ?g ?v",
        {},
    )
    out: dict[str, dict[str, int]] = {}
    for graph, value, count in result.rows:
        out.setdefault(graph.value, {})[value.value] = int(count.value)
    return out


@pytest.mark.slow
def test_interrupted_push_leaves_each_graph_old_or_new(
    tmp_path: Path, shipped_project: Project
) -> None:
    graphs, size = 4, 15_000
    server = OxigraphServer(tmp_path / "data").start()
    try:
        endpoint = Endpoint.from_base(server.base, retries=1, backoff=0.1, timeout=60)
        endpoint.push(generated_store(shipped_project, "old", graphs, size), prune=False)
        assert all(v == {"old": size} for v in versions(endpoint).values())

        def kill_during_second_graph(message: str) -> None:
            if "(2/" in message:
                threading.Timer(0.05, server.kill).start()

        new = generated_store(shipped_project, "new", graphs, size)
        with pytest.raises(RemoteError) as caught:
            endpoint.push(new, progress=kill_during_second_graph, prune=False)
        assert "cannot reach" in str(caught.value) or "closed" in str(caught.value)
        assert "\n" not in str(caught.value)
    finally:
        server.kill()
    server.start()  # same data folder, a new process
    try:
        after = versions(Endpoint.from_base(server.base))
        assert len(after) == graphs
        assert all(v in ({"old": size}, {"new": size}) for v in after.values()), after
        assert after[f"{GRAPH_BASE}generated/g0"] == {"new": size}  # the first PUT had completed
    finally:
        server.stop()


# Errors, timeouts, retries, auth ------------------------------------------------------------
class Recorder(BaseHTTPRequestHandler):
    """Answers from a script of (status, delay) and records what each request carried."""

    script: ClassVar[list[tuple[int, float]]] = []
    seen: ClassVar[list[dict[str, Any]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        type(self).seen.append(
            {"method": self.command, "headers": dict(self.headers), "body": body}
        )
        status, delay = type(self).script.pop(0) if type(self).script else (200, 0.0)
        time.sleep(delay)
        payload = (
            ASK_JSON if status == 200 else b"<html><b>Query refused:</b> syntax error at 1:5</html>"
        )
        try:
            self._send(status, payload)
        except (BrokenPipeError, ConnectionResetError):
            return None  # the client gave up waiting: what the timeout test wants

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header(
            "Content-Type", "application/sparql-results+json" if status == 200 else "text/html"
        )
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *_: Any) -> None:
        return None


@pytest.fixture
def recorder() -> Iterator[tuple[str, type[Recorder]]]:
    handler = type("Handler", (Recorder,), {"script": [], "seen": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/sparql", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_bearer_token_and_form_post(
    recorder: tuple[str, type[Recorder]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, handler = recorder
    monkeypatch.setenv("KGTOOL_ENDPOINT_TOKEN", "s3cret-token")
    monkeypatch.setenv("KGTOOL_ENDPOINT_USER", "ignored-when-a-token-is-set")
    assert Endpoint(url, graphs=KNOWN).execute("ASK { ?s kg:states ?f }", {}).boolean is True
    request = handler.seen[0]
    assert request["method"] == "POST"
    assert request["headers"]["Authorization"] == "Bearer s3cret-token"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert request["headers"]["Accept"] == "application/sparql-results+json"
    assert request["body"].startswith("query=PREFIX+kg%3A")
    for graph in KNOWN:  # the dataset is named: servers without a union default graph
        for field in ("default-graph-uri", "named-graph-uri"):
            assert f"{field}={quote(graph, safe='')}" in request["body"]


def test_a_query_with_from_keeps_its_own_dataset(recorder: tuple[str, type[Recorder]]) -> None:
    url, handler = recorder
    Endpoint(url, graphs=KNOWN).execute("ASK FROM <http://example.org/g> { ?s ?p ?o }", {})
    assert "default-graph-uri" not in handler.seen[0]["body"]


def test_basic_auth_from_env(
    recorder: tuple[str, type[Recorder]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    url, handler = recorder
    monkeypatch.delenv("KGTOOL_ENDPOINT_TOKEN", raising=False)
    monkeypatch.setenv("KGTOOL_ENDPOINT_USER", "analyst")
    monkeypatch.setenv("KGTOOL_ENDPOINT_PASSWORD", "pa:ss")
    Endpoint(url, graphs=KNOWN).execute("ASK {}", {})
    expected = "Basic " + base64.b64encode(b"analyst:pa:ss").decode()
    assert handler.seen[0]["headers"]["Authorization"] == expected


def test_no_credentials_no_header(
    recorder: tuple[str, type[Recorder]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, handler = recorder
    for name in ("KGTOOL_ENDPOINT_TOKEN", "KGTOOL_ENDPOINT_USER", "KGTOOL_ENDPOINT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    Endpoint(url, graphs=KNOWN).execute("ASK {}", {})
    assert "Authorization" not in handler.seen[0]["headers"]


def test_retries_5xx_with_backoff(recorder: tuple[str, type[Recorder]]) -> None:
    url, handler = recorder
    handler.script[:] = [(503, 0.0), (502, 0.0)]
    started = time.monotonic()
    assert Endpoint(url, graphs=KNOWN, retries=3, backoff=0.2).execute("ASK {}", {}).boolean is True
    assert len(handler.seen) == 3
    assert time.monotonic() - started >= 0.2 + 0.4  # 0.2 s, then 0.4 s


def test_4xx_is_one_line_with_the_server_message(recorder: tuple[str, type[Recorder]]) -> None:
    url, handler = recorder
    handler.script[:] = [(400, 0.0)]
    with pytest.raises(RemoteError) as caught:
        Endpoint(url, graphs=KNOWN, retries=3).execute("ASK {}", {})
    assert len(handler.seen) == 1  # a refusal is not retried
    message = str(caught.value)
    assert "400" in message and "Query refused: syntax error at 1:5" in message
    assert "<" not in message and "\n" not in message


def test_500_is_not_retried_and_quotes_the_server(recorder: tuple[str, type[Recorder]]) -> None:
    """A server's error in the query (Virtuoso's SPARQL compiler errors are 500s) is final."""
    url, handler = recorder
    handler.script[:] = [(500, 0.0), (500, 0.0)]
    with pytest.raises(RemoteError) as caught:
        Endpoint(url, graphs=KNOWN, retries=3, backoff=0.1).execute("ASK {}", {})
    assert len(handler.seen) == 1
    message = str(caught.value)
    assert "500" in message and "Query refused: syntax error at 1:5" in message
    assert "is the server running" not in message


def test_retries_share_the_timeout(recorder: tuple[str, type[Recorder]]) -> None:
    """A server that stays unavailable is given up on at the timeout, not after every retry."""
    url, handler = recorder
    handler.script[:] = [(503, 0.0)] * 10
    started = time.monotonic()
    with pytest.raises(RemoteError, match="503"):
        Endpoint(url, graphs=KNOWN, timeout=1.0, retries=8, backoff=0.3).execute("ASK {}", {})
    assert time.monotonic() - started < 1.3  # 0.3 + 0.6 s of back-off; 1.2 s more is not taken
    assert 2 <= len(handler.seen) < 4


def test_the_dataset_is_asked_for_once(recorder: tuple[str, type[Recorder]]) -> None:
    url, handler = recorder
    endpoint = Endpoint(url)
    endpoint.execute("ASK {}", {})
    endpoint.execute("ASK {}", {})
    bodies = [request["body"] for request in handler.seen]
    assert len(bodies) == 3  # the graphs under kgtool's namespace, then the two queries
    assert "GRAPH+%3Fg" in bodies[0] and quote(GRAPH_BASE, safe="") in bodies[0]
    assert "default-graph-uri" not in bodies[0]


def test_the_dataset_is_asked_again_when_old(recorder: tuple[str, type[Recorder]]) -> None:
    """A long-running ``serve --endpoint`` sees graphs pushed after it started."""
    url, handler = recorder
    endpoint = Endpoint(url, dataset_seconds=0.0)
    endpoint.execute("ASK {}", {})
    time.sleep(0.01)
    endpoint.execute("ASK {}", {})
    asked = [r for r in handler.seen if "GRAPH+%3Fg" in r["body"]]
    assert len(handler.seen) == 4 and len(asked) == 2


def test_query_timeout_is_honoured(recorder: tuple[str, type[Recorder]]) -> None:
    url, handler = recorder
    handler.script[:] = [(200, 3.0)]
    started = time.monotonic()
    with pytest.raises(RemoteError, match=r"did not answer within 0\.5 s"):
        Endpoint(url, graphs=KNOWN, timeout=0.5, retries=3).execute("ASK {}", {})
    assert time.monotonic() - started < 2.5
    assert len(handler.seen) == 1  # a slow query is not re-sent


def test_server_down_is_one_error_line_exit_2(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    code = main(["--project", str(root), "query", "-e", "ASK {}", "--endpoint", url])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach "), err
    assert "connection refused" in lines[0]


# CLI ------------------------------------------------------------------------------------------
def test_cli_query_with_endpoint(
    pushed: Endpoint,
    shipped_store: KgStore,
    shipped_project: Project,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    named = list_queries(shipped_project.queries_dir)
    if named:
        target, query = named[0].name, named[0]
    else:  # no project queries yet: a .rq file with a parameter and a default
        path = tmp_path / "claims-by-attribution.rq"
        path.write_text(
            "# title: Claims attributed to one party\n"
            "# param: party iri = ent:kita -- who says so\n"
            "SELECT ?claim ?label WHERE {\n"
            "  ?claim prov:wasAttributedTo ?party ; rdfs:label ?label }\n"
            "ORDER BY ?claim\n",
            encoding="utf-8",
        )
        target, query = str(path), NamedQuery.from_file(path)
    code = main(
        [
            "--project",
            str(shipped_project.root),
            "query",
            target,
            "--format",
            "sparql-json",
            "--endpoint",
            pushed.query_url,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    remote = json.loads(out)
    local = json.loads(
        run(query, executor=LocalExecutor(shipped_store), project=shipped_project).sparql_json()
    )
    assert remote["results"]["bindings"], "the query found nothing: a vacuous comparison"
    key = lambda b: json.dumps(b, sort_keys=True)  # noqa: E731
    assert sorted(remote["results"]["bindings"], key=key) == sorted(
        local["results"]["bindings"], key=key
    )


def test_cli_push_and_export(
    server_base: str, project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--project",
            str(project_copy.root),
            "-q",
            "push",
            "--no-validate",
            "--endpoint",
            server_base,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("pushed ") and " graphs, " in out and " triples " in out
    code = main(
        [
            "--project",
            str(project_copy.root),
            "export",
            "--format",
            "nq",
            "--endpoint",
            server_base + "/query",
        ]
    )
    remote = capsys.readouterr().out
    code_local = main(["--project", str(project_copy.root), "-q", "export", "--format", "nq"])
    local = capsys.readouterr().out
    assert code == code_local == 0
    # The local export keeps literals as written; the server stores them normalised
    # ("30"^^xsd:nonNegativeInteger as an xsd:integer), as pyoxigraph's store does.
    normalised = ox.Store()
    normalised.load(local.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    assert remote == serialize(normalised, "nq").decode("utf-8")
    assert remote.count("\n") > 1000


def test_cli_push_without_endpoint(
    root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KGTOOL_ENDPOINT", raising=False)
    assert main(["--project", str(root), "push"]) == 2
    assert capsys.readouterr().err.startswith("error: no server given")
