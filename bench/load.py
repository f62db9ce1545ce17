"""Load benchmark of ``kgtool serve`` (a script, not a test).

Starts the server on a copy of the project, then runs N client threads (one
requests.Session each) against 127.0.0.1 until each has made its share of
requests or the time bound is reached, for a named query and for a claim page.
Prints throughput, p50/p99 latency and the error count (which must be zero).

    .venv/bin/python bench/load.py --clients 8 --requests 400 --seconds 30
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from serving import copy_project, running_server

TARGETS = {
    "named query": "/api/queries/test-claims-by-party?party=ent:kita",
    "claim page": "/claim?iri=clm:kt140727-30",
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def hammer(url: str, clients: int, total: int, seconds: float) -> dict[str, float]:
    """``total`` GETs of ``url`` shared by ``clients`` threads, stopped at ``seconds``."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(count: int) -> None:
        with requests.Session() as session:
            for _ in range(count):
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                try:
                    ok = session.get(url, timeout=30).status_code == 200
                except requests.RequestException:
                    ok = False
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    errors[0] += not ok

    share = [total // clients + (i < total % clients) for i in range(clients)]
    threads = [threading.Thread(target=client, args=(n,)) for n in share]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "seconds": wall,
        "rps": len(latencies) / wall,
        "p50": percentile(latencies, 0.50) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "errors": errors[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="per target")
    parser.add_argument("--seconds", type=float, default=30.0, help="time bound per target")
    parser.add_argument("--workers", type=int, default=2, help="server query processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = copy_project(Path(folder) / "project")
        log = Path(folder) / "serve.log"
        with running_server(project, log, "--workers", str(args.workers)) as server:
            for path in TARGETS.values():  # warm up
                requests.get(server.url + path, timeout=30).raise_for_status()
            print(
                f"{args.clients} clients, up to {args.requests} requests or "
                f"{args.seconds:g} s per target, {args.workers} query processes"
            )
            print(
                f"{'target':<12} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
                f"{'errors':>6}"
            )
            failed = 0
            for name, path in TARGETS.items():
                stats = hammer(server.url + path, args.clients, args.requests, args.seconds)
                failed += int(stats["errors"])
                print(
                    f"{name:<12} {stats['requests']:>8} {stats['rps']:>8.1f} "
                    f"{stats['p50']:>8.1f} {stats['p99']:>8.1f} {stats['errors']:>6}"
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
