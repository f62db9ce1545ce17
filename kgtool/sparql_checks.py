"""Checks of a query's text before it runs: federation (SERVICE) and nesting depth.

pyoxigraph answers ``SERVICE <iri> { … }`` by sending an HTTP request to that
address, and offers no switch to turn this off; a server that runs its
visitors' queries would then fetch whatever they name, including addresses on
its own machine or network. So every query is read first, with the scanner of
:mod:`kgtool.sparql_text` (which knows strings, IRIs and comments), and a
``SERVICE`` keyword whose address is not explicitly allowed is refused. In
SPARQL's grammar the bare word ``SERVICE`` is only ever that keyword, so a
string, a comment, a variable or a prefixed name that contains it is not
mistaken for one.

pyoxigraph's parser recurses once per nested group or parenthesis and a deep
enough query overflows the stack of the process running it; the depth is
therefore bounded here too, with an error that says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urljoin

from kgtool.errors import QueryError, ServiceRefused
from kgtool.sparql_text import Token, tokens

#: the deepest nesting of (), {} and [] a query may have; real queries stay far below
MAX_NESTING = 200

_OPEN, _CLOSE = "({[", ")}]"


def check_nesting(text: str, limit: int = MAX_NESTING) -> None:
    """Refuse a query nested deeper than ``limit`` before the parser overflows its stack."""
    depth = deepest = 0
    for token in tokens(text):
        if token.kind != "punct":
            continue
        if token.text in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                raise QueryError(
                    f"the query nests groups or parentheses more than {limit} levels deep, "
                    "the limit of the SPARQL parser here",
                    hint="flatten the query",
                )
        elif token.text in _CLOSE:
            depth -= 1


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri


def service_targets(
    text: str, *, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None
) -> list[str | None]:
    """The address of every SERVICE in the query, resolved; None when it is a variable.

    ``prefixes`` are the namespaces predeclared for the query (the query's own
    ``PREFIX`` lines take precedence); ``base_iri`` resolves relative IRIs, as
    does a ``BASE`` in the query.
    """
    known = dict(prefixes or {})
    base = base_iri
    toks: list[Token] = list(tokens(text))
    found: list[str | None] = []
    for index, token in enumerate(toks):
        following = toks[index + 1 : index + 3]
        if token.is_word("BASE") and following and following[0].kind == "iri":
            base = _resolve(following[0].text[1:-1], base)
        elif token.is_word("PREFIX") and len(following) == 2 and following[1].kind == "iri":
            known[following[0].text.rstrip(":")] = _resolve(following[1].text[1:-1], base)
        elif token.is_word("SERVICE"):
            rest = [t for t in following if not t.is_word("SILENT")]
            found.append(_address(rest[0] if rest else None, known, base))
    return found


def _address(token: Token | None, prefixes: Mapping[str, str], base: str | None) -> str | None:
    if token is None:
        return None
    if token.kind == "iri":
        return _resolve(token.text[1:-1], base)
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        namespace = prefixes.get(prefix)
        return namespace + local if namespace is not None else None
    return None


def check_services(
    text: str,
    allowed: Iterable[str] = (),
    *,
    base_iri: str | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> None:
    """Raise ServiceRefused unless every SERVICE address starts with an allowed prefix."""
    allowed = tuple(allowed)
    for address in service_targets(text, base_iri=base_iri, prefixes=prefixes):
        if address is not None and any(address.startswith(prefix) for prefix in allowed):
            continue
        where = f"<{address}>" if address is not None else "an address given by a variable"
        if allowed:
            reason = f"it is not under an allowed prefix ({', '.join(allowed)})"
        else:
            reason = "federated queries are off"
        raise ServiceRefused(
            f"the query asks for SERVICE {where}; {reason}",
            hint="remove the SERVICE clause, or start kgtool with --allow-service URL-PREFIX",
        )


def check_query(
    text: str,
    allowed_services: Iterable[str] = (),
    *,
    base_iri: str | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> None:
    """Both checks, nesting first (the SERVICE scan is linear either way)."""
    check_nesting(text)
    check_services(text, allowed_services, base_iri=base_iri, prefixes=prefixes)
