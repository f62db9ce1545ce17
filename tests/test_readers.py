"""Readers are never locked out: commands read the store while ``kgtool serve`` runs,
and a build while it runs is answered from by the server without a restart."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import requests
from serving import KGTOOL, copy_project, running_server

pytestmark = pytest.mark.server

LABEL_QUERY = 'ASK { ?x rdfs:label "Democratic People\'s Republic of Korea (test)"@en }'


def kgtool(project_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KGTOOL), "--project", str(project_root), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "KGTOOL_STORE"},
    )


def ask(url: str, sparql: str) -> bool:
    answer = requests.post(
        url + "/sparql",
        data={"query": "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " + sparql},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    answer.raise_for_status()
    return bool(answer.json()["boolean"])


def test_read_commands_and_a_build_while_the_server_runs(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    root = project.root
    with running_server(project, tmp_path / "serve.log") as server:
        reads = [
            ("query", "trade-flows", "--format", "csv"),
            ("export", "--format", "nt"),
            ("validate",),
            ("why", "clm:kt140727-01"),
            ("network", "stats"),
        ]
        endpoint = os.environ.get("KGTOOL_TEST_SERVER")
        if endpoint:  # the Oxigraph server of scripts/test.sh
            reads.append(("push", "--endpoint", endpoint, "--no-validate"))
        for args in reads:
            done = kgtool(root, *args)
            assert done.returncode == 0, (args, done.stderr)
            assert "in use" not in done.stderr
        assert "kt140727-01" in kgtool(root, "why", "clm:kt140727-01").stdout

        assert not ask(server.url, LABEL_QUERY)
        entities = root / "graph" / "entities.ttl"
        text = entities.read_text(encoding="utf-8")
        marker = "ent:north-korea a "
        assert marker in text
        label = "<http://www.w3.org/2000/01/rdf-schema#label>"
        added = f'ent:north-korea {label} "Democratic People\'s Republic of Korea (test)"@en .\n'
        entities.write_text(text + "\n" + added, encoding="utf-8")
        built = kgtool(root, "build")
        assert built.returncode == 0, built.stderr
        for _ in range(3):  # every worker process, whichever takes the request
            assert ask(server.url, LABEL_QUERY)
        assert server.process.poll() is None
        again = kgtool(root, "build", "--force")
        assert again.returncode == 0, again.stderr
        assert ask(server.url, LABEL_QUERY)
    # generations the server held are removed by the first build after it stopped
    assert kgtool(root, "build", "--force").returncode == 0
    generations = [p.name for p in project.store_path.glob("oxigraph-*") if p.is_dir()]
    assert len(generations) == 1
