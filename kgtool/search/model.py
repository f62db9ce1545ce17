"""What the index holds and what a search answers: its fields, kinds, hits and pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from kgtool.errors import StoreError

#: the index's columns: one row per item and graph, one column per field of its texts
FIELDS = ("statement", "quote", "label", "headline", "text")
#: on equal matches, the field shown first (a quote, with its offsets)
SHOWN_FIRST = ("quote", "statement", "label", "headline", "text")
KIND_FIELDS = {
    "claim": ("statement", "quote"),
    "entity": ("label",),
    "source": ("headline", "text"),
}
KINDS = tuple(KIND_FIELDS)
DEFAULT_LIMIT = 20

Progress = Callable[[str], None]


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


class IndexNotWritable(StoreError):
    """The index is older than the store, and this process may not write it."""
