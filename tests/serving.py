"""Start a real ``kgtool serve`` on a copy of the shipped project (server and browser tests)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from kgtool.project import Project
from kgtool.store import refresh_store

ROOT = Path(__file__).resolve().parent.parent
KGTOOL = Path(sys.executable).parent / "kgtool"

#: a named query of the test project (the shipped queries/ may hold others too)
TEST_QUERY = """\
# title: Claims attributed to a party
# description: Each claim attributed to PARTY, with its statement and modality.
# param: party iri = ent:choi-kyung-soo -- who says so
SELECT ?claim ?statement ?modality WHERE {
  ?claim a kg:Claim ; prov:wasAttributedTo ?party ; rdfs:label ?statement ;
         kg:modality ?modality .
}
ORDER BY ?claim
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_project(target: Path) -> Project:
    """A copy of the shipped project with a built store and the test's named query."""
    for folder in ("ontology", "graph", "queries"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, target / folder)
    (target / "queries").mkdir(exist_ok=True)
    (target / "queries" / "test-claims-by-party.rq").write_text(TEST_QUERY, encoding="utf-8")
    project = Project(target, target / ".kgtool" / "store")
    kgstore, _ = refresh_store(project)
    kgstore.close()
    return project


@dataclass
class Server:
    url: str
    project: Project
    process: subprocess.Popen[bytes]
    log: Path

    def access_log(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()


@contextmanager
def running_server(project: Project, log: Path, *options: str) -> Iterator[Server]:
    """``kgtool serve`` as a subprocess; yields once it answers, stops it with SIGINT."""
    port = free_port()
    command = [
        str(KGTOOL),
        "--project", str(project.root),
        "--store", str(project.store_path),
        "serve", "--port", str(port), *options,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"kgtool serve exited: {log.read_text(encoding='utf-8')}")
            try:
                if requests.get(url + "/sparql", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("kgtool serve did not answer within 60 s")
            time.sleep(0.2)
        yield Server(url, project, process, log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Listener:
    """A loopback HTTP listener that records every connection and request line it gets."""

    url: str
    connections: list[str]
    requests: list[str]


@contextmanager
def listener() -> Iterator[Listener]:
    """A listener on 127.0.0.1 that answers any request with an empty SPARQL result."""
    import socketserver
    import threading

    heard = Listener("", [], [])
    body = b'{"head": {"vars": ["s", "p", "o"]}, "results": {"bindings": []}}'

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            heard.connections.append(str(self.client_address))
            line = self.rfile.readline(65536).decode("latin-1").strip()
            if not line:
                return
            heard.requests.append(line)
            length = 0
            while True:
                header = self.rfile.readline(65536).decode("latin-1").strip()
                if not header:
                    break
                name, _, value = header.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            self.rfile.read(length)
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                b"Content-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + body
            )

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    heard.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield heard
    finally:
        server.shutdown()
        server.server_close()
