"""Full-text search of claims' statements and quotes, entities' labels and source texts.

A SPARQL ``CONTAINS`` filter reads every quote of the graph for each search
(seconds at 100,000 claims). This module keeps an SQLite FTS5 index beside the
store instead, and answers from it in milliseconds, ranked by bm25, with
phrase (``"only country"``) and prefix (``sanction*``) queries.

The index is read from the store, one named graph at a time, and records the
piece digest of each graph it read: an update re-reads only the graphs whose
digest changed and drops those that are gone, so it follows the store after a
one-file edit at the cost of that file. Every page of hits is checked against
the graph before it is returned (an item the graph no longer has is left
out), and labels are the graph's, so what a search shows comes from the graph.

Reading never writes: a search opens the index read-only, so a process that
may only read the project (another user, a read-only mount) searches it as
well. Only an index older than the store is written, by whoever can.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kgtool.errors import QueryError, StoreError
from kgtool.project import GRAPH_BASE

INDEX_FORMAT = 2
#: queries (kgtool/sparql/*.rq) that read what the index holds: the kind of item each gives,
#: and the field of its texts when the query does not bind ?field itself
EXTRACTORS: dict[str, tuple[str, str | None]] = {
    "search-statements": ("claim", "statement"),
    "search-quotes": ("claim", "quote"),
    "search-entities": ("entity", None),
    "search-sources": ("source", None),
}
#: the index's columns: one row per item and graph, one column per field of its texts
FIELDS = ("statement", "quote", "label", "headline", "text")
SHOWN_FIRST = ("quote", "statement", "label", "headline", "text")
KIND_FIELDS = {
    "claim": ("statement", "quote"),
    "entity": ("label",),
    "source": ("headline", "text"),
}
KINDS = tuple(KIND_FIELDS)
DEFAULT_LIMIT = 20
#: the query that checks hits of each kind against the graph
HIT_QUERIES = {
    "claim": "search-hit-claims",
    "entity": "search-hit-entities",
    "source": "search-hit-sources",
}
#: marks around matched words in FTS5's highlight() output (never in RDF literals' text)
_OPEN_MARK, _CLOSE_MARK = "\x02", "\x03"

Progress = Callable[[str], None]

_SCHEMA = """
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


@dataclass(frozen=True)
class Hit:
    """One indexed text that matches: a claim's statement or quote, a label, a source text."""

    item: str
    kind: str  # claim, entity or source
    field: str  # statement, quote, label, headline or text
    text: str  # the matched text (a snippet of it for a source text)
    score: float  # bm25: lower is better
    graph: str
    start: int | None = None
    end: int | None = None
    label: str = ""  # the item's label, read from the graph

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchPage:
    """One page of hits, best first, and whether another page follows."""

    query: str
    hits: list[Hit]
    limit: int
    offset: int
    more: bool
    dropped: int = 0  # hits the index had that the graph no longer has

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": self.query,
            "limit": self.limit,
            "offset": self.offset,
            "more": self.more,
            "results": [hit.to_dict() for hit in self.hits],
        }


@dataclass
class IndexUpdate:
    """What an update of the index did."""

    action: str  # "built", "updated" or "unchanged"
    graphs: list[str] = field(default_factory=list)  # graphs read again
    removed: list[str] = field(default_factory=list)  # graphs dropped
    documents: int = 0  # texts in the index afterwards


# The query language ------------------------------------------------------------
_PART = re.compile(r'"([^"]*)"?|(\S+)')


def fts_query(text: str) -> str:
    """The user's text as an FTS5 query: every word or phrase must occur.

    ``"..."`` is a phrase, a word ending in ``*`` a prefix; anything else is a
    word. Each part is quoted for FTS5, so punctuation and FTS5's own operators
    in the text are searched as words, never parsed as syntax.
    """
    parts = []
    for match in _PART.finditer(text):
        phrase, word = match[1], match[2]
        if phrase is not None:
            if re.search(r"\w", phrase):
                parts.append(f'"{phrase}"')
            continue
        prefix = word.endswith("*")
        word = word.rstrip("*").replace('"', " ")
        if re.search(r"\w", word):
            parts.append(f'"{word}"' + ("*" if prefix else ""))
    if not parts:
        raise QueryError(
            f"nothing to search for in {text!r}",
            hint='give words, a "phrase in double quotes" or a prefix such as sanction*',
        )
    return " ".join(parts)


# The index file ----------------------------------------------------------------
def index_path(store_path: Path) -> Path:
    """Where the index of the store at ``store_path`` lives: beside it, not inside it.

    A full build replaces the store's folder; the index outlives that and is
    brought up to date by digest.
    """
    return store_path.with_name(store_path.name + "-search.sqlite")


