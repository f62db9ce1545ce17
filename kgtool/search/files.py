"""The index file: where it lives, its schema, and connections that read or write it."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

#: bump when the rows or their order change: an index of another format is rebuilt
INDEX_FORMAT = 3

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE graphs(graph TEXT PRIMARY KEY, digest TEXT NOT NULL);
CREATE TABLE items(
  id INTEGER PRIMARY KEY, graph TEXT NOT NULL, item TEXT NOT NULL, kind TEXT NOT NULL,
  anchors TEXT NOT NULL, statement TEXT, quote TEXT, label TEXT, headline TEXT, text TEXT);
CREATE INDEX items_graph ON items(graph);
CREATE VIRTUAL TABLE fts USING fts5(
  statement, quote, label, headline, text, content='items', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2', prefix='2 3');
"""


def index_path(store_path: Path) -> Path:
    """Where the index of the store at ``store_path`` lives: beside it, not inside it.

    A full build replaces the store's folder; the index outlives that and is
    brought up to date by digest.
    """
    return store_path.with_name(store_path.name + "-search.sqlite")


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection that may write the index.

    A rollback journal, not WAL: reading a WAL database needs its ``-shm``
    file written, which a reader that may not write the folder cannot do.
    """
    connection = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=DELETE")
    return connection


def connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection: reading the index takes no write lock and needs no write access."""
    uri = f"{path.absolute().as_uri()}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)


def is_valid(connection: sqlite3.Connection) -> bool:
    """Whether the connection reads an index of this format."""
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return row is not None and row[0] == str(INDEX_FORMAT)


def create(path: Path | str) -> sqlite3.Connection:
    """A new, empty index at ``path`` (``":memory:"`` for one in memory)."""
    connection = connect(path)
    with connection:
        connection.executescript(SCHEMA)
        connection.execute("INSERT INTO meta VALUES ('format', ?)", (str(INDEX_FORMAT),))
    return connection


def leave_wal(path: Path) -> None:
    """Give an index kept in WAL mode (as earlier versions wrote it) a rollback journal.

    Done by whoever may write it; a reader that may not cannot read it until then.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(20)
    except OSError:
        return
    if header[18:20] != b"\x02\x02":  # the file format bytes of a WAL database
        return
    with contextlib.suppress(sqlite3.Error):
        connect(path).close()
