"""Where query parameters go: one rule for the embedded store and for servers.

A parameter is a term, never text pasted into the query. A SPARQL server
has no pre-binding, so every parameter becomes a ``VALUES`` block opening the
WHERE group (:func:`as_values`). The embedded store has pyoxigraph's
substitutions, but they reach only projected variables, so a parameter
used only in the pattern takes the same ``VALUES`` block there
(:func:`for_embedded`). Either way the values are seen by every FILTER,
BIND and OPTIONAL of the outer group, and by nothing nested deeper.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kgtool.sparql_text import inject_values, projected_variables


def as_values(sparql: str, bindings: Mapping[str, Any]) -> str:
    """The query with its parameters (name -> term) as a VALUES block."""
    return inject_values(sparql, bindings)


def for_embedded(
    sparql: str, substitutions: dict[Any, Any] | None
) -> tuple[str, dict[Any, Any] | None]:
    """The query and what is left to substitute (pyoxigraph Variable -> term).

    Substitutions stay as they are when the query projects every one of them;
    otherwise all of them become a VALUES block and none is left to
    substitute. The text decides, before pyoxigraph plans the query only to
    refuse (which costs up to 15 ms on a large store); ``SELECT *`` is left to
    :func:`after_refusal`.
    """
    if not substitutions:
        return sparql, substitutions
    names = {variable.value for variable in substitutions}
    projected = projected_variables(sparql)
    if projected is not None and not names <= projected:
        return as_values(sparql, _by_name(substitutions)), None
    return sparql, substitutions


def after_refusal(sparql: str, substitutions: dict[Any, Any]) -> str:
    """The query to run when pyoxigraph refused the substitutions (not projected)."""
    return as_values(sparql, _by_name(substitutions))


def _by_name(substitutions: Mapping[Any, Any]) -> dict[str, Any]:
    return {variable.value: term for variable, term in substitutions.items()}
