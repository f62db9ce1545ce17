"""Re-anchoring the quotes of a source whose text was replaced: right, or it says it is not.

When ``kgtool add source --replace`` brings a new version of a text, every
claim of every sheet quoting it is placed in the new text: an exact match
first (the occurrence whose surrounding words best match the old ones), else
the best approximate passage (rapidfuzz) if it scores at least
:data:`MIN_SCORE`. Each claim is then

- ``kept``: same words at the same offsets;
- ``moved``: same words, found once, elsewhere (old and new offsets);
- ``changed``: only an approximate passage (its score and both texts): needs review;
- ``ambiguous``: the words now occur more than once and the sheet does not pick
  the one the old text had: needs review;
- ``lost``: nothing scores high enough: the curator fixes or removes the claim.

The result is written beside the sheet, ``graph/claims/<sheet>.anchors.yaml``,
a file a curator reads (the old quote and offsets, the old text's sha256, the
proposal). The compiler refuses a sheet while one of its claims is pending
there with the quote still as it was; ``kgtool anchor --accept CLAIM`` writes
the proposal into the sheet (its quote, or its occurrence) and records the
review. Nothing is ever placed on a best guess without saying so.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgtool.authoring.context import SHEET_SUFFIXES, Context, SourceInfo
from kgtool.authoring.locate import occurrences, snippet
from kgtool.authoring.sheet import Item, Sheet, SheetError, parse_sheet, read_sheet
from kgtool.errors import InputError
from kgtool.project import Project

#: the lowest rapidfuzz ratio (0-100) at which a changed passage is proposed at all
MIN_SCORE = 80.0
#: characters on each side of a quote compared to tell its occurrences apart
CONTEXT = 40
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


# --- placing quotes ---------------------------------------------------------------------


def _context_score(old: str, span: tuple[int, int], new: str, at: int, length: int) -> float:
    from rapidfuzz import fuzz

    s, e = span
    before = fuzz.ratio(old[max(0, s - CONTEXT) : s], new[max(0, at - CONTEXT) : at])
    after = fuzz.ratio(old[e : e + CONTEXT], new[at + length : at + length + CONTEXT])
    return (before + after) / 2


def approximate(quote: str, text: str) -> tuple[float, int, int]:
    """The passage of ``text`` most like ``quote``: (score 0-100, start, end), word-bounded."""
    from rapidfuzz import fuzz

    if not text.strip():
        return 0.0, 0, 0
    hint = fuzz.partial_ratio_alignment(quote, text)
    starts = [m.start() for m in re.finditer(r"\S+", text)]
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    low, high = hint.dest_start - len(quote) // 2, hint.dest_end + len(quote) // 2
    best = (0.0, 0, 0)
    for s in (x for x in starts if low <= x <= high):
        for e in (x for x in ends if s < x <= s + 2 * len(quote) and x <= high + len(quote)):
            score = fuzz.ratio(quote, text[s:e])
            if score > best[0]:
                best = (score, s, e)
    return round(best[0], 1), best[1], best[2]


def place(
    sheet: Sheet, item: Item, claim: str, old: SourceInfo, new: SourceInfo, was: dict[str, Any]
) -> Placement:
    """Place one claim's quote in the new text (``was`` holds where it was)."""
    from kgtool.authoring.compile import locate_quote

    quote_item = item.get("quote")
    assert quote_item is not None
    quote = quote_item.text()
    found = Placement(claim, "lost", was, line=quote_item.line, column=quote_item.column)
    span = tuple(was["at"]) if was.get("at") else None
    exact = occurrences(new.text, quote)
    try:
        picked: int | None = locate_quote(sheet, item, new)[0]
    except SheetError:
        picked = None
    if exact:
        best = exact[0]
        if span is not None and len(exact) > 1:
            scores = {at: _context_score(old.text, span, new.text, at, len(quote)) for at in exact}
            best = max(exact, key=lambda at: (scores[at], -abs(at - span[0])))
            clear = sorted(scores.values())[-2] < scores[best]
        else:
            clear = True
        found.now = {"at": [best, best + len(quote)], "quote": quote}
        if len(exact) > 1:
            found.now["occurrence"] = exact.index(best) + 1
        if picked == best and clear:
            found.status = "kept" if span == (best, best + len(quote)) else "moved"
        else:
            found.status = "ambiguous"
        return found
    score, start, end = approximate(quote, new.text)
    found.score = score
    found.now = {"at": [start, end], "quote": new.text[start:end]}
    if score < MIN_SCORE:
        return found
    found.status = "changed"
    occurs = occurrences(new.text, new.text[start:end])
    if len(occurs) > 1:
        found.now["occurrence"] = occurs.index(start) + 1
    found.values = _stated_words_lost(item, quote, new.text[start:end])
    return found


