"""``kgtool build``: compile the store, validate it, write ``dist/``.

The exports are written only when the graph conforms, and then all at once,
so ``dist/`` always holds the last good build.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kgtool.export import write_dist
from kgtool.incremental import validate_incrementally
from kgtool.project import Project
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
    report = validate_incrementally(kgstore, engine=engine, progress=progress)
    outcome = BuildOutcome(kgstore, stats, report)
    if report.conforms and write:
        outcome.written = write_dist(kgstore, project.dist_dir, progress=progress)
    cache = kgstore.piece_cache
    if cache is not None:  # the report now refers to the current pieces only
        cache.prune(entry.key for entry in kgstore.pieces.values())
    return outcome
