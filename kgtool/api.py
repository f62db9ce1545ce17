"""The library's few verbs: open a project's store, build it, check it, ask, explain.

Each takes a project as a folder path (or a :class:`~kgtool.project.Project`,
or nothing for the folder the program runs in) and a graph as the embedded
store (:func:`open_store`) or a SPARQL server (:class:`~kgtool.remote.Endpoint`);
the same calls answer the same on both. They are re-exported by
:mod:`kgtool`, which is where to import them from; their names differ from
the modules that do the work (``kgtool.build``, ``kgtool.validate``,
``kgtool.query``), which a package attribute could not also be. The examples run in the
tests, with ``project`` a copy of the shipped project.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kgtool.build import BuildOutcome
    from kgtool.project import Project
    from kgtool.provenance.model import Explanation, Mention
    from kgtool.query import Executor
    from kgtool.remote import Endpoint
    from kgtool.report import ValidationReport
    from kgtool.results import QueryResult
    from kgtool.store import KgStore


def open_project(project: Project | str | Path | None = None) -> Project:
    """The project in a folder (default: the current folder or the nearest parent with
    ``ontology/`` and ``graph/``).

    >>> open_project(project).queries_dir.name
    'queries'
    """
    from kgtool.project import Project

    if isinstance(project, Project):
        return project
    return Project.find(Path(project) if project is not None else None)


def open_store(project: Project | str | Path | None = None, *, refresh: bool = True) -> KgStore:
    """The project's embedded store, brought up to date with its files first.

    ``refresh=False`` opens the last build read-only, as it is (any number of
    readers at once). Close it with ``store.close()`` or a ``with`` block.

    >>> with open_store(project) as store:
    ...     len(store) > 1000
    True
    """
    from kgtool.store import open_store as open_project_store

    return open_project_store(open_project(project), refresh=refresh)


def build_project(
    project: Project | str | Path | None = None, *, force: bool = False
) -> BuildOutcome:
    """``kgtool build``: update the store, validate, and write ``dist/`` if the graph conforms.

    >>> outcome = build_project(project)
    >>> outcome.report.conforms, sorted(p.name for p in outcome.written)
    (True, ['graph.ttl', 'kgtool.trig', 'ontology.ttl'])
    >>> outcome.store.close()
    """
    from kgtool.build import build as build_project

    return build_project(open_project(project), force=force)


def check(
    graph: KgStore | Endpoint,
    *,
    engine: str = "sparql",
    project: Project | str | Path | None = None,
) -> ValidationReport:
    """``kgtool validate``: the SHACL and source-integrity report of the store, or of
    a SPARQL server that holds the pushed graph (``project``: the checkout it was
    pushed from). Never raises on bad data.

    >>> with open_store(project) as store:
    ...     report = check(store)
    >>> report.conforms, report.results
    (True, [])
    """
    from kgtool.validate import validate as validate_graph

    if hasattr(graph, "store"):
        return validate_graph(graph, engine=engine)
    return validate_graph(graph, engine=engine, project=open_project(project))


def _executor(graph: KgStore | Endpoint | Executor) -> Executor:
    from kgtool.query import LocalExecutor

    if hasattr(graph, "execute"):
        return graph  # type: ignore[return-value]
    return LocalExecutor(graph)


def ask(
    question: str,
    params: Mapping[str, str] | None = None,
    *,
    graph: KgStore | Endpoint,
    project: Project | str | Path | None = None,
) -> QueryResult:
    """``kgtool query``: a named query of ``queries/`` (by name or ``.rq`` path) with
    its parameters, or SPARQL text; parameters are bound as RDF terms, never pasted
    into the text.

    >>> with open_store(project) as store:
    ...     total = ask("monthly-exports-total", graph=store).records()[0]
    >>> total["total"], total["periods"]
    (1880000, '2014-05, 2014-06')
    >>> with open_store(project) as store:
    ...     ask("SELECT (COUNT(*) AS ?n) WHERE { ?c a kg:Claim }", graph=store).rows[0][0].value
    '38'
    """
    from kgtool.query import run, run_text
    from kgtool.sparql_text import query_form

    executor = _executor(graph)
    try:
        query_form(question)
    except Exception:  # not SPARQL text: a query's name or file
        return run(question, params or {}, executor=executor, project=open_project(project))
    if params:
        from kgtool.errors import QueryError

        raise QueryError("parameters apply to named queries only")
    return run_text(question, executor=executor)


def explain(target: str, graph: KgStore | Endpoint) -> Explanation:
    """``kgtool why``: the provenance of a claim, an entity (IRI, CURIE or label) or a quote.

    >>> with open_store(project) as store:
    ...     why = explain("clm:kt140727-01", store)
    >>> quote = why.claims[0].quotes[0]
    >>> quote.text[:60], quote.matches_source
    ('The cash-strapped communist country exported goods to the va', True)
    """
    from kgtool.provenance.why import explain as explain_target

    return explain_target(target, _executor(graph))


def mentions(entity: str, graph: KgStore | Endpoint) -> list[Mention]:
    """``kgtool mentions``: every span of the sources that refers to an entity.

    >>> with open_store(project) as store:
    ...     spans = mentions("North Korea", store)
    >>> len(spans) > 10, all(m.source_text[m.start : m.end] == m.surface for m in spans)
    (True, True)
    """
    from kgtool.provenance.why import mentions as find_mentions

    return find_mentions(entity, _executor(graph))


__all__ = ["ask", "build_project", "check", "explain", "mentions", "open_project", "open_store"]
