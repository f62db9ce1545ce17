"""Real SPARQL servers for the tests, and how their answers are compared with the embedded store's.

scripts/test.sh starts the servers once for the whole run and names them in
KGTOOL_TEST_SERVER (Oxigraph, union default graph), KGTOOL_TEST_SERVER_PLAIN
(Oxigraph without it) and KGTOOL_TEST_VIRTUOSO (Virtuoso's /sparql). Run
without it, the tests start Oxigraph servers themselves from the venv's
``oxigraph`` binary, and skip Virtuoso.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import requests

from kgtool.named_queries import PACKAGE_QUERIES, NamedQuery, list_queries
from kgtool.project import GRAPH_BASE, Project

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OxigraphServer:
    """One ``oxigraph serve`` process on a folder, restartable on the same data."""

    def __init__(self, location: Path, *, union: bool = True) -> None:
        self.location = location
        self.union = union
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = location.parent / f"{location.name}.log"

    def start(self) -> OxigraphServer:
        self.process = subprocess.Popen(
            [
                str(OXIGRAPH),
                "serve",
                "--location",
                str(self.location),
                "--bind",
                f"127.0.0.1:{self.port}",
                *(["--union-default-graph"] if self.union else []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                requests.get(self.base + "/query", params={"query": "ASK {}"}, timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        log = self.log.read_text(errors="replace")[-500:]
        raise RuntimeError(f"oxigraph did not start on {self.base}: {log}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


_GROUP_CONCAT = re.compile(
    r"GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?"
    r"(?:;\s*separator\s*=\s*(\"[^\"]*\"|'[^']*'))?\s*\)\s*AS\s+\?(\w+)",
    re.I,
)


def concatenations(text: str) -> dict[str, str]:
    """Variables bound by GROUP_CONCAT, with their separator."""
    return {m[2]: (m[1][1:-1] if m[1] else " ") for m in _GROUP_CONCAT.finditer(text)}


def as_strings(result: Any, concatenated: dict[str, str] | None = None) -> list[list[str]]:
    """A result as sorted rows of N-Triples term strings, columns in name order.

    SPARQL leaves the order of GROUP_CONCAT's parts to the engine, and two
    stores may iterate differently, so such values compare as sorted parts.
    """
    if result.kind == "ask":
        return [[str(result.boolean)]]
    if result.kind == "graph":
        return sorted([str(t)] for t in result.triples)
    concatenated = concatenated or {}

    def cell(name: str, term: Any) -> str:
        if term is None:
            return ""
        if name in concatenated and isinstance(term, ox.Literal):
            parts = sorted(term.value.split(concatenated[name]))
            return "|".join(parts)
        return str(term)

    order = sorted(range(len(result.variables)), key=lambda i: result.variables[i])
    rows = [[cell(result.variables[i], row[i]) for i in order] for row in result.rows]
    return sorted(rows)


#: values for parameters that have no default, so that no query runs unbound
SAMPLE_VALUES = {
    "claim": "clm:kt140727-01",
    "fact": "clm:kt140727-01-fact",
    "source": "src:koreatimes-2014-07-27-rare-earth-exports",
    "label": "north korea",
    "needle": "rare earth",
    "prefix": GRAPH_BASE + "graph/",
    "q": "rare earth",
}
#: by type, for parameter names not listed above
SAMPLE_BY_TYPE = {"iri": "ent:north-korea", "string": "korea", "gYear": "2014"}


def all_queries(project: Project) -> list[tuple[NamedQuery, dict[str, str]]]:
    """The project's named queries and kgtool's own, found on disk each run, with values.

    Project queries run with their defaults (an optional parameter stays
    unbound); kgtool's internal queries, whose parameters have no default, get
    a sample value (left unbound, a LIMIT without ORDER BY may pick any row).
    """
    out: list[tuple[NamedQuery, dict[str, str]]] = [
        (query, {}) for query in list_queries(project.queries_dir)
    ]
    for query in list_queries(PACKAGE_QUERIES):
        params = {
            p.name: SAMPLE_VALUES.get(p.name, SAMPLE_BY_TYPE.get(p.type, "2014-01-01"))
            for p in query.parameters
            if p.default is None
        }
        out.append((query, params))
    return out