def _connect(path: Path | str) -> sqlite3.Connection:
    """A connection that may write the index.

    A rollback journal, not WAL: reading a WAL database needs its ``-shm``
    file written, which a reader that may not write the folder cannot do.
    """
    connection = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=DELETE")
    return connection


def _connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection: reading the index takes no write lock and needs no write access."""
    uri = f"{path.absolute().as_uri()}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)


def _valid(connection: sqlite3.Connection) -> bool:
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return row is not None and row[0] == str(INDEX_FORMAT)


def store_digests(kgstore: Any) -> dict[str, str]:
    """graph IRI -> digest of its content, from the store's pieces."""
    return {graph: entry.key for graph, entry in kgstore.pieces.items()}


def _summary(digests: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(digests.items())).encode()).hexdigest()


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
        limit: int | None,
        offset: int = 0,
        kinds: Iterable[str] = (),
        fields: Iterable[str] = (),
    ) -> list[Hit]:
        """Items matching ``text``, best (lowest bm25) first, ties by item; one hit per row.

        A row holds every text of one item in one graph (a claim's statement and
        quotes), so a page does not repeat a claim or an entity; a source may
        come twice, for its headline (in the sources file) and for its text.
        ``kinds`` and ``fields`` restrict the columns searched.
        """
        kinds = [kind for kind in kinds if kind]
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise QueryError(
                f"unknown kind {', '.join(sorted(unknown))}", hint=f"use {', '.join(KINDS)}"
            )
        columns = [f for kind in kinds for f in KIND_FIELDS[kind]] + [f for f in fields if f]
        match = fts_query(text)
        if columns:
            match = "{" + " ".join(dict.fromkeys(columns)) + "} : (" + match + ")"
        sql = (
            "SELECT i.id, i.item, i.kind, i.graph, i.anchors, fts.rank "
            "FROM fts JOIN items i ON i.id = fts.rowid WHERE fts MATCH ? "
            "ORDER BY fts.rank, i.item LIMIT ? OFFSET ?"
        )
        with self.lock:
            try:
                rows = self.connection.execute(
                    sql, (match, -1 if limit is None else limit, offset)
                ).fetchall()
                if limit is None:  # every match (claims_quoting): no texts to show
                    return [
                        Hit(item, kind, "", "", score, graph)
                        for _, item, kind, graph, _, score in rows
                    ]
                shown = {row[0]: self._matched(match, row[0], json.loads(row[4])) for row in rows}
            except sqlite3.OperationalError as error:
                raise QueryError(f"the search cannot run: {error}") from None
        return [
            Hit(item, kind, *shown[row_id][:2], score, graph, *shown[row_id][2])
            for row_id, item, kind, graph, _, score in rows
        ]

    def _matched(
        self, match: str, row_id: int, anchors: list[list[int | None]]
    ) -> tuple[str, str, tuple[int | None, int | None]]:
        """Which field of one row matched, its text (a snippet for a source text), its offsets."""
        marks = ", ".join(
            f"highlight(fts, {n}, '{_OPEN_MARK}', '{_CLOSE_MARK}')" for n in range(len(FIELDS) - 1)
        )
        snippet = f"snippet(fts, {len(FIELDS) - 1}, '{_OPEN_MARK}', '{_CLOSE_MARK}', '…', 24)"
        row = self.connection.execute(
            f"SELECT {marks}, {snippet} FROM fts WHERE fts MATCH ? AND rowid = ?", (match, row_id)
        ).fetchone()
        best: tuple[int, str, int, str] | None = None  # marks, field, line, text
        values = dict(zip(FIELDS, row or (), strict=False))
        for name in SHOWN_FIRST:  # on equal matches a quote (with its offsets) is shown
            value = values.get(name)
            lines = (value or "").split("\n") if name != "text" else [value or ""]
            for number, text in enumerate(lines):
                count = text.count(_OPEN_MARK)
                if count and (best is None or count > best[0]):
                    best = (count, name, number, text)
        if best is not None:  # the line with the most matched words, the first of equals
            _, name, line, text = best
            plain = text.replace(_OPEN_MARK, "").replace(_CLOSE_MARK, "")
            span = tuple(anchors[line]) if name == "quote" and line < len(anchors) else None
            return name, plain, (span or (None, None))  # type: ignore[return-value]
        return "", "", (None, None)

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
                    _drop_graph(cursor, graph)
                _add_graphs(cursor, kgstore, {graph: wanted[graph] for graph in changed})
                cursor.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('digest', ?)", (_summary(wanted),)
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
            return _connect(self.path)
        except sqlite3.OperationalError as error:
            raise IndexNotWritable(
                f"the search index {self.path} cannot be written: {error}",
                hint="run `kgtool build` as a user who may write the project",
            ) from None

    def close(self) -> None:
        with self.lock:
            self.connection.close()


