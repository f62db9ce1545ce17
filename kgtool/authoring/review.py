"""The review of re-anchored claims: the file beside the sheet, the build's check, accepting.

After a source's text is replaced (:mod:`kgtool.authoring.anchor`), each claim's
placement is written to ``graph/claims/<sheet>.anchors.yaml``: YAML a curator
reads, with the old quote and offsets, the sha256 of both texts and the
proposal. The compiler refuses a sheet while one of its claims is pending there
with its quote still as it was; ``kgtool anchor --accept CLAIM`` writes the
proposal into the sheet (its quote, or an ``occurrence:`` line) and records
the review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgtool.authoring.context import SHEET_SUFFIXES
from kgtool.authoring.locate import snippet
from kgtool.authoring.sheet import Item, Sheet, SheetError, claim_ids, parse_sheet, read_sheet
from kgtool.errors import InputError
from kgtool.project import Project

#: the lowest rapidfuzz ratio (0-100) at which a changed passage is proposed at all
MIN_SCORE = 80.0
REVIEW_SUFFIX = ".anchors.yaml"
PENDING = ("changed", "ambiguous", "lost")


@dataclass
class Placement:
    """Where one claim's quote is in the new text, and what a curator must do."""

    claim: str
    status: str  # kept | moved | changed | ambiguous | lost
    was: dict[str, Any]  # quote (as written), occurrence/context if written, at
    now: dict[str, Any] = field(default_factory=dict)  # at, quote, occurrence
    score: float | None = None
    values: list[str] = field(default_factory=list)  # stated words no longer in the quote
    line: int = 0
    column: int = 0
    kind: str = "claim"  # or "mention": a curated line of a mention sheet, id 'sheet:line'

    @property
    def pending(self) -> bool:
        return self.status in PENDING


@dataclass
class Review:
    """The re-anchoring of one sheet: its file, and one placement per claim."""

    sheet: str
    source: str
    previous_sha256: str
    sha256: str
    placements: list[Placement]

    @property
    def path(self) -> str:
        return review_path(self.sheet)


def review_path(sheet: str) -> str:
    stem = sheet
    for suffix in SHEET_SUFFIXES:
        stem = stem.removesuffix(suffix)
    return stem + REVIEW_SUFFIX


def is_review(sheet: Sheet) -> bool:
    return sheet.root.get("reanchored") is not None


def claims_of(sheet: Sheet) -> list[tuple[str, Item]]:
    """(claim id, item) of every claim of a sheet that is not a candidate."""

    claims = sheet.root.get("claims")
    if claims is None or not claims.is_list:
        return []
    prefix = sheet.root.get("id-prefix")
    items = claims.items or []
    ids = claim_ids(sheet, items, prefix.text() if prefix else "")
    return [(c, i) for c, i in zip(ids, items, strict=True) if not _candidate(i)]


def _candidate(item: Item) -> bool:
    flag = item.get("candidate")
    return flag is not None and flag.value is True


def written_as(item: Item, at: tuple[int, int] | None) -> dict[str, Any]:
    was: dict[str, Any] = {"quote": (item.get("quote") or Item(0, 0)).text()}
    for key in ("occurrence", "context"):
        if item.get(key) is not None:
            was[key] = item.get(key).value  # type: ignore[union-attr]
    if at is not None:
        was["at"] = list(at)
    return was


