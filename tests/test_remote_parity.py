"""Every named query, ``why``, ``mentions``, the networks and the export give the embedded
store's answer on each real server: Oxigraph with and without a union default graph, and
Virtuoso (started by scripts/test.sh; skipped when it is not running).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sparql_servers import OxigraphServer, all_queries, as_strings, concatenations

from kgtool.errors import KgtoolError
from kgtool.export import export as local_export
from kgtool.network import KINDS, build
from kgtool.project import Project
from kgtool.provenance import explain, mentions
from kgtool.provenance.render import mention_rows, render_json
from kgtool.query import LocalExecutor, NamedQuery, list_queries, run
from kgtool.remote import Endpoint
from kgtool.store import KgStore

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
QUERIES = all_queries(Project(ROOT))
SERVERS = ("oxigraph-union", "oxigraph-plain", "virtuoso")
#: Virtuoso's administrator login on a new database (tests/servers/virtuoso.ini)
VIRTUOSO_LOGIN = {"KGTOOL_ENDPOINT_USER": "dba", "KGTOOL_ENDPOINT_PASSWORD": "dba"}


def started(kind: str, folder: Path) -> tuple[str, OxigraphServer | None]:
    """The query URL of a running server of ``kind``, and the process if started here."""
    if kind == "virtuoso":
        url = os.environ.get("KGTOOL_TEST_VIRTUOSO")
        if not url:
            pytest.skip("no Virtuoso server: run the tests through scripts/test.sh")
        return url, None
    variable = "KGTOOL_TEST_SERVER" if kind == "oxigraph-union" else "KGTOOL_TEST_SERVER_PLAIN"
    base = os.environ.get(variable)
    if base:
        return base.rstrip("/") + "/query", None
    server = OxigraphServer(folder, union=kind == "oxigraph-union").start()
    return server.base + "/query", server


@pytest.fixture(scope="module", params=SERVERS)
def loaded(
    request: pytest.FixtureRequest,
    shipped_store: KgStore,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Endpoint]:
    """A server of each kind holding the shipped graph, pushed by kgtool."""
    url, server = started(request.param, tmp_path_factory.mktemp(request.param))
    try:
        endpoint = Endpoint(url, timeout=180)
        with pytest.MonkeyPatch.context() as patch:
            for name in ("KGTOOL_ENDPOINT_TOKEN", "KGTOOL_ENDPOINT_USER"):
                patch.delenv(name, raising=False)
            if request.param == "virtuoso":
                for name, value in VIRTUOSO_LOGIN.items():
                    patch.setenv(name, value)
            endpoint.push(shipped_store)  # the session keeps the credentials
        yield endpoint
    finally:
        if server is not None:
            server.stop()


def test_queries_name_the_graphs_they_read(
    loaded: Endpoint, request: pytest.FixtureRequest
) -> None:
    """Without naming kgtool's graphs, the plain server finds nothing: the case at stake."""
    bare = Endpoint(loaded.query_url, graphs=[])  # no dataset sent, as before
    question = "ASK { ?claim kg:states ?fact }"
    assert loaded.execute(question, {}).boolean is True
    union = request.node.callspec.params["loaded"] != "oxigraph-plain"
    assert bare.execute(question, {}).boolean is union


@pytest.mark.parametrize(("query", "params"), QUERIES, ids=[q.name for q, _ in QUERIES])
def test_every_named_query_gives_the_same_rows(
    loaded: Endpoint,
    shipped_store: KgStore,
    shipped_project: Project,
    query: NamedQuery,
    params: dict[str, str],
) -> None:
    joined = concatenations(query.text)
    expected = as_strings(
        run(query, params, executor=LocalExecutor(shipped_store), project=shipped_project), joined
    )
    answered = as_strings(run(query, params, executor=loaded, project=shipped_project), joined)
    assert answered == expected


