"""The W3C SPARQL 1.1 Protocol test suite, run against a real ``kgtool serve``.

The cases are read from tests/w3c/sparql11/protocol/manifest.ttl. The server
serves a project whose graph/ holds the suite's data1.nt, data2.nt and
data3.nt; each file is a named graph of the store, so the graph IRIs the
manifest names (``http://kasei.us/…/dataN.rdf``) are replaced, in the
``default-graph-uri``/``named-graph-uri`` parameters only, by the IRIs of the
graphs the files were loaded into. ``/sparql/`` becomes ``/sparql``, as the
manifest says to do for the endpoint under test.

The endpoint is read-only: the update cases cannot succeed, and each must be
refused with 403 (the bad-update cases with the 4xx the manifest asks).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
import pytest
import requests
from serving import Server, running_server

from kgtool.project import Project
from kgtool.store import refresh_store

pytestmark = pytest.mark.server

SUITE = Path(__file__).resolve().parent / "w3c" / "sparql11" / "protocol"
MANIFEST = SUITE / "manifest.ttl"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
HTS = "http://www.w3.org/2011/http-statusCodes#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]
    statuses: frozenset[str]  # "2xx", "3xx", "4xx" …
    boolean: bool | None
    result_format: str | None  # "boolean", "tabular", "RDF"


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    requests: tuple[Request, ...]

    @property
    def is_update(self) -> bool:
        return self.name.startswith(("update_", "bad_update_"))


def _list(store: ox.Store, head: Any) -> list[Any]:
    items = []
    nil = ox.NamedNode(RDF + "nil")
    while head != nil:
        items.append(_one(store, head, RDF + "first"))
        head = _one(store, head, RDF + "rest")
    return items


def _one(store: ox.Store, subject: Any, predicate: str) -> Any:
    found = [q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None)]
    return found[0] if found else None


def _all(store: ox.Store, subject: Any, predicate: str) -> list[Any]:
    return [q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None)]


def _request(store: ox.Store, node: Any) -> Request:
    body_node = _one(store, node, HT + "body")
    body = None
    if body_node is not None:
        encoding = _one(store, body_node, CNT + "characterEncoding").value
        body = _one(store, body_node, CNT + "chars").value.encode(encoding.lower())
    headers = {}
    header_list = _one(store, node, HT + "headers")
    for header in _list(store, header_list) if header_list is not None else []:
        headers[_one(store, header, HT + "fieldName").value] = _one(
            store, header, HT + "fieldValue"
        ).value
    response = _one(store, node, HT + "resp")
    statuses = frozenset(
        s.value.removeprefix(HTS + "StatusCode")
        for s in _all(store, response, MF + "expectedStatus")
    )
    boolean = _one(store, response, MF + "expectedBoolean")
    result_format = _one(store, response, MF + "expectedFormat")
    return Request(
        _one(store, node, HT + "methodName").value,
        _one(store, node, HT + "absolutePath").value,
        body,
        headers,
        statuses,
        None if boolean is None else boolean.value == "true",
        None if result_format is None else result_format.value,
    )


def load_cases() -> tuple[list[Case], dict[str, str]]:
    """The manifest's cases in order, and graph label -> data file name."""
    store = ox.Store()
    store.load(path=str(MANIFEST), format=ox.RdfFormat.TURTLE, base_iri=MANIFEST.as_uri())
    manifest = ox.NamedNode(MANIFEST.as_uri())
    cases, graphs = [], {}
    for entry in _list(store, _one(store, manifest, MF + "entries")):
        connection = _one(store, entry, MF + "action")
        requests_ = [
            _request(store, n) for n in _list(store, _one(store, connection, HT + "requests"))
        ]
        name = entry.value.rsplit("#", 1)[1]
        cases.append(Case(name, _one(store, entry, MF + "name").value, tuple(requests_)))
        for data in _all(store, entry, UT + "graphData"):
            label = _one(store, data, RDFS + "label").value
            graphs[label] = Path(_one(store, data, UT + "graph").value).name
    return cases, graphs


CASES, GRAPH_FILES = load_cases()
QUERY_CASES = [c for c in CASES if not c.is_update]
UPDATE_CASES = [c for c in CASES if c.is_update]


