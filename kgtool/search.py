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

INDEX_FORMAT = 1
#: queries (kgtool/sparql/*.rq) that read what the index holds: the kind of item each gives,
#: and the field of its texts when the query does not bind ?field itself
EXTRACTORS: dict[str, tuple[str, str | None]] = {
    "search-statements": ("claim", "statement"),
    "search-quotes": ("claim", "quote"),
    "search-entities": ("entity", None),
    "search-sources": ("source", None),
}
#: fields whose whole text is shown with a hit; a source's text is shown as a snippet
SNIPPET_FIELDS = {"text"}
DEFAULT_LIMIT = 20
KINDS = ("claim", "entity", "source")

Progress = Callable[[str], None]

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE graphs(graph TEXT PRIMARY KEY, digest TEXT NOT NULL);
CREATE TABLE docs(
  id INTEGER PRIMARY KEY, graph TEXT NOT NULL, item TEXT NOT NULL, kind TEXT NOT NULL,
  field TEXT NOT NULL, start INTEGER, "end" INTEGER, text TEXT NOT NULL);
CREATE INDEX docs_graph ON docs(graph);
CREATE VIRTUAL TABLE fts USING fts5(
  text, content='docs', content_rowid='id',
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
    connection = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


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
        per_item: bool = True,
    ) -> list[Hit]:
        """Indexed texts matching ``text``, best (lowest bm25) first; ties by item.

        ``per_item`` keeps each item's best text only (a claim matched by its
        statement and its quote is one hit), so a page never repeats an item.
        """
        kinds = [kind for kind in kinds if kind]
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise QueryError(
                f"unknown kind {', '.join(sorted(unknown))}", hint=f"use {', '.join(KINDS)}"
            )
        match = fts_query(text)
        where = "fts MATCH ?"
        args: list[Any] = [match]
        if kinds:
            where += f" AND d.kind IN ({', '.join('?' for _ in kinds)})"
            args.extend(kinds)
        inner = (
            "SELECT d.id AS id, d.item AS item, d.kind AS kind, fts.rank AS score "
            f"FROM fts JOIN docs d ON d.id = fts.rowid WHERE {where}"
        )
        if per_item:  # SQLite takes the bare column (id) from the row of the MIN
            inner = f"SELECT MIN(score) AS score, id, item FROM ({inner}) GROUP BY item, kind"
        sql = (
            f'SELECT d.item, d.kind, d.field, d.text, m.score, d.graph, d.start, d."end", d.id '
            f"FROM ({inner}) m JOIN docs d ON d.id = m.id "
            "ORDER BY m.score, d.item, d.id LIMIT ? OFFSET ?"
        )
        args.extend([-1 if limit is None else limit, offset])
        with self.lock:
            try:
                rows = self.connection.execute(sql, args).fetchall()
                long_texts = [row[-1] for row in rows if row[2] in SNIPPET_FIELDS]
                snippets = {doc: self._snippet(match, doc) for doc in long_texts}
            except sqlite3.OperationalError as error:
                raise QueryError(f"the search cannot run: {error}") from None
        return [
            Hit(item, kind, fld, snippets.get(doc, whole), score, graph, s, e)
            for item, kind, fld, whole, score, graph, s, e, doc in rows
        ]

    def _snippet(self, match: str, doc: int) -> str:
        """The words around the match in one long text (computed for the page's hits only)."""
        row = self.connection.execute(
            "SELECT snippet(fts, 0, '', '', '…', 24) FROM fts WHERE fts MATCH ? AND rowid = ?",
            (match, doc),
        ).fetchone()
        return row[0] if row else ""

    def digests(self) -> dict[str, str]:
        with self.lock:
            return dict(self.connection.execute("SELECT graph, digest FROM graphs"))

    def documents(self) -> int:
        with self.lock:
            return int(self.connection.execute("SELECT count(*) FROM docs").fetchone()[0])

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
        with self.lock, self.connection:
            cursor = self.connection.cursor()
            for graph in sorted(set(changed) | set(removed)):
                _drop_graph(cursor, graph)
            for graph in changed:
                _add_graph(cursor, kgstore, graph, wanted[graph])
            cursor.execute("INSERT OR REPLACE INTO meta VALUES ('digest', ?)", (_summary(wanted),))
        action = "built" if not have else "updated"
        return IndexUpdate(action, changed, removed, self.documents())

    def close(self) -> None:
        with self.lock:
            self.connection.close()


def _drop_graph(cursor: sqlite3.Cursor, graph: str) -> None:
    rows = cursor.execute("SELECT id, text FROM docs WHERE graph = ?", (graph,)).fetchall()
    cursor.executemany("INSERT INTO fts(fts, rowid, text) VALUES ('delete', ?, ?)", rows)
    cursor.execute("DELETE FROM docs WHERE graph = ?", (graph,))
    cursor.execute("DELETE FROM graphs WHERE graph = ?", (graph,))


