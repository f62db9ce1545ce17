"""Pages of a query's answer: LIMIT and OFFSET set in the query's own solution modifiers.

The page is cut by the engine, so a first page costs what its rows cost when
the query can stop early. The query's ORDER BY stays where it is: the
modifiers after the WHERE group are found by tokenising the query (strings,
IRIs and comments are tokens of their own, so a ``LIMIT`` inside a literal or
a comment is never touched), an existing LIMIT/OFFSET is combined with the
page (page 2 of a query that keeps its first 100 rows stays inside those 100),
and the new clause goes before a trailing ``VALUES`` block, where SPARQL wants it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kgtool.errors import QueryError
from kgtool.sparql_text import Token, query_form, tokens, where_group


@dataclass(frozen=True)
class Window:
    """Which rows of an answer to return: ``limit`` rows (None: all) after ``offset``."""

    limit: int | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 0:
            raise QueryError(f"the limit must be 0 or more, not {self.limit}")
        if self.offset < 0:
            raise QueryError(f"the offset must be 0 or more, not {self.offset}")

    @property
    def whole(self) -> bool:
        return self.limit is None and self.offset == 0


def _tail(text: str) -> tuple[int, list[Token]]:
    """Where the WHERE group ends, and the tokens after it (the solution modifiers)."""
    try:
        group = where_group(text)
    except QueryError:  # the short form CONSTRUCT WHERE { … }: its group ends the query too
        group = None
    toks = list(tokens(text))
    if group is None:
        closes = [t for t in toks if t.text == "}"]
        after = closes[-1].end if closes else (toks[-1].end if toks else 0)
    else:
        after = group[1] + 1
    return after, [t for t in toks if t.start >= after]


def paged(text: str, window: Window) -> str:
    """``text`` with the rows of ``window`` only (unchanged for the whole answer)."""
    if window.whole:
        return text
    if query_form(text) == "ASK":
        raise QueryError("an ASK query answers yes or no: it has no rows to page")
    after, tail = _tail(text)
    depth, values_at = 0, None
    old: dict[str, tuple[int, Token, Token]] = {}  # LIMIT/OFFSET -> (value, keyword, number)
    for index, token in enumerate(tail):
        if token.text in "({":
            depth += 1
        elif token.text in ")}":
            depth -= 1
        elif depth == 0 and token.is_word("VALUES") and values_at is None:
            values_at = token.start
        elif depth == 0 and token.is_word("LIMIT", "OFFSET") and values_at is None:
            number = tail[index + 1] if index + 1 < len(tail) else None
            if number is None or number.kind != "number" or not number.text.isdigit():
                raise QueryError(f"the query's {token.text.upper()} is not a whole number")
            old[token.text.upper()] = (int(number.text), token, number)
    old_limit = old["LIMIT"][0] if "LIMIT" in old else None
    old_offset = old["OFFSET"][0] if "OFFSET" in old else 0
    limit = window.limit
    if old_limit is not None:
        left = max(0, old_limit - window.offset)
        limit = left if limit is None else min(limit, left)
    clause = ("" if limit is None else f"LIMIT {limit} ") + f"OFFSET {old_offset + window.offset}"
    cut = [(_space_before(text, k.start), n.end) for _, k, n in old.values()]
    if values_at is not None:
        at, inserted = values_at, clause + " "
    else:
        kept = [t.end for t in tail if not any(a <= t.start < b for a, b in cut)]
        kept = [end for end in kept if not any(a < end <= b for a, b in cut)]
        at, inserted = (kept[-1] if kept else after), " " + clause
    out, cursor = [], 0
    for start, end in sorted([*cut, (at, at)]):
        out.append(text[cursor:start])
        if (start, end) == (at, at):
            out.append(inserted)
        cursor = max(cursor, end)
    out.append(text[cursor:])
    return "".join(out)


def _space_before(text: str, index: int) -> int:
    """The start of the white space before ``index`` (a clause is cut with it)."""
    while index > 0 and text[index - 1] in " \t":
        index -= 1
    return index
