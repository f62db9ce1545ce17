"""``kgtool build``: compile the store, validate it, write ``dist/``.

The exports are swapped in only when the graph conforms, and then all at
once, so ``dist/`` always holds the last good build. They are written into a
staging folder on a worker thread while validation runs (pyoxigraph and
``os.sendfile`` release the GIL), and that folder is deleted when the graph
does not conform or validation fails.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kgtool.export import StagedDist, commit_dist, discard_dist, stage_dist
from kgtool.incremental import validate_incrementally
from kgtool.project import Project
from kgtool.search import update_index
from kgtool.store import BuildStats, KgStore, build_store, refresh_store
from kgtool.validate import ValidationReport


@dataclass
class BuildOutcome:
    store: KgStore
    stats: BuildStats
    report: ValidationReport
    written: list[Path] = field(default_factory=list)


def build(
    project: Project,
    *,
    force: bool = False,
    engine: str = "sparql",
    write: bool = True,
    progress: Callable[[str], None] = lambda _: None,
) -> BuildOutcome:
    """Bring the store up to date, validate, and (if it conforms) export.

    Only what changed since the last build is parsed and validated again
    (see :mod:`kgtool.incremental`); ``force`` rebuilds and validates all.
    Returns the outcome even when validation fails; the caller decides what a
    failing report means (the CLI exits 1).
    """
    compile_ = build_store if force else refresh_store
    kgstore, stats = compile_(project, progress=progress)
    progress(f"store {stats.action}: {stats.quads} quads")
    update_index(kgstore, progress=progress)  # full-text search follows the changed graphs
    cancel = threading.Event()
    # The pool's exit waits for its threads: nothing is written after build returns.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kgtool-build") as pool:
        staging = (
            pool.submit(stage_dist, kgstore, project.dist_dir, cancel=cancel) if write else None
        )
        try:
            outcome = _validate_and_commit(
                kgstore, stats, engine, (staging, cancel), pool, progress
            )
        except BaseException:  # validation or the dist files failed, or Ctrl-C
            _abandon(staging, cancel)
            kgstore.close()  # no outcome carries it to the caller
            raise
    return outcome


def _validate_and_commit(
    kgstore: KgStore,
    stats: BuildStats,
    engine: str,
    staging: tuple[Future[StagedDist] | None, threading.Event],
    pool: ThreadPoolExecutor,
    progress: Callable[[str], None],
) -> BuildOutcome:
    """Validate while ``staging`` writes the dist files; swap them in if the graph
    conforms, else stop it (the event) and delete what it wrote."""
    future, cancel = staging
    report = validate_incrementally(kgstore, engine=engine, progress=progress)
    # The report now refers to the current pieces only, so the others can go while
    # the staging finishes: it reads current pieces only.
    cache = kgstore.piece_cache
    keep = [entry.key for entry in kgstore.pieces.values()]
    pruning = pool.submit(cache.prune, keep) if cache is not None else None
    outcome = BuildOutcome(kgstore, stats, report)
    if future is not None and report.conforms:
        staged = future.result()
        try:
            outcome.written = commit_dist(staged, progress=progress)
        finally:
            discard_dist(staged)  # a no-op once committed
    else:
        _abandon(future, cancel)
    if pruning is not None:
        pruning.result()
    return outcome


def _abandon(staging: Future[StagedDist] | None, cancel: threading.Event) -> None:
    """Stop the staging thread and delete whatever it wrote; ``dist/`` stays as it was."""
    if staging is None:
        return
    cancel.set()
    try:
        staged = staging.result()
    except Exception:  # it removed its folder itself; the caller's outcome or error wins
        return
    discard_dist(staged)