def review_text(review: Review) -> str:
    """The review file: YAML a curator reads; JSON strings keep every quote exact."""

    def q(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    waiting = sum(p.pending for p in review.placements)
    lines = [
        f"# Re-anchoring of {review.sheet} after its source's text was replaced",
        "# (kgtool add source --replace). The build refuses the sheet while an entry below",
        "# is 'review: pending' and its quote is as it was: accept the proposal with",
        "# 'kgtool anchor --accept ID', or fix or remove the claim (line) in the sheet.",
        f"# {waiting} of {len(review.placements)} await review.",
        f"reanchored: {review.sheet}",
        f"source: {review.source.rsplit('/', 1)[-1]}",
        f"previous-sha256: {review.previous_sha256}",
        f"sha256: {review.sha256}",
        "claims:",
    ]
    for p in review.placements:
        lines.append(f"  - {p.kind}: {p.claim}")
        lines.append(f"    status: {p.status}")
        if p.pending:
            lines.append("    review: pending")
        elif p.status != "kept" and "review" in p.was:
            lines.append(f"    review: {p.was['review']}")
        if p.score is not None:
            lines.append(f"    score: {p.score}")
        was = {k: v for k, v in p.was.items() if k != "review"}
        lines.append("    was: {" + ", ".join(f"{k}: {q(v)}" for k, v in was.items()) + "}")
        if p.now and p.status != "kept":
            lines.append("    now: {" + ", ".join(f"{k}: {q(v)}" for k, v in p.now.items()) + "}")
        if p.values:
            lines.append(f"    no longer in the quote: {q(p.values)}")
    return "\n".join(lines) + "\n"


def read_review(project: Project, sheet_path: str) -> list[Placement]:
    file = project.root / review_path(sheet_path)
    if not file.is_file():
        return []
    return placements_of(read_sheet(file, review_path(sheet_path)))


def placements_of(review: Sheet) -> list[Placement]:
    out = []
    listed = review.root.get("claims")
    for item in (listed.items or []) if listed is not None else []:

        def value(key: str, node: Item = item) -> Any:
            found = node.get(key)
            if found is None:
                return None
            if found.is_map:
                return {k: _plain(v) for k, v in (found.keys or {}).items()}
            return found.value

        kind = "mention" if value("mention") is not None else "claim"
        placement = Placement(
            str(value(kind)),
            str(value("status")),
            value("was") or {},
            value("now") or {},
            value("score"),
            line=item.line,
            column=item.column,
            kind=kind,
        )
        if value("review") is not None:
            placement.was["review"] = value("review")
        out.append(placement)
    return out


def _plain(item: Item) -> Any:
    if item.is_list:
        return [_plain(i) for i in item.items or []]
    return item.value


def describe(p: Placement) -> str:
    """One line for a placement: what happened and what to do."""
    if p.kind == "mention":
        return _describe_mention(p)
    was, now = p.was.get("at"), p.now.get("at")
    old = snippet(p.was.get("quote", ""), 0, len(p.was.get("quote", "")), 50)
    if p.status == "kept":
        return f"{p.claim} kept at {_span(was)}"
    if p.status == "moved":
        return f"{p.claim} moved from {_span(was)} to {_span(now)}"
    if p.status == "changed":
        old, new = difference(p.was.get("quote", ""), p.now["quote"])
        lost = f"; no longer in the quote: {', '.join(p.values)}" if p.values else ""
        return (
            f"{p.claim} changed (score {p.score:g}): '{old}' is now '{new}' at "
            f"{_span(now)}{lost}; needs review: kgtool anchor --accept {p.claim}"
        )
    if p.status == "ambiguous" and "also" in p.now:
        return (
            f"{p.claim} ambiguous: '{old}' is not in the new text and two passages are "
            f"nearly as like it: {_span(now)} (score {p.score:g}) and "
            f"{_span(p.now['also'])} (score {p.now.get('also-score')}); needs review: "
            f"kgtool anchor --accept {p.claim} takes the first, or fix the quote"
        )
    if p.status == "ambiguous":
        return (
            f"{p.claim} ambiguous: '{old}' now occurs more than once; the old place is "
            f"occurrence {p.now.get('occurrence')} at {_span(now)}; needs review: "
            f"kgtool anchor --accept {p.claim}"
        )
    best = f"best {p.score:g} at {_span(now)}" if now else "no passage"
    return (
        f"{p.claim} lost: no passage scores {MIN_SCORE:g} or more ({best}); "
        "fix its quote in the sheet or remove the claim"
    )


def difference(old: str, new: str, around: int = 12) -> tuple[str, str]:
    """The part where two texts differ, with a few characters of context, for one line."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1

    def cut(text: str) -> str:
        begin, stop = max(0, start - around), min(len(text), len(text) - end + around)
        piece = snippet(text, begin, stop, 60)
        return (
            ("…" if begin else "")
            + piece
            + ("…" if stop < len(text) and not piece.endswith("…") else "")
        )

    return cut(old), cut(new)


def _describe_mention(p: Placement) -> str:
    was, now, words = p.was.get("at"), p.now.get("at"), p.was.get("quote")
    if p.status in ("kept", "moved"):
        where = f"at {_span(was)}" if p.status == "kept" else f"from {_span(was)} to {_span(now)}"
        return f"{p.claim} '{words}' {p.status} {where}"
    if p.status == "lost":
        return (
            f"{p.claim} '{words}' lost: not found after the previous line; fix or remove the line"
        )
    why = (
        f"the words at its old place {_span(was)} changed"
        if p.status == "changed"
        else f"its old place is now {_span(p.now.get('old-place'))}"
    )
    return (
        f"{p.claim} '{words}' {p.status}: it now resolves at {_span(now)} but {why}; "
        f"needs review: put words around it in brackets, or kgtool anchor --accept {p.claim}"
    )


def _span(at: Any) -> str:
    return f"[{at[0]}, {at[1]})" if at else "(nowhere)"


def anchored(sheet: Sheet) -> dict[str, tuple[Item, dict[str, Any]]]:
    """Id -> (item, what is written) of every claim and curated mention line of a sheet."""
    from kgtool.authoring.mentions import MENTION_KEYS

    out = {
        claim: (item.get("quote") or item, written_as(item, None))
        for claim, item in claims_of(sheet)
    }
    for key in MENTION_KEYS:
        listed = sheet.root.get(key)
        for item in (listed.items or []) if listed is not None and listed.is_list else []:
            if item.is_map and item.keys:
                out[f"{sheet.path}:{item.line}"] = (item, {"quote": next(iter(item.keys))})
    return out


def _blocking(p: Placement, current: dict[str, tuple[Item, dict[str, Any]]]) -> bool:
    """Pending, and its claim's quote (occurrence, context) or its line still as it was."""
    if p.was.get("review") != "pending" or p.claim not in current:
        return False
    written = current[p.claim][1]
    return all(written.get(k) == p.was.get(k) for k in ("quote", "occurrence", "context"))


def check_sheet(project: Project, sheet: Sheet) -> None:
    """Refuse a sheet while one of its claims (or lines) awaits review, still as it was."""
    file = project.root / review_path(sheet.path)
    if not file.is_file():
        return
    current = anchored(sheet)
    waiting = []
    for p in placements_of(read_sheet(file, review_path(sheet.path))):
        if _blocking(p, current):
            item = current[p.claim][0]
            where = f"{sheet.path}:{item.line}:{item.column}: " if p.kind == "claim" else ""
            waiting.append(f"  {where}{describe(p)}")
    if waiting:
        what = "claims" if sheet.root.get("claims") is not None else "mention lines"
        count = f"{len(waiting)} {what}" if len(waiting) > 1 else f"1 {what[:-1]}"
        raise SheetError(
            f"{count} {'awaits' if len(waiting) == 1 else 'await'} review "
            "after their source's text was replaced "
            f"(see {review_path(sheet.path)}):\n" + "\n".join(waiting),
            path=sheet.path,
        )


def pending(project: Project) -> list[tuple[str, Placement, bool]]:
    """(sheet, placement, still blocking) of every entry of every review file."""
    out = []
    for path in project.rdf_files():
        if not path.name.endswith(REVIEW_SUFFIX):
            continue
        review = read_sheet(path, project.relative(path))
        sheet_path = (review.root.get("reanchored") or Item(0, 0)).text()
        sheet_file = project.root / sheet_path
        current = anchored(read_sheet(sheet_file, sheet_path)) if sheet_file.is_file() else {}
        for p in placements_of(review):
            out.append((sheet_path, p, _blocking(p, current)))
    return out


def accept(project: Project, claim: str, occurrence: int | None = None) -> str:
    """Write a pending claim's proposal into its sheet and record the review.

    A mention line is accepted where it now resolves (nothing to write); to
    anchor it elsewhere, the curator puts words around it in brackets.
    """
    hits = [(s, p) for s, p, _ in pending(project) if p.claim == claim]
    if not hits:
        raise InputError(
            f"nothing re-anchored is called '{claim}'",
            hint="kgtool anchor lists the claims and mention lines that await review",
        )
    sheet_path, p = hits[0]
    review_file = project.root / review_path(sheet_path)
    sheet_file = project.root / sheet_path
    text = sheet_file.read_text(encoding="utf-8")
    current = anchored(parse_sheet(text, sheet_path))
    if p.was.get("review") != "pending" or claim not in current:
        raise InputError(f"'{claim}' does not await review", path=review_path(sheet_path))
    item = current[claim][0]
    if not _blocking(p, current):
        new_text, how = text, "fixed in the sheet"
    elif p.status == "lost":
        raise InputError(
            f"'{claim}' is lost: the new text gives no place close enough to accept",
            path=sheet_path,
            line=item.line,
            column=item.column,
            hint="correct it (or remove it), then run kgtool build",
        )
    elif p.kind == "mention":
        new_text, how = text, "accepted"
    else:
        chosen = dict(p.now)
        if occurrence is not None:
            chosen["occurrence"] = occurrence
        new_text = _edit_claim(text, sheet_path, claim, chosen)
        how = "accepted"
    review_lines = review_file.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(review_lines) if line.strip() == f"- {p.kind}: {claim}")
    for i in range(at + 1, len(review_lines)):
        if review_lines[i].strip() == "review: pending":
            review_lines[i] = review_lines[i].replace("pending", how)
            break
    sheet_file.write_text(new_text, encoding="utf-8")
    review_file.write_text("".join(review_lines), encoding="utf-8")
    return f"{claim} {how}: {sheet_path}"


