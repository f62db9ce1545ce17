"""Full-text search of claims' statements and quotes, entities' labels and source texts.

A SPARQL ``CONTAINS`` filter reads every quote of the graph for each search
(seconds at 100,000 claims). This package keeps an SQLite FTS5 index beside
the store instead, and answers from it in milliseconds, ranked (bm25 within
windows of matches taken shortest first: :mod:`kgtool.search.ranking`), with
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

Modules: ``textquery`` (the search box's language), ``model`` (hits, pages),
``files`` (the index file), ``reading`` (texts from the store), ``building``
(writing rows), ``ranking`` (the order of hits), ``index`` (an open index),
``service`` (searches as commands and pages ask for them).
"""

from __future__ import annotations

from kgtool.search.files import index_path
from kgtool.search.index import SearchIndex, index_for, open_index, update_index
from kgtool.search.model import (
    DEFAULT_LIMIT,
    Hit,
    IndexNotWritable,
    IndexUpdate,
    SearchPage,
)
from kgtool.search.service import claims_quoting, graph_labels, local_store, search, web_page
from kgtool.search.textquery import fts_query

__all__ = [
    "DEFAULT_LIMIT",
    "Hit",
    "IndexNotWritable",
    "IndexUpdate",
    "SearchIndex",
    "SearchPage",
    "claims_quoting",
    "fts_query",
    "graph_labels",
    "index_for",
    "index_path",
    "local_store",
    "open_index",
    "search",
    "update_index",
    "web_page",
]
