"""Re-anchoring on ``kgtool add source --replace``: each claim kept, moved, or said to be wrong."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from kgtool.authoring.anchor import MIN_SCORE, approximate
from kgtool.cli import main
from kgtool.project import Project

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "authoring"
NAME = "harbour-2026-03-02"
SHEET = f"graph/claims/{NAME}.yaml"
REVIEW = f"graph/claims/{NAME}.anchors.yaml"
ORIGINAL = (FIXTURES / f"{NAME}.txt").read_text("utf-8")
EXPERTS = "Some experts said China may raise its coal exports to South Korea."
SHARE = "China accounted for 40 percent of South Korea's coal imports in 2025."


def run(project: Project, *args: str) -> int:
    return main(["--project", str(project.root), "--store", str(project.store_path), "-q", *args])


def add(project: Project, text: str, tmp_path: Path, *extra: str) -> int:
    file = tmp_path / "new" / f"{NAME}.txt"
    file.parent.mkdir(exist_ok=True)
    file.write_text(text, "utf-8")
    return run(
        project,
        "add",
        "source",
        str(file),
        "--published",
        "2026-03-02",
        "--author",
        "Mina Cho",
        *extra,
    )


@pytest.fixture
def harbour(project_copy: Project, tmp_path: Path, capsys: Any) -> Project:
    """The fictional article registered, its five claims written, built once."""
    assert add(project_copy, ORIGINAL, tmp_path) == 0
    (project_copy.root / SHEET).write_text((FIXTURES / f"{NAME}.yaml").read_text("utf-8"), "utf-8")
    assert run(project_copy, "build") == 0
    capsys.readouterr()
    return project_copy


def replace(project: Project, text: str, tmp_path: Path, capsys: Any) -> list[str]:
    """Replace the text; the report lines of the re-anchoring."""
    capsys.readouterr()
    assert add(project, text, tmp_path, "--replace") == 0
    out = capsys.readouterr().out.splitlines()
    return [line.strip() for line in out if line.startswith("  harbour-")]


def build_errors(project: Project, capsys: Any) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = run(project, "build")
    return code, [line.strip() for line in capsys.readouterr().err.strip().splitlines()]


def offsets(project: Project, claim: str) -> tuple[int, int]:
    """The claim's anchor offsets, as the built graph states them."""
    from kgtool.authoring.compile import compile_file

    nt = compile_file(project, project.root / SHEET).ntriples
    anchor = f"<https://w3id.org/kgtool/claim/{claim}-anchor-pos>"
    found = dict(
        re.findall(rf'{re.escape(anchor)} <http://www.w3.org/ns/oa#(start|end)> "(\d+)"', nt)
    )
    return int(found["start"]), int(found["end"])


def test_inserted_text_moves_quotes_and_the_build_passes(
    harbour: Project, tmp_path: Path, capsys: Any
) -> None:
    inserted = "Ports in Busan and Incheon handled record traffic.\n"
    text = ORIGINAL.replace("busy\n", "busy\n" + inserted)
    lines = replace(harbour, text, tmp_path, capsys)
    shift = len(inserted)
    assert lines[0] == f"harbour-01 moved from [45, 216) to [{45 + shift}, {216 + shift})"
    assert len(lines) == 5 and all(" moved from " in line for line in lines), lines
    assert run(harbour, "build") == 0
    start, end = offsets(harbour, "harbour-04")
    assert text[start:end] == EXPERTS and start == ORIGINAL.index(EXPERTS) + shift


