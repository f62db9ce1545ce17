"""``why`` and ``mentions``: provenance of claims and entities, from the graph and its text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kgtool.cli import main
from kgtool.errors import NotFoundError
from kgtool.provenance import Quote, explain, mentions, sentence_bounds
from kgtool.provenance.render import render_json, render_text
from kgtool.query import LocalExecutor
from kgtool.store import KgStore

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "graph/sources/koreatimes-2014-07-27-rare-earth-exports.txt").read_text("utf-8")
ARTICLE = "https://w3id.org/kgtool/source/koreatimes-2014-07-27-rare-earth-exports"
CLM = "https://w3id.org/kgtool/claim/"


@pytest.fixture(scope="module")
def executor(shipped_store: KgStore) -> LocalExecutor:
    return LocalExecutor(shipped_store)


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("provenance") / "store"


def cli(capsys: Any, store: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--project", str(ROOT), "--store", str(store), "-q", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_sentence_bounds() -> None:
    text = 'One thing. "Said so," he said. Two\nThree four.'
    start = text.index("he said")
    assert text[slice(*sentence_bounds(text, start, start + 2))] == '"Said so," he said.'
    start = text.index("Three")
    assert text[slice(*sentence_bounds(text, start, start + 5))] == "Three four."
    assert text[slice(*sentence_bounds(text, 0, 3))] == "One thing."


def test_why_person_lists_position_quote_concern_indication_call(executor: LocalExecutor) -> None:
    explanation = explain("choi kyung-soo", executor)
    assert explanation.kind == "entity" and explanation.entity is not None
    assert explanation.entity.label == "Choi Kyung-soo"
    assert "kg:Person" in explanation.entity.types
    kinds = explanation.groups()
    for kind in ("position holding", "direct quotation", "concern", "indication", "call to action"):
        assert kind in kinds, kind
    quote = kinds["direct quotation"][0]
    assert quote.modality == "https://w3id.org/kgtool/ontology#Quotation"
    assert any("optimistic view" in p.value for p in quote.properties)
    call = kinds["call to action"][0]
    assert "speaker" in call.roles and "attributed to" in call.roles
    actions = [p.value for p in call.properties if p.label == "requested action"]
    assert len(actions) == 2 and any("roadmap" in a for a in actions)
    for claim in explanation.claims:
        for q in claim.quotes:
            assert TEXT[q.start : q.end] == q.text
    text = render_text(explanation)
    assert "president" in text.lower() and "North Korea Resources Institute" in text
    assert "[[" in text and "]]" in text


def test_why_may_claim_full_provenance(executor: LocalExecutor) -> None:
    (claim,) = explain("clm:kt140727-01", executor).claims
    assert claim.chain() == [
        "Korea International Trade Association → KITA report on North Korea's mineral exports "
        "(2014) → Rare earth elements boost NK income"
    ]
    assert claim.time is not None and claim.time.resolved == "2014-05"
    assert claim.time.interpreted and "posting date" in (claim.time.note or "")
    (amount,) = claim.amounts
    assert (amount.value, amount.currency, amount.stated) == ("550000", "USD", "$550,000")
    assert not amount.approximate
    interpreted = {p.label for p in claim.properties if p.interpreted}
    assert interpreted == {"commodity", "importer"} == set(claim.interpreted)
    (quote,) = claim.quotes
    assert (quote.start, quote.end, quote.source) == (30, 217, ARTICLE)
    assert quote.matches_source and TEXT[30:217] == quote.text
    source = claim.source
    assert (source.title, source.publisher, source.author) == (
        "Rare earth elements boost NK income",
        "The Korea Times",
        "Kang Hyun-kyung",
    )
    assert source.url and source.url.startswith("https://www.koreatimes.co.kr/")

    text = render_text(explain(CLM + "kt140727-01", executor))
    assert "[[" + TEXT[30:217] + "]]" in text
    assert "resolved from context  [interpretation]" in text
    assert 'stated "$550,000" → 550000 USD' in text
    colored = render_text(explain(CLM + "kt140727-01", executor), color=True)
    assert "\x1b[1;4m" + TEXT[30:217] + "\x1b[0m" in colored


def test_why_approximate_value(executor: LocalExecutor) -> None:
    (claim,) = explain("clm:kt140727-03", executor).claims
    (amount,) = claim.amounts
    assert (amount.max_value, amount.approximate, amount.stated) == (
        "25000",
        True,
        "nearly $25,000",
    )
    assert "at most 25000 USD" in render_text(explain("clm:kt140727-03", executor))


def test_why_cli_json_offsets(capsys: Any, store_dir: Path) -> None:
    code, out, err = cli(
        capsys, store_dir, "why", "clm:kt140727-02", "--format", "json", "--context", "10"
    )
    assert code == 0, err
    data = json.loads(out)
    (claim,) = data["claims"]
    (quote,) = claim["quotes"]
    assert TEXT[quote["start"] : quote["end"]] == quote["text"]
    context = quote["context"]
    assert TEXT[context["start"] : context["end"]] == context["text"]
    low, high = context["highlight"]
    assert context["text"][low:high] == quote["text"]
    assert context["start"] == quote["start"] - 10
    assert claim["amounts"][0]["value"] == "1330000"
    assert claim["time"]["interpreted"] is True


def test_why_free_text(capsys: Any, store_dir: Path, executor: LocalExecutor) -> None:
    explanation = explain("ONLY COUNTRY doing business", executor)
    assert explanation.kind == "text"
    assert [c.claim for c in explanation.claims] == [CLM + "kt140727-22"]
    code, out, err = cli(capsys, store_dir, "why", "reportedly operated", "--context", "15")
    assert code == 0, err
    assert "clm:kt140727-23" in out and "[[In the late 1980s" in out
    assert "unnamed reports" in out


def test_mentions_north_korea(capsys: Any, store_dir: Path, executor: LocalExecutor) -> None:
    found = mentions("North Korea", executor)
    surfaces = {m.surface.lower() for m in found}
    assert {"the north", "the communist country", "the pyongyang regime"} <= surfaces
    for mention in found:
        assert TEXT[mention.start : mention.end] == mention.surface
        assert "[[" + mention.surface + "]]" in mention.snippet()
    code, out, err = cli(capsys, store_dir, "mentions", "north korea", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == len(found)
    assert all(TEXT[r["start"] : r["end"]] == r["surface"] for r in rows)
    code, out, _ = cli(capsys, store_dir, "mentions", "ent:north-korea", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("surface,start,end,context")
    code, out, _ = cli(capsys, store_dir, "mentions", "ent:north-korea")
    assert code == 0 and "the Pyongyang regime" in out and f"({len(found)} mentions)" in out


def test_unknown_target(capsys: Any, store_dir: Path, executor: LocalExecutor) -> None:
    with pytest.raises(NotFoundError, match="North Korea"):
        explain("Nort Korea", executor)
    code, out, err = cli(capsys, store_dir, "why", "zzqx nothing like it")
    assert code == 2 and out == ""
    assert err.startswith("error: no claim, entity or quote matches") and "Traceback" not in err
    code, _, err = cli(capsys, store_dir, "why", "clm:kt140727-99")
    assert code == 2 and "not in the graph" in err
    code, _, err = cli(capsys, store_dir, "mentions", "Atlantis")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_quote_context_window() -> None:
    quote = Quote("North", 5, 10, ARTICLE, "Then North came.")
    assert quote.highlighted(2) == "…n [[North]] c…"
    assert quote.highlighted() == "Then [[North]] came."
    assert json.loads(render_json(explain_stub()))["kind"] == "text"


def explain_stub() -> Any:
    from kgtool.provenance import Explanation

    return Explanation("text", "nothing")
