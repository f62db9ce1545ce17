"""Finding mentions of known entities in a source text from their labels.

A curator should not type "China" forty times: every label and alt label of
an entity (``skos:prefLabel``, ``skos:altLabel``, ``schema:name``) is looked
for at word boundaries, case-insensitively, with its plural and singular, and
possessives ("the North's") follow from the word boundary. A label written in
capitals only (``KITA``, ``US``) is matched as written, so that "us" the
pronoun is not the United States. Where labels overlap, the longest wins
("North Korea Resources Institute" over "North Korea"). What labels cannot
give ("the communist country", "it") is a curated addition of the mention
sheet; a label match that is not a mention is a curated exclusion.

Capitalised words that match no entity are reported as candidates for new
entities or alt labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kgtool.authoring.context import Context, SourceInfo
from kgtool.authoring.locate import occurrences

ENTITY_NS = "https://w3id.org/kgtool/entity/"

#: capitalised words that start sentences or titles without naming anything
FUNCTION_WORDS = {
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "he", "her", "his", "if", "in",
    "it", "its", "last", "no", "of", "on", "or", "our", "she", "so", "some", "such", "that",
    "the", "their", "there", "these", "they", "this", "those", "therefore", "to", "we",
    "what", "when", "where", "which", "while", "who", "with", "yet",
}  # fmt: skip


@dataclass(frozen=True, order=True)
class Found:
    """A mention: span, entity, and how it was found (``label`` or ``added``)."""

    start: int
    end: int
    entity: str
    how: str = "label"


def variants(label: str) -> set[str]:
    """The forms a label takes in running text: itself, plural, singular."""
    forms = {label}
    last = label.rsplit(" ", 1)[-1]
    if not last[-1:].isalpha() or last.isupper():
        return forms
    if last.endswith("s") and len(last) > 3:
        forms.add(label[:-1])
        if last.endswith("ies"):
            forms.add(label[:-3] + "y")
    else:
        forms.add(label + ("es" if last.endswith(("s", "x", "ch", "sh")) else "s"))
        if last.endswith("y") and last[-2:-1] not in "aeiou":
            forms.add(label[:-1] + "ies")
    return forms


def label_forms(ctx: Context) -> dict[str, set[str]]:
    """Every written form of every entity's labels -> the entities it names."""
    forms: dict[str, set[str]] = {}
    for folded, iris in ctx.labels.items():
        entities = {i for i in iris if i.startswith(ENTITY_NS)}
        if not entities:
            continue
        capitals = sorted(w for w in ctx.written.get(folded, ()) if w.isupper())
        shown = capitals[0] if capitals else folded
        for form in variants(shown if shown.isupper() else folded):
            forms.setdefault(form, set()).update(entities)
    return forms


def find_mentions(text: str, ctx: Context) -> list[Found]:
    """Mentions of known entities by their labels: longest first, never overlapping."""
    hits: list[tuple[int, int, str]] = []
    for form, entities in label_forms(ctx).items():
        fold = not form.isupper()
        for at in occurrences(text, form, fold=fold):
            hits.extend((at, at + len(form), e) for e in entities)
    hits.sort(key=lambda h: (-(h[1] - h[0]), h[0], h[2]))
    taken: list[tuple[int, int]] = []
    found: list[Found] = []
    for start, end, entity in hits:
        if any(start < e and s < end and (s, e) != (start, end) for s, e in taken):
            continue
        taken.append((start, end))
        found.append(Found(start, end, entity))
    return sorted(set(found))


_WORD = r"[A-Z][\w'\u2019-]*"
_NAME = re.compile(rf"{_WORD}(?:\s+(?:of\s+(?:the\s+)?)?{_WORD})*")
_POSSESSIVE = re.compile(r"['\u2019]s$")
CALENDAR_WORDS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday",
}  # fmt: skip


def candidates(text: str, found: list[Found]) -> list[tuple[int, int, str]]:
    """Capitalised names no mention covers: (start, end, words), in text order."""
    lower_words = {w.casefold() for w in re.findall(r"\b[a-z][\w-]*", text)}
    out = []
    for match in _NAME.finditer(text):
        words = [(m.start() + match.start(), m.group()) for m in re.finditer(r"\S+", match.group())]
        while words and words[0][1].casefold() in FUNCTION_WORDS | CALENDAR_WORDS:
            words = words[1:]
        if not words:
            continue
        start = words[0][0]
        end = words[-1][0] + len(_POSSESSIVE.sub("", words[-1][1]))
        if len(words) == 1 and text[start:end].casefold() in lower_words | CALENDAR_WORDS:
            continue  # a common word that starts a sentence, or a month
        if any(f.start < end and start < f.end for f in found):
            continue
        out.append((start, end, text[start:end]))
    return out


def source_named(ctx: Context, name: str) -> SourceInfo:
    """A source by its name, CURIE or local path (as a sheet's ``source:`` names it)."""
    from kgtool.errors import InputError

    text = name.strip().removeprefix("src:")
    for iri, info in sorted(ctx.sources.items()):
        if iri.endswith("/" + text) or text in (iri, info.local_path, "sources/" + info.local_path):
            if info.problem is not None:  # missing or unreadable: say so, not "unknown"
                raise info.problem
            return info
    known = ", ".join(sorted(i.rsplit("/", 1)[1] for i in ctx.sources)) or "none"
    raise InputError(f"unknown source '{name}'", hint=f"known sources: {known}")


__all__ = ["Found", "candidates", "find_mentions", "source_named", "variants"]
