"""What a store folder holds, and the checks before one is replaced."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kgtool.errors import StoreError

if TYPE_CHECKING:
    pass


MANIFEST_NAME = "manifest.json"
DATABASE_NAME = "oxigraph"
PIECES_NAME = "pieces"
REPORT_NAME = "report.json"
DIST_INDEX_NAME = "dist.json"  # where each piece sits in the last dist/ files
STORE_FORMAT = 2

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def _damaged(path: Path | None, error: BaseException) -> StoreError:
    return StoreError(
        f"the store at {path} is damaged: {str(error).splitlines()[0][:160]}",
        hint="run 'kgtool build --force' to rebuild it",
    )


class _Unusable(Exception):
    """The store on disk cannot be trusted; the message says why (for progress)."""


def _lock_error(path: Path, error: BaseException) -> StoreError | None:
    """A StoreError when ``error`` is RocksDB refusing a second writer, else None."""
    text = str(error)
    if "lock" not in text.lower():
        return None
    if "current process" in text:
        return StoreError(
            f"the store at {path} is already open in this process",
            hint="close the other KgStore (KgStore.close()) before refreshing",
        )
    return StoreError(
        f"the store at {path} is in use by another process",
        hint="stop 'kgtool serve' or the other kgtool command, then try again",
    )


def _remove_tree(path: Path, attempts: int = 20) -> None:
    """Delete a folder, retrying while a closing database still flushes files into it."""
    for _ in range(attempts):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.05)


def _check_replaceable(final: Path) -> None:
    """Refuse to replace a folder that is not a store, or a store another process holds.

    ``--store`` / KGTOOL_STORE may point anywhere; a typo must not delete a
    folder of the user's files, and swapping a database from under a running
    ``kgtool serve`` would leave it serving a deleted folder.
    """
    import pyoxigraph as ox

    if not final.exists():
        return
    entries = {p.name for p in final.iterdir()}
    known = {DATABASE_NAME, PIECES_NAME}
    for name in (MANIFEST_NAME, REPORT_NAME, DIST_INDEX_NAME):
        known |= {name, name + ".tmp"}
    if not entries <= known:
        raise StoreError(
            f"{final} is not a kgtool store (it holds other files); refusing to replace it",
            hint="choose an empty or new folder with --store",
        )
    if (final / DATABASE_NAME).is_dir():
        try:
            probe = ox.Store(str(final / DATABASE_NAME))
        except OSError as error:
            locked = _lock_error(final, error)
            if locked is not None:
                raise locked from None
            return
        except RuntimeError:  # damaged: that is why it is being replaced
            return
        del probe


def _remove_stale_builds(final: Path) -> None:
    """Delete what killed builds left beside the store (``store.new-PID-*``, ``store.old-PID``).

    A build cut short by SIGKILL or a power cut cannot clean up, and its
    half-built database is as big as the store. A folder whose process is
    still running belongs to a build in progress and is left alone.
    """
    for leftover in final.parent.glob(f"{final.name}.*-*"):
        kind, _, rest = leftover.name[len(final.name) + 1 :].partition("-")
        pid = rest.split("-", 1)[0]
        if kind not in {"new", "old"} or not pid.isdigit() or _process_alive(int(pid)):
            continue
        _remove_tree(leftover)


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (signal 0 checks without signalling)."""
    if pid == os.getpid() or os.name != "posix":  # elsewhere signal 0 is no probe
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