class IndexNotWritable(StoreError):
    """The index is older than the store, and this process may not write it."""


def _drop_graph(cursor: sqlite3.Cursor, graph: str) -> None:
    columns = ", ".join(FIELDS)
    rows = cursor.execute(f"SELECT id, {columns} FROM items WHERE graph = ?", (graph,)).fetchall()
    marks = ", ".join("?" for _ in FIELDS)
    cursor.executemany(
        f"INSERT INTO fts(fts, rowid, {columns}) VALUES ('delete', ?, {marks})", rows
    )
    cursor.execute("DELETE FROM items WHERE graph = ?", (graph,))
    cursor.execute("DELETE FROM graphs WHERE graph = ?", (graph,))


#: above this many changed graphs, each query reads every graph once instead of one at a time
BULK_GRAPHS = 20


def _add_graphs(cursor: sqlite3.Cursor, kgstore: Any, digests: Mapping[str, str]) -> None:
    columns = ", ".join(FIELDS)
    marks = ", ".join("?" for _ in FIELDS)
    for graph, item, kind, anchors, texts in _graph_items(kgstore, set(digests)):
        cursor.execute(
            f"INSERT INTO items(graph, item, kind, anchors, {columns}) "
            f"VALUES (?, ?, ?, ?, {marks})",
            (graph, item, kind, json.dumps(anchors), *texts),
        )
        cursor.execute(
            f"INSERT INTO fts(rowid, {columns}) VALUES (?, {marks})", (cursor.lastrowid, *texts)
        )
    cursor.executemany("INSERT INTO graphs VALUES (?, ?)", sorted(digests.items()))


def _graph_items(
    kgstore: Any, graphs: set[str]
) -> Iterator[tuple[str, str, str, list[list[int | None]], tuple[str | None, ...]]]:
    """(graph, item, kind, quote offsets, one text per field) for the items of ``graphs``.

    A field with several texts (two labels, two quotes) holds them one a line;
    the quotes' offsets are listed in the same order. A few graphs are read one
    by one (?g bound); many (a first build) by one pass of each query over all.
    """
    import pyoxigraph as ox

    from kgtool.query import package_query

    found: dict[tuple[str, str], tuple[str, dict[str, list[str]], list[list[int | None]]]] = {}
    bound: list[dict[Any, Any] | None] = [
        {ox.Variable("g"): ox.NamedNode(g)} for g in sorted(graphs)
    ]
    passes = bound if len(graphs) <= BULK_GRAPHS else [None]
    for name, (kind, fixed) in EXTRACTORS.items():
        query = package_query(name)
        for substitutions in passes:
            for row in kgstore.query(query.text, substitutions=substitutions):
                item, graph = row["item"], row["g"].value
                if not isinstance(item, ox.NamedNode) or graph not in graphs:
                    continue  # a blank node cannot be named in a result or looked up again
                _, texts, anchors = found.setdefault((graph, item.value), (kind, {}, []))
                field_name = fixed or row["field"].value
                text = row["text"].value
                if field_name != "text":
                    text = " ".join(text.split("\n"))  # one text a line in its field
                values = texts.setdefault(field_name, [])
                if text in values and field_name != "quote":
                    continue  # a label given twice (two languages) is one text
                values.append(text)
                if field_name == "quote":
                    anchors.append([_integer(row["start"]), _integer(row["end"])])
    for (graph, item), (kind, texts, anchors) in sorted(found.items()):
        fields = tuple("\n".join(texts[f]) if f in texts else None for f in FIELDS)
        yield graph, item, kind, anchors, fields


def _integer(term: Any) -> int | None:
    try:
        return int(term.value) if term is not None else None
    except ValueError:
        return None


def _create(path: Path | None) -> SearchIndex:
    connection = _connect(path if path is not None else ":memory:")
    with connection:
        connection.executescript(_SCHEMA)
        connection.execute("INSERT INTO meta VALUES ('format', ?)", (str(INDEX_FORMAT),))
    return SearchIndex(connection, path)


def _leave_wal(path: Path) -> None:
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
        _connect(path).close()


def _open_reader(path: Path) -> SearchIndex | None:
    """The index file opened read-only, or None when it is missing, damaged or of another format."""
    try:
        connection = _connect_reader(path)
    except sqlite3.Error:
        return None
    if _valid(connection):
        return SearchIndex(connection, path)
    connection.close()
    return None