def test_a_changed_word_awaits_review_until_accepted(
    harbour: Project, tmp_path: Path, capsys: Any
) -> None:
    text = ORIGINAL.replace("South Korea bought coal", "South Korea purchased coal")
    lines = replace(harbour, text, tmp_path, capsys)
    changed = [line for line in lines if line.startswith("harbour-03")]
    assert re.fullmatch(
        r"harbour-03 changed \(score (\d+\.?\d*)\): 'South Korea bought coal.*' is now "
        r"'South Korea purchased coal.*' at \[217, 289\); needs review: "
        r"kgtool anchor --accept harbour-03",
        changed[0],
    ), changed
    assert float(re.search(r"score ([\d.]+)", changed[0])[1]) >= MIN_SCORE  # type: ignore[index]
    assert sum("kept at" in line for line in lines) == 2  # the two before the change
    assert sum(" moved from " in line for line in lines) == 2  # three characters later
    code, err = build_errors(harbour, capsys)
    assert code == 2 and len(err) == 2, err  # the headline, then one line per claim
    assert err[0].startswith(f"error: {SHEET}: 1 claim awaits review"), err
    assert err[1].startswith(f"{SHEET}:13:12: harbour-03 changed")
    assert run(harbour, "anchor") == 1  # lists it, and says something awaits review
    assert run(harbour, "anchor", "--accept", "harbour-03") == 0
    sheet = (harbour.root / SHEET).read_text("utf-8")
    assert "South Korea purchased coal worth about $95 million" in sheet
    assert "review: accepted" in (harbour.root / REVIEW).read_text("utf-8")
    assert run(harbour, "build") == 0
    start, end = offsets(harbour, "harbour-03")
    assert (
        text[start:end]
        == "South Korea purchased coal worth about $95 million from China last year."
    )


def test_a_changed_value_is_named_and_the_claim_must_be_fixed(
    harbour: Project, tmp_path: Path, capsys: Any
) -> None:
    text = ORIGINAL.replace("about $95 million", "about $96 million")
    lines = replace(harbour, text, tmp_path, capsys)
    line = next(x for x in lines if x.startswith("harbour-03"))
    assert "changed" in line and "no longer in the quote: about $95 million" in line
    assert run(harbour, "anchor", "--accept", "harbour-03") == 0
    code, err = build_errors(harbour, capsys)  # the value no longer stands in its quote
    assert code == 2 and len(err) == 1 and "about $95 million" in err[0], err
    sheet = harbour.root / SHEET
    sheet.write_text(
        sheet.read_text("utf-8").replace("Value: about $95 million", "Value: about $96 million")
    )
    assert run(harbour, "build") == 0


def test_a_deleted_sentence_is_lost_until_the_claim_is_fixed(
    harbour: Project, tmp_path: Path, capsys: Any
) -> None:
    text = ORIGINAL.replace(EXPERTS + "\n", "")
    lines = replace(harbour, text, tmp_path, capsys)
    lost = next(x for x in lines if x.startswith("harbour-04"))
    assert re.match(rf"harbour-04 lost: no passage scores {MIN_SCORE:g} or more \(best ", lost)
    code, err = build_errors(harbour, capsys)
    assert code == 2 and err[1].startswith(f"{SHEET}:15:12: harbour-04 lost"), err
    assert run(harbour, "anchor", "--accept", "harbour-04") == 2  # nothing to accept
    assert "is lost" in capsys.readouterr().err
    sheet = harbour.root / SHEET
    body = sheet.read_text("utf-8")
    start = body.index(f"  - quote: {EXPERTS}")
    sheet.write_text(body[:start] + body[body.index(f"  - quote: {SHARE}") :], "utf-8")
    assert run(harbour, "build") == 0  # removed by the curator: the review no longer applies


