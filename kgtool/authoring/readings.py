"""Readings: every place where a claim's terms differ from the text's words.

A claim names entities by label, but its quote may say "anthracitic",
"the impoverished state" or "he". Such words are a *reading* of the text and
need a note: the compiler refuses an entity whose words in the quote are none
of its labels, unless the claim (``readings:``) or the sheet (``readings:`` at
the top, for words read the same way wherever they occur) says how the words
were read. Values filled in from context (``interpreted:``), times resolved
from context and bounds chosen for vague periods become readings too, so one
query lists them all by kind (``kg:ReadingKindScheme``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kgtool.authoring.context import KG, PROV, RDF, Context, SourceInfo, local
from kgtool.authoring.locate import occurrences
from kgtool.authoring.sheet import Item, Sheet
from kgtool.authoring.terms import Output

KINDS = KG + "ReadingKindScheme"
READING_KEYS = {"kind", "note", "property", "words", "means"}
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


@dataclass
class ReadingSpec:
    """A reading as the curator wrote it."""

    kind: str
    note: str
    item: Item
    prop: str | None = None
    words: str | None = None
    means: str | None = None
    used: bool = False


@dataclass
class Reading:
    """A reading to write for one claim."""

    kind: str
    note: str
    prop: str | None = None
    value: str | None = None
    span: tuple[int, int] | None = None


def _kind(sheet: Sheet, ctx: Context, item: Item | None, where: Item) -> str:
    if item is None:
        sheet.error(where, "a reading needs 'kind:'", hint="one of: " + ", ".join(kind_names(ctx)))
    assert item is not None
    found = [c for c in ctx.concept(item.text()) if KINDS in ctx.in_scheme.get(c, ())]
    if len(found) != 1:
        sheet.error(
            item,
            f"unknown kind of reading '{item.text()}'",
            hint="one of: " + ", ".join(kind_names(ctx)),
        )
    return found[0]


def kind_names(ctx: Context) -> list[str]:
    return sorted(
        ctx.label_of.get(c, local(c)) if c in ctx.label_of else _pref(ctx, c)
        for c, schemes in ctx.in_scheme.items()
        if KINDS in schemes
    )


def _pref(ctx: Context, concept: str) -> str:
    names = sorted(n for n, iris in ctx.concepts.items() if concept in iris)
    return min(names, key=len) if names else local(concept)


def parse_readings(
    sheet: Sheet, ctx: Context, given: Item | None, props: dict[str, str] | None
) -> list[ReadingSpec]:
    """The ``readings:`` of a claim (``props`` its fact's properties) or of the sheet (None)."""
    if given is None:
        return []
    if not given.is_list:
        sheet.error(given, "'readings:' is a list of {kind: ..., note: ...}")
    specs = []
    for each in given.items or []:
        if not each.is_map:
            sheet.error(each, "a reading is {kind: ..., note: ..., property: ..., words: ...}")
        for key, at in each.key_at.items():
            if key not in READING_KEYS:
                sheet.error(
                    at,
                    f"unknown reading key '{key}'",
                    hint="keys: kind, note, property, words, means",
                )
        note = each.get("note")
        if note is None or not note.text().strip():
            sheet.error(each, "a reading needs 'note:' saying why the words were read so")
        assert note is not None
        spec = ReadingSpec(
            _kind(sheet, ctx, each.get("kind"), each), " ".join(note.text().split()), each
        )
        words = each.get("words")
        spec.words = words.text() if words is not None else None
        prop = each.get("property")
        if prop is not None and props is not None:
            name = prop.text()
            if name in ("by", "attribution", "wasAttributedTo"):
                spec.prop = PROV + "wasAttributedTo"
            elif name in props:
                spec.prop = props[name]
            else:
                sheet.error(prop, f"'{name}' is not a property of this claim's fact")
        means = each.get("means")
        if props is None:
            if spec.words is None or means is None:
                sheet.error(
                    each,
                    "a reading of the sheet gives 'words:' and the entity they mean as 'means:'",
                )
            assert means is not None
            found = ctx.lookup(means.text())
            if len(found) != 1:
                sheet.error(means, f"unknown entity '{means.text()}'")
            spec.means = next(iter(found))
        specs.append(spec)
    return specs


def names_entity(ctx: Context, iri: str, words: str) -> bool:
    """Whether ``words`` are one of the entity's labels (or its position title), give or
    take an article, a possessive, a plural ``s`` or words around the whole label."""
    wanted = _ARTICLE.sub("", words.strip()).casefold()
    wanted = re.sub(r"['\u2019]s$", "", wanted)
    names = {lbl for lbl, iris in ctx.labels.items() if iri in iris}
    names |= {t.casefold() for t in ctx.titles.get(iri, ())}
    names = {_ARTICLE.sub("", n).casefold() for n in names}
    if any(wanted in (n, n + "s") or wanted + "s" == n for n in names):
        return True
    # a title or qualifier around the name: "President Park Geun-hye"
    return any(len(n) > 3 and occurrences(wanted, n) for n in names)


@dataclass
class ClaimReadings:
    """The readings a claim may use, and those it did."""

    own: list[ReadingSpec]
    shared: list[ReadingSpec]
    used: list[Reading] = field(default_factory=list)

    def for_property(self, prop: str) -> ReadingSpec | None:
        return next((r for r in self.own if r.prop == prop), None)

    def for_words(self, iri: str, words: str) -> ReadingSpec | None:
        wanted = words.casefold()
        return next(
            (r for r in self.shared if r.means == iri and (r.words or "").casefold() == wanted),
            None,
        )

    def use(
        self, spec: ReadingSpec, prop: str | None, value: str | None, span: tuple[int, int] | None
    ) -> None:
        spec.used = True
        if any(r.kind == spec.kind and r.prop == prop and r.value == value for r in self.used):
            return
        self.used.append(Reading(spec.kind, spec.note, prop, value, span))


def locate_words(
    sheet: Sheet, info: SourceInfo, spec: ReadingSpec, span: tuple[int, int]
) -> tuple[int, int] | None:
    if spec.words is None:
        return None
    found = occurrences(info.text, spec.words, *span, fold=True)
    if not found:
        sheet.error(
            spec.item.get("words") or spec.item,
            f"the reading's words '{spec.words}' are not inside the claim's quote",
        )
    return found[0], found[0] + len(spec.words)


def write_readings(
    out: Output, claim: str, info: SourceInfo, readings: list[Reading], language: str | None
) -> None:
    """``clm:X-reading``, ``-reading2`` …: kind, property, value, note and the words read."""
    for number, reading in enumerate(readings, 1):
        node = f"{claim}-reading" + (str(number) if number > 1 else "")
        out.iri(claim, KG + "hasReading", node)
        out.iri(node, RDF + "type", KG + "Reading")
        out.iri(node, KG + "readingKind", reading.kind)
        out.text(node, KG + "readingNote", reading.note, language)
        if reading.prop:
            out.iri(node, KG + "readProperty", reading.prop)
        if reading.value:
            out.iri(node, KG + "readValue", reading.value)
        if reading.span:
            start, end = reading.span
            out.iri(node, KG + "readWords", node + "-anchor")
            out.anchor(node + "-anchor", info.iri, info.text[start:end], start, end)


__all__ = [
    "ClaimReadings",
    "Reading",
    "ReadingSpec",
    "locate_words",
    "names_entity",
    "parse_readings",
    "write_readings",
]
