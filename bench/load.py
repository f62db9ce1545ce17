"""Load benchmark of ``kgtool serve``: the web pages and the API under concurrent clients.

Starts the server on a built project (``--project``, which is only read) or on
a copy of the shipped one, picks what to ask for from the store itself (the
country with the most trade flows, which in a generated corpus is the entity
with the most claims; the median entity by facts that name it; that country's
first trade-flow claim, with its period and value details; the busiest party
for the named query, as bench/run.py picks parameters), then runs N
client threads (one requests.Session each) against 127.0.0.1 per target until
each has made its share of requests or the time bound is reached. Prints
throughput, p50/p99 latency and errors per target beside the target's limits;
the exit code is 1 when any request failed or a page missed its limits.

    .venv/bin/python bench/load.py --clients 8 --requests 400 --seconds 30
    .venv/bin/python bench/load.py --project /tmp/kg-100000 --json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import corpus_parameters, query_parameters  # bench/run.py, a script beside this one
from serving import copy_project, running_server

#: p50 and p99 milliseconds each page must stay within under load
PAGE_LIMITS = {"p50": 100.0, "p99": 500.0}
#: the named query of the API timed beside the pages (its parameters come from the corpus)
DEFAULT_QUERY = "claims-by-party"

#: entities by the number of facts that name them (most first), for a typical one
ENTITY_FACTS = """SELECT ?x (COUNT(?fact) AS ?n) WHERE {
  ?fact ?role ?x . ?x skos:prefLabel ?label . ?claim kg:states ?fact .
  FILTER(STRSTARTS(STR(?x), STR(ent:)))
} GROUP BY ?x ORDER BY DESC(?n) ?x"""
LABEL = "SELECT ?label WHERE { ?x skos:prefLabel ?label } ORDER BY ?label LIMIT 1"


def pick_targets(project: Any, query: str = DEFAULT_QUERY) -> dict[str, dict[str, Any]]:
    """Name -> {"path", "limits", "picked"}: the pages and the named query, from the store."""
    from kgtool.query import find_query
    from kgtool.store import open_store

    kgstore = open_store(project, refresh=False)
    try:
        # bench/run.py's picks: the country with the most trade flows (the entity with
        # the most claims in a generated corpus), its first claim, the busiest party
        found = corpus_parameters(kgstore)
        counted = [(r["x"].value, int(r["n"].value)) for r in kgstore.query(ENTITY_FACTS)]
        if not counted or "claim" not in found:
            raise SystemExit("the store has no entity with facts or no claim to load a page with")
        busiest = found.get("country", counted[0][0])
        typical = counted[len(counted) // 2]
        labels = kgstore.query(LABEL.replace("?x", f"<{busiest}>"))
        words = [r["label"].value for r in labels] or [busiest.rsplit("/", 1)[-1]]
        named = find_query(query, project.queries_dir)
        params = query_parameters(named, found)
    finally:
        kgstore.close()
    facts = dict(counted)
    limits = dict(PAGE_LIMITS)
    return {
        "search page": {
            "path": "/?" + urlencode({"q": words[0]}),
            "limits": limits,
            "picked": f"the label of the busiest entity: {words[0]!r}",
        },
        "entity page (busiest)": {
            "path": "/entity?" + urlencode({"iri": busiest}),
            "limits": limits,
            "picked": f"{busiest}, the country with the most trade flows, named in "
            f"{facts.get(busiest, 0):,} facts (the most named: {counted[0][1]:,})",
        },
        "entity page (typical)": {
            "path": "/entity?" + urlencode({"iri": typical[0]}),
            "limits": limits,
            "picked": f"{typical[0]}, named in {typical[1]:,} facts (the median entity)",
        },
        "claim page": {
            "path": "/claim?" + urlencode({"iri": found["claim"]}),
            "limits": limits,
            "picked": f"{found['claim']}, a trade flow of the busiest entity",
        },
        f"API {query}": {
            "path": f"/api/queries/{query}" + ("?" + urlencode(params) if params else ""),
            "limits": None,
            "picked": ", ".join(f"{k}={v}" for k, v in params.items()) or "its defaults",
        },
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


def single_ms(url: str, repeats: int = 5) -> float:
    """The median milliseconds of one request at a time (no other client)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        requests.get(url, timeout=30)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def met(stats: dict[str, Any], limits: dict[str, float] | None) -> bool | None:
    if limits is None:
        return None
    within = all(stats[k] <= v for k, v in limits.items())
    return bool(within and stats["errors"] == 0)


def bench(
    project_root: Path | None,
    clients: int = 8,
    total: int = 400,
    seconds: float = 30.0,
    workers: int = 2,
    query: str = DEFAULT_QUERY,
) -> dict[str, Any]:
    """Serve the project and load each target; the figures as one dict."""
    from kgtool.project import Project

    with tempfile.TemporaryDirectory() as folder:
        if project_root is None:
            project = copy_project(Path(folder) / "project")
            query = "test-claims-by-party" if query == DEFAULT_QUERY else query
        else:
            project = Project(project_root)
        targets = pick_targets(project, query)
        log = Path(folder) / "serve.log"
        out: dict[str, Any] = {
            "project": str(project.root),
            "clients": clients,
            "requests": total,
            "seconds_bound": seconds,
            "workers": workers,
            "targets": {},
        }
        with running_server(project, log, "--workers", str(workers)) as server:
            for target in targets.values():  # warm up: each worker's caches, the index
                for _ in range(workers):  # a failure here is counted in the run that follows
                    requests.get(server.url + target["path"], timeout=30)
            for name, target in targets.items():
                url = server.url + target["path"]
                stats: dict[str, Any] = {**target, "single_ms": single_ms(url)}
                stats.update(hammer(url, clients, total, seconds))
                stats["met"] = met(stats, target["limits"])
                out["targets"][name] = stats
    return out


def table(r: dict[str, Any]) -> str:
    lines = [
        f"{r['project']}: {r['clients']} clients, up to {r['requests']} requests or "
        f"{r['seconds_bound']:g} s per target, {r['workers']} query processes",
        f"{'target':<26} {'requests':>8} {'req/s':>7} {'alone ms':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6}  limits",
    ]
    for name, s in r["targets"].items():
        limits = s["limits"]
        said = (
            f"p50 <= {limits['p50']:g}, p99 <= {limits['p99']:g}, 0 errors: "
            + ("met" if s["met"] else "MISSED")
            if limits
            else "none set"
        )
        lines.append(
            f"{name:<26} {s['requests']:>8} {s['rps']:>7.1f} {s['single_ms']:>8.1f} "
            f"{s['p50']:>8.1f} {s['p99']:>8.1f} {s['errors']:>6}  {said}"
        )
    lines.append("picked from the store:")
    lines.extend(f"  {name}: {s['picked']}" for name, s in r["targets"].items())
    return "\n".join(lines)


def failed(r: dict[str, Any]) -> bool:
    return any(s["errors"] or s["met"] is False for s in r["targets"].values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="a built project to serve (only read)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="per target")
    parser.add_argument("--seconds", type=float, default=30.0, help="time bound per target")
    parser.add_argument("--workers", type=int, default=2, help="server query processes")
    parser.add_argument("--query", default=DEFAULT_QUERY, help="the named query of the API")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    result = bench(
        args.project, args.clients, args.requests, args.seconds, args.workers, args.query
    )
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 1 if failed(result) else 0


if __name__ == "__main__":
    sys.exit(main())
