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
import re
from typing import Any

from kgtool.authoring.context import SHEET_SUFFIXES, SourceInfo
from kgtool.authoring.locate import occurrences
from kgtool.authoring.review import (
    MIN_SCORE,
    REVIEW_SUFFIX,
    Placement,
    Review,
    claims_of,
    read_review,
    written_as,
)
from kgtool.authoring.sheet import Item, Sheet, SheetError, read_sheet
from kgtool.project import Project

#: characters on each side of a quote compared to tell its occurrences apart
CONTEXT = 40
#: an approximate passage within this many points of the best makes the best ambiguous
CLOSE = 3.0


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
    if hint is None:  # rapidfuzz found no alignment at all
        return 0.0, 0, 0
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
    masked = new.text[:start] + "\0" * (end - start) + new.text[end:]
    other, other_start, other_end = approximate(quote, masked)
    if other >= MIN_SCORE and other >= score - CLOSE:  # two passages nearly as like it
        found.status = "ambiguous"
        found.now["also"] = [other_start, other_end]
        found.now["also-score"] = other
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


def sheets_quoting(project: Project, info: SourceInfo, *, mentions: bool = False) -> list[Sheet]:
    """The claim sheets (or the mention sheets) of the project that quote ``info``."""
    from kgtool.authoring.mentions import is_mention_sheet

    found = []
    for path in project.rdf_files():
        if path.suffix not in SHEET_SUFFIXES or path.name.endswith(REVIEW_SUFFIX):
            continue
        sheet = read_sheet(path, project.relative(path))
        name = sheet.root.get("source")
        wanted = is_mention_sheet(sheet) if mentions else sheet.root.get("claims") is not None
        if not wanted or name is None:
            continue
        text = name.text().strip().removeprefix("src:")
        if info.iri.endswith("/" + text) or text in (info.iri, info.local_path):
            found.append(sheet)
    return found


def reanchor(project: Project, old: SourceInfo, new_text: str) -> list[Review]:
    """Place every claim quoting source ``old`` in ``new_text`` (nothing is written)."""
    from kgtool.authoring.compile import locate_quote

    iri = old.iri
    new = dataclasses.replace(old, text=new_text)
    old_sha = hashlib.sha256(old.text.encode("utf-8")).hexdigest()
    new_sha = hashlib.sha256(new_text.encode("utf-8")).hexdigest()
    reviews = []
    for sheet in sheets_quoting(project, old):
        earlier = {p.claim: p for p in read_review(project, sheet.path)}
        placements = []
        for claim, item in claims_of(sheet):
            try:
                at: tuple[int, int] | None = locate_quote(sheet, item, old)
            except SheetError:  # still pending from an earlier replacement
                before = earlier.get(claim)
                at = tuple(before.was["at"]) if before and before.was.get("at") else None  # type: ignore[assignment]
            placements.append(place(sheet, item, claim, old, new, written_as(item, at)))
        reviews.append(Review(sheet.path, iri, old_sha, new_sha, placements))
    for sheet in sheets_quoting(project, old, mentions=True):
        lines = place_mentions(sheet, old.text, new_text)
        if lines:
            reviews.append(Review(sheet.path, iri, old_sha, new_sha, lines))
    return reviews


def offset_map(old: str, new: str) -> list[tuple[int, int, int]]:
    """(old start, old end, new start) of the stretches both texts share unchanged."""
    from rapidfuzz.distance import Levenshtein

    return [
        (op.src_start, op.src_end, op.dest_start)
        for op in Levenshtein.opcodes(old, new)
        if op.tag == "equal"
    ]


def map_span(shared: list[tuple[int, int, int]], start: int, end: int) -> tuple[int, int] | None:
    """Where an unchanged span of the old text is in the new one (None if it changed)."""
    for s, e, to in shared:
        if s <= start and end <= e:
            return to + start - s, to + end - s
    return None


def place_mentions(sheet: Sheet, old: str, new: str) -> list[Placement]:
    """Each curated line of a mention sheet, resolved in the new text and checked.

    A line is found by its words after the previous line's, so an edit before it
    can silently move it to other words: the place the line resolves to now is
    compared with where its old span went (through the characters both texts
    share); they must agree, or the line awaits review.
    """
    from kgtool.authoring.mentions import curated_lines

    shared = offset_map(old, new)
    out = []
    for key in ("mentions", "not-mentions"):
        before = curated_lines(sheet, old, key)
        after = curated_lines(sheet, new, key)
        for (item, written, was, _), (_, _, now, _) in zip(before, after, strict=True):
            if was is None:
                continue  # already wrong in the old text: the build reports it
            from kgtool.authoring.mentions import _marked

            length = len(_marked(written)[0])
            mapped = map_span(shared, was, was + length)
            found = Placement(
                f"{sheet.path}:{item.line}",
                "lost",
                {"quote": written, "at": [was, was + length]},
                {"at": [now, now + length]} if now is not None else {},
                kind="mention",
                line=item.line,
                column=item.column,
            )
            if mapped is not None:
                found.now["old-place"] = list(mapped)
            if now is not None:
                if (now, now + length) == (was, was + length):
                    found.status = "kept"
                elif mapped == (now, now + length):
                    found.status = "moved"
                else:
                    found.status = "changed" if mapped is None else "ambiguous"
            out.append(found)
    return out


__all__ = ["MIN_SCORE", "approximate", "place", "reanchor"]