def _add_graph(cursor: sqlite3.Cursor, kgstore: Any, graph: str, digest: str) -> None:
    for doc in _graph_documents(kgstore, graph):
        cursor.execute(
            'INSERT INTO docs(graph, item, kind, field, start, "end", text) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            doc,
        )
        cursor.execute("INSERT INTO fts(rowid, text) VALUES (?, ?)", (cursor.lastrowid, doc[-1]))
    cursor.execute("INSERT INTO graphs VALUES (?, ?)", (graph, digest))


def _graph_documents(kgstore: Any, graph: str) -> Iterator[tuple[Any, ...]]:
    """(graph, item, kind, field, start, end, text) for every indexed text of one graph."""
    import pyoxigraph as ox

    from kgtool.query import package_query

    seen: set[tuple[str, str, str]] = set()  # a label given twice (two languages) is one text
    for name, (kind, fixed) in EXTRACTORS.items():
        query = package_query(name)
        rows = kgstore.query(query.text, substitutions={ox.Variable("g"): ox.NamedNode(graph)})
        for row in rows:
            item = row["item"]
            if not isinstance(item, ox.NamedNode):
                continue  # a blank node cannot be named in a result or looked up again
            field_name = fixed or row["field"].value
            key = (item.value, field_name, row["text"].value)
            if key in seen:
                continue
            seen.add(key)
            start = end = None
            if name == "search-quotes":
                start, end = _integer(row["start"]), _integer(row["end"])
            yield (graph, item.value, kind, field_name, start, end, row["text"].value)


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


def open_index(store_path: Path | None) -> SearchIndex:
    """The index beside ``store_path`` (in memory for None), created empty when missing.

    An index of another format or a damaged file is replaced by an empty one,
    which the next update fills: the index holds nothing the graph does not.
    """
    if store_path is None:
        return _create(None)
    path = index_path(store_path)
    if path.exists():
        connection = _connect(path)
        if _valid(connection):
            return SearchIndex(connection, path)
        connection.close()
    tmp = path.with_name(f"{path.name}.new-{os.getpid()}")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        _create(tmp).close()
        for stale in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        tmp.replace(path)
    except OSError as error:
        raise StoreError(f"cannot create the search index {path}: {error}") from None
    return SearchIndex(_connect(path), path)


#: the open index of each store handle, with the digest summary it was last checked against
_OPEN: weakref.WeakKeyDictionary[Any, tuple[SearchIndex, str]] = weakref.WeakKeyDictionary()
_OPEN_LOCK = threading.Lock()


def index_for(kgstore: Any, *, progress: Progress = lambda _: None) -> SearchIndex:
    """The index of ``kgstore``, brought up to date with it first.

    The check costs one digest of the store's piece map per store handle; a
    handle's pieces do not change while it is open, except through
    :func:`update_index`, which keeps the cache right.
    """
    with _OPEN_LOCK:
        summary = _summary(store_digests(kgstore))
        cached = _OPEN.get(kgstore)
        if cached is not None and cached[1] == summary:
            return cached[0]
        index = cached[0] if cached is not None else open_index(kgstore.path)
        index.update(kgstore, progress=progress)
        _OPEN[kgstore] = (index, summary)
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
    checked = graph_labels(executor or LocalExecutor(kgstore), {hit.item for hit in found})
    hits = [
        Hit(**{**asdict(hit), "label": checked[(hit.item, hit.kind)]})
        for hit in found
        if (hit.item, hit.kind) in checked
    ]
    return SearchPage(text, hits, limit, offset, more, dropped=len(found) - len(hits))


def graph_labels(executor: Any, items: set[str]) -> dict[tuple[str, str], str]:
    """(item, kind) -> label for the items the graph has (kgtool/sparql/search-hits.rq)."""
    if not items:
        return {}
    import pyoxigraph as ox

    from kgtool.query import package_query
    from kgtool.sparql_text import where_group

    query = package_query("search-hits").text
    group = where_group(query)
    assert group is not None
    values = " ".join(str(ox.NamedNode(item)) for item in sorted(items))
    sparql = f"{query[: group[0] + 1]} VALUES ?item {{ {values} }}\n{query[group[0] + 1 :]}"
    result = executor.execute(sparql, {})
    labels: dict[tuple[str, str], str] = {}
    for item, kind, label in result.rows:
        labels.setdefault((item.value, kind.value), "" if label is None else label.value)
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
    with contextlib.suppress(QueryError):
        index = index_for(kgstore)
        hits = index.matches(f'"{phrase}"', limit=None, kinds=["claim"], per_item=False)
        found = list(dict.fromkeys(hit.item for hit in hits if hit.field == "quote"))
        if found:
            checked = graph_labels(executor, set(found))
            return [claim for claim in found if (claim, "claim") in checked] or None
    return None


def web_page(
    executor: Any, text: str, *, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> tuple[list[dict[str, Any]], bool] | None:
    """A page of hits as the web pages and ``/api/search`` show them, and whether more follow.

    None when the executor has no embedded store (a remote endpoint): the
    pages then fall back to their SPARQL search.
    """
    from kgtool.results import compact_iri

    kgstore = local_store(executor)
    if kgstore is None:
        return None
    page = search(text, kgstore, executor=executor, limit=limit, offset=offset)
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