def _stated_words_lost(item: Item, old_quote: str, new_quote: str) -> list[str]:
    """Words written in the claim's fact that were in the old quote and are not in the new."""
    words: list[str] = []

    def walk(node: Item | None) -> None:
        if node is None:
            return
        if node.is_map:
            for child in (node.keys or {}).values():
                walk(child)
        elif node.is_list:
            for child in node.items or []:
                walk(child)
        elif isinstance(node.value, str) and node.value:
            words.append(node.value)

    for key in item.keys or {}:
        if key[:1].isupper():
            walk(item.get(key))
    return sorted({w for w in words if occurrences(old_quote, w) and not occurrences(new_quote, w)})


def _written(item: Item, at: tuple[int, int] | None) -> dict[str, Any]:
    was: dict[str, Any] = {"quote": (item.get("quote") or Item(0, 0)).text()}
    for key in ("occurrence", "context"):
        if item.get(key) is not None:
            was[key] = item.get(key).value  # type: ignore[union-attr]
    if at is not None:
        was["at"] = list(at)
    return was


def claims_of(sheet: Sheet) -> list[tuple[str, Item]]:
    """(claim id, item) of every claim of a sheet that is not a candidate."""
    from kgtool.authoring.compile import _claim_ids

    claims = sheet.root.get("claims")
    if claims is None or not claims.is_list:
        return []
    prefix = sheet.root.get("id-prefix")
    items = claims.items or []
    ids = _claim_ids(sheet, items, prefix.text() if prefix else "")
    return [(c, i) for c, i in zip(ids, items, strict=True) if not _candidate(i)]


def _candidate(item: Item) -> bool:
    flag = item.get("candidate")
    return flag is not None and flag.value is True


def sheets_quoting(project: Project, info: SourceInfo) -> list[Sheet]:
    """The claim sheets of the project that quote ``info``."""
    found = []
    for path in project.rdf_files():
        if path.suffix not in SHEET_SUFFIXES or path.name.endswith(REVIEW_SUFFIX):
            continue
        sheet = read_sheet(path, project.relative(path))
        name = sheet.root.get("source")
        if sheet.root.get("claims") is None or name is None:
            continue
        text = name.text().strip().removeprefix("src:")
        if info.iri.endswith("/" + text) or text in (info.iri, info.local_path):
            found.append(sheet)
    return found


def reanchor(project: Project, ctx: Context, iri: str, new_text: str) -> list[Review]:
    """Place every claim quoting source ``iri`` in ``new_text`` (nothing is written)."""
    from kgtool.authoring.compile import locate_quote

    old = ctx.sources[iri]
    new = dataclasses.replace(old, text=new_text)
    old_sha = hashlib.sha256(old.text.encode("utf-8")).hexdigest()
    new_sha = hashlib.sha256(new_text.encode("utf-8")).hexdigest()
    reviews = []
    for sheet in sheets_quoting(project, old):
        earlier = {p.claim: p for p in _read_review(project, sheet.path)}
        placements = []
        for claim, item in claims_of(sheet):
            try:
                at: tuple[int, int] | None = locate_quote(sheet, item, old)
            except SheetError:  # still pending from an earlier replacement
                before = earlier.get(claim)
                at = tuple(before.was["at"]) if before and before.was.get("at") else None  # type: ignore[assignment]
            placements.append(place(sheet, item, claim, old, new, _written(item, at)))
        reviews.append(Review(sheet.path, iri, old_sha, new_sha, placements))
    return reviews


# --- the review file --------------------------------------------------------------------