def test_a_quote_that_now_occurs_twice_is_ambiguous_until_accepted(
    harbour: Project, tmp_path: Path, capsys: Any
) -> None:
    text = ORIGINAL.replace(EXPERTS, f"{SHARE} {EXPERTS}")  # now before its old place too
    lines = replace(harbour, text, tmp_path, capsys)
    old = ORIGINAL.index(SHARE) + len(SHARE) + 1
    assert (
        f"harbour-05 ambiguous: '{SHARE[:49]}…' now occurs more than once; the old place is "
        f"occurrence 2 at [{old}, {old + len(SHARE)}); "
        "needs review: kgtool anchor --accept harbour-05"
    ) in lines
    code, err = build_errors(harbour, capsys)
    assert code == 2 and len(err) == 2 and "harbour-05 ambiguous" in err[1], err
    assert run(harbour, "anchor", "--accept", "harbour-05") == 0
    assert "    occurrence: 2\n" in (harbour.root / SHEET).read_text("utf-8")
    assert run(harbour, "build") == 0
    assert offsets(harbour, "harbour-05") == (old, old + len(SHARE))


def test_an_occurrence_that_would_silently_point_elsewhere_is_caught(
    harbour: Project, tmp_path: Path, capsys: Any
) -> None:
    """The sheet's 'occurrence: 1' would pick a new copy inserted before the quoted one."""
    twice = ORIGINAL + "\n" + SHARE
    replace(harbour, twice, tmp_path, capsys)
    assert run(harbour, "anchor", "--accept", "harbour-05", "--occurrence", "1") == 0
    assert run(harbour, "build") == 0
    text = ORIGINAL.replace(EXPERTS, f"{SHARE} {EXPERTS}") + "\n" + SHARE
    lines = replace(harbour, text, tmp_path, capsys)
    assert any(x.startswith("harbour-05 ambiguous") for x in lines), lines
    assert build_errors(harbour, capsys)[0] == 2


def test_sha256_changes_only_with_the_text(harbour: Project, tmp_path: Path, capsys: Any) -> None:
    rdf = harbour.graph_dir / "sources" / f"{NAME}.source.ttl"
    before = rdf.read_bytes()
    assert replace(harbour, ORIGINAL, tmp_path, capsys) == []  # same text: nothing to re-anchor
    assert rdf.read_bytes() == before and not (harbour.root / REVIEW).exists()
    text = ORIGINAL.replace("bought", "purchased")
    replace(harbour, text, tmp_path, capsys)
    digest = hashlib.sha256(text.encode()).hexdigest()
    after = rdf.read_bytes()
    assert f'kg:sha256 "{digest}"'.encode() in after
    review = (harbour.root / REVIEW).read_text("utf-8")
    assert f"previous-sha256: {hashlib.sha256(ORIGINAL.encode()).hexdigest()}" in review
    assert run(harbour, "anchor", "--accept", "harbour-03") == 0
    assert rdf.read_bytes() == after  # a review changes the sheet, never the source


def test_approximate_match_has_a_minimum() -> None:
    text = "Coal prices fell. Iron ore exports rose sharply last year. Tin was flat."
    score, start, end = approximate("Iron ore exports rose strongly last year.", text)
    assert text[start:end] == "Iron ore exports rose sharply last year." and score >= MIN_SCORE
    score, *_ = approximate("Copper smelting moved to Peru in the spring.", text)
    assert score < MIN_SCORE


def test_a_curated_mention_that_would_move_to_other_words_awaits_review(
    harbour: Project, tmp_path: Path, capsys: Any
) -> None:
    """'its' is found after the previous line: a new 'its' before it would silently take it."""
    mentions = harbour.root / f"graph/mentions/{NAME}.yaml"
    mentions.write_text(f"source: {NAME}\nmention-prefix: harbour-m\nmentions:\n  - its: China\n")
    assert run(harbour, "build") == 0
    text = ORIGINAL.replace("busy\n", "busy\nBusan and its harbours were busy.\n")
    capsys.readouterr()
    assert add(harbour, text, tmp_path, "--replace") == 0
    out = capsys.readouterr().out
    old = text.index("its coal exports")
    line = f"graph/mentions/{NAME}.yaml:4"
    assert (
        f"  {line} 'its' ambiguous: it now resolves at [{text.index('its')}, "
        f"{text.index('its') + 3}) but its old place is now [{old}, {old + 3}); needs review"
    ) in out
    code, err = build_errors(harbour, capsys)
    assert code == 2 and err[1].startswith(f"{line} 'its' ambiguous"), err
    mentions.write_text(mentions.read_text().replace("  - its: China", '  - "[its] coal": China'))
    assert run(harbour, "build") == 0  # the curator picked the words: the review is over
    found = main_mentions(harbour)
    assert (old, old + 3, "https://w3id.org/kgtool/entity/china") in found


