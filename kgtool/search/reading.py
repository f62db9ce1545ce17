"""Reading the texts to index from the store: one row of texts per item and graph."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kgtool.search.model import FIELDS

#: queries (kgtool/sparql/*.rq) that read what the index holds: the kind of item each gives,
#: and the field of its texts when the query does not bind ?field itself
EXTRACTORS: dict[str, tuple[str, str | None]] = {
    "search-statements": ("claim", "statement"),
    "search-quotes": ("claim", "quote"),
    "search-entities": ("entity", None),
    "search-sources": ("source", None),
}
#: above this many changed graphs, each query reads every graph once instead of one at a time
BULK_GRAPHS = 20

Item = tuple[str, str, str, list[list[int | None]], tuple[str | None, ...]]


def graph_items(kgstore: Any, graphs: set[str]) -> Iterator[Item]:
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
