"""Hedges as spans: the cue words of modality anchored on the claims they qualify."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
import pytest
from test_queries import ROOT, TEXT, edit_sheet

from kgtool.authoring.compile import compile_file
from kgtool.cli import main
from kgtool.project import Project

CLAIMS = ROOT / "graph/claims/koreatimes-2014-07-27.yaml"
HEDGES = (
    "PREFIX kg: <https://w3id.org/kgtool/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#> "
    "SELECT ?claim ?word ?start ?end ?cs ?ce WHERE { ?claim kg:hasHedge ?h . "
    "?h a kg:HedgeAnchor ; oa:hasSelector ?q , ?p . ?q oa:exact ?word . "
    "?p oa:start ?start ; oa:end ?end . "
    "?claim kg:hasAnchor/oa:hasSelector ?cp . ?cp oa:start ?cs ; oa:end ?ce }"
)


def hedges(project: Project) -> dict[str, list[str]]:
    graph = ox.Store()
    graph.load(
        compile_file(project, project.root / CLAIMS.relative_to(ROOT)).ntriples.encode(),
        ox.RdfFormat.N_TRIPLES,
    )
    found: dict[str, list[tuple[int, str]]] = {}
    for row in graph.query(HEDGES):
        start, end = int(row["start"].value), int(row["end"].value)
        assert TEXT[start:end] == row["word"].value  # the cue word at its offsets
        assert int(row["cs"].value) <= start < end <= int(row["ce"].value)  # inside the quote
        found.setdefault(row["claim"].value.rsplit("-", 1)[1], []).append(
            (start, row["word"].value)
        )
    return {claim: [w for _, w in sorted(words)] for claim, words in found.items()}


def test_cue_words_are_anchored_on_their_claims() -> None:
    assert hedges(Project(ROOT)) == {
        "01": ["according to"],
        "02": ["according to"],
        "05": ["estimated"],  # "an estimated 20 million tons"
        "06": ["speculation", "may"],  # "stirred speculation that the impoverished state may"
        "21": ["allege"],
        "22": ["allege"],
        "23": ["reportedly"],
        "32": ["construed"],  # "were construed"
        "33": ["may"],  # an opinion's "may turn out", listed under hedges:
        "36": ["reportedly"],
    }


def test_a_listed_hedge_outside_the_quote_is_an_error(capsys: Any, project_copy: Project) -> None:
    def change(data: Any) -> None:
        claim = next(c for c in data["claims"] if c["id"] == "kt140727-33")
        claim["hedges"] = ["allegedly"]

    edit_sheet(project_copy.root, change)
    capsys.readouterr()
    assert main(["--project", str(project_copy.root), "-q", "build"]) == 2
    assert "the hedge 'allegedly' is not inside the claim's quote" in capsys.readouterr().err


@pytest.mark.parametrize("modality", ["alleged", "speculated"])
def test_a_hedged_modality_without_its_cue_does_not_conform(
    capsys: Any, project_copy: Project, modality: str
) -> None:
    def change(data: Any) -> None:  # a claim whose quote has no cue word for the modality
        claim = next(c for c in data["claims"] if c["id"] == "kt140727-19")
        claim["modality"] = modality
        claim["by"] = "some experts"

    edit_sheet(project_copy.root, change)
    capsys.readouterr()
    assert main(["--project", str(project_copy.root), "-q", "validate"]) == 1
    out = capsys.readouterr().out
    assert "must anchor the cue word" in out and "clm:kt140727-19" in out


def test_why_a_claim_shows_its_hedge_and_readings(capsys: Any) -> None:
    import re

    assert main(["--project", str(ROOT), "-q", "why", "clm:kt140727-21"]) == 0
    out = capsys.readouterr().out
    found = re.search(r'hedged by: +"allege" \[(\d+), (\d+)\)', out)
    assert found and TEXT[int(found[1]) : int(found[2])] == "allege"
    assert main(["--project", str(ROOT), "-q", "why", "clm:kt140727-07"]) == 0
    out = capsys.readouterr().out
    assert re.search(r'reading: +term: "anthracitic" \[\d+, \d+\) → anthracite \(commodity\)', out)