def main_mentions(project: Project) -> set[tuple[int, int, str]]:
    from kgtool.authoring.mentions import report

    return {(m.start, m.end, m.entity) for m in report(project, NAME).mentions}


def test_a_mention_line_accepted_as_it_now_resolves(
    harbour: Project, tmp_path: Path, capsys: Any
) -> None:
    mentions = harbour.root / f"graph/mentions/{NAME}.yaml"
    mentions.write_text(f"source: {NAME}\nmentions:\n  - its: China\n")
    text = ORIGINAL.replace("busy\n", "busy\nBusan and its harbours were busy.\n")
    assert add(harbour, text, tmp_path, "--replace") == 0
    assert build_errors(harbour, capsys)[0] == 2
    assert run(harbour, "anchor", "--accept", f"graph/mentions/{NAME}.yaml:3") == 0
    assert run(harbour, "build") == 0


def test_a_source_described_by_hand_is_not_replaced_twice(
    project_copy: Project, tmp_path: Path, capsys: Any
) -> None:
    """The shipped article is described in graph/sources.ttl: a second description is refused."""
    name = "koreatimes-2014-07-27-rare-earth-exports"
    old = (project_copy.graph_dir / "sources" / f"{name}.txt").read_text("utf-8")
    new = old.replace(
        "that the impoverished state may", "that the impoverished state, it seems, may"
    )
    file = tmp_path / f"{name}.txt"
    file.write_text(new, "utf-8")
    capsys.readouterr()
    assert run(project_copy, "add", "source", str(file), "--replace") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is described in graph/sources.ttl" in err[0], err
    assert (project_copy.graph_dir / "sources" / f"{name}.txt").read_text("utf-8") == old
    sources = project_copy.graph_dir / "sources.ttl"
    body = sources.read_text("utf-8")
    start = body.index(f"src:{name} a")
    sources.write_text(body[:start] + body[body.index("src:kita-report-2014") :], "utf-8")
    args = ["--published", "2014-07-27T16:31:00+09:00", "--author", "Kang Hyun-kyung"]
    assert run(project_copy, "add", "source", str(file), "--replace", *args) == 0
    out = capsys.readouterr().out
    assert "kt140727-06 changed (score " in out
    assert "'…rished state may further diversify" in out  # where the texts differ
    assert "is now '…rished state, it seems, may further" in out
    assert "koreatimes-2014-07-27.yaml:13 'it' ambiguous" in out  # 'it' would take 'it seems'
    assert run(project_copy, "build") == 2


def test_two_changed_passages_nearly_as_like_the_quote_are_ambiguous(
    harbour: Project, tmp_path: Path, capsys: Any
) -> None:
    coal = "South Korea bought coal worth about $95 million from China last year."
    text = ORIGINAL.replace(coal, coal.replace("$95", "$96") + " " + coal.replace("$95", "$97"))
    lines = replace(harbour, text, tmp_path, capsys)
    line = next(x for x in lines if x.startswith("harbour-03"))
    first, second = text.index("$96") - 36, text.index("$97") - 36
    assert line.startswith(
        f"harbour-03 ambiguous: '{coal[:49]}…' is not in the new text and two passages are "
        f"nearly as like it: [{first}, {first + len(coal)}) (score "
    ), line
    assert f"and [{second}, {second + len(coal)}) (score " in line
    code, err = build_errors(harbour, capsys)
    assert code == 2 and "harbour-03 ambiguous" in err[1], err
