"""Small, careful edits of SPARQL text for servers that cannot pre-bind variables.

The embedded store binds parameters with pyoxigraph substitutions and
predeclares the project's prefixes. A remote SPARQL 1.1 server offers
neither, so the query text itself is edited: missing ``PREFIX`` lines are
prepended and the bindings become a ``VALUES`` block at the start of the
WHERE group. The edits rely on a scanner that knows strings, IRIs and
comments, so a ``{`` or ``WHERE`` inside a literal or a comment is never
mistaken for syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kgtool.errors import QueryError

FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")

_IRIREF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_VAR = re.compile(r"[?$][A-Za-z0-9_\u00B7-\uFFFF]+")
_PNAME = re.compile(r"(?:[A-Za-z\u00C0-\uFFFF][\w.\-]*)?:(?:[\w\-%:]|\.(?=[\w\-%:]))*")
_WORD = re.compile(r"[A-Za-z_][\w\-]*")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class Token:
    """One lexical unit: ``kind`` is iri, string, var, pname, word, number or punct."""

    kind: str
    text: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def _string_end(text: str, start: int) -> int:
    """Index just past the string literal that starts at ``start``."""
    quote = text[start]
    long = text.startswith(quote * 3, start)
    delimiter = quote * 3 if long else quote
    index = start + len(delimiter)
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if not long and char in "\r\n":
            break
        if text.startswith(delimiter, index):
            return index + len(delimiter)
        index += 1
    raise QueryError(f"unterminated string starting at character {start} of the query")


def tokens(text: str) -> Iterator[Token]:
    """The tokens of a SPARQL query, comments and white space left out."""
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if char.isspace():
            index += 1
            continue
        if char == "#":
            newline = text.find("\n", index)
            index = size if newline < 0 else newline + 1
            continue
        if char in "\"'":
            end = _string_end(text, index)
            yield Token("string", text[index:end], index, end)
            index = end
            continue
        if char == "<":
            match = _IRIREF.match(text, index)
            if match:  # otherwise it is the less-than operator
                yield Token("iri", match[0], index, match.end())
                index = match.end()
                continue
        for kind, pattern in (
            ("var", _VAR),
            ("pname", _PNAME),
            ("word", _WORD),
            ("number", _NUMBER),
        ):
            match = pattern.match(text, index)
            if match and match.end() > index:
                yield Token(kind, match[0], index, match.end())
                index = match.end()
                break
        else:
            yield Token("punct", char, index, index + 1)
            index += 1


def _matching_brace(toks: list[Token], position: int) -> int:
    """The index in ``toks`` of the ``}`` closing the ``{`` at ``position``."""
    depth = 0
    for index in range(position, len(toks)):
        if toks[index].text == "{":
            depth += 1
        elif toks[index].text == "}":
            depth -= 1
            if depth == 0:
                return index
    raise QueryError("unbalanced braces in the query")


def query_form(text: str) -> str:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the form of a query (for the Accept header)."""
    for token in tokens(text):
        if token.is_word(*FORMS):
            return token.text.upper()
        if token.is_word("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "WITH"):
            break
    raise QueryError("not a SPARQL query (no SELECT, CONSTRUCT, DESCRIBE or ASK)")


def projected_variables(text: str) -> set[str] | None:
    """The names a SELECT query projects; None for ``SELECT *`` or another form.

    pyoxigraph substitutes only projected variables, so a caller can tell up
    front whether its bindings need a VALUES block instead (planning a query
    only to have it refused costs up to ~15 ms on a large store).
    """
    toks = list(tokens(text))
    form_at = next((i for i, t in enumerate(toks) if t.is_word(*FORMS)), None)
    if form_at is None or not toks[form_at].is_word("SELECT"):
        return None
    names: set[str] = set()
    depth = 0
    for index in range(form_at + 1, len(toks)):
        token = toks[index]
        if depth == 0 and (token.text == "{" or token.is_word("WHERE", "FROM")):
            break
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and token.text == "*":
            return None
        elif token.kind == "var" and (depth == 0 or toks[index - 1].is_word("AS")):
            names.add(token.text[1:])
    return names


def star_variables(text: str) -> list[str] | None:
    """For ``SELECT *``, its variables in the order the query first names them; else None.

    A store answers ``SELECT *`` with its own column order (pyoxigraph's is
    alphabetical); a person reads the columns in the order the pattern binds them.

    >>> star_variables("SELECT * WHERE { ?claim a ?type ; kg:value ?amount }")
    ['claim', 'type', 'amount']
    >>> star_variables("SELECT ?b ?a WHERE { ?a ?p ?b }") is None
    True
    """
    toks = list(tokens(text))
    form_at = next((i for i, t in enumerate(toks) if t.is_word(*FORMS)), None)
    if form_at is None or not toks[form_at].is_word("SELECT"):
        return None
    after = form_at + 1
    while after < len(toks) and toks[after].is_word("DISTINCT", "REDUCED"):
        after += 1
    if after >= len(toks) or toks[after].text != "*":
        return None
    seen = {t.text[1:]: None for t in toks[after + 1 :] if t.kind == "var"}
    return list(seen)


def declared_prefixes(text: str) -> set[str]:
    """The prefixes a query declares itself (without the colon)."""
    toks = list(tokens(text))
    return {
        toks[i + 1].text[:-1]
        for i in range(len(toks) - 1)
        if toks[i].is_word("PREFIX") and toks[i + 1].kind == "pname"
    }


def with_prefixes(text: str, namespaces: Mapping[str, str]) -> str:
    """The query with ``PREFIX`` lines for the namespaces it uses but does not declare."""
    declared = declared_prefixes(text)
    used = {t.text.split(":", 1)[0] for t in tokens(text) if t.kind == "pname"}
    missing = sorted(p for p in used - declared if p in namespaces)
    if not missing:
        return text
    header = "".join(f"PREFIX {p}: <{namespaces[p]}>\n" for p in missing)
    return header + text


def term_text(term: Any) -> str:
    """A bound value as SPARQL: pyoxigraph's N-Triples syntax, which SPARQL accepts."""
    import pyoxigraph as ox

    if term is None:
        return "UNDEF"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return str(term)
    raise QueryError(f"cannot bind {term!r}: only IRIs and literals can be parameters")


def values_block(bindings: Mapping[str, Any]) -> str:
    """``VALUES (?a ?b) { (<…> "…") }`` for one row of bindings."""
    names = sorted(bindings)
    for name in names:
        if not _VAR.fullmatch("?" + name):
            raise QueryError(f"{name!r} is not a SPARQL variable name")
    variables = " ".join(f"?{name}" for name in names)
    row = " ".join(term_text(bindings[name]) for name in names)
    return f"VALUES ({variables}) {{ ({row}) }}"


def where_group(text: str) -> tuple[int, int] | None:
    """Character offsets of the ``{`` and ``}`` of the query's WHERE group.

    None for a query without one (``DESCRIBE <iri>``). The template of a
    ``CONSTRUCT {…} WHERE {…}`` is skipped; the short form ``CONSTRUCT WHERE {…}``
    has a group that is also a template, so it cannot take a VALUES block.
    """
    toks = list(tokens(text))
    form_at = next((i for i, t in enumerate(toks) if t.is_word(*FORMS)), None)
    if form_at is None:
        raise QueryError("not a SPARQL query (no SELECT, CONSTRUCT, DESCRIBE or ASK)")
    index = form_at + 1
    if toks[form_at].is_word("CONSTRUCT") and index < len(toks):
        if toks[index].text == "{":
            index = _matching_brace(toks, index) + 1
        elif toks[index].is_word("WHERE"):
            raise QueryError(
                "parameters cannot be bound in the short form CONSTRUCT WHERE { … }",
                hint="write CONSTRUCT { template } WHERE { pattern }",
            )
    for position in range(index, len(toks)):
        if toks[position].text == "{":
            close = _matching_brace(toks, position)
            return toks[position].start, toks[close].start
    return None


def inject_values(text: str, bindings: Mapping[str, Any]) -> str:
    """The query with its bindings as a VALUES block opening the WHERE group.

    Joined at the start of the group, the values are seen by every FILTER,
    BIND and OPTIONAL of that group, as pre-bound variables are. A group that
    is a bare sub-select is wrapped first, since VALUES may not precede SELECT.
    """
    if not bindings:
        return text
    group = where_group(text)
    if group is None:
        raise QueryError("this query has no WHERE group, so its parameters cannot be bound")
    open_at, close_at = group
    block = values_block(bindings)
    inner = list(tokens(text[open_at + 1 : close_at]))
    if inner and inner[0].is_word("SELECT"):
        body = text[open_at + 1 : close_at]
        return f"{text[: open_at + 1]} {block} {{{body}}} {text[close_at:]}"
    return f"{text[: open_at + 1]} {block}\n{text[open_at + 1 :]}"
