"""Validation where the data lives: ``validate --endpoint`` on real SPARQL servers.

The compiled SHACL-as-SPARQL checks run on each server scripts/test.sh starts:
Oxigraph with a union default graph (KGTOOL_TEST_SERVER), Oxigraph without
one (KGTOOL_TEST_SERVER_PLAIN) and Virtuoso (KGTOOL_TEST_VIRTUOSO). The checks
read kgtool's graphs as the dataset the queries name, never the server's
default graph; the report must equal the embedded store's, result for result.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import FIXTURES
from test_shacl import fixture_store, keys

from kgtool import shacl
from kgtool.cli import main
from kgtool.errors import RemoteError
from kgtool.project import Project
from kgtool.remote import Endpoint
from kgtool.report import ValidationReport
from kgtool.shacl.source import EndpointSource
from kgtool.store import KgStore, memory_store
from kgtool.validate import validate

pytestmark = pytest.mark.server

#: the servers, by the variable scripts/test.sh names them in (a base URL for Oxigraph)
SERVERS = {
    "oxigraph-union": "KGTOOL_TEST_SERVER",
    "oxigraph-plain": "KGTOOL_TEST_SERVER_PLAIN",
    "virtuoso": "KGTOOL_TEST_VIRTUOSO",
}
#: Virtuoso's administrator login on a new database (tests/servers/virtuoso.ini)
VIRTUOSO_LOGIN = {"KGTOOL_ENDPOINT_USER": "dba", "KGTOOL_ENDPOINT_PASSWORD": "dba"}


def connect(kind: str, monkeypatch: pytest.MonkeyPatch) -> Endpoint:
    """The test server of ``kind``, with Virtuoso's login for pushing (skip if not running)."""
    url = os.environ.get(SERVERS[kind])
    if not url:
        pytest.skip(f"needs {SERVERS[kind]}: run through scripts/test.sh")
    for name in ("KGTOOL_ENDPOINT_TOKEN", "KGTOOL_ENDPOINT_USER", "KGTOOL_ENDPOINT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    if kind != "virtuoso":
        return Endpoint.from_base(url.rstrip("/"), timeout=180)
    for name, value in VIRTUOSO_LOGIN.items():
        monkeypatch.setenv(name, value)
    return Endpoint(url, timeout=180)


@pytest.fixture(params=list(SERVERS))
def endpoint(
    request: pytest.FixtureRequest, shipped_store: KgStore, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Endpoint]:
    """Each test server; the shipped graph is pushed back afterwards for the other tests."""
    server = connect(request.param, monkeypatch)
    try:
        yield server
    finally:
        server.push(shipped_store)


def comparable(report: ValidationReport) -> list[tuple[Any, ...]]:
    """Every field of every result; blank node labels (each store has its own) as ``_:``."""

    def node(text: str) -> str:
        return text if text.startswith(("http:", "https:", "file:")) or not text else "_:"

    return sorted(
        (node(r.focus), r.path, r.component, r.message, r.severity, r.value, r.shape, r.files)
        for r in report.results
    )


def test_shipped_graph_on_the_server_gives_the_embedded_report(
    endpoint: Endpoint, shipped_project: Project, shipped_store: KgStore
) -> None:
    endpoint.push(shipped_store)
    remote = validate(endpoint, project=shipped_project)
    local = validate(shipped_store)
    assert remote.conforms and local.conforms
    assert comparable(remote) == comparable(local)


def test_generated_violations_on_the_server_give_the_embedded_report(
    endpoint: Endpoint, generated: Callable[..., Project], shipped_project: Project
) -> None:
    project = generated(200, 5, 2)
    kgstore = memory_store(project)
    endpoint.push(kgstore)
    local = validate(kgstore)
    remote = validate(endpoint, project=project)
    assert comparable(remote) == comparable(local)
    injected = json.loads((project.root / "violations.json").read_text())["injected"]
    assert len(remote.results) >= len(injected) > 10
    # the report came from the server: asked with another checkout, the server still
    # reports this corpus's shape violations
    elsewhere = validate(endpoint, project=shipped_project)
    shapes = {r for r in comparable(remote) if "Integrity" not in r[2]}
    assert {(r[0], r[1], r[2]) for r in shapes} <= {
        (r[0], r[1], r[2]) for r in comparable(elsewhere)
    }


def test_validate_endpoint_command_prints_the_embedded_report(
    endpoint: Endpoint, generated: Callable[..., Project], capsys: pytest.CaptureFixture[str]
) -> None:
    project = generated(200, 9, 1)
    endpoint.push(memory_store(project))
    base = ["--project", str(project.root), "-q", "validate", "--format", "json"]
    assert main([*base, "--endpoint", endpoint.query_url]) == 1
    remote = json.loads(capsys.readouterr().out)
    assert main(base) == 1
    local = json.loads(capsys.readouterr().out)
    assert remote["conforms"] is local["conforms"] is False
    assert len(remote["results"]) == len(local["results"]) > 5
    assert remote == local


def test_a_report_from_answers_cut_short_is_refused(
    shipped_project: Project, shipped_store: KgStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Virtuoso cuts answers at its row limit without an error: validation then stops
    with that error rather than report on part of the graph."""
    server = connect("virtuoso", monkeypatch)
    server.push(shipped_store)
    limited = Endpoint(server.query_url + "?maxrows=20", timeout=180)  # a low ResultSetMaxRows
    with pytest.raises(RemoteError, match="cut its answer at 20 rows"):
        validate(limited, project=shipped_project)


#: one small graph per kind of violation (tests/fixtures/invalid), and a valid one
FIXTURE_FILES = sorted((FIXTURES / "invalid").glob("*.ttl")) + sorted(
    (FIXTURES / "valid").glob("*.ttl")
)


@pytest.mark.slow
def test_every_kind_of_violation_is_found_on_virtuoso(
    shipped_store: KgStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each fixture's results on Virtuoso equal the embedded engine's (itself checked
    against pyshacl in test_shacl.py): every constraint component the shapes use, on
    the server whose SPARQL evaluation differs from pyoxigraph's (an Oxigraph server
    runs the same engine as the embedded store; about 75 s)."""
    server = connect("virtuoso", monkeypatch)
    differ: dict[str, Any] = {}
    found = 0
    try:
        for path in FIXTURE_FILES:
            kgstore = fixture_store(path)
            server.push(kgstore)
            remote = keys(shacl.validate(EndpointSource(server, kgstore.project)))
            local = keys(shacl.validate(kgstore))
            found += bool(remote)
            if remote != local:
                differ[path.stem] = {"server": remote - local, "embedded": local - remote}
    finally:
        server.push(shipped_store)
    assert differ == {}
    assert found == len(FIXTURE_FILES) - 1  # each invalid fixture breaks something
