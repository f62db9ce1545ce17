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

from kgtool.errors import InputError
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
    #: whether dist/ was replaced (False: it already held exactly these files)
    dist_changed: bool = False


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
                kgstore, stats, (engine, force), (staging, cancel), pool, progress
            )
        except BaseException:  # validation or the dist files failed, or Ctrl-C
            _abandon(staging, cancel)
            kgstore.close()  # no outcome carries it to the caller
            raise
    return outcome


def _validate_and_commit(
    kgstore: KgStore,
    stats: BuildStats,
    validation: tuple[str, bool],
    staging: tuple[Future[StagedDist] | None, threading.Event],
    pool: ThreadPoolExecutor,
    progress: Callable[[str], None],
) -> BuildOutcome:
    """Validate (``validation``: the engine, and whether to validate every node) while
    ``staging`` writes the dist files; swap them in if the graph conforms, else stop
    it (the event) and delete what it wrote."""
    future, cancel = staging
    engine, full = validation
    report = validate_incrementally(kgstore, engine=engine, progress=progress, full=full)
    # The report now refers to the current pieces only, so the others can go while
    # the staging finishes: it reads current pieces only.
    pruning = pool.submit(kgstore.prune_piece_cache)
    outcome = BuildOutcome(kgstore, stats, report)
    if future is not None and report.conforms:
        staged = future.result()
        outcome.dist_changed = staged.staging is not None
        try:
            outcome.written = commit_dist(staged, progress=progress)
        finally:
            discard_dist(staged)  # a no-op once committed
    else:
        _abandon(future, cancel)
    if pruning is not None:
        pruning.result()
    return outcome


def missing_source_error(report: ValidationReport) -> InputError | None:
    """A source file a document names that does not exist: bad input (exit 2), not a
    graph that fails its shapes; None when every source file is there."""
    from kgtool.validate import INTEGRITY_COMPONENT, KG

    missing = [
        r for r in report.results
        if r.component == INTEGRITY_COMPONENT and r.path == KG + "localPath"
    ]  # fmt: skip
    if not missing:
        return None
    first = missing[0]
    named_in = f" (in {', '.join(first.files)})" if first.files else ""
    more = f"; {len(missing) - 1} more source file(s) are missing" if len(missing) > 1 else ""
    return InputError(
        f"the source file does not exist; kg:localPath of <{first.focus}>{named_in} names it{more}",
        path=f"graph/{first.value}",
        hint="restore the file, or correct kg:localPath",
    )


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
