"""Every query the server runs goes through here, under a deadline and a row limit.

pyoxigraph cannot interrupt a running query from Python, so a thread that
misses its deadline would keep a core busy until the query ends, however
long that is. With an embedded store on disk, queries therefore run in a
small pool of worker processes that open the store read-only; a worker that
misses the deadline is killed and replaced, and the request gets 503. An
in-memory store or a remote endpoint cannot be shared with another process:
there the query runs in a thread, the request still gets its 503 on time,
and the thread is left to finish in the background.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from kgtool.errors import KgtoolError, QueryError, QueryTimeout, ResultTooLarge
from kgtool.project import NAMESPACES
from kgtool.query import Dataset, query_options
from kgtool.results import QueryResult
from kgtool.sparql_checks import check_query

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RESULTS = 10_000
#: bytes of RDF terms an answer may hold (and bytes of the written answer)
DEFAULT_MAX_ANSWER_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one query may return: rows (or triples) and bytes."""

    rows: int = DEFAULT_MAX_RESULTS
    answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES


def _too_large(limit: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"the result has more than {limit} rows, the limit of this server",
        hint="add a LIMIT or a narrower pattern to the query",
    )


def too_many_bytes(limit: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"the answer is larger than {limit} bytes, the limit of this server; nothing was sent",
        hint="select fewer or shorter values (SUBSTR, a LIMIT), or ask the operator for a "
        "larger --max-answer-bytes",
    )


def _timed_out(seconds: float) -> QueryTimeout:
    return QueryTimeout(
        f"the query did not finish within {seconds:g} s, the limit of this server",
        hint="narrow the query (fewer joins, a LIMIT) or ask the operator for a longer "
        "--query-timeout",
    )


def _term_bytes(term: Any) -> int:
    """About what a term costs written out: its value and its datatype or language."""
    if term is None:
        return 0
    size = len(getattr(term, "value", "")) + 8
    datatype = getattr(term, "datatype", None)
    if datatype is not None:
        size += len(datatype.value) + len(term.language or "")
    return size


def materialise(raw: Any, limits: Limits) -> QueryResult:
    """A pyoxigraph result as a QueryResult, reading at most ``limits`` rows and bytes."""
    import pyoxigraph as ox

    if isinstance(raw, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(raw))
    budget = limits.answer_bytes
    if isinstance(raw, ox.QuerySolutions):
        names = [v.value for v in raw.variables]
        rows = []
        for solution in islice(raw, limits.rows + 1):
            row = [solution[name] for name in names]
            budget -= sum(_term_bytes(term) for term in row)
            if budget < 0:
                raise too_many_bytes(limits.answer_bytes)
            rows.append(row)
        if len(rows) > limits.rows:
            raise _too_large(limits.rows)
        return QueryResult("select", names, rows)
    triples = []
    for triple in islice(raw, limits.rows + 1):
        budget -= sum(_term_bytes(t) for t in (triple.subject, triple.predicate, triple.object))
        if budget < 0:
            raise too_many_bytes(limits.answer_bytes)
        triples.append(triple)
    if len(triples) > limits.rows:
        raise _too_large(limits.rows)
    return QueryResult("graph", triples=triples)


def _local_query(
    kgstore: Any, sparql: str, bindings: Mapping[str, Any], limits: Limits, options: Any
) -> QueryResult:
    """Run on a KgStore with the same error translation as LocalExecutor."""
    import pyoxigraph as ox

    from kgtool.query import syntax_error

    substitutions = {ox.Variable(name): term for name, term in bindings.items()}
    try:
        raw = kgstore.query(sparql, substitutions=substitutions or None, **options)
        return materialise(raw, limits)
    except SyntaxError as error:
        raise syntax_error(error, "query") from None
    except OSError as error:
        raise QueryError(f"query failed: {error}") from None


def _worker_main(root: str, store_path: str, conn: Any) -> None:
    """A worker process: open the store read-only, then answer jobs until the pipe closes."""
    from kgtool.project import Project
    from kgtool.store import open_store

    kgstore = open_store(Project(Path(root), Path(store_path)), refresh=False)
    kgstore.follow = True  # a build publishes a new generation: answer from it
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", _local_query(kgstore, *job)))
        except KgtoolError as error:
            conn.send((type(error).__name__, str(error)))
        except Exception as error:  # a bug must not kill the worker silently
            conn.send(("QueryError", f"the query failed: {error}"))