def make_project(folder: Path) -> Project:
    """A project whose graph/ holds the suite's data files (one named graph each)."""
    (folder / "ontology").mkdir(parents=True)
    (folder / "graph").mkdir()
    for name in sorted(set(GRAPH_FILES.values())):
        shutil.copy(SUITE / name, folder / "graph" / name)
    project = Project(folder, folder / ".kgtool" / "store")
    kgstore, _ = refresh_store(project)
    kgstore.close()
    return project


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("protocol")
    project = make_project(folder / "project")
    with running_server(project, folder / "serve.log", "--query-timeout", "5") as running:
        yield running


def mapped_path(server: Server, path: str) -> str:
    """The manifest's path for this server: /sparql, dataset IRIs of the served graphs."""
    route, _, query = path.partition("?")
    assert route == "/sparql/"
    fields = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in {"default-graph-uri", "named-graph-uri"} and value in GRAPH_FILES:
            value = server.project.graph_iri(server.project.graph_dir / GRAPH_FILES[value])
        fields.append((key, value))
    return "/sparql" + ("?" + urlencode(fields) if fields else "")


def send(server: Server, request: Request) -> requests.Response:
    return requests.request(
        request.method,
        server.url + mapped_path(server, request.path),
        data=request.body,
        headers=request.headers,
        allow_redirects=False,
        timeout=30,
    )


def check_response(response: requests.Response, request: Request) -> None:
    status = f"{response.status_code // 100}xx"
    assert status in request.statuses, (response.status_code, response.text)
    if request.result_format is None:
        return
    media = response.headers["content-type"].split(";")[0].strip()
    if request.result_format == "RDF":
        rdf_format = ox.RdfFormat.from_media_type(media)
        assert rdf_format is not None, media
        list(ox.parse(response.content, format=rdf_format))
        return
    assert media in RESULT_TYPES, media
    if request.result_format == "boolean":
        assert media in {"application/sparql-results+json", "application/sparql-results+xml"}
        result = ox.parse_query_results(response.content, format=RESULT_TYPES[media])
        assert isinstance(result, ox.QueryBoolean)
        if request.boolean is not None:
            assert bool(result) is request.boolean
    elif media != "text/csv":  # tabular; pyoxigraph does not read CSV back
        result = ox.parse_query_results(response.content, format=RESULT_TYPES[media])
        assert isinstance(result, ox.QuerySolutions)


def test_the_suite_was_read() -> None:
    assert len(QUERY_CASES) == 21 and len(UPDATE_CASES) == 13  # 34 entries
    assert set(GRAPH_FILES.values()) == {"data1.nt", "data2.nt", "data3.nt"}


@pytest.mark.parametrize("case", QUERY_CASES, ids=[c.name for c in QUERY_CASES])
def test_query_case(server: Server, case: Case) -> None:
    for request in case.requests:
        check_response(send(server, request), request)


@pytest.mark.parametrize("case", UPDATE_CASES, ids=[c.name for c in UPDATE_CASES])
def test_update_case_is_refused(server: Server, case: Case) -> None:
    """A read-only endpoint: an update is refused (403), a malformed one with the 4xx asked."""
    first = case.requests[0]
    response = send(server, first)
    if case.name.startswith("update_"):
        assert response.status_code == 403, response.text
        assert "read-only" in response.json()["error"]["message"]
    else:
        assert f"{response.status_code // 100}xx" in first.statuses
        assert response.status_code != 405 or first.method not in {"GET", "POST"}
    count = requests.get(
        server.url + "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"][0]["n"]["value"]
    assert count == "3"  # nothing was changed


# What the suite does not cover ---------------------------------------------------------
def ask(server: Server, query: str, **params: Any) -> requests.Response:
    return requests.get(
        server.url + "/sparql",
        params={"query": query, **params},
        headers={"Accept": "application/sparql-results+json"},
    )


def test_dataset_parameters_pick_the_graphs(server: Server) -> None:
    data1 = server.project.graph_iri(server.project.graph_dir / "data1.nt")
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def n(**params: Any) -> str:
        return ask(server, count, **params).json()["results"]["bindings"][0]["n"]["value"]

    assert n() == "3"  # the union of the graphs
    assert n(**{"default-graph-uri": data1}) == "1"
    assert n(**{"default-graph-uri": "urn:no-such-graph"}) == "0"
    named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert (
        ask(server, named, **{"named-graph-uri": data1}).json()["results"]["bindings"][0]["n"][
            "value"
        ]
        == "1"
    )
    bad = ask(server, count, **{"default-graph-uri": "not an iri"})
    assert bad.status_code == 400 and "default-graph-uri" in bad.json()["error"]["message"]


