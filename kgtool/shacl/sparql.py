"""SHACL-SPARQL constraints: their query, pre-bound for given focus nodes, and
restated for hash joins over the whole graph."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kgtool.errors import UnsupportedShape
from kgtool.shacl.checks import Check, Context, Outcome
from kgtool.shacl.shapes import RDF, SH, Shapes


def _prefix_header(sh: Shapes, constraint: Any) -> str:
    lines = []
    for ontology in sh.values(constraint, "prefixes"):
        for declaration in sh.values(ontology, "declare"):
            prefix, namespace = sh.one(declaration, "prefix"), sh.one(declaration, "namespace")
            lines.append(f"PREFIX {prefix.value}: <{namespace.value}>")
    return "\n".join(sorted(set(lines))) + "\n"


def _split_select(text: str, constraint: Any) -> tuple[str, str, int, int]:
    """(prologue, select query, offsets of the ``{`` and ``}`` of its WHERE group).

    The prologue (PREFIX / BASE lines) must move to the top when the query
    becomes a sub-select; the WHERE group is where pre-bound focus nodes go.
    """
    from kgtool.sparql_text import tokens, where_group

    toks = list(tokens(text))
    start = next((t.start for t in toks if t.is_word("SELECT")), None)
    if start is None or any(t.is_word("CONSTRUCT", "ASK", "DESCRIBE") for t in toks):
        raise UnsupportedShape(f"the sh:select of {constraint} is not a SELECT query")
    body = text[start:]
    group = where_group(body)
    if group is None:
        raise UnsupportedShape(f"the sh:select of {constraint} has no WHERE group")
    projection = []
    for token in tokens(body):
        if token.text == "{" or token.is_word("WHERE", "FROM"):
            break
        projection.append(token)
    if not any(t.text in ("*", "?this", "$this") for t in projection):
        raise UnsupportedShape(f"the SHACL-SPARQL constraint {constraint} does not select $this")
    return text[:start], body, group[0], group[1]


def sparql_constraint(ctx: Context, constraint: Any) -> Check:
    """A SHACL-SPARQL constraint: its query, with $this pre-bound when restricted.

    Its rows name their focus node, so it runs once on the whole graph and
    the rows of nodes outside the shape's targets are dropped.
    """
    from kgtool.sparql_text import tokens

    sh = ctx.compiler.shapes
    select = sh.one(constraint, "select")
    if select is None:
        raise UnsupportedShape(f"the SHACL-SPARQL constraint {constraint} has no sh:select")
    text = select.value
    for variable in ("currentShape", "shapesGraph"):
        if re.search(r"\$" + variable + r"\b", text):
            raise UnsupportedShape(f"${variable} in {constraint} is not supported")
    if re.search(r"\$PATH\b", text):
        if not ctx.path:
            raise UnsupportedShape(f"$PATH in {constraint} needs a property shape")
        text = re.sub(r"\$PATH\b", ctx.path, text)
    text = re.sub(r"\$this\b", "?this", text)
    header = _prefix_header(sh, constraint)
    prologue, body, open_at, close_at = _split_select(text, constraint)
    header += prologue
    inner = body[open_at + 1 : close_at]
    first = next(tokens(inner), None)
    if first is not None and first.is_word("SELECT"):  # VALUES may not precede a sub-select
        inner = f"{{ {inner} }}"
    restricted = (header + body[: open_at + 1] + " ", f" {inner}{body[close_at:]}")
    outcomes = {
        "": Outcome(SH + "SPARQLConstraintComponent", ctx.path_text,
                    sh.message(constraint) or ctx.message, ctx.severity)
    }  # fmt: skip
    body = hash_joined(body) or body
    joined = f"{header}SELECT * WHERE {{ {ctx.focus} {{ {body} }} }}"
    return Check(ctx.top, header + body, restricted, outcomes, "", False, joined, constraint)


# Rewriting SHACL-SPARQL for the whole graph ------------------------------------
#
# pyoxigraph joins the triple patterns of a group one row at a time, an index
# lookup per pattern and row, and evaluates FILTER NOT EXISTS once per row: on
# a large store that costs tens of microseconds a row. A sub-select or a MINUS
# is evaluated once and hash-joined instead, which over the whole graph is
# several times faster. hash_joined() rewrites the top-level group of a
# constraint's query that way. It only restates the query: each triple pattern
# of the group, or of a group of triples nested in it, becomes a sub-select of
# that one pattern (a group's triples are joined in any order, and SELECT *
# keeps their variables), and a FILTER NOT EXISTS
# over plain triples that share a variable bound in every solution of the group
# becomes a MINUS at the group's end (the two then remove the same solutions).
# Syntax it does not follow leaves the query as written.


class _Unhandled(Exception):
    """Query syntax the rewrite leaves alone."""


def _is_a(token: Any) -> bool:
    """Whether a token is the keyword ``a`` (rdf:type), which is case-sensitive."""
    return bool(token.kind == "word" and token.text == "a")


@dataclass
class _Triple:
    text: str
    variables: set[str]
    wrap: bool  # a plain pattern worth evaluating on its own
    closure: bool = False  # its path has a ``*`` or ``+``

    def alone(self) -> str:
        """The pattern inside a MINUS: a path closure as a sub-select evaluated on its
        own (the LIMIT, which no answer reaches, keeps a server from evaluating it
        per row with the other end bound; Virtuoso then finds too few)."""
        if self.closure:
            return f"{{ SELECT * WHERE {{ {self.text} }} LIMIT {CLOSURE_LIMIT} }}"
        return self.text


#: the LIMIT of a path closure's sub-select (see _Triple.alone)
CLOSURE_LIMIT = 1000000000


class _Rewriter:
    """Splits a group of a SPARQL query into its elements (see hash_joined)."""

    def __init__(self, text: str, toks: list[Any]) -> None:
        self.text = text
        self.toks = toks

    def src(self, first: int, last: int) -> str:
        return self.text[self.toks[first].start : self.toks[last].end]

    def at(self, i: int, *texts: str) -> bool:
        return i < len(self.toks) and self.toks[i].kind == "punct" and self.toks[i].text in texts

    def closing(self, i: int) -> int:
        """The index of the bracket closing the one at ``i``."""
        pairs = {"(": ")", "{": "}", "[": "]"}
        if not self.at(i, *pairs):
            raise _Unhandled
        opener, closer, depth = self.toks[i].text, pairs[self.toks[i].text], 0
        for j in range(i, len(self.toks)):
            if self.at(j, opener):
                depth += 1
            elif self.at(j, closer):
                depth -= 1
                if depth == 0:
                    return j
        raise _Unhandled

    def term(self, i: int) -> int:
        """The index after an RDF term (no collections, no blank node labels or lists)."""
        toks, t = self.toks, self.toks[i]
        if t.kind in ("var", "iri", "pname", "number") or t.is_word("TRUE", "FALSE"):
            return i + 1
        if t.kind == "string":
            if self.at(i + 1, "@") and i + 2 < len(toks) and toks[i + 2].kind == "word":
                return i + 3
            if self.at(i + 1, "^") and self.at(i + 2, "^"):
                if i + 3 < len(toks) and toks[i + 3].kind in ("iri", "pname"):
                    return i + 4
                raise _Unhandled
            return i + 1
        if self.at(i, "[") and self.at(i + 1, "]"):
            return i + 2
        if self.at(i, "+", "-") and i + 1 < len(toks) and toks[i + 1].kind == "number":
            return i + 2
        raise _Unhandled

    def path(self, i: int) -> int:
        """The index after a property path (alternatives of sequences of elements)."""
        i = self.sequence(i)
        while self.at(i, "|"):
            i = self.sequence(i + 1)
        return i

    def sequence(self, i: int) -> int:
        i = self.element(i)
        while self.at(i, "/"):
            i = self.element(i + 1)
        return i

    def element(self, i: int) -> int:
        if self.at(i, "^"):
            i += 1
        if i >= len(self.toks):
            raise _Unhandled
        t = self.toks[i]
        if t.kind in ("iri", "pname") or _is_a(t):
            i += 1
        elif self.at(i, "("):
            end = self.closing(i)
            if self.path(i + 1) != end:
                raise _Unhandled
            i = end + 1
        else:
            raise _Unhandled  # negated property sets and the like
        return i + 1 if self.at(i, "*", "+", "?") else i

    def triples(self, i: int, out: list[_Triple]) -> int:
        """Parse ``subject predicate-object-list`` from ``i``; the index after it."""
        subject_end = self.term(i)
        subject = self.src(i, subject_end - 1)
        j = subject_end
        while True:
            if self.toks[j].kind == "var":
                verb_end, constant = j + 1, False
            else:
                verb_end = self.path(j)
                constant = verb_end == j + 1
            verb = self.src(j, verb_end - 1)
            typed = _is_a(self.toks[j]) or verb == f"<{RDF}type>"
            k = verb_end
            while True:
                object_end = self.term(k)
                spans = self.toks[i:subject_end] + self.toks[j:verb_end]
                found = {t.text[1:] for t in spans + self.toks[k:object_end] if t.kind == "var"}
                obj = self.src(k, object_end - 1)
                plain = constant and not (typed and self.toks[k].kind == "var")
                closure = any(self.at(x, "*", "+") for x in range(j, verb_end)) and not (
                    self.toks[i].kind == "var" and self.toks[k].kind == "var"
                )  # with both ends open, it alone would match every node of the graph
                out.append(_Triple(f"{subject} {verb} {obj} .", found, plain, closure))
                k = object_end
                if not self.at(k, ","):
                    break
                k += 1
            if not self.at(k, ";"):
                return k
            while self.at(k, ";"):
                k += 1
            if k >= len(self.toks) or self.at(k, ".", "}", "{"):
                return k
            if self.toks[k].kind == "word" and not _is_a(self.toks[k]):
                return k  # a keyword after a trailing ';'
            j = k

    def only_triples(self, first: int, last: int) -> list[_Triple]:
        """The triples of tokens ``first`` to ``last`` (exclusive), all of them triples."""
        found: list[_Triple] = []
        i = first
        while i < last:
            if self.at(i, "."):
                i += 1
                continue
            i = self.triples(i, found)
        if i != last:
            raise _Unhandled
        return found


def hash_joined(query: str) -> str | None:
    """The SELECT query with its WHERE group rewritten for hash joins, or None.

    None when there is nothing to gain or the group uses syntax the rewrite
    does not follow (see the comment above).
    """
    from kgtool.errors import QueryError
    from kgtool.sparql_text import tokens, where_group

    try:
        group = where_group(query)
        if group is None:
            return None
        open_at, close_at = group
        inner = query[open_at + 1 : close_at]
        rewritten = _rewrite_group(_Rewriter(inner, list(tokens(inner))))
    except (_Unhandled, QueryError, IndexError):
        return None
    if rewritten is None:
        return None
    return query[: open_at + 1] + " " + rewritten + " " + query[close_at:]


def _rewrite_group(r: _Rewriter) -> str | None:
    """The elements of a group, its triples as sub-selects, FILTER NOT EXISTS as MINUS."""
    parts: list[str | _Triple] = []
    absent: list[tuple[str, int, int]] = []  # FILTER NOT EXISTS: its text and inner tokens
    bound: set[str] = set()  # variables bound in every solution of the group
    toks, i = r.toks, 0
    while i < len(toks):
        t = toks[i]
        if r.at(i, "."):
            i += 1
        elif r.at(i, "{"):  # a group, or a UNION of groups
            ends, branches = r.closing(i), []
            branches.append((i, ends))
            while ends + 2 < len(toks) and toks[ends + 1].is_word("UNION"):
                start = ends + 2
                ends = r.closing(start)
                branches.append((start, ends))
            groups = []
            for start, end in branches:
                try:
                    groups.append(r.only_triples(start + 1, end))
                except _Unhandled:
                    groups.append([])
            if len(branches) == 1 and groups[0]:  # a group of triples: they join the rest
                parts += groups[0]
            else:
                parts.append(r.src(i, ends))
            common = [{v for tr in group for v in tr.variables} for group in groups]
            bound |= set.intersection(*common)
            i = ends + 1
        elif t.is_word("FILTER"):
            if toks[i + 1].is_word("NOT") and toks[i + 2].is_word("EXISTS"):
                end = r.closing(i + 3)
                absent.append((r.src(i, end), i + 4, end))
            elif toks[i + 1].is_word("EXISTS"):
                end = r.closing(i + 2)
                parts.append(r.src(i, end))
            elif r.at(i + 1, "("):
                end = r.closing(i + 1)
                parts.append(r.src(i, end))
            elif toks[i + 1].kind in ("word", "pname", "iri") and r.at(i + 2, "("):
                end = r.closing(i + 2)
                parts.append(r.src(i, end))
            else:
                raise _Unhandled
            i = end + 1
        elif t.is_word("BIND", "OPTIONAL", "MINUS"):
            end = r.closing(i + 1)
            parts.append(r.src(i, end))
            i = end + 1
        elif t.kind == "word" and not t.is_word("TRUE", "FALSE"):
            raise _Unhandled  # GRAPH, SERVICE, VALUES, ...
        else:
            found: list[_Triple] = []
            i = r.triples(i, found)
            for triple in found:
                bound |= triple.variables
            parts += found
    minus = []
    for text, start, end in absent:
        try:
            pattern = r.only_triples(start, end)
        except _Unhandled:
            pattern = []
        shared = {v for tr in pattern for v in tr.variables} & bound
        if pattern and shared:
            minus.append("MINUS { " + " ".join(tr.alone() for tr in pattern) + " }")
        else:
            parts.append(text)
    wrapped = sum(isinstance(p, _Triple) and p.wrap for p in parts)
    if wrapped < 2 and not minus:
        return None
    out = []
    for part in parts:
        if isinstance(part, _Triple):
            out.append(f"{{ SELECT * WHERE {{ {part.text} }} }}" if part.wrap else part.text)
        else:
            out.append(part)
    return " ".join(out + minus)
