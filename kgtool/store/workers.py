"""Rendering export pieces in worker processes, for builds big enough to pay for them.

Rendering a piece (sorting lines, relabelling blank nodes, writing Turtle)
is Python work that holds the GIL, so threads render one file at a time
while the database waits for pieces. Worker processes render side by side.

Each worker is a fresh interpreter running :func:`main`, never a fork: the
parent may hold an open RocksDB database and threads, and a library user's
script is not imported again. A worker reads pickled tasks on
its stdin, whose only writer is the parent: when the parent dies, even by
SIGKILL, the worker reads end-of-file after its current file and exits, so
no worker outlives a build. Workers ignore Ctrl-C; the parent kills them.
"""

from __future__ import annotations

import contextlib
import pickle
import queue
import signal
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

from kgtool.errors import StoreError

T = TypeVar("T")

_STOPPED = "a worker process rendering export pieces stopped unexpectedly"


def _command() -> list[str]:
    """The worker's command line: this very kgtool, whatever the current folder holds.

    ``python -m`` would look in the current folder first, where another
    checkout of kgtool may be.
    """
    here = str(Path(__file__).resolve().parent.parent.parent)
    start = (
        f"import sys; sys.path.insert(0, {here!r}); from kgtool.store.workers import main; main()"
    )
    return [sys.executable, "-c", start]


class RenderPool:
    """Worker processes that each render one file's piece at a time.

    :meth:`run` may be called from several threads at once: each call
    takes an idle worker, hands it one file and waits for its piece.
    """

    def __init__(self, count: int) -> None:
        command = _command()
        self.workers: list[subprocess.Popen[bytes]] = []
        self.idle: queue.Queue[subprocess.Popen[bytes]] = queue.Queue()
        try:
            for _ in range(count):
                worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                self.workers.append(worker)
                self.idle.put(worker)
        except BaseException:
            self.close(kill=True)
            raise

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in an idle worker; what it raises is raised here.

        ``function`` is a module-level function (pickled by name) and its
        arguments and answer are pickled: paths, entries, never open files.
        """
        worker = self.idle.get()
        try:
            stdin, stdout = _pipes(worker)
            pickle.dump((function, args), stdin, pickle.HIGHEST_PROTOCOL)
            stdin.flush()
            status, value, caught = pickle.load(stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            raise StoreError(_STOPPED, hint="see the messages above") from None
        finally:
            self.idle.put(worker)  # a dead one too: whoever takes it next fails at once
        for message, category in caught:
            warnings.warn(message, category, stacklevel=2)
        if status == "error":
            raise value
        answer: T = value
        return answer

    def close(self, *, kill: bool = False) -> None:
        """Let the workers finish and exit, or kill them; wait for every one."""
        for worker in self.workers:
            if kill:
                worker.kill()
            if worker.stdin is not None:
                with contextlib.suppress(OSError):  # a worker that died
                    worker.stdin.close()
        for worker in self.workers:
            worker.wait()
            if worker.stdout is not None:
                worker.stdout.close()

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close(kill=kind is not None)


def _pipes(worker: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    if worker.stdin is None or worker.stdout is None:
        raise StoreError(_STOPPED)
    return worker.stdin, worker.stdout


def _answer(task: tuple[Callable[..., Any], tuple[Any, ...]]) -> tuple[str, Any, list[Any]]:
    """Run one task; (status, answer or error, warnings raised)."""
    function, args = task
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # the parent's filters decide
        try:
            outcome: tuple[str, Any] = ("ok", function(*args))
        except Exception as error:
            outcome = ("error", error)
    return (*outcome, [(str(w.message), w.category) for w in caught])


def main() -> None:
    """Serve tasks from stdin until it closes; answers go to the real stdout only."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    inbox, outbox = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not garble an answer
    while True:
        try:
            task = pickle.load(inbox)
        except EOFError:
            return
        answer = _answer(task)
        try:
            data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        except Exception:  # an error that cannot travel: said in words
            text = f"{task[0].__name__} failed: {type(answer[1]).__name__}: {answer[1]}"
            data = pickle.dumps(("error", StoreError(text), answer[2]))
        try:
            outbox.write(data)
            outbox.flush()
        except BrokenPipeError:  # the parent is gone
            return
