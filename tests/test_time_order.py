"""Events in time, in order: periods as stated and resolved, OWL-Time order, a named query."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_queries import ask, check_provenance, edit_sheet

from kgtool.cli import main
from kgtool.project import Project

CLM = "https://w3id.org/kgtool/claim/"
ORDER = (
    "PREFIX kg: <https://w3id.org/kgtool/ontology#> PREFIX time: <http://www.w3.org/2006/time#> "
    "SELECT ?earlier ?later WHERE { "
    "{ ?laterTime time:after ?earlierTime } UNION { ?earlierTime time:before ?laterTime } "
    "?e kg:period ?earlierTime . ?earlierClaim kg:states ?e . "
    "?l kg:period ?laterTime . ?laterClaim kg:states ?l . "
    'BIND(STRAFTER(STR(?earlierClaim), "claim/") AS ?earlier) '
    'BIND(STRAFTER(STR(?laterClaim), "claim/") AS ?later) }'
)


def test_order_the_text_states_is_followed_by_sparql(shipped_store: Any) -> None:
    pairs = {(s["earlier"].value, s["later"].value) for s in shipped_store.query(ORDER)}
    assert pairs == {
        ("kt140727-03", "kt140727-04"),  # "for the first time and continued them this year"
        ("kt140727-07", "kt140727-06"),  # "has previously mostly exported" ... "may further"
        ("kt140727-08", "kt140727-06"),
        ("kt140727-10", "kt140727-12"),  # "These earning deficits were compensated for"
        ("kt140727-18", "kt140727-17"),  # "relies ... after international sanctions were imposed"
        ("kt140727-24", "kt140727-25"),  # "pulled its business out after ... sanctions"
        ("kt140727-23", "kt140727-25"),  # a withdrawal presupposes the operation
    }


def test_event_like_facts_have_a_time(shipped_store: Any) -> None:
    query = (
        "PREFIX kg: <https://w3id.org/kgtool/ontology#> SELECT ?claim ?edtf WHERE { "
        "?claim kg:states ?f . ?f a ?kind ; kg:period/kg:edtf ?edtf . "
        "VALUES ?kind { kg:TradeFlow kg:Sanction kg:FactoryOperation kg:BusinessWithdrawal "
        "kg:EarningsChange kg:EconomicDependence } }"
    )
    times = {s["claim"].value[len(CLM) :]: s["edtf"].value for s in shipped_store.query(query)}
    assert times["kt140727-18"] == times["kt140727-24"] == "../2014-07-27"  # "were imposed"
    assert times["kt140727-23"] == "1985~/1993~"  # "In the late 1980s or early 1990s"
    assert times["kt140727-25"] == "1985~/2014-07-27"
    assert times["kt140727-20"] == "2014"  # "The North exports ... annually"
    assert times["kt140727-04"] == "2014" and times["kt140727-03"] == "2013-01"
    trade_flows = {f"kt140727-{n:02d}" for n in (1, 2, 3, 4, 7, 8, 20, 34)}
    assert trade_flows <= set(times)


def test_events_of_an_entity_in_time_order(capsys: Any, tmp_path: Path) -> None:
    store = tmp_path / "store"
    rows = ask(capsys, store, "events-in-order")  # the Japanese company
    check_provenance(rows)
    assert [(r["claim"], r["factKind"]) for r in rows] == [
        ("clm:kt140727-23", "factory operation"),
        ("clm:kt140727-25", "business withdrawal"),
    ]
    assert sorted(rows[1]["after"].split()) == [CLM + "kt140727-23", CLM + "kt140727-24"]
    korea = [r["claim"] for r in ask(capsys, store, "events-in-order", "entity=ent:north-korea")]
    position = {claim[4:]: at for at, claim in enumerate(korea)}
    for earlier, later in [("03", "04"), ("18", "17"), ("24", "25"), ("23", "25"), ("10", "12")]:
        assert position[f"kt140727-{earlier}"] < position[f"kt140727-{later}"], (earlier, later)
    assert position["kt140727-19"] < position["kt140727-03"] < position["kt140727-10"]  # 2012, 2013


def test_an_event_row_comes_from_its_claim(capsys: Any, project_copy: Project) -> None:
    store = project_copy.root / "store"
    args = ("entity=ent:north-korea",)
    before = {
        r["claim"] for r in ask(capsys, store, "events-in-order", *args, project=project_copy.root)
    }
    edit_sheet(
        project_copy.root,
        lambda data: data.update(claims=[c for c in data["claims"] if c["id"] != "kt140727-20"]),
    )
    after = {
        r["claim"] for r in ask(capsys, store, "events-in-order", *args, project=project_copy.root)
    }
    assert before - after == {"clm:kt140727-20"}


def test_an_order_to_a_missing_claim_is_a_located_error(capsys: Any, project_copy: Project) -> None:
    edit_sheet(
        project_copy.root,
        lambda data: data.update(claims=[c for c in data["claims"] if c["id"] != "kt140727-24"]),
    )
    capsys.readouterr()
    assert main(["--project", str(project_copy.root), "-q", "build"]) == 2
    err = capsys.readouterr().err
    assert "error: graph/claims/koreatimes-2014-07-27.yaml:" in err
    assert "'kt140727-24' is not the id of a claim of this sheet" in err


@pytest.mark.parametrize("claim", ["kt140727-23", "kt140727-25"])
def test_vague_bounds_are_marked_as_chosen(shipped_store: Any, claim: str) -> None:
    query = (
        "PREFIX kg: <https://w3id.org/kgtool/ontology#> SELECT ?note WHERE { "
        f"<{CLM}{claim}> kg:hasReading ?r . "
        "?r kg:readingKind kg:BoundsReading ; kg:readingNote ?note }"
    )
    notes = [s["note"].value for s in shipped_store.query(query)]
    assert len(notes) == 1 and "1985" in notes[0]
