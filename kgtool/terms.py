"""User-given names of RDF terms: ``<iri>``, ``https://…``, ``urn:…`` or a CURIE.

Every place that turns text a user typed (a command-line argument, a query
parameter, a request to the server) into an IRI goes through
:func:`expand_iri` or :func:`iri_term`, so an invalid IRI is always one clear
error (:class:`TermError`), never pyoxigraph's ``ValueError``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kgtool.errors import QueryError
from kgtool.project import NAMESPACES

if TYPE_CHECKING:
    import pyoxigraph as ox

_HINT = (
    "give a full IRI such as <https://w3id.org/kgtool/entity/china> or a CURIE such as ent:china"
)


class TermError(QueryError):
    """Text given as an IRI is not a valid IRI."""


def _checked(iri: str, given: str, what: str) -> str:
    import pyoxigraph as ox

    try:
        ox.NamedNode(iri)
    except ValueError as error:
        raise TermError(f"{what} {given!r} is not a valid IRI ({error})", hint=_HINT) from None
    return iri


def expand_iri(value: str, *, what: str = "the value") -> str | None:
    """A full IRI from ``<iri>``, ``http(s)://…``, ``urn:…`` or a known CURIE; else None.

    None means the text does not look like an IRI (it may be a label). Text
    that looks like one but is not valid (``<script>``, ``https://a b``)
    raises :class:`TermError`.
    """
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        return _checked(text[1:-1], value, what)
    if re.match(r"^(https?|urn|file):", text):
        return _checked(text, value, what)
    prefix, sep, local = text.partition(":")
    if sep and prefix in NAMESPACES and re.fullmatch(r"[\w.\-/#%]*", local):
        return _checked(NAMESPACES[prefix] + local, value, what)
    return None


def iri_term(iri: str, *, what: str = "the value") -> ox.NamedNode:
    """``iri`` (already expanded) as a pyoxigraph term, or :class:`TermError`."""
    import pyoxigraph as ox

    return ox.NamedNode(_checked(iri, iri, what))