#: other values for each parameter type: a broader commodity (minerals, above rare earth
#: elements and anthracite), another country, a claim, dates before and inside the data
OTHER_VALUES = {
    "iri": ("ent:minerals", "ent:china", "clm:kt140727-05"),
    "date": ("2014-05-31", "1990-01-01"),
    "string": ("USD", "rare earth"),
}
VARIED = [
    (query, {param.name: value})
    for query in list_queries(ROOT / "queries")
    for param in query.parameters
    for value in OTHER_VALUES.get(param.type, ())
]


@pytest.mark.parametrize(
    ("query", "params"), VARIED, ids=[f"{q.name}-{next(iter(p.items()))}" for q, p in VARIED]
)
def test_named_queries_with_other_parameters_give_the_same_rows(
    loaded: Endpoint,
    shipped_store: KgStore,
    shipped_project: Project,
    query: NamedQuery,
    params: dict[str, str],
) -> None:
    """One parameter at a time set to another value, the others at their defaults."""
    joined = concatenations(query.text)
    try:
        expected = as_strings(
            run(query, params, executor=LocalExecutor(shipped_store), project=shipped_project),
            joined,
        )
    except KgtoolError as error:  # a value the parameter refuses: refused on the server too
        with pytest.raises(type(error)):
            run(query, params, executor=loaded, project=shipped_project)
        return
    answered = as_strings(run(query, params, executor=loaded, project=shipped_project), joined)
    assert answered == expected


def test_named_queries_find_something(shipped_store: KgStore, shipped_project: Project) -> None:
    """The comparisons above are not between empty answers."""
    local = LocalExecutor(shipped_store)
    empty = [
        q.name
        for q, params in QUERIES
        if not run(q, params, executor=local, project=shipped_project).rows
    ]
    assert len(empty) < len(QUERIES) // 5, empty


@pytest.mark.parametrize(
    "target",
    [
        "clm:kt140727-01",
        "ent:north-korea",
        "Choi Kyung-soo",
        "src:koreatimes-2014-07-27-rare-earth-exports",
    ],
)
def test_why_gives_the_same_explanation(
    loaded: Endpoint, shipped_store: KgStore, target: str
) -> None:
    try:
        expected = render_json(explain(target, LocalExecutor(shipped_store)))
    except Exception as error:  # a target kind that why does not explain: the same error
        with pytest.raises(type(error)):
            explain(target, loaded)
        return
    assert render_json(explain(target, loaded)) == expected
    assert len(expected) > 200


@pytest.mark.parametrize("entity", ["North Korea", "ent:kita", "ent:china"])
def test_mentions_are_the_same(loaded: Endpoint, shipped_store: KgStore, entity: str) -> None:
    expected = mention_rows(mentions(entity, LocalExecutor(shipped_store)))
    assert mention_rows(mentions(entity, loaded)) == expected
    assert expected


def graph_data(graph: Any) -> tuple[list[str], list[str]]:
    nodes = sorted(
        json.dumps([n, d], sort_keys=True, default=str) for n, d in graph.nodes(data=True)
    )
    edges = sorted(
        json.dumps([a, b, d], sort_keys=True, default=str) for a, b, d in graph.edges(data=True)
    )
    return nodes, edges


@pytest.mark.parametrize("kind", KINDS)
def test_networks_are_the_same(loaded: Endpoint, shipped_store: KgStore, kind: str) -> None:
    nodes, edges = graph_data(build(kind, LocalExecutor(shipped_store)))
    assert graph_data(build(kind, loaded)) == (nodes, edges)
    assert nodes and edges


@pytest.mark.parametrize(
    ("fmt", "selection"), [("nq", "all"), ("ttl", "data"), ("trig", "ontology")]
)
def test_export_is_byte_identical(
    loaded: Endpoint, shipped_store: KgStore, fmt: str, selection: str
) -> None:
    assert loaded.export(fmt, selection) == local_export(shipped_store, fmt, selection=selection)
