"""An open index: searched through a read-only connection, brought up to date by digest."""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kgtool.errors import QueryError, StoreError
from kgtool.project import GRAPH_BASE
from kgtool.search.building import add_graphs, drop_graph, store_digests, summary
from kgtool.search.files import connect, connect_reader, create, index_path, is_valid, leave_wal
from kgtool.search.model import KIND_FIELDS, KINDS, Hit, IndexNotWritable, IndexUpdate, Progress
from kgtool.search.ranking import in_order, ranked, shown
from kgtool.search.textquery import column_filter, fts_query


class SearchIndex:
    """An open FTS5 index; :func:`index_for` gives the one of a store, up to date."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        #: the connection searches read through: read-only for an index file
        self.connection = connection
        self.path = path
        self.lock = threading.Lock()  # one statement at a time on the shared connection

    # Reading ---------------------------------------------------------------
    def matches(
        self,
        text: str,
        *,
        limit: int,
        offset: int = 0,
        kinds: Iterable[str] = (),
        fields: Iterable[str] = (),
    ) -> list[Hit]:
        """Items matching ``text`` in the index's order (kgtool.search.ranking); one hit per row.

        A row holds every text of one item in one graph (a claim's statement and
        quotes), so a page does not repeat a claim or an entity; a source may
        come twice, for its headline (in the sources file) and for its text.
        ``kinds`` and ``fields`` restrict the columns searched.
        """
        match = self._match(text, kinds, fields)
        with self.lock:
            try:
                rows = ranked(self.connection, match, limit, offset)
                found = shown(self.connection, match, rows)
            except sqlite3.OperationalError as error:
                raise QueryError(f"the search cannot run: {error}") from None
        return [
            Hit(item, kind, *found[rowid][:2], score, graph, *found[rowid][2])
            for rowid, item, kind, graph, _, score in rows
        ]

    def matching(
        self, text: str, *, kinds: Iterable[str] = (), fields: Iterable[str] = ()
    ) -> list[tuple[str, str, str]]:
        """(item, kind, graph) of every match, unscored, shortest rows first."""
        match = self._match(text, kinds, fields)
        with self.lock:
            try:
                return in_order(self.connection, match)
            except sqlite3.OperationalError as error:
                raise QueryError(f"the search cannot run: {error}") from None

    @staticmethod
    def _match(text: str, kinds: Iterable[str], fields: Iterable[str]) -> str:
        kinds = [kind for kind in kinds if kind]
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise QueryError(
                f"unknown kind {', '.join(sorted(unknown))}", hint=f"use {', '.join(KINDS)}"
            )
        columns = [f for kind in kinds for f in KIND_FIELDS[kind]] + [f for f in fields if f]
        return column_filter(fts_query(text), columns)

    def digests(self) -> dict[str, str]:
        with self.lock:
            return dict(self.connection.execute("SELECT graph, digest FROM graphs"))

    def documents(self) -> int:
        with self.lock:
            return int(self.connection.execute("SELECT count(*) FROM items").fetchone()[0])

    # Writing ---------------------------------------------------------------
    def update(self, kgstore: Any, *, progress: Progress = lambda _: None) -> IndexUpdate:
        """Read again the graphs whose digest changed; drop the graphs that are gone.

        A changed ontology graph re-reads everything: which labelled nodes are
        entities depends on its class hierarchy. One transaction: a failure
        leaves the index as it was.
        """
        wanted = store_digests(kgstore)
        have = self.digests()
        changed = sorted(g for g, d in wanted.items() if have.get(g) != d)
        removed = sorted(set(have) - set(wanted))
        if not changed and not removed:
            return IndexUpdate("unchanged", documents=self.documents())
        if any(g.startswith(GRAPH_BASE + "ontology/") for g in changed + removed):
            changed, removed = sorted(wanted), sorted(have)
        progress(f"search index: reading {len(changed)} graph(s), dropping {len(removed)}")
        writer = self._writer()
        try:
            with self.lock, writer:
                cursor = writer.cursor()
                for graph in sorted(set(changed) | set(removed)):
                    drop_graph(cursor, graph)
                add_graphs(cursor, kgstore, {graph: wanted[graph] for graph in changed})
                cursor.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('digest', ?)", (summary(wanted),)
                )
        except sqlite3.OperationalError as error:  # read-only file or folder, disk full
            raise IndexNotWritable(
                f"the search index {self.path} is older than the store and cannot be "
                f"updated: {error}",
                hint="run `kgtool build` as a user who may write the project",
            ) from None
        finally:
            if writer is not self.connection:
                writer.close()
        action = "built" if not have else "updated"
        return IndexUpdate(action, changed, removed, self.documents())

    def _writer(self) -> sqlite3.Connection:
        """A connection for one update: the reading one is read-only (in memory: itself)."""
        if self.path is None:
            return self.connection
        try:
            return connect(self.path)
        except sqlite3.OperationalError as error:
            raise IndexNotWritable(
                f"the search index {self.path} cannot be written: {error}",
                hint="run `kgtool build` as a user who may write the project",
            ) from None

    def close(self) -> None:
        with self.lock:
            self.connection.close()


def _open_reader(path: Path) -> SearchIndex | None:
    """The index file opened read-only, or None when it is missing, damaged or of another format."""
    try:
        connection = connect_reader(path)
    except sqlite3.Error:
        return None
    if is_valid(connection):
        return SearchIndex(connection, path)
    connection.close()
    return None


def open_index(store_path: Path | None) -> SearchIndex:
    """The index beside ``store_path`` (in memory for None), created empty when missing.

    An index of another format or a damaged file is replaced by an empty one,
    which the next update fills: the index holds nothing the graph does not.
    """
    if store_path is None:
        return SearchIndex(create(":memory:"), None)
    path = index_path(store_path)
    if path.exists():
        leave_wal(path)
        index = _open_reader(path)
        if index is not None:
            return index
    tmp = path.with_name(f"{path.name}.new-{os.getpid()}")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        create(tmp).close()
        for stale in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        tmp.replace(path)
    except OSError as error:
        raise IndexNotWritable(
            f"cannot create the search index {path}: {error}",
            hint="run `kgtool build` as a user who may write the project",
        ) from None
    index = _open_reader(path)
    if index is None:
        raise StoreError(f"cannot read the search index {path} just written")
    return index


#: the open index of each store handle, with the digest summary it was last checked against
_OPEN: weakref.WeakKeyDictionary[Any, tuple[SearchIndex, Any, int]] = weakref.WeakKeyDictionary()
_OPEN_LOCK = threading.Lock()


def index_for(kgstore: Any, *, progress: Progress = lambda _: None) -> SearchIndex:
    """The index of ``kgstore``, brought up to date with it once per store handle.

    A handle's piece map is not changed once it is open (a refresh makes a new
    handle with a new map), so the digests are compared again only for a new
    map: comparing 52,000 graphs' digests took 70 ms at 1,000,000 claims, more
    than the search itself.
    """
    with _OPEN_LOCK:
        cached = _OPEN.get(kgstore)
        pieces = kgstore.pieces
        if cached is not None and cached[1] is pieces and cached[2] == len(pieces):
            return cached[0]
        index = cached[0] if cached is not None else open_index(kgstore.path)
        index.update(kgstore, progress=progress)
        _OPEN[kgstore] = (index, pieces, len(pieces))
        return index


def update_index(kgstore: Any, *, progress: Progress = lambda _: None) -> IndexUpdate:
    """Bring the store's index up to date (the build calls this after the store)."""
    index = open_index(kgstore.path)
    try:
        outcome = index.update(kgstore, progress=progress)
    finally:
        index.close()
    return outcome