def open_index(store_path: Path | None) -> SearchIndex:
    """The index beside ``store_path`` (in memory for None), created empty when missing.

    An index of another format or a damaged file is replaced by an empty one,
    which the next update fills: the index holds nothing the graph does not.
    """
    if store_path is None:
        return _create(None)
    path = index_path(store_path)
    if path.exists():
        _leave_wal(path)
        index = _open_reader(path)
        if index is not None:
            return index
    tmp = path.with_name(f"{path.name}.new-{os.getpid()}")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        _create(tmp).close()
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


# Searching -----------------------------------------------------------------------
def local_store(executor: Any) -> Any:
    """The embedded store behind an executor (also one the server guards), or None."""
    for candidate in (executor, getattr(executor, "inner", None)):
        kgstore = getattr(candidate, "kgstore", None)
        if kgstore is not None and hasattr(kgstore, "pieces"):
            return kgstore
    return None


def search(
    text: str,
    kgstore: Any,
    *,
    executor: Any = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    kinds: Iterable[str] = (),
) -> SearchPage:
    """One page of hits for ``text``, best first, each checked against the graph.

    ``executor`` runs the check (default: the store itself); a hit whose item
    the graph no longer has is left out and counted in ``dropped``.
    """
    if limit < 1 or offset < 0:
        raise QueryError("the limit must be at least 1 and the offset at least 0")
    from kgtool.query import LocalExecutor

    index = index_for(kgstore)
    found = index.matches(text, limit=limit + 1, offset=offset, kinds=kinds)
    more, found = len(found) > limit, found[:limit]
    checked = graph_labels(executor or LocalExecutor(kgstore), {(h.item, h.kind) for h in found})
    hits = [
        Hit(**{**asdict(hit), "label": checked[(hit.item, hit.kind)]})
        for hit in found
        if (hit.item, hit.kind) in checked
    ]
    return SearchPage(text, hits, limit, offset, more, dropped=len(found) - len(hits))


def graph_labels(executor: Any, found: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(item, kind) -> label for the found items the graph has (kgtool/sparql/search-hit-*.rq)."""
    import pyoxigraph as ox

    from kgtool.query import package_query
    from kgtool.sparql_text import where_group

    by_kind: dict[str, set[str]] = {}
    for item, kind in found:
        by_kind.setdefault(kind, set()).add(item)
    labels: dict[tuple[str, str], str] = {}
    for kind, items in sorted(by_kind.items()):
        query = package_query(HIT_QUERIES[kind]).text
        group = where_group(query)
        assert group is not None
        values = " ".join(str(ox.NamedNode(item)) for item in sorted(items))
        sparql = f"{query[: group[0] + 1]} VALUES ?item {{ {values} }}\n{query[group[0] + 1 :]}"
        for item, label in executor.execute(sparql, {}).rows:
            key = (item.value, kind)
            if not labels.get(key):
                labels[key] = "" if label is None else label.value
    return labels


def claims_quoting(executor: Any, text: str) -> list[str] | None:
    """Claims whose quote has the words of ``text`` in that order (``kgtool why "…"``).

    None when the executor has no embedded store (a remote endpoint), or when
    the index finds nothing: the caller then scans the quotes for the text as
    a substring, which also finds a fragment of a word.
    """
    kgstore = local_store(executor)
    if kgstore is None:
        return None
    phrase = " ".join(re.findall(r"\w+", text))
    if not phrase:
        return None
    with contextlib.suppress(QueryError, IndexNotWritable):
        index = index_for(kgstore)
        hits = index.matches(f'"{phrase}"', limit=None, fields=["quote"])
        found = list(dict.fromkeys(hit.item for hit in hits))
        if found:
            checked = graph_labels(executor, {(claim, "claim") for claim in found})
            return [claim for claim in found if (claim, "claim") in checked] or None
    return None


def web_page(
    executor: Any, text: str, *, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> tuple[list[dict[str, Any]], bool] | None:
    """A page of hits as the web pages and ``/api/search`` show them, and whether more follow.

    None when the executor has no embedded store (a remote endpoint), or its
    index is behind the store and may not be written here: the pages then fall
    back to their SPARQL search.
    """
    from kgtool.results import compact_iri

    kgstore = local_store(executor)
    if kgstore is None:
        return None
    try:
        page = search(text, kgstore, executor=executor, limit=limit, offset=offset)
    except IndexNotWritable:  # an index behind the store that this server may not update
        return None
    hits = [
        {
            "iri": hit.item,
            "id": compact_iri(hit.item),
            "kind": hit.kind,
            "label": hit.label,
            "field": hit.field,
            "matched": [hit.text] if hit.text != hit.label else [],
            "start": hit.start,
            "end": hit.end,
            "score": round(hit.score, 4),
        }
        for hit in page.hits
    ]
    return hits, page.more
