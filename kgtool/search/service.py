"""Searches as the commands and pages ask for them, each page of hits checked on the graph."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from kgtool.errors import QueryError
from kgtool.search.index import index_for
from kgtool.search.model import DEFAULT_LIMIT, Hit, IndexNotWritable, SearchPage

#: the query that checks hits of each kind against the graph
HIT_QUERIES = {
    "claim": "search-hit-claims",
    "entity": "search-hit-entities",
    "source": "search-hit-sources",
}


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
    a substring, which also finds a fragment of a word. Every match is wanted
    (the caller sorts them), so none is scored.
    """
    kgstore = local_store(executor)
    if kgstore is None:
        return None
    phrase = " ".join(re.findall(r"\w+", text))
    if not phrase:
        return None
    with contextlib.suppress(QueryError, IndexNotWritable):
        index = index_for(kgstore)
        matches = index.matching(f'"{phrase}"', fields=["quote"])
        found = list(dict.fromkeys(item for item, _, _ in matches))
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
