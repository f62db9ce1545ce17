"""The full-text index: ranking, phrases, prefixes, incremental updates, hits from the graph."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from kgtool.cli import main
from kgtool.errors import QueryError
from kgtool.project import Project
from kgtool.query import LocalExecutor
from kgtool.search import fts_query, index_for, index_path, ranking, search, update_index
from kgtool.store import KgStore, build_store, refresh_store

CLM = "https://w3id.org/kgtool/claim/"
ENT = "https://w3id.org/kgtool/entity/"
#: the claim sheet of the shipped article (graph/claims/*.yaml, docs/authoring.md)
CLAIMS_FILE = Path("graph/claims/koreatimes-2014-07-27.yaml")
#: every quote of the graph with its claim, read by SPARQL: what the index must agree with
QUOTES = """
SELECT ?claim ?quote WHERE { ?claim a kg:Claim ; kg:hasAnchor/oa:hasSelector/oa:exact ?quote }
"""


@pytest.fixture
def built(project_copy: Project) -> KgStore:
    kgstore, _ = build_store(project_copy)
    update_index(kgstore)
    return kgstore


def graph_quotes(kgstore: KgStore) -> list[tuple[str, str]]:
    return [(row["claim"].value, row["quote"].value) for row in kgstore.query(QUOTES)]


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def every_page(kgstore: KgStore, text: str, size: int) -> list[Any]:
    """The hits of ``text``, read page by page (``size`` a page) until no more."""
    hits: list[Any] = []
    for offset in itertools.count(0, size):
        page = search(text, kgstore, limit=size, offset=offset)
        hits.extend(page.hits)
        if not page.more:
            break
    return hits


def test_hits_are_ranked_best_first(built: KgStore) -> None:
    page = search("KITA", built, limit=50)
    scores = [hit.score for hit in page.hits]
    assert scores == sorted(scores) and len(scores) > 3
    # the entity whose label is the abbreviation itself outranks claims that mention it
    assert page.hits[0].item == ENT + "kita" and page.hits[0].kind == "entity"
    assert all("kita" in words(hit.text) for hit in page.hits)


def _row_lengths(kgstore: KgStore) -> dict[tuple[str, str], int]:
    """(item, graph) -> the row's place in the static order (its length in words)."""
    rows = index_for(kgstore).connection.execute("SELECT id, item, graph FROM items")
    return {(item, graph): rowid >> ranking.ORDER_SHIFT for rowid, item, graph in rows}


