"""``kgtool suggest``: candidate claims of a source, for a curator to accept or drop.

The text is split into sentences (pysbd, inside each line). A sentence is a
candidate when it names a known entity (the source's mentions: found from
labels plus its mention sheet) and states a value or a time, or carries an
attribution cue. The cues, and the rules that propose a kind of fact and a
modality, are data: ``suggest_rules.yaml`` beside this module. Attribution is
the agent named nearest before a cue such as "said", or after "according to".

The draft sheet marks every claim ``candidate: true``: the compiler skips
them (the build counts them) until a curator deletes that line, completes the
fact and keeps the claim.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from kgtool.authoring.context import KG, Context, SourceInfo, local
from kgtool.authoring.finder import Found
from kgtool.project import Project

RULES = Path(__file__).with_name("suggest_rules.yaml")
CANDIDATE_LINE = re.compile(r"^\s*candidate:\s*(?:true|yes)\s*$", re.MULTILINE)


@dataclass
class Suggestion:
    """A candidate claim: a sentence, what it holds, and what is proposed for it."""

    start: int
    end: int
    kind: str
    modality: str
    by: str | None
    found: dict[str, list[str]] = field(default_factory=dict)  # values, times, cues
    entities: list[str] = field(default_factory=list)


@cache
def rules() -> dict[str, Any]:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(RULES.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def _pattern(text: str) -> re.Pattern[str]:
    """A rule's pattern: case-insensitive, starting at a word (a stem matches its endings)."""
    left = r"\b" if text[:1].isalnum() else ""
    return re.compile(f"{left}(?:{text})", re.IGNORECASE)


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans, without surrounding blanks: pysbd within each line."""
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        for piece in segmenter.segment(line.group()):
            start = line.start() + piece.start
            end = line.start() + piece.end
            while end > start and text[end - 1].isspace():
                end -= 1
            while start < end and text[start].isspace():
                start += 1
            if end > start:
                spans.append((start, end))
    return spans


def _hits(patterns: list[str], sentence: str) -> list[str]:
    found = []
    for each in patterns:
        found += [m.group() for m in _pattern(each).finditer(sentence)]
    return found


def suggest(ctx: Context, info: SourceInfo, mentions: list[Found]) -> list[Suggestion]:
    """The candidate claims of a source text, in text order."""
    table = rules()
    out = []
    for start, end in sentences(info.text):
        sentence = info.text[start:end]
        inside = [m for m in mentions if start <= m.start and m.end <= end]
        if not inside:
            continue
        found: dict[str, list[str]] = {}
        for name, patterns in table["values"].items():
            if hits := _hits(patterns, sentence):
                found[name] = hits
        cues = {side: _hits(table["cues"][side], sentence) for side in ("before", "after", "alone")}
        if cues_found := [c for side in cues.values() for c in side]:
            found["cues"] = cues_found
        if not found:
            continue
        kind = _first(table["kinds"], "kind", sentence, ctx.fact_classes())
        modality = _first(table["modalities"], "modality", sentence, None) or "asserted"
        out.append(
            Suggestion(
                start,
                end,
                kind or "ReportFinding",
                modality,
                _attribution(ctx, info.text, start, inside, cues),
                found,
                sorted({ctx.label_of.get(m.entity, local(m.entity)) for m in inside}),
            )
        )
    return out


def _first(table: list[dict[str, Any]], key: str, sentence: str, known: Any) -> str | None:
    for rule in table:
        if known is not None and rule[key] not in known:
            continue  # a kind this ontology does not have
        if all(_pattern(p).search(sentence) for p in rule["when"]):
            return str(rule[key])
    return None


def _attribution(
    ctx: Context, text: str, start: int, inside: list[Found], cues: dict[str, list[str]]
) -> str | None:
    """The agent named nearest before a 'said' cue, or first after 'according to'."""
    sentence = text[start:]
    agents = [m for m in inside if ctx.is_a(m.entity, KG + "Agent")]
    for side in ("after", "before"):
        for cue in cues[side]:
            at = start + sentence.find(cue)
            if side == "after":
                pick = [m for m in agents if m.start >= at]
                chosen = pick[0] if pick else None
            else:
                pick = [m for m in agents if m.end <= at]
                chosen = pick[-1] if pick else None
            if chosen is not None:
                return ctx.label_of.get(chosen.entity, local(chosen.entity))
    return None


def draft_sheet(info: SourceInfo, found: list[Suggestion]) -> str:
    """The draft sheet: one candidate claim per suggestion, deterministic."""
    name = local(info.iri)

    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    lines = [
        f"# Candidate claims of {name}, suggested by 'kgtool suggest'. The build skips a",
        "# claim marked 'candidate: true': to keep one, check its quote, complete its",
        "# fact, delete that line (and its 'found:' comment). Delete the others.",
        f"source: {name}",
        f"id-prefix: {name}-s",
        "claims:",
    ]
    for each in found:
        lines.append(f"  - quote: {q(info.text[each.start : each.end])}")
        lines.append("    candidate: true")
        holds = "; ".join(f"{k}: {', '.join(v)}" for k, v in each.found.items())
        lines.append(f"    # found: {holds}; entities: {', '.join(each.entities)}")
        lines.append(f"    {each.kind}: {{}}")
        if each.modality != "asserted":
            lines.append(f"    modality: {each.modality}")
        if each.by:
            lines.append(f"    by: {q(each.by)}")
    return "\n".join(lines) + "\n"


# --- measuring suggestions against curated claims ---------------------------------------


@dataclass
class Measure:
    suggestions: int
    claims: int
    precision: float  # suggestions that match a curated claim / suggestions
    recall: float  # curated claims matched by a suggestion / curated claims
    kind: float  # matched claims whose kind some matching suggestion proposed
    modality: float  # matched claims whose modality some matching suggestion proposed


def matches(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Two quote spans match when they share at least half of the shorter one."""
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return shared > 0 and shared >= 0.5 * min(a[1] - a[0], b[1] - b[0])


