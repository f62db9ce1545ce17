"""The web pages in a real headless Chromium: search, entity, claim with its quote, query page."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import Server, copy_project, running_server

from kgtool.query import LocalExecutor
from kgtool.store import open_store

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHOI = "https://w3id.org/kgtool/entity/choi-kyung-soo"
QUOTE_OF = """SELECT ?claim ?exact ?start ?end ?text WHERE {
  ?claim kg:states ?fact ; kg:hasAnchor ?anchor .
  ?fact a kg:DirectQuotation ; kg:speaker ?speaker .
  ?anchor oa:hasSelector ?q, ?p ; oa:hasSource ?doc .
  ?q oa:exact ?exact . ?p oa:start ?start ; oa:end ?end . ?doc schema:text ?text .
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("web")
    project = copy_project(folder / "project")
    with running_server(project, folder / "serve.log") as running:
        yield running


@pytest.fixture(scope="module")
def page(server: Server) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: scripts/test.sh installs the Debian package")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


def test_search_entity_claim_and_highlighted_quote(server: Server, page) -> None:
    kgstore = open_store(server.project, refresh=False)
    import pyoxigraph as ox

    quotes = LocalExecutor(kgstore).execute(QUOTE_OF, {"speaker": ox.NamedNode(CHOI)}).rows
    assert len(quotes) == 1
    claim, exact, start, end, text = quotes[0]
    start, end = int(start.value), int(end.value)
    assert text.value[start:end] == exact.value

    page.goto(server.url + "/")
    page.fill("#q", "Choi")
    page.press("#q", "Enter")
    page.wait_for_selector("a.hit.entity")
    page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)
    page.click("a.hit.entity >> text=Choi Kyung-soo")
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "Choi Kyung-soo"
    page.screenshot(path=str(ARTIFACTS / "entity.png"), full_page=True)

    page.click(f'a.claim-link[href*="{claim.value.rsplit("/", 1)[1]}"]')
    page.wait_for_selector("mark.quote")
    marks = page.locator("mark.quote")
    assert marks.count() == 1
    shown = marks.inner_text()
    assert shown == exact.value == text.value[start:end]
    inner = marks.evaluate("m => m.innerHTML")
    assert html.unescape(inner) == exact.value and "<" not in inner
    before = page.locator(".source-text").evaluate(
        "d => d.textContent.slice(0, d.textContent.indexOf(d.querySelector('mark').textContent))"
    )
    assert len(before) == start  # the mark sits at the claim's offsets (code points)
    assert page.locator(".badge").first.inner_text() == "quotation"
    page.screenshot(path=str(ARTIFACTS / "claim.png"), full_page=True)


def test_query_page_runs_a_named_query(server: Server, page) -> None:
    kgstore = open_store(server.project, refresh=False)
    expected = kgstore.query(
        "SELECT ?c WHERE { ?c prov:wasAttributedTo ent:choi-kyung-soo ; a kg:Claim }"
    )
    expected_count = len(list(expected))
    page.goto(server.url + "/query")
    page.click('button.example[data-name="test-claims-by-party"]')
    page.wait_for_selector("table.results tbody tr")
    rows = page.locator("table.results tbody tr")
    assert rows.count() == expected_count > 0
    assert "row" in page.inner_text("#status")
    page.screenshot(path=str(ARTIFACTS / "query.png"), full_page=True)

    page.fill("#sparql", "SELECT ?country WHERE { ?country a kg:Country } ORDER BY ?country")
    page.click("#run")
    page.wait_for_function("document.querySelector('#status').textContent.includes('rows')")
    cells = page.locator("table.results tbody td").all_inner_texts()
    assert "https://w3id.org/kgtool/entity/china" in cells


def test_query_page_shows_errors(server: Server, page) -> None:
    page.goto(server.url + "/query")
    page.fill("#sparql", "SELECT ?x WHERE { ?x }")
    page.click("#run")
    page.wait_for_selector("#status.error")
    assert "syntax error" in page.inner_text("#status")


def test_unknown_claim_is_a_404_page(server: Server, page) -> None:
    response = page.goto(server.url + "/claim?iri=clm:does-not-exist")
    assert response.status == 404
    assert "no claim" in page.inner_text(".error-message")
