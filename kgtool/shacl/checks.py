"""What compiling a shape produces: checks (SPARQL text), outcomes, and their context.

A :class:`Check` holds the queries of one test in both forms (the whole
graph, and given focus nodes); :class:`Context` is what the checks of one
node or property shape share while they are written, and
:class:`Lookups` gathers the restricted tests of a shape that read its focus
nodes' own triples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kgtool.shacl.shapes import SH

if TYPE_CHECKING:
    from kgtool.shacl.compiler import Compiler


def flags(tests: dict[str, str]) -> str:
    """``BIND`` + ``FILTER`` giving ``?ks``: the keys of the tests that fail, space-separated.

    One row per value then says which constraints it breaks; a test that
    raises an error counts as passed, as it would in a FILTER of its own.
    """
    parts = ", ".join(f'COALESCE(IF({test}, "{k} ", ""), "")' for k, test in tests.items())
    concat = f"CONCAT({parts})" if len(tests) > 1 else parts
    return f'BIND ({concat} AS ?ks) FILTER (?ks != "")'


@dataclass(frozen=True)
class Targets:
    """A shape's targets as sets, to test given nodes one by one in Python.

    Used for the few candidate rows of a check and for the focus nodes of a
    restricted validation: a handful of index lookups per node instead of a
    scan of every target.
    """

    classes: frozenset[str]
    nodes: frozenset[Any]
    subjects_of: tuple[Any, ...]
    objects_of: tuple[Any, ...]


@dataclass(frozen=True)
class Outcome:
    """What one failing test of a check reports."""

    component: str
    path: str
    message: str
    severity: str


@dataclass
class Check:
    """One compiled check: a query for the whole graph and one for given focus nodes.

    ``full`` is the query of a full validation: when ``anchored`` it joins the
    shape's targets and its rows are results; otherwise its rows are candidates
    whose ``?this`` must still be a target (tested in Python, or with
    ``joined`` when there are many). ``restricted`` is a query split where a
    ``VALUES ?this`` block goes. Either may be None when the other form covers
    the check. A row's ``?ks`` lists the keys of ``outcomes`` it breaks;
    without ``?ks`` it breaks ``key``.
    """

    shape: Any
    full: str | None
    restricted: tuple[str, str] | None
    outcomes: dict[str, Outcome]
    key: str = ""
    anchored: bool = False
    joined: str | None = None
    constraint: Any = None  # the SHACL-SPARQL constraint node, for those checks


@dataclass
class ShapePlan:
    """The checks of one shape with targets, and its targets in both forms."""

    shape: Any
    pattern: str
    targets: Targets
    checks: list[Check]


@dataclass
class Lookups:
    """The restricted tests of one shape that read its focus nodes' own triples.

    A node's outgoing triples come with one index scan. Reading them once per
    shape, for every property shape whose path is a plain IRI, instead of
    once per constraint, is most of what makes restricted validation cheap:
    one query tests their values, one counts them.
    """

    predicates: set[str] = field(default_factory=set)
    value_tests: dict[str, str] = field(default_factory=dict)  # key -> test of ?_p ?value
    binds: list[str] = field(default_factory=list)  # one per count, on each triple
    aggregates: list[str] = field(default_factory=list)
    count_tests: dict[str, str] = field(default_factory=dict)  # key -> test of the counts
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    counted: dict[tuple[str, bool], str] = field(default_factory=dict)  # one count each

    def count(self, expression: str, distinct: bool = True) -> str:
        """A per-node count of the triples for which ``expression`` is bound (no error)."""
        if (expression, distinct) in self.counted:
            return self.counted[expression, distinct]
        n = len(self.aggregates)
        self.counted[expression, distinct] = f"?_c{n}"
        self.binds.append(f"BIND ({expression} AS ?_a{n})")
        self.aggregates.append(f"(COUNT({'DISTINCT ' if distinct else ''}?_a{n}) AS ?_c{n})")
        return f"?_c{n}"

    def checks(self, top: Any) -> list[Check]:
        found = []
        if self.value_tests:
            predicates = ", ".join(sorted(self.predicates))
            query = (
                "SELECT DISTINCT ?this ?value ?ks WHERE { {VALUES} ?this ?_p ?value . "
                f"FILTER (?_p IN ({predicates})) {flags(self.value_tests)} }}"
            )
            found.append(Check(top, None, split_values(query), self.outcomes))
        if self.count_tests:
            query = (
                f"SELECT ?this ?ks WHERE {{ {{ SELECT ?this {' '.join(self.aggregates)} "
                "WHERE { {VALUES} OPTIONAL { ?this ?_p ?value "
                f"{' '.join(self.binds)} }} }} GROUP BY ?this }} {flags(self.count_tests)} }}"
            )
            found.append(Check(top, None, split_values(query), self.outcomes))
        return found


@dataclass
class Context:
    """What the checks of one (node or property) shape share while compiled."""

    compiler: Compiler
    shape: Any
    top: Any
    focus: str  # the targets as a group pattern binding ?this
    path: str  # SPARQL property path, "" at node level
    path_text: str
    message: str
    severity: str
    unanchored: bool  # whether checks may scan the path from no start node
    lookups: Lookups | None  # where restricted tests go when the path is an IRI
    prefix: str  # makes the keys of outcomes unique within the top shape

    def outcome(self, component: str, message: str | None = None) -> Outcome:
        return Outcome(SH + component, self.path_text, message or self.message, self.severity)

    def key(self, n: int | str) -> str:
        return f"{self.prefix}.{n}"

    def check(
        self,
        full: str | None,
        restricted: str | None,
        outcomes: dict[str, Outcome],
        *,
        anchored: bool = False,
        joined: str | None = None,
        key: str = "",
    ) -> Check:
        """A Check; ``restricted`` is written with ``{VALUES}`` where the block goes."""
        split = split_values(restricted) if restricted is not None else None
        return Check(self.top, full, split, outcomes, key, anchored, joined)

    def positive(
        self,
        select: str,
        where: str,
        tail: str,
        outcomes: dict[str, Outcome],
        key: str = "",
        lookup: str | None = None,
    ) -> Check:
        """A check whose rows are violations of the focus nodes they name.

        ``where`` binds ?this through the path; the full query runs it from no
        start node when the path allows (rows are then candidates), else from
        the targets. ``lookup``, if given, says the same as ``where`` in a form
        that starts from ?this, for the restricted query.
        """
        restricted = f"SELECT {select} WHERE {{ {{VALUES}} {lookup or where} }} {tail}"
        if not self.unanchored:
            full = f"SELECT {select} WHERE {{ {self.focus} {lookup or where} }} {tail}"
            return self.check(full, restricted, outcomes, anchored=True, key=key)
        full = f"SELECT {select} WHERE {{ {where} }} {tail}"
        joined = (
            f"SELECT {select} WHERE {{ {self.focus} {{ SELECT {select} WHERE {{ {where} }} "
            f"{tail} }} }}"
        )
        return self.check(full, restricted, outcomes, joined=joined, key=key)


def split_values(restricted: str) -> tuple[str, str]:
    """A restricted query cut where its ``{VALUES}`` placeholder is."""
    before, after = restricted.split("{VALUES}", 1)
    return before, after