def _edit_claim(text: str, path: str, claim: str, chosen: dict[str, Any]) -> str:
    """The sheet's text with one claim's quote (and occurrence) replaced in place."""
    from ruamel.yaml import YAML

    ids = [c for c, _ in claims_of(parse_sheet(text, path))]
    root = YAML(typ="rt").compose(text)
    claims = next(v for k, v in root.value if k.value == "claims")
    node = [n for n in claims.value if not _candidate_node(n)][ids.index(claim)]
    keys = {k.value: (k, v) for k, v in node.value}
    if "context" in keys:
        raise InputError(
            f"claim '{claim}' picks its quote with 'context:'",
            path=path,
            line=keys["context"][0].start_mark.line + 1,
            hint="edit its quote and context by hand: the proposal is in the review file",
        )
    edits: list[tuple[int, int, str]] = []
    quote_key, quote_value = keys["quote"]
    if chosen["quote"] != quote_value.value:
        edits.append(
            (
                quote_value.start_mark.index,
                quote_value.end_mark.index,
                json.dumps(chosen["quote"], ensure_ascii=False),
            )
        )
    wanted = chosen.get("occurrence")
    if "occurrence" in keys:
        value = keys["occurrence"][1]
        edits.append((value.start_mark.index, value.end_mark.index, str(wanted or 1)))
    elif wanted:
        end = text.find("\n", quote_value.end_mark.index)
        end = len(text) if end < 0 else end
        indent = " " * quote_key.start_mark.column
        edits.append((end, end, f"\n{indent}occurrence: {wanted}"))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _candidate_node(node: Any) -> bool:
    return any(
        k.value == "candidate" and v.value in ("true", "yes")
        for k, v in getattr(node, "value", [])
        if hasattr(k, "value")
    )


def write_reviews(project: Project, reviews: list[Review]) -> list[Path]:
    written = []
    for review in reviews:
        file = project.root / review.path
        file.write_text(review_text(review), encoding="utf-8")
        written.append(file)
    return written


__all__ = ["MIN_SCORE", "Placement", "Review", "accept", "check_sheet", "describe", "pending"]