def test_windows_are_taken_shortest_first_and_ranked_by_bm25_within(
    built: KgStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact = search("korea", built, limit=200).hits  # fewer matches than a window: plain bm25
    assert len(exact) > 12 and [h.score for h in exact] == sorted(h.score for h in exact)
    monkeypatch.setattr(ranking, "RANK_WINDOW", 5)
    hits = search("korea", built, limit=200).hits
    assert sorted(hits, key=lambda h: (h.item, h.graph)) == sorted(
        exact, key=lambda h: (h.item, h.graph)
    )
    lengths = _row_lengths(built)
    connection = index_for(built).connection
    ids = {
        (item, graph): rowid
        for rowid, item, graph in connection.execute("SELECT id, item, graph FROM items")
    }
    bm25 = {  # each hit's score as FTS5 gives it for its row alone
        key: connection.execute(
            "SELECT rank FROM fts WHERE fts MATCH ? AND rowid = ?", (fts_query("korea"), rowid)
        ).fetchone()
        for key, rowid in ids.items()
    }
    windows = [hits[i : i + 5] for i in range(0, len(hits), 5)]
    for window in windows:  # bm25 orders each window
        scores = [bm25[h.item, h.graph][0] for h in window]
        assert scores == sorted(scores) == [h.score for h in window]
    for before, after in itertools.pairwise(windows):  # shorter rows come first
        assert max(lengths[h.item, h.graph] for h in before) <= min(
            lengths[h.item, h.graph] for h in after
        )
    assert hits != exact  # the windows do change the order here, or nothing was tested
    paged = every_page(built, "korea", 3)  # pages of 3 cut across windows of 5
    assert [(h.item, h.graph) for h in paged] == [(h.item, h.graph) for h in hits]


def test_every_row_keeps_its_place_in_the_static_order_after_an_edit(built: KgStore) -> None:
    project = built.project
    built.close()
    _edit(
        project,
        "Some experts allege that China is the only",
        "Some experts, many of them in Zanzibar, allege that China is the only",
    )
    kgstore, _ = refresh_store(project)
    assert update_index(kgstore).action == "updated"
    columns = ", ".join(ranking.FIELDS)
    rows = index_for(kgstore).connection.execute(f"SELECT id, {columns} FROM items").fetchall()
    assert rows and len({row[0] for row in rows}) == len(rows)
    for rowid, *texts in rows:
        assert rowid >> ranking.ORDER_SHIFT == ranking.length(tuple(texts))
    edited = search("zanzibar", kgstore).hits
    assert [h.item for h in edited] == [CLM + "kt140727-22"]


def test_texts_read_from_the_pieces_equal_those_sparql_reads(built: KgStore) -> None:
    from kgtool.search.reading import graph_items

    graphs = set(built.pieces)
    from_pieces = list(graph_items(built, graphs))
    by_sparql = list(graph_items(built, graphs, pieces=False))
    assert from_pieces == by_sparql
    quotes = {
        (item, text)
        for _, item, _, _, texts in from_pieces
        for text in (texts[1] or "").split("\n")
        if text
    }
    assert quotes and quotes == {(c, " ".join(q.split("\n"))) for c, q in graph_quotes(built)}
    assert any(span[0] is not None for _, _, _, anchors, _ in from_pieces for span in anchors)


def test_several_words_must_all_occur(built: KgStore) -> None:
    page = search("rare earth", built, limit=200)
    assert page.hits and not page.more
    for hit in page.hits:
        assert {"rare", "earth"} <= set(words(hit.text)) or hit.field == "text"


def test_phrase_matches_the_quotes_that_hold_it(built: KgStore) -> None:
    expected = sorted({c for c, q in graph_quotes(built) if "only country" in q.lower()})
    assert expected  # the shipped article has the phrase
    hits = index_for(built).matches('"only country"', limit=200, fields=["quote"])
    assert sorted({h.item for h in hits}) == expected
    assert {h.field for h in hits} == {"quote"} and all(h.start is not None for h in hits)
    assert all("only country" in hit.text.lower() for hit in hits)
    # the same words in the other order are no phrase of the text
    assert search('"country only"', built).hits == []
    assert search("country only", built, kinds=["claim"]).hits


def test_prefix_matches_longer_words(built: KgStore) -> None:
    with_prefix = search("sanction*", built, limit=200, kinds=["claim"]).hits
    assert with_prefix
    for hit in with_prefix:
        assert any(w.startswith("sanction") for w in words(hit.text))
    # "sanctions" is found by the prefix and not by the word "sanction" alone
    plural = {h.item for h in with_prefix if "sanctions" in words(h.text)}
    exact = {h.item for h in search("sanction", built, limit=200, kinds=["claim"]).hits}
    assert plural and not plural <= exact


def test_paging_walks_through_every_hit_once(built: KgStore) -> None:
    everything = search("korea", built, limit=200).hits
    pages = every_page(built, "korea", 7)
    assert [h.item for h in pages] == [h.item for h in everything]
    assert len({(h.item, h.kind) for h in pages}) == len(pages)  # an item once per search


def test_labels_and_source_texts_are_searched(built: KgStore) -> None:
    kinds = {hit.kind for hit in search("korea", built, limit=200).hits}
    assert {"entity", "claim", "source"} <= kinds
    source = search("cash-strapped", built, kinds=["source"]).hits
    assert source and source[0].label == "Rare earth elements boost NK income"


def test_user_text_is_never_parsed_as_fts_syntax(built: KgStore) -> None:
    for text in ['NOT "', "AND OR", "US$550,000", "a:b (c)", "NEAR(x y)", "exports -china"]:
        search(text, built)  # no error: each part is searched as words
    assert fts_query('sanction* "only country" US$') == '"sanction"* "only country" "US$"'
    with pytest.raises(QueryError):
        search('"" ***', built)


def _edit(project: Project, old: str, new: str) -> None:
    path = project.root / CLAIMS_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _remove_claim(project: Project, claim_id: str) -> None:
    """Take the claim ``claim_id`` out of the sheet: its item, up to the next claim's."""
    path = project.root / CLAIMS_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"  - id: {claim_id}\n")
    end = next(
        (i for i in range(start + 1, len(lines)) if not lines[i].startswith("    ")), len(lines)
    )
    assert lines[start + 1].startswith("    quote: ")  # the item is the claim's
    path.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")


