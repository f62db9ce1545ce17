"""Pages of answers: LIMIT/OFFSET set in the query's own modifiers, the CLI, the API, the pages."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from serving import Server, copy_project, running_server

from kgtool.cli import main
from kgtool.errors import QueryError
from kgtool.paging import Window, paged
from kgtool.query import LocalExecutor, list_queries, run
from kgtool.store import KgStore, open_store

ROOT = Path(__file__).resolve().parent.parent
NORTH_KOREA = "https://w3id.org/kgtool/entity/north-korea"


def page(text: str, limit: int | None, offset: int = 0) -> str:
    return paged(text, Window(limit, offset))


# The text of a paged query ------------------------------------------------------------
def test_the_whole_answer_leaves_the_query_alone() -> None:
    text = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s"
    assert page(text, None) == text


def test_order_by_is_kept_and_limit_in_strings_or_comments_is_not_touched() -> None:
    text = 'SELECT ?s WHERE { ?s ?p "LIMIT 3" } ORDER BY DESC(?s) # LIMIT 9'
    assert page(text, 10, 20) == (
        'SELECT ?s WHERE { ?s ?p "LIMIT 3" } ORDER BY DESC(?s) LIMIT 10 OFFSET 20 # LIMIT 9'
    )


def test_an_existing_limit_and_offset_bound_the_page() -> None:
    text = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 100 OFFSET 10"
    assert re.sub(r"\s+", " ", page(text, 30, 80)) == (
        "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 20 OFFSET 90"
    )
    assert "LIMIT 0 OFFSET 160" in page(text, 30, 150)  # past the query's own 100 rows


def test_the_page_goes_before_a_trailing_values_block() -> None:
    text = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s VALUES ?s { <urn:a> <urn:b> }"
    assert page(text, 1, 1) == (
        "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1 OFFSET 1 VALUES ?s { <urn:a> <urn:b> }"
    )


def test_a_sub_select_keeps_its_own_limit() -> None:
    text = "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5 } }"
    assert page(text, 2) == text + " LIMIT 2 OFFSET 0"


def test_ask_has_no_page_and_negative_windows_are_refused() -> None:
    with pytest.raises(QueryError):
        page("ASK { ?s ?p ?o }", 1)
    with pytest.raises(QueryError):
        Window(-1)
    with pytest.raises(QueryError):
        Window(1, -2)


# Pages of real answers ------------------------------------------------------------------
def _select_queries() -> list[str]:
    queries = list_queries(ROOT / "queries")
    return [
        q.name for q in queries if not re.search(r"^\s*(ASK|CONSTRUCT|DESCRIBE)\b", q.text, re.M)
    ]


@pytest.mark.parametrize("name", _select_queries())
def test_pages_of_a_named_query_are_slices_of_its_answer(
    name: str, shipped_store: KgStore, shipped_project
) -> None:
    executor = LocalExecutor(shipped_store)
    whole = run(name, executor=executor, project=shipped_project).rows
    if len(whole) < 2:
        pytest.skip(f"{name} has {len(whole)} row(s) on the shipped graph")
    pages, offset = [], 0
    while True:
        rows = run(name, executor=executor, project=shipped_project, limit=2, offset=offset).rows
        pages.extend(rows)
        if len(rows) < 2:
            break
        offset += 2
    assert pages == whole  # the same rows, in the query's own order, from the graph


def test_query_command_prints_one_page(project_copy, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--project", str(project_copy.root), "query", "quantities", "--format", "csv"]
    assert main(args) == 0
    everything = capsys.readouterr().out.splitlines()
    assert len(everything) > 4  # header and rows
    assert main([*args, "--limit", "2", "--offset", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == [everything[0], *everything[2:4]]


# The API and the pages, on a real server ------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("paged")
    project = copy_project(folder / "project")
    with running_server(project, folder / "serve.log") as running:
        yield running


@pytest.mark.server
def test_api_pages_a_named_query(server: Server) -> None:
    url = server.url + "/api/queries/test-claims-by-party"
    whole = requests.get(url, params={"limit": 1000}).json()
    assert whole["more"] is False and len(whole["rows"]) > 3
    first = requests.get(url, params={"limit": 2}).json()
    assert first["rows"] == whole["rows"][:2] and first["more"] is True
    last = requests.get(url, params={"limit": 2, "offset": len(whole["rows"]) - 1}).json()
    assert last["rows"] == whole["rows"][-1:] and last["more"] is False
    assert requests.get(url, params={"limit": "x"}).status_code == 400


@pytest.mark.server
def test_api_search_pages(server: Server) -> None:
    url = server.url + "/api/search"
    whole = requests.get(url, params={"q": "korea", "limit": 200}).json()["results"]
    walked, offset = [], 0
    while True:
        body = requests.get(url, params={"q": "korea", "limit": 4, "offset": offset}).json()
        walked.extend(body["results"])
        if not body["more"]:
            break
        offset += 4
    assert [h["iri"] for h in walked] == [h["iri"] for h in whole] and len(whole) > 8


def _links(page_html: str) -> tuple[list[str], str | None]:
    claims = re.findall(r'href="[^"]*/claim\?iri=([^"&]+)"', page_html)
    following = re.search(r'<a class="next" href="([^"]+)"', page_html)
    return claims, html.unescape(following[1]) if following else None


@pytest.mark.server
def test_entity_page_pages_through_its_claims(server: Server) -> None:
    kgstore = open_store(server.project, refresh=False)
    import pyoxigraph as ox

    from kgtool.query import package_query

    query = package_query("web-entity-claims")
    rows = LocalExecutor(kgstore).execute(query.text, {"entity": ox.NamedNode(NORTH_KOREA)}).rows
    expected = {row[0].value for row in rows}
    assert len(rows) > 6
    seen: list[str] = []
    url: str | None = f"/entity?iri={NORTH_KOREA}&limit=3"
    visited = 0
    while url is not None:
        response = requests.get(server.url + url)
        assert response.status_code == 200
        claims, url = _links(response.text)
        seen.extend(requests.utils.unquote(c) for c in claims)
        visited += 1
    assert visited >= len(expected) // 3
    assert set(seen) == expected  # every claim of the entity, read from the graph
    assert len(seen) == len(expected)  # each on one page: a page never cuts a claim's roles


@pytest.mark.browser
def test_search_page_next_and_previous_in_a_browser(server: Server) -> None:
    from playwright.sync_api import sync_playwright

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.fail("Chromium is missing: scripts/test.sh installs the Debian package")
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    whole = requests.get(server.url + "/api/search", params={"q": "korea", "limit": 200}).json()
    expected = [hit["iri"] for hit in whole["results"]]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=args)
        page_ = browser.new_page()
        page_.goto(server.url + "/?q=korea&limit=5")
        first = page_.eval_on_selector_all("a.hit", "links => links.map(a => a.href)")
        assert page_.locator("a.previous").count() == 0
        page_.click("a.next")
        page_.wait_for_selector("a.previous")
        second = page_.eval_on_selector_all("a.hit", "links => links.map(a => a.href)")
        page_.click("a.previous")
        page_.wait_for_selector("a.next")
        again = page_.eval_on_selector_all("a.hit", "links => links.map(a => a.href)")
        browser.close()
    assert first == again and first != second

    def shown(links: list[str]) -> set[str]:
        return {requests.utils.unquote(link.split("iri=", 1)[1]) for link in links}

    def linked(hits: list[str]) -> set[str]:  # a page groups its hits by kind; sources unlinked
        return {iri for iri in hits if not iri.startswith("https://w3id.org/kgtool/source/")}

    assert shown(first) == linked(expected[:5]) and shown(second) == linked(expected[5:10])


def test_an_entity_page_does_not_cut_a_claims_roles() -> None:
    from kgtool.server.pages import _whole_claims

    def rows(*claims: str) -> list[dict[str, str]]:
        return [{"claim": claim} for claim in claims]

    # one row more than the page is read: it tells whether the page's last claim goes on
    assert _whole_claims(rows("a", "b", "b", "c"), 2) == rows("a")
    assert _whole_claims(rows("a", "b", "b", "c"), 3) == rows("a", "b", "b")
    assert _whole_claims(rows("a", "b"), 2) == rows("a", "b")  # the last page
    assert _whole_claims(rows("b", "b", "b"), 2) == rows("b", "b")  # one claim, many roles