def curated(project: Project, ctx: Context, info: SourceInfo) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, modality) of every curated claim quoting ``info``."""
    from kgtool.authoring.anchor import sheets_quoting
    from kgtool.authoring.compile import locate_quote
    from kgtool.authoring.review import claims_of

    out = []
    for sheet in sheets_quoting(project, info):
        for _claim, item in claims_of(sheet):
            start, end = locate_quote(sheet, item, info)
            kind = next(k for k in item.keys or {} if k in ctx.fact_classes())
            modality = item.get("modality")
            out.append((start, end, kind, modality.text() if modality else "asserted"))
    return out


def measure(found: list[Suggestion], claims: list[tuple[int, int, str, str]]) -> Measure:
    spans = [(s.start, s.end) for s in found]
    hit = [any(matches(span, (c[0], c[1])) for c in claims) for span in spans]
    kind = modality = recalled = 0
    for start, end, claim_kind, claim_modality in claims:
        near = [s for s in found if matches((s.start, s.end), (start, end))]
        if near:
            recalled += 1
            kind += any(s.kind == claim_kind for s in near)
            modality += any(s.modality == claim_modality for s in near)
    return Measure(
        len(found),
        len(claims),
        sum(hit) / len(found) if found else 0.0,
        recalled / len(claims) if claims else 0.0,
        kind / recalled if recalled else 0.0,
        modality / recalled if recalled else 0.0,
    )


def candidate_counts(project: Project) -> list[tuple[str, int]]:
    """(sheet, candidate claims) of every sheet holding some: what the build skipped."""
    from kgtool.authoring.context import SHEET_SUFFIXES

    out = []
    for path in project.rdf_files():
        if path.suffix in SHEET_SUFFIXES:
            count = len(CANDIDATE_LINE.findall(path.read_text(encoding="utf-8")))
            if count:
                out.append((project.relative(path), count))
    return out


__all__ = ["Measure", "Suggestion", "draft_sheet", "matches", "measure", "suggest"]
