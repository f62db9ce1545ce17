"""Benchmark full-text search against the SPARQL quote-search on one generated corpus.

Builds the corpus's store if it has none (or reuses it), then the search index
from scratch (timed), then times each kind of search (median of ``--repeats``
runs after one untimed run) beside the named query quote-search, which scans
every quote with ``CONTAINS``, in the same process. Beside each search's page
it also times plain bm25 on the same index (every match scored before the
page is cut), the order the index's windows replace (kgtool/search/ranking.py).
Last, one claims file is edited and the store and the index are brought up
to date (timed), and the edit is undone.

    python bench/search.py --claims 100000 [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ensure_corpus  # bench/run.py, a script beside this one

#: kind -> search text; the words occur in every generated corpus (bench/generate.py)
SEARCHES = {
    "word": "sanctions",
    "rare word": "fertiliser",
    "two words": "tungsten exports",
    "phrase": '"exported goods to the value"',
    "prefix": "sanction*",
    "short prefix": "ex*",
    "claims only (word)": "sanctions",
}
#: the SPARQL baseline: quote-search's own parameter, the same word as "word"
BASELINE_TEXT = "sanctions"


def median_ms(action: Any, repeats: int) -> tuple[float, Any]:
    """The median wall milliseconds of ``repeats`` calls (after one untimed call) and a result."""
    result = action()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def exact_bm25(index: Any, text: str, limit: int, kinds: list[str]) -> list[Any]:
    """A page as plain bm25 orders it: every match scored before the page is cut.

    The order the index gave before windows (kgtool/search/ranking.py), on
    the same index, for the figure beside it; highlights are not made.
    """
    match = index._match(text, kinds, ())
    return index.connection.execute(
        "SELECT i.id, i.item, i.kind, i.graph, i.anchors, fts.rank "
        "FROM fts JOIN items i ON i.id = fts.rowid WHERE fts MATCH ? "
        "ORDER BY fts.rank, i.item LIMIT ?",
        (match, limit),
    ).fetchall()


def bench(project_root: Path, repeats: int, limit: int) -> dict[str, Any]:
    from kgtool.project import Project
    from kgtool.query import LocalExecutor, find_query, run
    from kgtool.search import index_for, index_path, search, update_index
    from kgtool.store import open_store, refresh_store

    project = Project(project_root)
    out: dict[str, Any] = {"project": str(project_root), "limit": limit, "repeats": repeats}
    started = time.perf_counter()
    kgstore, stats = refresh_store(project)
    out["store"] = {"action": stats.action, "seconds": time.perf_counter() - started}
    out["quads"] = len(kgstore)
    path = index_path(project.store_path)
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    built = update_index(kgstore)
    out["index_build"] = {
        "seconds": time.perf_counter() - started,
        "documents": built.documents,
        "graphs": len(built.graphs),
        "bytes": path.stat().st_size + Path(f"{path}-wal").stat().st_size
        if Path(f"{path}-wal").exists()
        else path.stat().st_size,
    }
    kgstore.close()

    kgstore = open_store(project, refresh=False)  # as kgtool serve and kgtool search open it
    started = time.perf_counter()
    index = index_for(kgstore)
    out["first_open_ms"] = (time.perf_counter() - started) * 1000
    executor = LocalExecutor(kgstore)
    searches: dict[str, Any] = {}
    for kind, text in SEARCHES.items():
        kinds = ["claim"] if kind.startswith("claims only") else []
        full, page = median_ms(
            lambda t=text, k=kinds: search(t, kgstore, executor=executor, limit=limit, kinds=k),
            repeats,
        )
        bare, _ = median_ms(lambda t=text, k=kinds: index.matches(t, limit=limit, kinds=k), repeats)
        exact, _ = median_ms(lambda t=text, k=kinds: exact_bm25(index, t, limit, k), repeats)
        total = len(index.matching(text, kinds=kinds))
        searches[kind] = {
            "text": text,
            "median_ms": full,
            "index_only_ms": bare,
            "exact_bm25_ms": exact,
            "hits_on_page": len(page.hits),
            "matching_items": total,
        }
    out["searches"] = searches
    query = find_query("quote-search", project.queries_dir)
    baseline, result = median_ms(
        lambda: run(query, {"text": BASELINE_TEXT}, executor=executor, project=project),
        max(1, min(repeats, 5)),
    )
    out["baseline"] = {
        "query": "quote-search",
        "text": BASELINE_TEXT,
        "median_ms": baseline,
        "rows": len(result.rows),
        "repeats": max(1, min(repeats, 5)),
    }
    kgstore.close()
    out["incremental"] = _edit_and_update(project)
    return out


def _edit_and_update(project: Any) -> dict[str, Any]:
    """Edit one claims file; time bringing the store and then the index up to date; undo."""
    from kgtool.search import update_index
    from kgtool.store import refresh_store

    target = sorted((project.graph_dir / "claims").glob("*.ttl"))[0]
    original = target.read_bytes()
    text = original.decode("utf-8")
    target.write_text(text.replace('rdfs:label "', 'rdfs:label "Zyxwvut ', 1), encoding="utf-8")
    try:
        started = time.perf_counter()
        kgstore, _ = refresh_store(project)
        store_seconds = time.perf_counter() - started
        started = time.perf_counter()
        outcome = update_index(kgstore)
        index_seconds = time.perf_counter() - started
        from kgtool.search import search

        found = len(search("zyxwvut", kgstore).hits)
        kgstore.close()
    finally:
        target.write_bytes(original)
    kgstore, _ = refresh_store(project)  # and back, so the corpus is as it was
    update_index(kgstore)
    kgstore.close()
    return {
        "file": project.relative(target),
        "store_seconds": store_seconds,
        "index_seconds": index_seconds,
        "graphs_read": len(outcome.graphs),
        "edited_word_found": found,
    }


def table(r: dict[str, Any]) -> str:
    b = r["index_build"]
    lines = [
        f"corpus {r['project']}: {r['quads']:,} quads (store {r['store']['action']})",
        f"index built from the store in {b['seconds']:.2f} s: {b['documents']:,} texts "
        f"of {b['graphs']:,} graphs, {b['bytes'] / 1e6:.1f} MB",
        f"first search of a newly opened store (index opened, digests checked): "
        f"{r['first_open_ms']:.1f} ms",
        f"search, median of {r['repeats']} runs, a page of {r['limit']} hits checked on the graph "
        "(index alone; and plain bm25 on the same index, every match scored, in brackets):",
    ]
    for kind, s in r["searches"].items():
        lines.append(
            f"  {kind:<20} {s['text']:<32} {s['median_ms']:7.2f} ms  ({s['index_only_ms']:.2f} ms;"
            f" bm25 {s.get('exact_bm25_ms', float('nan')):.2f} ms)"
            f"  {s['matching_items']:,} matching items"
        )
    base = r["baseline"]
    word = r["searches"]["word"]["median_ms"]
    lines.append(
        f"baseline: named query {base['query']} (SPARQL CONTAINS on every quote), "
        f"text={base['text']}: {base['median_ms']:.1f} ms, {base['rows']:,} rows "
        f"(median of {base['repeats']}); the index's word search is "
        f"{base['median_ms'] / max(word, 1e-9):,.0f} times faster"
    )
    inc = r["incremental"]
    lines.append(
        f"after editing {inc['file']}: store {inc['store_seconds']:.2f} s, then index "
        f"{inc['index_seconds']:.2f} s ({inc['graphs_read']} graph read again; the edited "
        f"word found {inc['edited_word_found']} time(s))"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kgtool-bench"))
    parser.add_argument("--project", type=Path, help="an existing project instead of a corpus")
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--limit", type=int, default=20, help="hits per page (default 20)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.project is None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        args.project = ensure_corpus(args.claims, args.seed, args.workdir)
    results = bench(args.project, args.repeats, args.limit)
    print(json.dumps(results, indent=2) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
