"""How much the persistent store saves: ``kgtool query NAME`` on a reused store vs a rebuilt one.

Run: ``.venv/bin/python bench/store_reuse.py [QUERY] [--runs N]``

Works on a temporary copy of the project, so the project's own store is not
touched. For each run it prints the wall time of the in-process command and
what the store refresh did ("unchanged" means no file was parsed).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import kgtool.store as store_module
import kgtool.store.parsing as parsing_module
from kgtool.cli import main
from kgtool.project import Project
from kgtool.query import list_queries

ROOT = Path(__file__).resolve().parent.parent


def copy_project(target: Path) -> Project:
    for folder in ("ontology", "graph", "queries"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, target / folder)
    return Project(target, target / ".kgtool" / "store")


def timed_query(project: Project, name: str) -> tuple[float, int]:
    """Seconds for one ``kgtool query NAME`` and the number of RDF files it parsed."""
    parsed = 0
    real = parsing_module.parse_file

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal parsed
        parsed += 1
        return real(*args, **kwargs)

    parsing_module.parse_file = counting
    try:
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main(
                [
                    "--project",
                    str(project.root),
                    "--store",
                    str(project.store_path),
                    "query",
                    name,
                    "--format",
                    "csv",
                ]
            )
        elapsed = time.perf_counter() - started
    finally:
        parsing_module.parse_file = real
    if code != 0:
        raise SystemExit(f"kgtool query {name} exited {code}")
    return elapsed, parsed


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("query", nargs="?", help="named query (default: the first in queries/)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp) / "project")
        name = args.query or list_queries(project.queries_dir)[0].name
        print(f"query: {name}; {len(project.rdf_files())} RDF files; {args.runs} runs each")

        store_module.build_store(project)[0].close()
        reused = []
        for run in range(1, args.runs + 1):
            seconds, parsed = timed_query(project, name)
            kgstore, stats = store_module.refresh_store(project)
            kgstore.close()
            reused.append(seconds)
            print(
                f"  reused  run {run}: {seconds * 1000:7.1f} ms, files parsed: {parsed}, "
                f"refresh afterwards: {stats.action}"
            )

        rebuilt = []
        for run in range(1, args.runs + 1):
            shutil.rmtree(project.store_path)
            seconds, parsed = timed_query(project, name)
            rebuilt.append(seconds)
            print(f"  rebuilt run {run}: {seconds * 1000:7.1f} ms, files parsed: {parsed}")

        fast, slow = statistics.median(reused), statistics.median(rebuilt)
        print(
            f"median: reused {fast * 1000:.1f} ms, rebuilt {slow * 1000:.1f} ms "
            f"({slow / fast:.1f}x)"
        )


if __name__ == "__main__":
    main_bench()
