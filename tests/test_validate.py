"""Validation where the data lives: ``validate --endpoint`` on a real SPARQL server.

The compiled SHACL-as-SPARQL checks run on the Oxigraph server that
scripts/test.sh starts (KGTOOL_TEST_SERVER, with ``--union-default-graph``);
the report must equal the embedded store's, result for result.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kgtool.cli import main
from kgtool.project import Project
from kgtool.remote import Endpoint
from kgtool.report import ValidationReport
from kgtool.store import KgStore, memory_store
from kgtool.validate import validate

pytestmark = pytest.mark.server


@pytest.fixture
def endpoint(shipped_store: KgStore) -> Iterator[Endpoint]:
    """The test server; the shipped graph is pushed back afterwards for the other tests."""
    base = os.environ.get("KGTOOL_TEST_SERVER")
    if not base:
        pytest.skip("needs KGTOOL_TEST_SERVER: run through scripts/test.sh")
    server = Endpoint.from_base(base.rstrip("/"), timeout=180)
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
    project = generated(300, 5, 2)
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
