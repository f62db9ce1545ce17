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

    Rows go into FTS5 in rowid order: FTS5 writes its pending terms out as a
    new segment whenever a rowid is lower than the one before, so rows in any
    other order would leave one small segment per row to merge.
    """
    rowids = RowIds(cursor)
    rows = sorted(
        (rowids.take(texts), graph, item, kind, json.dumps(anchors), *texts)
        for graph, item, kind, anchors, texts in graph_items(kgstore, set(digests))
    )
    cursor.executemany(
        f"INSERT INTO items(id, graph, item, kind, anchors, {_COLUMNS}) "
        f"VALUES (?, ?, ?, ?, ?, {_MARKS})",
        rows,
    )
    cursor.executemany(
        f"INSERT INTO fts(rowid, {_COLUMNS}) VALUES (?, {_MARKS})",
        ((row[0], *row[5:]) for row in rows),
    )
    cursor.executemany("INSERT INTO graphs VALUES (?, ?)", sorted(digests.items()))