def review_text(review: Review) -> str:
    """The review file: YAML a curator reads; JSON strings keep every quote exact."""

    def q(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    waiting = sum(p.pending for p in review.placements)
    lines = [
        f"# Re-anchoring of {review.sheet} after its source's text was replaced",
        "# (kgtool add source --replace). The build refuses the sheet while a claim below",
        "# is 'review: pending' and its quote is as it was: accept the proposal with",
        "# 'kgtool anchor --accept CLAIM', or fix or remove the claim in the sheet.",
        f"# {waiting} of {len(review.placements)} claims await review.",
        f"reanchored: {review.sheet}",
        f"source: {review.source.rsplit('/', 1)[-1]}",
        f"previous-sha256: {review.previous_sha256}",
        f"sha256: {review.sha256}",
        "claims:",
    ]
    for p in review.placements:
        lines.append(f"  - claim: {p.claim}")
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


def _read_review(project: Project, sheet_path: str) -> list[Placement]:
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

        placement = Placement(
            str(value("claim")),
            str(value("status")),
            value("was") or {},
            value("now") or {},
            value("score"),
            line=item.line,
            column=item.column,
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
    was, now = p.was.get("at"), p.now.get("at")
    old = snippet(p.was.get("quote", ""), 0, len(p.was.get("quote", "")), 50)
    if p.status == "kept":
        return f"{p.claim} kept at {_span(was)}"
    if p.status == "moved":
        return f"{p.claim} moved from {_span(was)} to {_span(now)}"
    if p.status == "changed":
        new = snippet(p.now["quote"], 0, len(p.now["quote"]), 50)
        lost = f"; no longer in the quote: {', '.join(p.values)}" if p.values else ""
        return (
            f"{p.claim} changed (score {p.score:g}): '{old}' is now '{new}' at "
            f"{_span(now)}{lost}; needs review: kgtool anchor --accept {p.claim}"
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


def _span(at: Any) -> str:
    return f"[{at[0]}, {at[1]})" if at else "(nowhere)"


# --- the build's check, and accepting a review ------------------------------------------


def check_sheet(project: Project, sheet: Sheet) -> None:
    """Refuse a sheet while one of its claims awaits review with its quote unchanged."""
    file = project.root / review_path(sheet.path)
    if not file.is_file():
        return
    placements = {p.claim: p for p in placements_of(read_sheet(file, review_path(sheet.path)))}
    waiting = []
    for claim, item in claims_of(sheet):
        p = placements.get(claim)
        if p is None or p.was.get("review") != "pending" or not _as_written(item, p):
            continue
        quote = item.get("quote") or item
        waiting.append(f"  {sheet.path}:{quote.line}:{quote.column}: {describe(p)}")
    if waiting:
        raise SheetError(
            f"{_claims(len(waiting))} {'awaits' if len(waiting) == 1 else 'await'} review "
            "after their source's text was replaced "
            f"(see {review_path(sheet.path)}):\n" + "\n".join(waiting),
            path=sheet.path,
        )


def _as_written(item: Item, p: Placement) -> bool:
    """The claim's quote (and occurrence, context) are still what was re-anchored."""
    was = _written(item, None)
    return all(was.get(k) == p.was.get(k) for k in ("quote", "occurrence", "context"))


def pending(project: Project) -> list[tuple[str, Placement, bool]]:
    """(sheet, placement, still blocking) of every claim of every review file."""
    out = []
    for path in project.rdf_files():
        if not path.name.endswith(REVIEW_SUFFIX):
            continue
        review = read_sheet(path, project.relative(path))
        sheet_path = (review.root.get("reanchored") or Item(0, 0)).text()
        sheet_file = project.root / sheet_path
        items = dict(claims_of(read_sheet(sheet_file, sheet_path))) if sheet_file.is_file() else {}
        for p in placements_of(review):
            item = items.get(p.claim)
            blocking = p.was.get("review") == "pending" and item is not None
            out.append((sheet_path, p, blocking and _as_written(item, p)))  # type: ignore[arg-type]
    return out


def accept(project: Project, claim: str, occurrence: int | None = None) -> str:
    """Write a pending claim's proposal into its sheet and record the review."""
    hits = [(s, p) for s, p, _ in pending(project) if p.claim == claim]
    if not hits:
        raise InputError(
            f"no re-anchored claim '{claim}'",
            hint="kgtool anchor lists the claims that await review",
        )
    sheet_path, p = hits[0]
    review_file = project.root / review_path(sheet_path)
    sheet_file = project.root / sheet_path
    text = sheet_file.read_text(encoding="utf-8")
    items = dict(claims_of(parse_sheet(text, sheet_path)))
    item = items.get(claim)
    if p.was.get("review") != "pending" or item is None:
        raise InputError(f"claim '{claim}' does not await review", path=review_path(sheet_path))
    if not _as_written(item, p):
        new_text, how = text, "fixed in the sheet"
    elif p.status == "lost":
        quote = item.get("quote") or item
        raise InputError(
            f"claim '{claim}' is lost: no passage of the new text is close enough to accept",
            path=sheet_path,
            line=quote.line,
            column=quote.column,
            hint="correct its quote (or remove the claim), then run kgtool build",
        )
    else:
        chosen = dict(p.now)
        if occurrence is not None:
            chosen["occurrence"] = occurrence
        new_text = _edit_claim(text, sheet_path, claim, chosen)
        how = "accepted"
    review_text_now = review_file.read_text(encoding="utf-8")
    review_lines = review_text_now.splitlines(keepends=True)
    at = next(i for i, line in enumerate(review_lines) if line.strip() == f"- claim: {claim}")
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


__all__ = ["MIN_SCORE", "Placement", "Review", "accept", "check_sheet", "describe", "reanchor"]


def _claims(count: int) -> str:
    return f"{count} claim" if count == 1 else f"{count} claims"
