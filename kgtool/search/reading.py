"""Reading the texts to index from the store: one row of texts per item and graph.

Claims' statements and quotes, nearly all of the index, are read from the
graphs' export pieces (the sorted N-Quads the store was loaded from, kept in
its piece cache): the lines of the few predicates they need are found with
``bytes.find``, parsed by pyoxigraph and joined here. A SPARQL join of quote,
selector, anchor and claim cost about 50 µs a quote (12 to 19 s at 100,000
claims on a busy machine); this costs about a quarter of that. A graph
without a piece (a store in memory, a pruned cache) is read by the SPARQL
queries ``search-statements`` and ``search-quotes``, which give the same rows
(a test compares them). Entities' labels need the ontology's class hierarchy
and sources are few: both are always read by SPARQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from kgtool.project import NAMESPACES
from kgtool.search.model import FIELDS

#: queries (kgtool/sparql/*.rq) that read what the index holds: the kind of item each gives,
#: and the field of its texts when the query does not bind ?field itself
EXTRACTORS: dict[str, tuple[str, str | None]] = {
    "search-statements": ("claim", "statement"),
    "search-quotes": ("claim", "quote"),
    "search-entities": ("entity", None),
    "search-sources": ("source", None),
}
#: the extractors a graph's export piece replaces
FROM_PIECES = ("search-statements", "search-quotes")
#: above this many graphs, each query reads every graph once instead of one at a time
BULK_GRAPHS = 20

_RDF_TYPE = NAMESPACES["rdf"] + "type"
_CLAIM = NAMESPACES["kg"] + "Claim"
_LABEL = NAMESPACES["rdfs"] + "label"
_HAS_ANCHOR = NAMESPACES["kg"] + "hasAnchor"
_HAS_SELECTOR = NAMESPACES["oa"] + "hasSelector"
_EXACT = NAMESPACES["oa"] + "exact"
_START = NAMESPACES["oa"] + "start"
_END = NAMESPACES["oa"] + "end"
#: what the lines a claim's texts need hold: a quad whose line holds none of these is not read
_MARKERS = [
    f" <{iri}> ".encode() for iri in (_LABEL, _HAS_ANCHOR, _HAS_SELECTOR, _EXACT, _START, _END)
] + [f" <{_RDF_TYPE}> <{_CLAIM}> ".encode()]
_CLAIM_MARK = _MARKERS[-1]

Item = tuple[str, str, str, list[list[int | None]], tuple[str | None, ...]]
Offsets = tuple[int | None, int | None]


class _Found:
    """The texts read so far, by (graph, item)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[str, dict[str, list[str]], list[Offsets]]] = {}

    def add(
        self, graph: str, item: str, kind: str, field_name: str, text: str, span: Offsets
    ) -> None:
        _, texts, anchors = self.items.setdefault((graph, item), (kind, {}, []))
        if field_name != "text":
            text = " ".join(text.split("\n"))  # one text a line in its field
        values = texts.setdefault(field_name, [])
        if text in values and field_name != "quote":
            return  # a label given twice (two languages) is one text
        values.append(text)
        if field_name == "quote":
            anchors.append(span)

    def rows(self) -> Iterator[Item]:
        for (graph, item), (kind, texts, anchors) in sorted(self.items.items()):
            if "quote" in texts:  # quotes in offset order, whichever way they were read
                pairs = sorted(zip(anchors, texts["quote"], strict=True), key=_quote_order)
                texts["quote"] = [text for _, text in pairs]
                anchors = [span for span, _ in pairs]
            fields = tuple("\n".join(texts[f]) if f in texts else None for f in FIELDS)
            yield graph, item, kind, [list(span) for span in anchors], fields


def _quote_order(pair: tuple[Offsets, str]) -> tuple[int, int, int, int, str]:
    (start, end), text = pair
    return (start is None, start or 0, end is None, end or 0, text)


def graph_items(kgstore: Any, graphs: set[str], *, pieces: bool = True) -> Iterator[Item]:
    """(graph, item, kind, quote offsets, one text per field) for the items of ``graphs``.

    A field with several texts (two labels, two quotes) holds them one a line;
    the quotes' offsets are listed in the same order. ``pieces=False`` reads
    every text by SPARQL (the equivalence test compares both ways).
    """
    found = _Found()
    read = _claims_from_pieces(kgstore, graphs, found) if pieces else set()
    for name, (kind, fixed) in EXTRACTORS.items():
        wanted = graphs - read if name in FROM_PIECES else graphs
        if wanted:
            _read_by_query(kgstore, name, kind, fixed, wanted, found)
    yield from found.rows()


