"""The SPARQL endpoint and JSON API of ``kgtool serve``, tested on a real server process."""

from __future__ import annotations

import csv
import io
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph
from serving import Server, copy_project, running_server
from SPARQLWrapper import CSV, JSON, N3, TSV, XML, SPARQLWrapper

from kgtool.query import LocalExecutor
from kgtool.server.sparql import negotiate, operation
from kgtool.store import open_store

pytestmark = pytest.mark.server

COUNTRIES = """SELECT ?country ?code WHERE { ?country a kg:Country ; kg:iso3166Alpha2 ?code }
ORDER BY ?code"""
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
MAX_RESULTS = 500


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("served")
    project = copy_project(folder / "project")
    options = ("--query-timeout", "2", "--max-results", str(MAX_RESULTS))
    with running_server(project, folder / "serve.log", *options) as running:
        yield running


@pytest.fixture(scope="module")
def expected_countries(server: Server) -> list[tuple[str, str]]:
    """The answer read straight from the store the server serves (read-only handle)."""
    kgstore = open_store(server.project, refresh=False)
    result = LocalExecutor(kgstore).execute(COUNTRIES, {})
    return [(row[0].value, row[1].value) for row in result.rows]


def _error(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return str(body["error"]["message"])


# Protocol: the three ways of sending a query -----------------------------------------
def test_get_post_form_and_direct_post_agree(server: Server, expected_countries) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    answers = [
        requests.get(server.url + "/sparql", params={"query": COUNTRIES}, headers=accept),
        requests.post(server.url + "/sparql", data={"query": COUNTRIES}, headers=accept),
        requests.post(
            server.url + "/sparql",
            data=COUNTRIES.encode(),
            headers={**accept, "Content-Type": "application/sparql-query"},
        ),
    ]
    assert expected_countries and ("https://w3id.org/kgtool/entity/china", "CN") in (
        expected_countries
    )
    for response in answers:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        bindings = response.json()["results"]["bindings"]
        got = [(b["country"]["value"], b["code"]["value"]) for b in bindings]
        assert got == expected_countries


@pytest.mark.parametrize("method", ["GET", "POST", "POSTDIRECTLY"])
def test_sparqlwrapper_methods(server: Server, expected_countries, method: str) -> None:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery("PREFIX kg: <https://w3id.org/kgtool/ontology#>\n" + COUNTRIES)
    client.setReturnFormat(JSON)
    client.setMethod("GET" if method == "GET" else "POST")
    if method == "POSTDIRECTLY":
        client.setRequestMethod("postdirectly")
    rows = client.queryAndConvert()["results"]["bindings"]
    assert [(r["country"]["value"], r["code"]["value"]) for r in rows] == expected_countries


@pytest.mark.parametrize(
    ("fmt", "media"),
    [
        (JSON, "application/sparql-results+json"),
        (XML, "application/sparql-results+xml"),
        (CSV, "text/csv"),
        (TSV, "text/tab-separated-values"),
    ],
)
def test_select_result_formats(server: Server, expected_countries, fmt: str, media: str) -> None:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(COUNTRIES)
    client.setReturnFormat(fmt)
    response = client.query()
    assert response.info()["content-type"].startswith(media)
    raw = response.response.read()
    if media == "text/csv":  # lossy: pyoxigraph does not parse it back
        codes = [row["code"] for row in csv.DictReader(io.StringIO(raw.decode()))]
    else:
        format_ = ox.QueryResultsFormat.from_media_type(media)
        parsed = ox.parse_query_results(raw, format=format_)
        codes = [row["code"].value for row in parsed]
    assert codes == [code for _, code in expected_countries]


def test_csv_is_plain_csv(server: Server, expected_countries) -> None:
    response = requests.get(
        server.url + "/sparql", params={"query": COUNTRIES}, headers={"Accept": "text/csv"}
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["country", "code"]
    assert [tuple(r) for r in rows[1:]] == expected_countries


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
    ],
)
def test_construct_formats(server: Server, expected_countries, accept: str, fmt) -> None:
    query = (
        "CONSTRUCT { ?c kg:iso3166Alpha2 ?code } WHERE { ?c a kg:Country ; kg:iso3166Alpha2 ?code }"
    )
    response = requests.post(
        server.url + "/sparql", data={"query": query}, headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    triples = list(ox.parse(response.content, format=fmt))
    got = sorted((t.subject.value, t.object.value) for t in triples)
    assert got == sorted(expected_countries)


def test_sparqlwrapper_construct_turtle(server: Server) -> None:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery("DESCRIBE <https://w3id.org/kgtool/entity/china>")
    client.setReturnFormat(N3)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")
    labels = {str(o) for _, p, o in graph if str(p).endswith("core#prefLabel")}
    assert "China" in labels


def test_ask(server: Server) -> None:
    response = requests.get(
        server.url + "/sparql", params={"query": "ASK { ent:china a kg:Country }"}
    )
    assert response.json()["boolean"] is True


def test_no_acceptable_format_is_406(server: Server) -> None:
    response = requests.get(
        server.url + "/sparql", params={"query": COUNTRIES}, headers={"Accept": "image/png"}
    )
    assert "acceptable" in _error(response, 406)


# Errors and limits -----------------------------------------------------------------
def test_syntax_error_is_400_with_the_parser_message(server: Server) -> None:
    response = requests.get(server.url + "/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    message = _error(response, 400)
    assert "syntax error" in message and ":1:" in message


@pytest.mark.parametrize(
    "send",
    [
        lambda url, u: requests.post(url, data={"update": u}),
        lambda url, u: requests.post(
            url, data=u.encode(), headers={"Content-Type": "application/sparql-update"}
        ),
        lambda url, u: requests.post(url, data={"query": u}),
        lambda url, u: requests.get(url, params={"query": u}),
        lambda url, u: requests.get(url, params={"update": u}),
    ],
    ids=["form-update", "sparql-update", "update-as-query", "get-update-as-query", "get-update"],
)
def test_updates_are_forbidden(server: Server, send) -> None:
    update = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    assert "read-only" in _error(send(server.url + "/sparql", update), 403)
    check = requests.get(server.url + "/sparql", params={"query": "ASK { <urn:x:a> ?p ?o }"})
    assert check.json()["boolean"] is False


def test_time_limit_is_503_and_the_server_stays_responsive(server: Server) -> None:
    started = time.monotonic()
    response = requests.post(server.url + "/sparql", data={"query": HEAVY}, timeout=60)
    elapsed = time.monotonic() - started
    assert "did not finish within 2 s" in _error(response, 503)
    assert elapsed < 10
    quick = time.monotonic()
    again = requests.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    assert again.json()["boolean"] is True
    assert time.monotonic() - quick < 5


def test_heavy_queries_do_not_block_others(server: Server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        heavy = pool.submit(requests.post, server.url + "/sparql", data={"query": HEAVY})
        time.sleep(0.3)
        started = time.monotonic()
        light = requests.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert light.status_code == 200
        assert time.monotonic() - started < 1.5
        assert heavy.result().status_code == 503


def test_size_limit_is_413(server: Server) -> None:
    total = requests.get(
        server.url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    ).json()["results"]["bindings"][0]["n"]["value"]
    assert int(total) > MAX_RESULTS
    response = requests.get(server.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert f"more than {MAX_RESULTS} rows" in _error(response, 413)
    limited = f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_RESULTS}"
    ok = requests.get(server.url + "/sparql", params={"query": limited})
    assert len(ok.json()["results"]["bindings"]) == MAX_RESULTS


def test_cors(server: Server) -> None:
    origin = {"Origin": "http://example.org"}
    response = requests.get(server.url + "/sparql", params={"query": COUNTRIES}, headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = requests.options(
        server.url + "/sparql",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_service_description(server: Server) -> None:
    response = requests.get(server.url + "/sparql", headers={"Accept": "text/turtle"})
    assert response.headers["content-type"].startswith("text/turtle")
    store = ox.Store()
    store.load(response.content, format=ox.RdfFormat.TURTLE)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    rows = store.query(
        f"SELECT ?endpoint ?lang WHERE {{ ?s a <{sd}Service> ; <{sd}endpoint> ?endpoint ; "
        f"<{sd}supportedLanguage> ?lang }}"
    )
    found = [(row["endpoint"].value, row["lang"].value) for row in rows]
    assert found == [(server.url + "/sparql", sd + "SPARQL11Query")]
    formats = {
        row["f"].value for row in store.query(f"SELECT ?f WHERE {{ ?s <{sd}resultFormat> ?f }}")
    }
    from kgtool.formats import FORMATS

    assert formats == {f.w3c_iri for f in FORMATS if f.media_types}
    assert len(formats) == 10  # 4 results formats, 6 RDF syntaxes
    nt = requests.get(server.url + "/sparql", headers={"Accept": "application/n-triples"})
    assert nt.headers["content-type"].startswith("application/n-triples")
    assert len(list(ox.parse(nt.content, format=ox.RdfFormat.N_TRIPLES))) == len(store)


# JSON API ------------------------------------------------------------------------
def test_api_queries_lists_the_project_queries(server: Server) -> None:
    listed = requests.get(server.url + "/api/queries").json()["queries"]
    names = [q["name"] for q in listed]
    on_disk = sorted(p.stem for p in server.project.queries_dir.glob("*.rq"))
    assert sorted(names) == on_disk
    mine = next(q for q in listed if q["name"] == "test-claims-by-party")
    assert mine["title"] == "Claims attributed to a party"
    assert mine["params"] == [
        {
            "name": "party",
            "type": "iri",
            "default": "ent:choi-kyung-soo",
            "description": "who says so",
        }
    ]


def test_api_run_query_binds_parameters(server: Server) -> None:
    kgstore = open_store(server.project, refresh=False)
    direct = kgstore.query("SELECT ?c WHERE { ?c prov:wasAttributedTo ent:kita } ORDER BY ?c")
    expected = [f"clm:{row['c'].value.rsplit('/', 1)[1]}" for row in direct]
    response = requests.get(
        server.url + "/api/queries/test-claims-by-party", params={"party": "ent:kita"}
    )
    body = response.json()
    assert body["variables"] == ["claim", "statement", "modality"]
    assert [row["claim"] for row in body["rows"]] == expected
    by_label = requests.get(
        server.url + "/api/queries/test-claims-by-party", params={"party": "Choi Kyung-soo"}
    ).json()
    assert by_label["rows"] and all(r["claim"].startswith("clm:") for r in by_label["rows"])


def test_api_search(server: Server) -> None:
    body = requests.get(server.url + "/api/search", params={"q": "choi"}).json()
    entities = [hit for hit in body["results"] if hit["kind"] == "entity"]
    assert entities[0]["iri"] == "https://w3id.org/kgtool/entity/choi-kyung-soo"
    claims = [hit for hit in body["results"] if hit["kind"] == "claim"]
    assert claims and all(
        "choi" in (hit["label"] + " ".join(hit["matched"])).lower() for hit in claims
    )


def test_api_why(server: Server) -> None:
    response = requests.get(server.url + "/api/why", params={"target": "clm:kt140727-30"})
    try:
        import kgtool.provenance  # noqa: F401
    except ModuleNotFoundError:
        assert "provenance" in _error(response, 501)
        return
    assert response.status_code == 200
    assert "kt140727-30" in json.dumps(response.json())
    unknown = requests.get(server.url + "/api/why", params={"target": "clm:no-such-claim"})
    _error(unknown, 404)


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/queries/no-such-query", {}, 404),
        ("/api/queries/test-claims-by-party", {"nope": "1"}, 400),
        ("/api/queries/test-claims-by-party", {"party": "not a label of anything"}, 400),
        ("/api/why", {}, 400),
        ("/api/search", {}, 400),
        ("/api/nothing-here", {}, 404),
        ("/sparql", {"query": "SELECT"}, 400),
    ],
)
def test_json_error_shape(server: Server, path: str, params: dict, status: int) -> None:
    _error(requests.get(server.url + path, params=params), status)


def test_method_not_allowed_is_json(server: Server) -> None:
    response = requests.delete(server.url + "/api/queries")
    _error(response, 405)
    assert "GET" in response.headers["allow"]


def test_access_log_is_one_json_line_per_request(server: Server) -> None:
    requests.get(server.url + "/api/queries", headers={"X-Probe": "log"})
    time.sleep(0.2)
    entries = [json.loads(line) for line in server.access_log() if line.startswith("{")]
    mine = [e for e in entries if e["path"] == "/api/queries" and e["method"] == "GET"]
    assert mine
    assert set(mine[-1]) == {"time", "method", "path", "status", "duration_ms", "client"}
    assert mine[-1]["status"] == 200 and mine[-1]["client"].startswith("127.0.0.1:")


# Helpers without a server -----------------------------------------------------------
def test_negotiate_respects_quality() -> None:
    offered = {"application/sparql-results+json": "sparql-json", "text/csv": "csv"}
    assert negotiate("text/csv;q=0.9, application/sparql-results+json", offered).startswith(
        "application/sparql-results+json"
    )
    assert negotiate("text/*", offered) == "text/csv"
    assert negotiate(None, offered) == "application/sparql-results+json"
    assert negotiate("image/png", offered) is None


def test_operation_ignores_comments_and_strings() -> None:
    assert operation('# INSERT\nSELECT ("DELETE" AS ?x) {}') == "SELECT"
    assert operation("PREFIX a: <urn:a:> DELETE WHERE { ?s ?p ?o }") == "UPDATE"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_graceful_shutdown_answers_requests_in_flight(tmp_path: Path, stop: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    project = copy_project(tmp_path / "project")
    with running_server(project, tmp_path / "serve.log", "--query-timeout", "1.5") as other:
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(requests.post, other.url + "/sparql", data={"query": HEAVY})
            time.sleep(0.5)
            other.process.send_signal(stop)
            assert slow.result(timeout=30).status_code == 503
        assert other.process.wait(30) == 0
    assert "stopped" in other.log.read_text(encoding="utf-8")


def test_a_worker_that_dies_is_reported_with_what_happened(server: Server) -> None:
    import threading

    from kgtool.errors import QueryError
    from kgtool.server.runner import Limits, ProcessBackend

    backend = ProcessBackend(server.project.root, server.project.store_path, size=1)
    try:
        worker = backend._idle.queue[0]
        worker.wait_ready(60)
        threading.Timer(0.5, worker.process.kill).start()
        with pytest.raises(QueryError) as caught:
            backend.run(HEAVY, {}, Limits(), 30, {})
        assert "was killed by SIGKILL" in str(caught.value)
        assert "ran out of stack or memory" in str(caught.value)
        answer = backend.run("ASK { ?s ?p ?o }", {}, Limits(), 30, {})  # a new worker
        assert answer.boolean is True
    finally:
        backend.close()
