"""What a store folder holds: the one list of its own files, and the checks before
one is replaced.

The database lives in numbered *generations* (``oxigraph-1``, ``oxigraph-2`` …):
an update copies the current one (RocksDB hard-links its immutable files, so
the copy is nearly free), changes the copy, and publishes it by rewriting the
manifest. A generation is never written after it is published, so readers in
other processes (``kgtool serve``) read it safely while a build runs, and a
build killed at any point leaves the published store as it was.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from kgtool.errors import StoreError

MANIFEST_NAME = "manifest.json"
PIECES_NAME = "pieces"
REPORT_NAME = "report.json"
DIST_INDEX_NAME = "dist.json"  # where each piece sits in the last dist/ files
PLAN_NAME = "shacl-plan.pickle"  # the compiled SHACL plan (kgtool.shacl.plan)
WRITE_LOCK_NAME = "write.lock"  # held by the one process updating the store
DATABASE_NAME = "oxigraph"  # generations are DATABASE_NAME-N; the bare name is format 2's
READERS_SUFFIX = ".readers"  # DATABASE_NAME-N.readers: shared locks of its readers
STORE_FORMAT = 3

#: every file the store writes at its top level; each may also have a ``.tmp`` twin
#: (``NAME.tmp`` or ``NAME.tmp-PID-THREAD``) that a killed process leaves behind
OWN_FILES = (MANIFEST_NAME, REPORT_NAME, DIST_INDEX_NAME, PLAN_NAME, WRITE_LOCK_NAME)
OWN_FOLDERS = (PIECES_NAME,)
_OWN_NAME = re.compile(
    "|".join(
        [
            *(re.escape(name) + r"(\.tmp(-[0-9]+-[0-9]+)?)?" for name in OWN_FILES),
            *(re.escape(name) for name in OWN_FOLDERS),
            re.escape(DATABASE_NAME) + r"(-[0-9]+)?(" + re.escape(READERS_SUFFIX) + ")?",
        ]
    )
)
_GENERATION = re.compile(re.escape(DATABASE_NAME) + r"-([0-9]+)")

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    return None


def is_own_entry(name: str) -> bool:
    """Whether a top-level entry of a store folder is one the store itself writes."""
    return _OWN_NAME.fullmatch(name) is not None


def generation_number(name: str) -> int | None:
    """N for a generation folder ``oxigraph-N``, else None."""
    found = _GENERATION.fullmatch(name)
    return int(found.group(1)) if found else None


def list_entries(folder: Path) -> list[str]:
    """The names in a store folder; an unreadable folder is a clear StoreError."""
    try:
        return sorted(entry.name for entry in folder.iterdir())
    except FileNotFoundError:
        return []
    except OSError as error:
        raise StoreError(
            f"cannot read the store folder {folder}: {error.strerror or error}",
            hint="check its permissions, or choose another folder with --store",
        ) from None


def damaged_error(path: Path | None, error: BaseException) -> StoreError:
    return StoreError(
        f"the store at {path} is damaged: {str(error).splitlines()[0][:160]}",
        hint="run 'kgtool build --force' to rebuild it",
    )


class Unusable(Exception):
    """The store on disk cannot be trusted; the message says why (for progress)."""


def remove_tree(path: Path, attempts: int = 20) -> None:
    """Delete a folder, retrying while a closing database still flushes files into it."""
    for _ in range(attempts):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.05)


def check_replaceable(final: Path) -> None:
    """Refuse to build into a folder that holds anything but the store's own files.

    ``--store`` / KGTOOL_STORE may point anywhere; a typo must not delete a
    folder of the user's files.
    """
    foreign = [name for name in list_entries(final) if not is_own_entry(name)]
    if foreign:
        raise StoreError(
            f"{final} is not a kgtool store (it holds other files, e.g. {foreign[0]}); "
            "refusing to replace it",
            hint="choose an empty or new folder with --store",
        )