def _read_by_query(
    kgstore: Any, name: str, kind: str, fixed: str | None, graphs: set[str], found: _Found
) -> None:
    """One extractor's rows for ``graphs``: a graph at a time (?g bound) or, for many, one pass."""
    import pyoxigraph as ox

    from kgtool.query import package_query

    query = package_query(name)
    passes: list[dict[Any, Any] | None] = [
        {ox.Variable("g"): ox.NamedNode(g)} for g in sorted(graphs)
    ]
    if len(graphs) > BULK_GRAPHS:
        passes = [None]
    for substitutions in passes:
        for row in kgstore.query(query.text, substitutions=substitutions):
            item, graph = row["item"], row["g"].value
            if not isinstance(item, ox.NamedNode) or graph not in graphs:
                continue  # a blank node cannot be named in a result or looked up again
            field_name = fixed or row["field"].value
            span = (_integer(row["start"]), _integer(row["end"])) if fixed == "quote" else None
            found.add(graph, item.value, kind, field_name, row["text"].value, span or (None, None))


def _claims_from_pieces(kgstore: Any, graphs: Iterable[str], found: _Found) -> set[str]:
    """Read the claims' statements and quotes of the graphs that have a piece; those graphs."""
    cache = kgstore.piece_cache
    if cache is None:
        return set()
    read = set()
    for graph in sorted(graphs):
        entry = kgstore.pieces.get(graph)
        if entry is None:
            continue
        try:
            data = cache.nquads_path(entry.key).read_bytes()
        except OSError:
            continue  # pruned or unreadable: SPARQL reads this graph
        read.add(graph)
        if _CLAIM_MARK in data:
            _claims_of_piece(graph, data, found)
    return read


def _lines_with_markers(data: bytes) -> list[bytes]:
    """The lines of ``data`` that hold a marker, each once (C-speed ``find``, no split)."""
    lines: dict[bytes, None] = {}
    for marker in _MARKERS:
        at = data.find(marker)
        while at >= 0:
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at)
            end = len(data) if end < 0 else end
            lines[data[start:end]] = None
            at = data.find(marker, end)
    return list(lines)


def _claims_of_piece(graph: str, data: bytes, found: _Found) -> None:
    """The statements and quotes of one piece, joined as search-statements/-quotes.rq join them.

    Every parsed quad is checked for its predicate: a line found through a
    marker inside a literal is harmless.
    """
    import pyoxigraph as ox

    claims: set[str] = set()
    labels: dict[str, list[str]] = {}
    anchors: dict[str, list[Any]] = {}
    selectors: dict[Any, list[Any]] = {}
    exact: dict[Any, list[str]] = {}
    starts: dict[Any, set[int | None]] = {}
    ends: dict[Any, set[int | None]] = {}
    text = b"\n".join(_lines_with_markers(data))
    for quad in ox.parse(text, format=ox.RdfFormat.N_QUADS):
        subject, predicate, value = quad.subject, quad.predicate.value, quad.object
        if predicate == _RDF_TYPE:
            if value == ox.NamedNode(_CLAIM) and isinstance(subject, ox.NamedNode):
                claims.add(subject.value)
        elif predicate == _LABEL and isinstance(value, ox.Literal):
            labels.setdefault(subject.value, []).append(value.value)
        elif predicate == _HAS_ANCHOR and isinstance(subject, ox.NamedNode):
            anchors.setdefault(subject.value, []).append(value)
        elif predicate == _HAS_SELECTOR:
            selectors.setdefault(subject, []).append(value)
        elif predicate == _EXACT and isinstance(value, ox.Literal):
            exact.setdefault(subject, []).append(value.value)
        elif predicate == _START:
            starts.setdefault(subject, set()).add(_integer(value))
        elif predicate == _END:
            ends.setdefault(subject, set()).add(_integer(value))
    for claim in sorted(claims):
        for label in labels.get(claim, ()):
            found.add(graph, claim, "claim", "statement", label, (None, None))
        for anchor in anchors.get(claim, ()):
            chosen = selectors.get(anchor, [])
            spans: list[Offsets] = sorted(
                {(s, e) for p in chosen for s in starts.get(p, ()) for e in ends.get(p, ())},
                key=lambda span: _quote_order((span, "")),
            ) or [(None, None)]
            for selector in chosen:
                for quote in exact.get(selector, ()):
                    for span in spans:
                        found.add(graph, claim, "claim", "quote", quote, span)


def _integer(term: Any) -> int | None:
    try:
        return int(term.value) if term is not None else None
    except ValueError:
        return None
