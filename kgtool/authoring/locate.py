"""Finding quoted words in a source text, and saying where they nearly are."""

from __future__ import annotations

import re


def _boundary_ok(text: str, start: int, end: int) -> bool:
    """The match does not cut a word in two (only checked where the words start/end in one)."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    first, last = text[start], text[end - 1]
    return not ((first.isalnum() and before.isalnum()) or (last.isalnum() and after.isalnum()))


def occurrences(
    text: str, words: str, start: int = 0, end: int | None = None, *, fold: bool = False
) -> list[int]:
    """Start offsets of ``words`` in ``text[start:end]`` at word boundaries."""
    stop = len(text) if end is None else end
    if not words:
        return []
    if fold:
        pattern = re.compile(re.escape(words), re.IGNORECASE)
        found = [m.start() for m in pattern.finditer(text, start, stop)]
    else:
        found, at = [], text.find(words, start, stop)
        while at != -1:
            found.append(at)
            at = text.find(words, at + 1, stop)
    return [at for at in found if _boundary_ok(text, at, at + len(words))]


def closest_passages(text: str, quote: str, count: int = 3) -> list[tuple[int, int, float]]:
    """The passages most like ``quote`` (start, end, score 0-100), best first, not overlapping."""
    from rapidfuzz import fuzz

    width = len(quote)
    starts = [0, *(m.end() for m in re.finditer(r"\s+", text))]
    scored = []
    for at in starts:
        window = text[at : at + width]
        if window:
            scored.append((fuzz.ratio(quote, window), at))
    scored.sort(key=lambda item: (-item[0], item[1]))
    chosen: list[tuple[int, int, float]] = []
    floor = max(50.0, scored[0][0] - 30) if scored else 0.0  # the best, and any close to it
    for score, at in scored:
        if chosen and score < floor:
            break
        end = min(len(text), at + width)
        if all(end <= s or at >= e for s, e, _ in chosen):
            chosen.append((at, end, round(score, 1)))
        if len(chosen) == count:
            break
    return chosen


def snippet(text: str, start: int, end: int, limit: int = 60) -> str:
    piece = " ".join(text[start:end].split())
    return piece if len(piece) <= limit else piece[: limit - 1] + "…"
