"""The search box's language, turned into FTS5 query text that is never parsed as syntax."""

from __future__ import annotations

import re

from kgtool.errors import QueryError

_PART = re.compile(r'"([^"]*)"?|(\S+)')


def fts_query(text: str) -> str:
    """The user's text as an FTS5 query: every word or phrase must occur.

    ``"..."`` is a phrase, a word ending in ``*`` a prefix; anything else is a
    word. Each part is quoted for FTS5, so punctuation and FTS5's own operators
    in the text are searched as words, never parsed as syntax.
    """
    parts = []
    for match in _PART.finditer(text):
        phrase, word = match[1], match[2]
        if phrase is not None:
            if re.search(r"\w", phrase):
                parts.append(f'"{phrase}"')
            continue
        prefix = word.endswith("*")
        word = word.rstrip("*").replace('"', " ")
        if re.search(r"\w", word):
            parts.append(f'"{word}"' + ("*" if prefix else ""))
    if not parts:
        raise QueryError(
            f"nothing to search for in {text!r}",
            hint='give words, a "phrase in double quotes" or a prefix such as sanction*',
        )
    return " ".join(parts)


def column_filter(match: str, columns: list[str]) -> str:
    """``match`` restricted to ``columns`` (all columns when none are given)."""
    if not columns:
        return match
    return "{" + " ".join(dict.fromkeys(columns)) + "} : (" + match + ")"
