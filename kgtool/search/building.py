"""Writing the index: graphs read again from the store, graphs dropped, in one transaction."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from kgtool.search.model import FIELDS
from kgtool.search.ranking import RowIds
from kgtool.search.reading import graph_items

_COLUMNS = ", ".join(FIELDS)
_MARKS = ", ".join("?" for _ in FIELDS)
_ITEM_COLUMNS = ", ".join(f"i.{name}" for name in FIELDS)


def store_digests(kgstore: Any) -> dict[str, str]:
    """graph IRI -> digest of its content, from the store's pieces."""
    return {graph: entry.key for graph, entry in kgstore.pieces.items()}


def summary(digests: Mapping[str, str]) -> str:
    """One digest of every graph's digest, kept in the index's meta table."""
    return hashlib.sha256(json.dumps(sorted(digests.items())).encode()).hexdigest()


def drop_graph(cursor: sqlite3.Cursor, graph: str) -> None:
    """Take every row of ``graph`` out of the index (FTS5 first: it reads the texts)."""
    rows = cursor.execute(f"SELECT id, {_COLUMNS} FROM items WHERE graph = ?", (graph,)).fetchall()
    cursor.executemany(
        f"INSERT INTO fts(fts, rowid, {_COLUMNS}) VALUES ('delete', ?, {_MARKS})", rows
    )
    cursor.execute("DELETE FROM items WHERE graph = ?", (graph,))
    cursor.execute("DELETE FROM graphs WHERE graph = ?", (graph,))


def add_graphs(cursor: sqlite3.Cursor, kgstore: Any, digests: Mapping[str, str]) -> None:
    """Index the items of the graphs of ``digests``, each row at its place in the static order.

    Rows go into FTS5 in rowid order, copied from ``items`` by SQLite: FTS5
    writes its pending terms out as a new segment whenever a rowid is lower
    than the one before, so rows in any other order would leave one small
    segment per row to merge. Only the new rowids are held in memory.
    """
    rowids = RowIds(cursor)
    cursor.execute("CREATE TEMP TABLE IF NOT EXISTS added(id INTEGER PRIMARY KEY)")
    cursor.execute("DELETE FROM added")
    for graph, item, kind, anchors, texts in graph_items(kgstore, set(digests)):
        rowid = rowids.take(texts)
        cursor.execute(
            f"INSERT INTO items(id, graph, item, kind, anchors, {_COLUMNS}) "
            f"VALUES (?, ?, ?, ?, ?, {_MARKS})",
            (rowid, graph, item, kind, json.dumps(anchors), *texts),
        )
        cursor.execute("INSERT INTO added VALUES (?)", (rowid,))
    cursor.execute(
        f"INSERT INTO fts(rowid, {_COLUMNS}) SELECT i.id, {_ITEM_COLUMNS} "
        "FROM added a JOIN items i ON i.id = a.id ORDER BY a.id"
    )
    cursor.execute("DELETE FROM added")
    cursor.executemany("INSERT INTO graphs VALUES (?, ?)", sorted(digests.items()))