def test_an_edit_is_indexed_and_only_its_graph_is_read(built: KgStore) -> None:
    project = built.project
    built.close()
    _edit(
        project,
        "Some experts allege that China is the only",
        "Zanzibarite experts allege that China is the only",
    )
    kgstore, stats = refresh_store(project)
    assert stats.action == "updated"
    outcome = update_index(kgstore)
    assert outcome.action == "updated"
    assert outcome.graphs == [project.graph_iri(project.root / CLAIMS_FILE)]
    hits = search("zanzibarite", kgstore).hits
    assert [(h.item, h.field) for h in hits] == [(CLM + "kt140727-22", "statement")]
    assert hits[0].label.startswith("Zanzibarite experts")  # the label the graph has now
    assert update_index(kgstore).action == "unchanged"


def test_removed_claims_vanish_after_the_rebuild(built: KgStore) -> None:
    project = built.project
    before = {h.item for h in search('"only country"', built, kinds=["claim"]).hits}
    assert CLM + "kt140727-22" in before
    built.close()
    _remove_claim(project, "kt140727-22")
    kgstore, _ = refresh_store(project)
    update_index(kgstore)
    items = {h.item for h in search("only country", kgstore, limit=200).hits}
    assert CLM + "kt140727-22" not in items
    quotes = graph_quotes(kgstore)
    assert not any(c == CLM + "kt140727-22" for c, _ in quotes)


def test_hits_come_from_the_graph(built: KgStore) -> None:
    """A claim taken out of the graph (the index not told) is not shown; labels are the graph's."""
    claim = CLM + "kt140727-22"
    page = search('"only country"', built, kinds=["claim"])
    assert claim in {h.item for h in page.hits} and page.dropped == 0
    graph_label = next(iter(built.query(f"SELECT ?l WHERE {{ <{claim}> rdfs:label ?l }}")))["l"]
    assert next(h for h in page.hits if h.item == claim).label == graph_label.value
    # A published store is never written: the claim leaves the graph through its
    # sheet and a refresh, and the hits of the index read for ``built`` (not told
    # of the refresh) are checked against the graph as it is now.
    _remove_claim(built.project, "kt140727-22")
    fresh, stats = refresh_store(built.project)
    assert stats.action == "updated"
    again = search('"only country"', built, executor=LocalExecutor(fresh), kinds=["claim"])
    assert claim not in {h.item for h in again.hits} and again.dropped == 1
    assert {h.item for h in again.hits} == {h.item for h in page.hits} - {claim}


def test_the_build_keeps_the_index_beside_the_store(project_copy: Project) -> None:
    assert main(["--project", str(project_copy.root), "-q", "build"]) == 0
    assert index_path(project_copy.store_path).is_file()
    kgstore, _ = refresh_store(project_copy)
    assert update_index(kgstore).action == "unchanged"  # the build brought it up to date


def test_search_command(project_copy: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(project_copy.root), "-q", "build"]) == 0
    capsys.readouterr()
    assert main(["--project", str(project_copy.root), "search", "KITA", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("entity  ent:kita")
    assert "more with --offset 2" in out


def test_why_free_text_uses_words_and_falls_back_to_a_substring(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    from kgtool.provenance import explain

    kgstore, _ = build_store(project_copy)
    executor = LocalExecutor(kgstore)
    expected = sorted({c for c, q in graph_quotes(kgstore) if "only country" in q.lower()})
    assert sorted(c.claim for c in explain("only country", executor).claims) == expected
    # a fragment inside words is no phrase of the index: the quotes are scanned instead
    assert sorted(c.claim for c in explain("ly coun", executor).claims) == expected


NOBODY = 65534


def test_a_user_who_may_only_read_the_project_can_search_it() -> None:
    """Searching opens the index read-only: no write to the file, its folder or the store."""
    import os
    import shutil
    import subprocess
    import sys
    import tempfile

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run kgtool as another user")
    base = Path(tempfile.mkdtemp(prefix="kgtool-reader-"))
    try:
        root = base / "project"
        for folder in ("ontology", "graph", "queries"):
            shutil.copytree(Path(__file__).resolve().parent.parent / folder, root / folder)
        assert main(["--project", str(root), "-q", "build"]) == 0
        for path in [base, *base.rglob("*")]:  # root's files: others may read, not write
            path.chmod(0o755 if path.is_dir() else 0o644)
        index = index_path(Project(root, root / ".kgtool" / "store").store_path)
        before = (index.read_bytes(), sorted(p.name for p in index.parent.iterdir()))
        kgtool = Path(sys.executable).parent / "kgtool"
        user = [f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        command = ["setpriv", *user, str(kgtool), "--project", str(root), "search", "KITA"]
        command += ["--limit", "2"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[0].startswith("entity  ent:kita")
        assert (index.read_bytes(), sorted(p.name for p in index.parent.iterdir())) == before
    finally:
        shutil.rmtree(base)
