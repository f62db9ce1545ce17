"""Named queries on the persisted (RocksDB) store and on an in-memory copy of it.

The same pyoxigraph engine evaluates both; the difference is what one index
lookup costs. Use it on a corpus built by ``bench/run.py``:

    .venv/bin/python bench/memory_store.py /tmp/kgfinal/kg-100000-s1 \\
        --query claims-by-modality --query entity-claims

The copy is bulk-loaded from the store's cached pieces (the same quads);
each query runs with the parameters ``bench/run.py`` finds in the corpus,
through ``kgtool.query.run`` (rows materialised), median of ``--repeats``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import corpus_parameters, query_parameters  # bench/run.py


def in_memory_copy(kgstore: Any) -> Any:
    """A new in-memory KgStore holding the pieces of ``kgstore``, one bulk load."""
    import pyoxigraph as ox

    from kgtool.store import ConcatenatedFiles, KgStore

    cache = kgstore.piece_cache
    paths = [cache.nquads_path(entry.key) for entry in kgstore.pieces.values() if entry.quads]
    store = ox.Store()
    with io.BufferedReader(ConcatenatedFiles(paths), 1 << 20) as stream:
        store.bulk_load(stream, format=ox.RdfFormat.N_QUADS)
    return KgStore(kgstore.project, store, path=None)


def timed(kgstore: Any, query: Any, params: dict[str, str], repeats: int) -> tuple[float, int]:
    """Median seconds and row count of one named query."""
    from kgtool.query import LocalExecutor, run

    times, rows = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        result = run(query, params, executor=LocalExecutor(kgstore), project=kgstore.project)
        rows = len(result.triples) if result.kind == "graph" else len(result.rows)
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="a project whose store is built")
    parser.add_argument("--query", action="append", required=True, help="a named query")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    from kgtool.project import Project
    from kgtool.query import find_query
    from kgtool.store import open_store

    project = Project(args.project)
    disk = open_store(project, refresh=False)
    started = time.perf_counter()
    memory = in_memory_copy(disk)
    print(f"in-memory copy: {len(memory.store):,} quads in {time.perf_counter() - started:.1f} s")
    found = corpus_parameters(disk)
    print("query | rows | RocksDB store | in memory | ratio")
    for name in args.query:
        query = find_query(name, project.queries_dir)
        params = query_parameters(query, found)
        on_disk, rows = timed(disk, query, params, args.repeats)
        in_memory, rows_in_memory = timed(memory, query, params, args.repeats)
        if rows_in_memory != rows:
            print(f"{name}: {rows} rows on disk but {rows_in_memory} in memory", file=sys.stderr)
            return 1
        print(
            f"{name} | {rows} | {on_disk * 1000:.1f} ms | {in_memory * 1000:.1f} ms"
            f" | {on_disk / in_memory:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
