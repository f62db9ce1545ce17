"""The order of hits: bm25 within windows of matches taken in a static order.

bm25 ranks a query's matches only after it has scored every one of them:
about 1.2 to 2.5 µs a row, so 75 to 110 ms for a common word at 1,000,000 claims
before the first page can be cut. Here rows are stored so that rowid order
is a static order, and a query scores only the matches it shows:

- **Static order.** A row's rowid starts with its length in words (all its
  fields), so FTS5, which walks its doclists in rowid order, meets the
  shortest matching rows first. With every query word occurring once in a
  row (the usual case) that is bm25's own order: bm25 falls as a row grows.
- **Windows.** The matches, in static order, are cut into windows of
  :data:`RANK_WINDOW`; hits are ordered by window, then by bm25 within the
  window, ties in static order. A page reads the matches up to the end of its
  window(s) and scores only those windows, so a page of a common word costs
  the same as a rare one. A query with at most :data:`RANK_WINDOW` matches
  has one window: it is ranked by bm25 exactly.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping

from kgtool.search.model import FIELDS, SHOWN_FIRST

#: matches scored together by bm25; the first window of a query holds its shortest matches
RANK_WINDOW = 1000
#: the rowid is (length in words << ORDER_SHIFT) + a sequence number within that length
ORDER_SHIFT = 32
LONGEST = (1 << 30) - 1  # a longer row is ordered with rows of this length
#: marks around matched words in FTS5's highlight() output (never in RDF literals' text)
OPEN_MARK, CLOSE_MARK = "\x02", "\x03"

_WORD = re.compile(r"\w+")

Row = tuple[int, str, str, str, str, float]  # rowid, item, kind, graph, anchors, bm25


def length(texts: tuple[str | None, ...]) -> int:
    """A row's length in words, the first part of its place in the static order."""
    return min(sum(len(_WORD.findall(text)) for text in texts if text), LONGEST)


class RowIds:
    """Rowids in static order for new rows, each after the rows of its length already kept."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.cursor = cursor
        self.next: dict[int, int] = {}

    def take(self, texts: tuple[str | None, ...]) -> int:
        words = length(texts)
        rowid = self.next.get(words)
        if rowid is None:
            low = words << ORDER_SHIFT
            last = self.cursor.execute(
                "SELECT max(id) FROM items WHERE id >= ? AND id < ?",
                (low, low + (1 << ORDER_SHIFT)),
            ).fetchone()[0]
            rowid = low if last is None else last + 1
        self.next[words] = rowid + 1
        return int(rowid)


_WINDOW_SQL = "SELECT rowid, rank FROM fts WHERE fts MATCH ? ORDER BY rowid LIMIT ? OFFSET ?"


def ranked(connection: sqlite3.Connection, match: str, limit: int, offset: int) -> list[Row]:
    """Hits ``offset`` to ``offset + limit`` of ``match``: by window, then bm25, then rowid.

    Each window is one query that walks the doclist in rowid order and scores
    only its own rows (SQLite skips the offset's rows before it computes
    ``rank``); the items are read for the page's rows alone.
    """
    if limit < 1:
        return []
    first, last = offset // RANK_WINDOW, (offset + limit - 1) // RANK_WINDOW
    scored: list[tuple[float, int]] = []
    for window in range(first, last + 1):
        rows = connection.execute(_WINDOW_SQL, (match, RANK_WINDOW, window * RANK_WINDOW))
        members = sorted((score, rowid) for rowid, score in rows)
        scored.extend(members)
        if len(members) < RANK_WINDOW:
            break
    start = offset - first * RANK_WINDOW
    page = scored[start : start + limit]
    if not page:
        return []
    listed = ", ".join(str(int(rowid)) for _, rowid in page)
    items = {
        row[0]: row[1:]
        for row in connection.execute(
            f"SELECT id, item, kind, graph, anchors FROM items WHERE id IN ({listed})"
        )
    }
    return [(rowid, *items[rowid], score) for score, rowid in page if rowid in items]


def in_order(connection: sqlite3.Connection, match: str) -> list[tuple[str, str, str]]:
    """(item, kind, graph) of every match in static order, none of them scored."""
    return connection.execute(
        "SELECT i.item, i.kind, i.graph FROM fts JOIN items i ON i.id = fts.rowid "
        "WHERE fts MATCH ? ORDER BY fts.rowid",
        (match,),
    ).fetchall()


Shown = tuple[str, str, tuple[int | None, int | None]]  # field, text, quote offsets


def shown(connection: sqlite3.Connection, match: str, rows: list[Row]) -> dict[int, Shown]:
    """rowid -> which field of the row matched, its text (a snippet of a source text), offsets.

    One query for the page: the rowid range bounds FTS5's walk, and ``+rowid``
    keeps the list of the page's rows out of FTS5's plan (each value would
    start the query again), so highlights are made for the page's rows only.
    """
    if not rows:
        return {}
    marks = ", ".join(
        f"highlight(fts, {n}, '{OPEN_MARK}', '{CLOSE_MARK}')" for n in range(len(FIELDS) - 1)
    )
    snippet = f"snippet(fts, {len(FIELDS) - 1}, '{OPEN_MARK}', '{CLOSE_MARK}', '…', 24)"
    ids = sorted(row[0] for row in rows)
    listed = ", ".join(str(int(rowid)) for rowid in ids)
    found = connection.execute(
        f"SELECT rowid, {marks}, {snippet} FROM fts WHERE fts MATCH ? "
        f"AND rowid BETWEEN ? AND ? AND +rowid IN ({listed})",
        (match, ids[0], ids[-1]),
    ).fetchall()
    anchors = {row[0]: row[4] for row in rows}
    return {
        rowid: _best(dict(zip(FIELDS, values, strict=True)), anchors[rowid])
        for rowid, *values in found
    }


def _best(values: Mapping[str, str | None], anchors_json: str) -> Shown:
    """The line with the most matched words, the first of equals, in SHOWN_FIRST's order."""
    best: tuple[int, str, int, str] | None = None  # marks, field, line, text
    for name in SHOWN_FIRST:  # on equal matches a quote (with its offsets) is shown
        value = values.get(name)
        lines = (value or "").split("\n") if name != "text" else [value or ""]
        for number, text in enumerate(lines):
            count = text.count(OPEN_MARK)
            if count and (best is None or count > best[0]):
                best = (count, name, number, text)
    if best is None:
        return "", "", (None, None)
    _, name, line, text = best
    plain = text.replace(OPEN_MARK, "").replace(CLOSE_MARK, "")
    anchors = json.loads(anchors_json)
    if name == "quote" and line < len(anchors):
        start, end = anchors[line]
        return name, plain, (start, end)
    return name, plain, (None, None)
