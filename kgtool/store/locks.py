"""Locks between processes: one writer at a time, and readers of each generation.

Locks are ``flock`` locks on small files, so the kernel releases them when a
process dies, even by SIGKILL: a killed build never leaves the store locked.
A writer holds ``write.lock`` while it updates; a reader holds a shared lock
on ``oxigraph-N.readers`` while it has generation N open, and a writer
deletes an old generation only when it can lock that file exclusively.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kgtool.errors import StoreError
from kgtool.store.layout import (
    DATABASE_NAME,
    READERS_SUFFIX,
    WRITE_LOCK_NAME,
    generation_number,
    list_entries,
    remove_tree,
)

try:
    import fcntl
except ImportError:  # Windows: no flock; one kgtool process at a time is then the rule
    fcntl = None  # type: ignore[assignment]


class StoreBusy(StoreError):
    """Another process is updating the store."""


def _try_lock(handle: IO[bytes], *, exclusive: bool) -> bool:
    if fcntl is None:
        return True
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    try:
        fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def writer_lock(store_path: Path) -> Iterator[None]:
    """Hold the store's write lock, or raise :class:`StoreBusy` at once."""
    try:
        store_path.mkdir(parents=True, exist_ok=True)
        handle = (store_path / WRITE_LOCK_NAME).open("ab")
    except OSError as error:
        raise StoreError(
            f"cannot write the store at {store_path}: {error.strerror or error}",
            hint="check the folder's permissions, or choose another with --store",
        ) from None
    with handle:
        if not _try_lock(handle, exclusive=True):
            raise StoreBusy(
                f"the store at {store_path} is in use by another process that is updating it",
                hint="wait for the other 'kgtool build' to finish, then try again",
            )
        yield


class ReaderLock:
    """A shared lock on one generation, held while a handle reads it."""

    def __init__(self, store_path: Path, database: str) -> None:
        self.handle: IO[bytes] | None = None
        path = store_path / (database + READERS_SUFFIX)
        for _ in range(10):  # a writer may delete the file between open and lock
            try:
                handle = path.open("ab")
            except OSError:
                return  # a store we may not write to: nobody can delete it under us
            if not _try_lock(handle, exclusive=False):  # being deleted right now
                handle.close()
                continue
            try:
                same = os.fstat(handle.fileno()).st_ino == path.stat().st_ino
            except OSError:
                same = False
            if same:
                self.handle = handle
                return
            handle.close()

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def collect_generations(store_path: Path, keep: str) -> bool:
    """Delete every generation but ``keep`` that no reader holds; True if none is left.

    Called with the write lock held. A generation a reader still holds (a
    running ``kgtool serve``) stays until a later build finds it free.
    """
    all_gone = True
    for name in list_entries(store_path):
        if name == keep or not (name == DATABASE_NAME or generation_number(name) is not None):
            continue
        lock_path = store_path / (name + READERS_SUFFIX)
        with lock_path.open("ab") as handle:
            if not _try_lock(handle, exclusive=True):
                all_gone = False
                continue
            remove_tree(store_path / name)
            lock_path.unlink(missing_ok=True)
    for name in list_entries(store_path):  # lock files whose generation is gone
        if name.endswith(READERS_SUFFIX):
            base = name[: -len(READERS_SUFFIX)]
            if base != keep and not (store_path / base).exists():
                with (store_path / name).open("ab") as handle:
                    if _try_lock(handle, exclusive=True):
                        (store_path / name).unlink(missing_ok=True)
    return all_gone