class _Worker:
    def __init__(self, context: Any, root: str, store_path: str) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(root, store_path, child), daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout: float) -> None:
        if not self.ready:
            if not self.conn.poll(timeout):
                raise QueryError("a query worker did not start in time")
            self.conn.recv()
            self.ready = True

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class ProcessBackend:
    """A pool of worker processes over a store on disk; a late worker is killed."""

    def __init__(self, root: Path, store_path: Path, size: int = 2) -> None:
        self._context = mp.get_context("spawn")
        self._args = (str(root), str(store_path))
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        for _ in range(max(1, size)):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        return _Worker(self._context, *self._args)

    def run(
        self,
        sparql: str,
        bindings: Mapping[str, Any],
        limits: Limits,
        timeout: float,
        options: Mapping[str, Any],
    ) -> Any:
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise _timed_out(timeout) from None
        try:
            worker.wait_ready(60)
            worker.conn.send((sparql, dict(bindings), limits, dict(options)))
            if not worker.conn.poll(timeout):
                worker.kill()
                worker = self._spawn()
                raise _timed_out(timeout)
            kind, payload = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            worker.process.join(2)
            code = worker.process.exitcode
            worker.kill()
            worker = self._spawn()
            raise QueryError(_crash_message(code)) from None
        finally:
            if self._closed:
                worker.kill()
            else:
                self._idle.put(worker)
        if kind == "ok":
            return payload
        import kgtool.errors

        error = getattr(kgtool.errors, kind, QueryError)
        if not (isinstance(error, type) and issubclass(error, KgtoolError)):
            error = QueryError
        raise error(payload)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return


def _crash_message(exitcode: int | None) -> str:
    """What to tell a client whose query took its worker process down."""
    import signal

    if exitcode is not None and exitcode < 0:
        try:
            how = f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"was killed by signal {-exitcode}"
    else:
        how = f"exited with code {exitcode}" if exitcode is not None else "stopped"
    return (
        f"the query worker {how} while running this query: it ran out of stack or "
        "memory (a query nested very deeply, or an intermediate result too large for the "
        "worker); the server replaced it and goes on"
    )


class ThreadBackend:
    """Runs each query in a daemon thread and stops waiting for it at the deadline."""

    def __init__(self, executor: Any) -> None:
        self.executor = executor

    def _call(
        self, sparql: str, bindings: Mapping[str, Any], limits: Limits, options: Any
    ) -> QueryResult:
        kgstore = getattr(self.executor, "kgstore", None)
        if kgstore is not None:
            return _local_query(kgstore, sparql, bindings, limits, options)
        if options.get("default_graph") is not None:
            raise QueryError(
                "default-graph-uri and named-graph-uri are not available with --endpoint",
                hint="use FROM and FROM NAMED in the query",
            )
        result: QueryResult = self.executor.execute(sparql, bindings)
        size = len(result.triples) if result.kind == "graph" else len(result.rows)
        if size > limits.rows:
            raise _too_large(limits.rows)
        return result

    def run(
        self,
        sparql: str,
        bindings: Mapping[str, Any],
        limits: Limits,
        timeout: float,
        options: Mapping[str, Any],
    ) -> Any:
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["result"] = self._call(sparql, bindings, limits, dict(options))
            except BaseException as error:
                box["error"] = error

        thread = threading.Thread(target=target, daemon=True, name="kgtool-query")
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise _timed_out(timeout)
        if "error" in box:
            raise box["error"]
        return box["result"]

    def close(self) -> None:
        return None


class GuardedExecutor:
    """An Executor (see :mod:`kgtool.query`) that enforces a time and a size limit.

    Every query is checked first (:mod:`kgtool.sparql_checks`): SERVICE only
    to ``allowed_services``, nesting bounded. ``workers > 0`` with an
    embedded store on disk runs queries in worker processes; otherwise in
    threads (see the module docstring).
    """

    def __init__(
        self,
        executor: Any,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_results: int = DEFAULT_MAX_RESULTS,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
        allowed_services: tuple[str, ...] = (),
        workers: int = 2,
    ) -> None:
        self.inner = executor
        self.timeout = timeout
        self.max_results = max_results
        self.limits = Limits(max_results, max_answer_bytes)
        self.allowed_services = allowed_services
        kgstore = getattr(executor, "kgstore", None)
        path = getattr(kgstore, "path", None)
        self.backend: ProcessBackend | ThreadBackend
        if workers > 0 and path is not None:
            self.backend = ProcessBackend(kgstore.project.root, path, workers)
            self.mode = "process"
        else:
            self.backend = ThreadBackend(executor)
            self.mode = "thread"

    def execute(
        self,
        sparql: str,
        bindings: Mapping[str, Any],
        *,
        dataset: Dataset | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        check_query(sparql, self.allowed_services, base_iri=base_iri, prefixes=NAMESPACES)
        options = query_options(dataset, base_iri)
        result: QueryResult = self.backend.run(sparql, bindings, self.limits, self.timeout, options)
        return result

    def close(self) -> None:
        self.backend.close()
