"""Mentions found from entity labels, curated additions and exclusions, unknown names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kgtool.authoring.context import load_context
from kgtool.authoring.finder import candidates, find_mentions, variants
from kgtool.authoring.mentions import report
from kgtool.cli import main
from kgtool.project import Project

ROOT = Path(__file__).resolve().parent.parent
MENTIONS = "graph/mentions/koreatimes-2014-07-27.yaml"
SOURCE = "koreatimes-2014-07-27-rare-earth-exports"
ENT = "https://w3id.org/kgtool/entity/"


def run(project: Project, *args: str) -> int:
    return main(["--project", str(project.root), "--store", str(project.store_path), "-q", *args])


def todays_mentions() -> set[tuple[int, int, str]]:
    """(start, end, entity) of every mention of the graph before mentions were found."""
    store = ox.Store()
    fixture = ROOT / "tests/fixtures/authoring/koreatimes-2014-07-27.mentions.ttl"
    store.load(path=str(fixture), format=ox.RdfFormat.TURTLE)
    rows = store.query(
        "PREFIX kg: <https://w3id.org/kgtool/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#> "
        "SELECT ?s ?e ?x WHERE { ?m kg:refersTo ?x ; oa:hasSelector ?p . "
        "?p oa:start ?s ; oa:end ?e }"
    )
    return {(int(r["s"].value), int(r["e"].value), r["x"].value) for r in rows}  # type: ignore[index]


def test_labels_and_the_sheet_give_every_mention_of_todays_graph() -> None:
    found = report(Project(ROOT), SOURCE)
    expected = todays_mentions()
    assert len(expected) == 96
    assert {(m.start, m.end, m.entity) for m in found.mentions} == expected
    assert (found.from_labels, found.added, found.excluded) == (60, 36, 3)
    automatic = find_mentions(
        load_context(Project(ROOT)).sources[found.source].text, load_context(Project(ROOT))
    )
    assert {(m.start, m.end, m.entity) for m in automatic} - expected == {
        (1226, 1243, ENT + "rare-earth-elements"),  # "technology metals", quoted: excluded
        (2125, 2138, ENT + "nuclear-weapons-tests"),  # inside "conducting nuclear tests"
        (2351, 2365, ENT + "park-geun-hye"),  # inside "President Park Geun-hye"
    }


def test_the_shipped_sheet_holds_only_curated_lines(project_copy: Project, capsys: Any) -> None:
    sheet = project_copy.root / MENTIONS
    text = sheet.read_text("utf-8")
    assert text.count("\n  - ") == 34 + 3  # 36 added mentions (two lines name two entities)
    assert "  - China: China" not in text and "  - KITA:" not in text
    curated = text[: text.index("not-mentions:")].replace("mentions:\n", "find: none\nmentions:\n")
    sheet.write_text(curated, "utf-8")
    found = report(project_copy, SOURCE)
    assert len(found.mentions) == 36  # without labels, the sheet alone gives only its lines


def test_forms_of_a_label_in_running_text(project_copy: Project) -> None:
    ctx = load_context(project_copy)
    text = (
        "The North's mines and north korea's ports ship rare earth element ore. "
        "Let us see: the US and KITA buy minerals and a mineral; Kita is a name."
    )
    found = {(text[m.start : m.end], m.entity.rsplit("/", 1)[1]) for m in find_mentions(text, ctx)}
    assert ("The North", "north-korea") in found  # case and possessive
    assert ("north korea", "north-korea") in found
    assert ("rare earth element", "rare-earth-elements") in found  # singular of a plural label
    assert ("minerals", "minerals") in found and ("mineral", "minerals") in found
    assert ("US", "united-states") in found and ("KITA", "kita") in found
    assert ("us", "united-states") not in found  # a label in capitals matches as written
    assert ("Kita", "kita") not in found
    assert variants("missile launch") == {"missile launch", "missile launches"}
    assert variants("rare earths") == {"rare earths", "rare earth"}


def test_longest_label_wins(project_copy: Project) -> None:
    ctx = load_context(project_copy)
    text = "Choi runs the North Korea Resources Institute."
    found = [(text[m.start : m.end], m.entity) for m in find_mentions(text, ctx)]
    assert found == [
        ("Choi", ENT + "choi-kyung-soo"),
        ("North Korea Resources Institute", ENT + "nkri"),
    ]


def test_names_that_match_no_entity_are_candidates(project_copy: Project) -> None:
    ctx = load_context(project_copy)
    text = (
        "In June, Kim Jong-un visited the Rason Economic Zone with China's envoy. "
        "The visit was short. Visit logs were kept."
    )
    found = find_mentions(text, ctx)
    assert [c[2] for c in candidates(text, found)] == ["Kim Jong-un", "Rason Economic Zone"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  - elements: rare earth elements\n",
            "  - China: China\n",
            "is found from labels already",
        ),
        (
            "  - technology metals: rare earth elements",
            "  - rare earth elements: rare earth elements",
            "is not found from labels",
        ),
    ],
)
def test_curated_lines_that_labels_make_useless_are_refused(
    project_copy: Project, capsys: Any, old: str, new: str, message: str
) -> None:
    sheet = project_copy.root / MENTIONS
    text = sheet.read_text("utf-8")
    if "not found" in message:  # an exclusion of a span no label gives
        text = text.replace(old, "  - the impoverished state: North Korea", 1)
    else:
        text = text.replace(old, new, 1)
    sheet.write_text(text, "utf-8")
    capsys.readouterr()
    assert run(project_copy, "build") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {MENTIONS}:") and message in err[0], err


def test_find_mentions_command(project_copy: Project, capsys: Any) -> None:
    capsys.readouterr()
    assert run(project_copy, "find-mentions", SOURCE, "--all") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"96 mentions in src:{SOURCE}: 60 found from labels, 36 added and 3 excluded by {MENTIONS}"
    )
    assert "  [30, 65) 'The cash-strapped communist country' -> ent:north-korea (added)" in out
    assert "  [97, 107) 'Korea International Trade Association' -> ent:kita (label)" not in out
    assert run(project_copy, "find-mentions", "nowhere") == 2
