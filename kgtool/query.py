"""Named SPARQL queries: discovery, parameters bound as RDF terms, execution.

A named query is a ``.rq`` file whose header comment declares its title,
description and parameters::

    # title: Exports from one country to another
    # description: Which commodities EXPORTER sold to IMPORTER, when, and who says so.
    # param: exporter iri = ent:north-korea -- the exporting country
    # param: year gYear -- optional; omit to see every period

Parameters are bound as terms (pyoxigraph substitutions on the embedded
store, a ``VALUES`` block on a remote one), never pasted into the query text,
so any value is data and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kgtool.errors import NotFoundError, QueryError
from kgtool.named_queries import (
    NamedQuery,
    Parameter,
    bind_parameters,
    find_query,
    list_queries,
    package_query,
)
from kgtool.project import NAMESPACES, Project
from kgtool.results import QueryResult


# Execution ---------------------------------------------------------------------
class Executor(Protocol):
    """Anything that runs SPARQL with pre-bound variables: embedded or remote."""

    def execute(self, sparql: str, bindings: Mapping[str, Any]) -> QueryResult: ...


_SYNTAX_AT = re.compile(r"error at (\d+):(\d+): ?(.*)", re.S)


def syntax_error(error: SyntaxError, origin: str) -> QueryError:
    """A SPARQL parse error as one line with line and column."""
    message = str(error)
    match = _SYNTAX_AT.search(message)
    if match:
        return QueryError(
            f"{origin}:{match[1]}:{match[2]}: SPARQL syntax error: {match[3].strip()}"
        )
    return QueryError(f"{origin}: SPARQL syntax error: {message}")


@dataclass(frozen=True)
class Dataset:
    """The graphs a query reads (SPARQL Protocol ``default-graph-uri``/``named-graph-uri``).

    The default graph is the merge of ``default``; ``GRAPH`` sees only ``named``.
    Without a Dataset a query reads the union of every graph of the store.
    """

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()


class LocalExecutor:
    """Runs queries on a :class:`~kgtool.store.KgStore` (the union of its graphs).

    A query with ``SERVICE`` is refused unless its address starts with one of
    ``allowed_services`` (pyoxigraph would fetch it); relative IRIs resolve
    against ``base_iri``.
    """

    def __init__(
        self,
        kgstore: Any,
        origin: str = "query",
        *,
        allowed_services: tuple[str, ...] = (),
        base_iri: str | None = None,
    ) -> None:
        self.kgstore = kgstore
        self.origin = origin
        self.allowed_services = allowed_services
        self.base_iri = base_iri

    def execute(
        self,
        sparql: str,
        bindings: Mapping[str, Any],
        *,
        dataset: Dataset | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        import pyoxigraph as ox

        from kgtool.sparql_checks import check_query

        base = base_iri or self.base_iri
        check_query(sparql, self.allowed_services, base_iri=base, prefixes=NAMESPACES)
        substitutions = {ox.Variable(name): term for name, term in bindings.items()}

        def answer() -> QueryResult:
            raw = self.kgstore.query(
                sparql, substitutions=substitutions or None, **query_options(dataset, base)
            )
            return QueryResult.from_pyoxigraph(raw)

        try:
            if _calls_a_service(sparql):  # an HTTP wait pyoxigraph does not bound
                from kgtool.remote.http import default_timeout, within

                return within(default_timeout(), answer, f"{self.origin}: a SERVICE")  # type: ignore[no-any-return]
            return answer()
        except SyntaxError as error:
            raise syntax_error(error, self.origin) from None
        except OSError as error:
            raise QueryError(f"{self.origin}: query failed: {error}") from None


def query_options(dataset: Dataset | None, base_iri: str | None) -> dict[str, Any]:
    """Keyword arguments of :meth:`KgStore.query` for a dataset and a base IRI."""
    options: dict[str, Any] = {}
    if base_iri:
        options["base_iri"] = base_iri
    if dataset is not None:
        options["default_graph"] = dataset.default
        options["named_graphs"] = dataset.named
    return options


def executor_for(target: Any, **options: Any) -> Executor:
    """What runs queries on ``target``: a server URL, an executor, or an embedded store.

    A URL becomes a :class:`kgtool.remote.Endpoint` (``options`` are its own);
    anything with ``execute`` is used as it is; a store gets a :class:`LocalExecutor`.
    """
    if isinstance(target, str):
        from kgtool.remote import connect

        return connect(target, **options)
    if hasattr(target, "execute"):
        return target  # type: ignore[no-any-return]
    return LocalExecutor(target)


def _calls_a_service(sparql: str) -> bool:
    from kgtool.sparql_text import tokens

    try:
        return any(token.is_word("SERVICE") for token in tokens(sparql))
    except QueryError:  # not even tokens: pyoxigraph reports the syntax error
        return False


def label_resolver(executor: Executor) -> Any:
    """A function from a label ("North Korea", case-insensitive) to an entity IRI."""

    def resolve(label: str) -> str | None:
        import pyoxigraph as ox

        query = package_query("resolve-label")
        result = executor.execute(query.text, {"label": ox.Literal(label.strip().lower())})
        iris = sorted({row[0].value for row in result.rows})
        if len(iris) > 1:
            raise QueryError(
                f"label {label!r} matches several entities: " + ", ".join(iris[:5]),
                hint="pass the IRI or CURIE instead",
            )
        return iris[0] if iris else None

    return resolve


def run(
    query: NamedQuery | str,
    params: Mapping[str, str] | None = None,
    *,
    executor: Executor | None = None,
    project: Project | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> QueryResult:
    """Run a named query (by name, path or :class:`NamedQuery`) with parameters.

    Without an executor, the project's embedded store is opened (and refreshed
    if the sources changed). ``limit``/``offset`` give one page of the answer
    in the query's own order (see :mod:`kgtool.paging`).
    """
    if executor is None:
        from kgtool.store import open_store

        project = project or Project.find()
        executor = LocalExecutor(open_store(project))
    if isinstance(query, str):
        project = project or Project.find()
        query = find_query(query, project.queries_dir)
    bindings = bind_parameters(query, params or {}, resolver=label_resolver(executor))
    if isinstance(executor, LocalExecutor):
        executor.origin = str(query.path)
        if executor.base_iri is None and query.path.is_file():
            executor.base_iri = query.path.resolve().as_uri()
    text = _page(query.text, limit, offset)
    return in_select_order(executor.execute(text, bindings), text)


def run_text(
    sparql: str,
    *,
    executor: Executor,
    origin: str = "<query>",
    limit: int | None = None,
    offset: int = 0,
) -> QueryResult:
    """Run ad-hoc SPARQL text (``kgtool query -e``).

    On the embedded store, relative IRIs resolve against the executor's base,
    by default the current folder's ``file:`` URL.
    """
    if isinstance(executor, LocalExecutor):
        executor.origin = origin
        if executor.base_iri is None:
            executor.base_iri = Path.cwd().resolve().as_uri() + "/"
    text = _page(sparql, limit, offset)
    return in_select_order(executor.execute(text, {}), text)


def _page(sparql: str, limit: int | None, offset: int) -> str:
    from kgtool.paging import Window, paged

    return paged(sparql, Window(limit, offset))


def in_select_order(result: QueryResult, sparql: str) -> QueryResult:
    """The columns of a ``SELECT *`` result in the order its pattern names them."""
    from kgtool.sparql_text import star_variables

    order = star_variables(sparql) if result.kind == "select" else None
    if not order:
        return result
    names = [v for v in order if v in result.variables]
    names += [v for v in result.variables if v not in names]
    if names == result.variables:
        return result
    index = [result.variables.index(name) for name in names]
    rows = [[row[i] for i in index] for row in result.rows]
    return QueryResult("select", names, rows)


__all__ = [
    "Dataset",
    "Executor",
    "LocalExecutor",
    "NamedQuery",
    "NotFoundError",
    "Parameter",
    "bind_parameters",
    "executor_for",
    "find_query",
    "list_queries",
    "run",
    "run_text",
]
