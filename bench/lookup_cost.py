"""What one index lookup and one result term cost on the built store.

A named query's time at scale is mostly these two costs: each pattern joined
row by row is one index lookup per row, and each IRI or long literal in the
answer is one more read to turn its id back into text. This script measures
both on a corpus built by ``bench/run.py``, from the busiest exporter's trade
facts (the chain ``?fact kg:exporter X ; kg:commodity ?c ; kg:period ?p``):

    .venv/bin/python bench/lookup_cost.py /tmp/kgfinal/kg-100000-s1 [--memory]

COUNT(*) of a longer chain minus COUNT(*) of a shorter one is the lookups
alone; SELECT minus COUNT(*) of the same chain is the decoding of its terms.
``--memory`` repeats the measure on an in-memory copy (same engine, no RocksDB).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory_store import in_memory_copy  # bench/memory_store.py
from run import corpus_parameters  # bench/run.py

CHAIN = ("kg:exporter <{x}>", "kg:commodity ?c", "kg:period ?p")


def _query(patterns: int, count: bool, exporter: str) -> str:
    where = "?f " + " ; ".join(CHAIN[:patterns]).replace("{x}", exporter)
    head = "(COUNT(*) AS ?n)" if count else "*"
    return f"SELECT {head} WHERE {{ {where} }}"


def _median_seconds(
    kgstore: Any, patterns: int, count: bool, exporter: str, repeats: int
) -> tuple[float, int]:
    """Median seconds of one chain query, and its row count."""
    sparql = _query(patterns, count, exporter)
    times, rows = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        solutions = list(kgstore.query(sparql))
        times.append(time.perf_counter() - started)
        rows = int(solutions[0]["n"].value) if count else len(solutions)
    return statistics.median(times), rows


def measure(kgstore: Any, exporter: str, repeats: int) -> dict[str, float]:
    """Microseconds per index lookup and per decoded result term."""
    timed = {
        (n, count): _median_seconds(kgstore, n, count, exporter, repeats)
        for n in (1, 3)
        for count in (True, False)
    }
    first_rows = timed[(1, True)][1]  # rows of the first pattern: each is looked up twice more
    final_rows = timed[(3, True)][1]
    lookups = 2 * first_rows
    lookup_s = timed[(3, True)][0] - timed[(1, True)][0]
    terms = 3 * final_rows  # ?f ?c ?p
    decode_s = timed[(3, False)][0] - timed[(3, True)][0]
    return {
        "rows": first_rows,
        "lookups": lookups,
        "lookup_us": lookup_s / lookups * 1e6,
        "terms": terms,
        "term_us": decode_s / max(terms, 1) * 1e6,
        "chain_ms": timed[(3, False)][0] * 1000,
    }


def _show(name: str, figures: dict[str, float]) -> None:
    print(
        f"{name}: {figures['lookup_us']:.1f} µs per index lookup ({figures['lookups']:,} lookups), "
        f"{figures['term_us']:.1f} µs per result term ({figures['terms']:,} terms); "
        f"the 3-pattern chain over {figures['rows']:,} facts takes {figures['chain_ms']:.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="a project whose store is built")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--memory", action="store_true", help="also on an in-memory copy")
    args = parser.parse_args(argv)

    from kgtool.project import Project
    from kgtool.store import open_store

    kgstore = open_store(Project(args.project), refresh=False)
    exporter = corpus_parameters(kgstore).get("country")
    if exporter is None:
        print("the corpus has no trade flow with an exporter", file=sys.stderr)
        return 2
    print(f"busiest exporter: {exporter}")
    _show("RocksDB store", measure(kgstore, exporter, args.repeats))
    if args.memory:
        _show("in-memory copy", measure(in_memory_copy(kgstore), exporter, args.repeats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