def test_two_query_parameters_are_400(server: Server) -> None:
    both = requests.get(server.url + "/sparql?query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D")
    assert both.status_code == 400
    form = requests.post(server.url + "/sparql?query=ASK%20%7B%7D", data={"query": "SELECT * {}"})
    assert form.status_code == 400
    direct = requests.post(
        server.url + "/sparql?query=ASK%20%7B%7D",
        data=b"ASK {}",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert direct.status_code == 400


def test_relative_iris_resolve_against_the_endpoint(server: Server) -> None:
    response = requests.post(
        server.url + "/sparql",
        data={"query": "CONSTRUCT { <s> <p> <o> } WHERE {}"},
        headers={"Accept": "application/n-triples"},
    )
    assert response.status_code == 200, response.text
    triples = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    assert [t.subject.value for t in triples] == [server.url + "/s"]


@pytest.mark.parametrize(
    "body",
    [b'ASK{FILTER("\xff"="\xfe")}', b"query=ASK%7BFILTER(%22%FF%22%3D%22%FE%22)%7D"],
    ids=["direct", "form"],
)
def test_invalid_utf8_is_400(server: Server, body: bytes) -> None:
    media = (
        "application/sparql-query"
        if body.startswith(b"ASK")
        else ("application/x-www-form-urlencoded")
    )
    response = requests.post(server.url + "/sparql", data=body, headers={"Content-Type": media})
    assert response.status_code == 400, response.text
    assert "UTF-8" in response.json()["error"]["message"]
    in_url = requests.get(server.url + "/sparql?query=ASK%7BFILTER(%22%FF%22%3D%22%FE%22)%7D")
    assert in_url.status_code == 400


def test_head_answers_like_get(server: Server) -> None:
    params = {"query": "ASK {}"}
    got = requests.get(server.url + "/sparql", params=params)
    head = requests.head(server.url + "/sparql", params=params)
    assert got.status_code == head.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.content == b""


def test_other_methods_are_405_with_allow(server: Server) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = requests.request(method, server.url + "/sparql", params={"query": "ASK {}"})
        assert response.status_code == 405
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert {"GET", "HEAD", "POST"} <= allowed
        assert response.json()["error"]["status"] == 405


def test_an_empty_query_is_400(server: Server) -> None:
    for response in (
        requests.get(server.url + "/sparql?query="),
        requests.get(server.url + "/sparql", params={"query": "  "}),
        requests.post(server.url + "/sparql", data={"query": ""}),
    ):
        assert response.status_code == 400
        assert "empty" in response.json()["error"]["message"]
    assert requests.get(server.url + "/sparql").status_code == 200  # the Service Description


@pytest.mark.parametrize(
    "accept",
    [
        "text/turtle",
        "application/n-triples",
        "application/n-quads",
        "application/trig",
        "application/rdf+xml",
        "application/ld+json",
    ],
)
def test_construct_in_every_rdf_format(server: Server, accept: str) -> None:
    query = "CONSTRUCT { ?s a ?type } WHERE { ?s a ?type }"
    response = requests.post(
        server.url + "/sparql", data={"query": query}, headers={"Accept": accept}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(accept)
    rdf_format = ox.RdfFormat.from_media_type(accept)
    subjects = sorted(q.subject.value for q in ox.parse(response.content, format=rdf_format))
    assert subjects == [f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)]


def test_rdflib_sparqlstore_construct(server: Server) -> None:
    """rdflib's SPARQLStore asks for RDF/XML by default."""
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(server.url + "/sparql", returnFormat="xml"))
    result = graph.query("CONSTRUCT { ?s a ?type } WHERE { ?s a ?type }")
    assert len(result.graph) == 3  # type: ignore[union-attr]


def test_sparqlwrapper_construct_by_default(server: Server) -> None:
    """SPARQLWrapper asks for RDF/XML for a CONSTRUCT unless told otherwise."""
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery("CONSTRUCT { ?s a ?type } WHERE { ?s a ?type }")
    response = client.query()
    assert response.info()["content-type"].startswith("application/rdf+xml")
    graph = response.convert()
    assert sorted(str(s) for s in graph.subjects()) == [
        f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)
    ]
