"""Writing one fact of a claim: each property read according to its range.

A property's range decides how its sheet value is read: a ``kg:TimeSpec``
is a time as stated, a ``schema:MonetaryAmount`` money as stated, a
``schema:QuantitativeValue`` a quantity, a ``kg:Claim`` / ``kg:Fact`` the id
of another claim of the sheet, a ``skos:Concept`` a concept by name, an
entity class an entity by label, alt label or CURIE, ``xsd:boolean`` /
``xsd:duration`` yes-no and rates, anything else text.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kgtool.authoring.context import KG, RDF, SCHEMA, SKOS, XSD, Context, SourceInfo, local
from kgtool.authoring.locate import occurrences
from kgtool.authoring.readings import ClaimReadings, Reading, locate_words, names_entity
from kgtool.authoring.sheet import Item, Sheet
from kgtool.authoring.terms import CLM, Output
from kgtool.authoring.times import TimeValue, UnreadableTime, given_time, read_time
from kgtool.authoring.values import (
    StatedValue,
    UnreadableValue,
    read_boolean,
    read_money,
    read_quantity,
    read_rate,
)

TIME = "http://www.w3.org/2006/time#"
VALUE_SUFFIX = {
    SCHEMA + "MonetaryAmount": "value",
    SCHEMA + "QuantitativeValue": "quantity",
    KG + "TimeSpec": "time",
}


def publication_day(info: SourceInfo) -> date | None:
    if not info.published:
        return None
    try:
        return date.fromisoformat(info.published[:10])
    except ValueError:
        return None


class FactWriter:
    """Writes ``<claim>-fact`` and its value nodes and anchors."""

    def __init__(
        self,
        sheet: Sheet,
        ctx: Context,
        out: Output,
        info: SourceInfo,
        language: str | None,
        claim: str,
        span: tuple[int, int],
        ids: list[str],
        spans: dict[str, list[tuple[int, int]]],
        interpreted: set[str],
    ) -> None:
        self.sheet, self.ctx, self.out, self.info = sheet, ctx, out, info
        self.language, self.claim, self.span, self.ids = language, claim, span, ids
        self.spans, self.interpreted = spans, interpreted
        self.fact = claim + "-fact"
        self.used: dict[str, int] = {}
        self.note: str | None = None
        self.readings = ClaimReadings([], [])
        self._last_time: TimeValue | None = None

    def write(self, key: str, fact_class: str, body: Item | None) -> str | None:
        """Write the fact; returns the resolution note of a time read from context."""
        assert body is not None
        self.out.located(self.fact, body.line, body.column)
        self.out.iri(self.fact, RDF + "type", fact_class)
        if body.value is None and not body.is_map:
            return None
        if not body.is_map:
            self.sheet.error(
                body,
                f"'{key}:' takes the fact's properties, e.g. '{key}: {{property: value, ...}}'",
            )
        props = self.ctx.properties_of(fact_class)
        rate = None
        for name, value in (body.keys or {}).items():
            prop = props.get(name)
            if prop is None:
                self.sheet.error(
                    body.key_at[name],
                    f"'{name}' does not apply to a {key}",
                    hint="its properties: " + ", ".join(sorted(props)),
                )
            assert prop is not None
            values = value.items if value.is_list else [value]
            if value.is_list and self.ctx.single_valued(prop, fact_class):
                self.sheet.error(value, f"'{name}' takes one value in a {key}")
            for each in values or []:
                found = self._value(prop, self.ctx.range_of(prop, fact_class), each)
                rate = rate or found
        if rate is not None:
            durations = [
                p for p in props.values() if self.ctx.range_of(p, fact_class) == XSD + "duration"
            ]
            if len(durations) == 1 and not any(
                props.get(n) == durations[0] for n in body.keys or {}
            ):
                self.out.typed(self.fact, durations[0], rate, XSD + "duration")
        return self.note

    # --- anchoring ---------------------------------------------------------------------

    def _anchor(
        self,
        prop: str,
        value_term: str | None,
        literal: str | None,
        start: int,
        end: int,
        item: Item,
    ) -> None:
        name = local(prop)
        count = self.used.get(name, 0) + 1
        self.used[name] = count
        node = f"{self.claim}-{name}-anchor" + (str(count) if count > 1 else "")
        self.out.iri(self.claim, KG + "hasValueAnchor", node)
        self.out.anchor(
            node, self.info.iri, self.info.text[start:end], start, end, KG + "ValueAnchor"
        )
        self.out.iri(node, KG + "anchoredProperty", prop)
        if value_term is not None:
            self.out.iri(node, KG + "anchoredValue", value_term)
        elif literal is not None:
            self.out.text(node, KG + "anchoredValue", literal)
        self.out.located(node, item.line, item.column)

    def _stated_span(self, words: str, item: Item, prop: str) -> tuple[int, int] | None:
        start, end = self.span
        found = occurrences(self.info.text, words, start, end)
        if found:
            return found[0], found[0] + len(words)
        if prop in self.interpreted:
            return None
        quote = self.info.text[start:end]
        self.sheet.error(
            item,
            f"'{words}' is not inside the quote '{quote[:60]}'",
            hint="write the value with the words of the quote, or list "
            f"'{local(prop)}' under 'interpreted:'",
        )
        return None

    # --- values by range -------------------------------------------------------------

    def _value(self, prop: str, range_: str | None, item: Item) -> str | None:
        ctx = self.ctx
        if range_ in VALUE_SUFFIX:
            self._value_node(prop, range_, item)
            return self._rate
        if range_ is not None and (range_ == KG + "Claim" or KG + "Fact" in ctx.ancestors(range_)):
            self._reference(prop, range_, item)
        elif range_ == SKOS + "Concept":
            found = ctx.concept(item.text())
            if len(found) != 1:
                self.sheet.error(item, f"unknown concept '{item.text()}' for '{local(prop)}'")
            self.out.iri(self.fact, prop, next(iter(found)))
        elif range_ == XSD + "boolean":
            try:
                flag = read_boolean(item.text())
            except UnreadableValue as error:
                self.sheet.error(item, f"unreadable value: {error}")
            self.out.typed(self.fact, prop, "true" if flag else "false", XSD + "boolean")
        elif range_ == XSD + "duration":
            try:
                rate = read_rate(item.text())
            except UnreadableValue as error:
                self.sheet.error(item, f"unreadable value: {error}")
            self.out.typed(self.fact, prop, rate, XSD + "duration")
            span = occurrences(self.info.text, item.text(), *self.span)
            if span:
                self._anchor(prop, None, rate, span[0], span[0] + len(item.text()), item)
        elif range_ is not None and KG + "Entity" in ctx.ancestors(range_):
            self._entity(prop, range_, item)
        else:
            self._text(prop, item)
        return None

    _rate: str | None = None

    def _text(self, prop: str, item: Item) -> None:
        if item.is_map:
            words = item.get("words")
            if words is None:
                self.sheet.error(item, "a text value is words, or {words: <the source's words>}")
            assert words is not None
            span = self._stated_span(words.text(), words, prop)
            self.out.text(self.fact, prop, words.text())
            if span:
                self._anchor(prop, None, words.text(), *span, words)
            return
        self.out.text(self.fact, prop, " ".join(item.text().split()), self.language)

    def _reference(self, prop: str, range_: str, item: Item) -> None:
        name = item.text()
        claim_id = name[4:] if name.startswith("clm:") else name
        if claim_id not in self.ids:
            self.sheet.error(
                item,
                f"'{name}' is not the id of a claim of this sheet",
                hint="claims of this sheet: " + ", ".join(self.ids[:5]) + " ...",
            )
        target = CLM + claim_id + ("" if range_ == KG + "Claim" else "-fact")
        self.out.iri(self.fact, prop, target)

    def _entity(self, prop: str, range_: str, item: Item) -> None:
        ctx, name = self.ctx, item.text()
        found = ctx.lookup(name)
        start, end = self.span
        if not found:  # the words of a mention inside the quote
            at = occurrences(self.info.text, name, start, end)
            found = {
                iri
                for iri, places in self.spans.items()
                for s, e in places
                if at and s == at[0] and e == at[0] + len(name)
            }
        typed = {iri for iri in found if ctx.is_a(iri, range_)}
        if len(typed) != 1:
            if found and not typed:
                kinds = ", ".join(sorted(local(t) for i in found for t in ctx.types.get(i, ())))
                self.sheet.error(
                    item, f"'{name}' is a {kinds}, not a {local(range_)} as '{local(prop)}' needs"
                )
            near = ctx.nearest_labels(name, [i for i in ctx.label_of if ctx.is_a(i, range_)])
            self.sheet.error(
                item,
                f"unknown entity '{name}' ({local(range_)})",
                hint=("nearest labels: " + ", ".join(f"'{n}'" for n in near))
                if near
                else "add it to graph/entities.ttl",
            )
        iri = next(iter(typed))
        self.out.iri(self.fact, prop, iri)
        span = self._entity_span(iri, name)
        own = self.readings.for_property(prop)
        if own is not None and own.words:  # the words the reading says name the entity
            span = locate_words(self.sheet, self.info, own, self.span)
        if span is None and prop not in self.interpreted and own is None:
            quote = self.info.text[start:end]
            self.sheet.error(
                item,
                f"entity '{name}' is not inside the quote '{quote[:60]}' "
                "(no mention, label or alt label of it there)",
                hint=f"quote more words, list '{local(prop)}' under 'interpreted:', or say "
                f"how it was read: 'readings: [{{kind: ..., property: {local(prop)}, note: ...}}]'",
            )
        if span is not None:
            self._check_words(prop, iri, span, item, own)
            self._anchor(prop, iri, None, *span, item)
        elif own is not None:
            self.readings.use(own, prop, iri, None)

    def _check_words(
        self, prop: str, iri: str, span: tuple[int, int], item: Item, own: object
    ) -> None:
        """Words that are none of the entity's labels are a reading, with its note."""
        words = self.info.text[span[0] : span[1]]
        if names_entity(self.ctx, iri, words):
            return
        spec = self.readings.for_property(prop) or self.readings.for_words(iri, words)
        if spec is not None:
            self.readings.use(spec, prop, iri, span)
            return
        if prop in self.interpreted:
            return
        label = self.ctx.label_of.get(iri, local(iri))
        self.sheet.error(
            item,
            f"the quote says '{words}' where the claim names '{label}' ({local(prop)}), "
            "which is none of its labels: a reading without a note",
            hint="add to the claim 'readings: [{kind: term|coreference|..., property: "
            f"{local(prop)}, note: ...}}]', or to the sheet 'readings: [{{words: {words}, "
            f"means: {label}, kind: ..., note: ...}}]'",
        )

    def _entity_span(self, iri: str, written: str) -> tuple[int, int] | None:
        """The entity's first mention inside the quote, else its label, else the written words."""
        start, end = self.span
        inside = [(s, e) for s, e in self.spans.get(iri, []) if start <= s and e <= end]
        named = [(s, e) for s, e in inside if names_entity(self.ctx, iri, self.info.text[s:e])]
        if named or inside:  # a mention by name first: other words are a reading
            return min(named or inside)
        names = sorted({lbl for lbl, iris in self.ctx.labels.items() if iri in iris} | {written})
        hits = []
        for label in names:
            at = occurrences(self.info.text, label, start, end, fold=True)
            if at:
                hits.append((at[0], at[0] + len(label)))
        return min(hits) if hits else None

    def _value_node(self, prop: str, range_: str, item: Item) -> None:
        suffix = VALUE_SUFFIX[range_]
        count = self.used.get("node:" + suffix, 0) + 1
        self.used["node:" + suffix] = count
        node = f"{self.claim}-{suffix}" + (str(count) if count > 1 else "")
        stated_item = item.get("stated") if item.is_map else item
        if stated_item is None:
            self.sheet.error(item, "give the words of the source as 'stated:'")
        assert stated_item is not None
        stated = " ".join(stated_item.text().split())
        self.out.iri(self.fact, prop, node)
        self.out.located(node, item.line, item.column)
        if range_ == KG + "TimeSpec":
            self._time(node, stated, item)
        else:
            self._amount(node, range_, stated, item)
        span = self._stated_span(stated, stated_item, prop)
        if span:
            self._anchor(prop, node, None, *span, stated_item)
        time, self._last_time = self._last_time, None
        if time is not None and time.note:
            if not time.explicit:
                self.readings.used.append(Reading(KG + "TimeReading", time.note, prop, node, span))
            if time.chosen_bounds:
                self.readings.used.append(
                    Reading(KG + "BoundsReading", time.note, prop, node, span)
                )

    def _time(self, node: str, stated: str, item: Item) -> None:
        given = item.get("value") if item.is_map else None
        note_item = item.get("note") if item.is_map else None
        note = " ".join(note_item.text().split()) if note_item else None
        try:
            if given is not None:
                time = given_time(stated, given.text(), note)
            else:
                time = read_time(stated, publication_day(self.info))
        except UnreadableTime as error:
            self.sheet.error(given or item, f"unreadable time: {error}")
        time.note = note or time.note
        if not time.explicit and not time.note:
            self.sheet.error(
                item,
                f"the time '{stated}' is resolved from context and has no note",
                hint="add 'note:' saying how it was read",
            )
        self._time_triples(node, time)
        self._last_time = time
        self._order(node, item)
        if not time.explicit:
            self.note = self.note or time.note

    def _order(self, node: str, item: Item) -> None:
        """``after: <claim id>`` / ``before: <claim id>``: OWL-Time order between periods."""
        if not item.is_map:
            return
        for key in ("after", "before"):
            given = item.get(key)
            for each in (
                (given.items or [])
                if given is not None and given.is_list
                else ([given] if given is not None else [])
            ):
                name = each.text()
                claim_id = name[4:] if name.startswith("clm:") else name
                if claim_id not in self.ids:
                    self.sheet.error(each, f"'{name}' is not the id of a claim of this sheet")
                self.out.iri(node, TIME + key, CLM + claim_id + "-time")

    def _time_triples(self, node: str, time: TimeValue) -> None:
        out = self.out
        out.iri(node, RDF + "type", KG + "TimeSpec")
        out.text(node, KG + "statedText", time.stated)
        out.text(node, KG + "edtf", time.edtf)
        if time.year:
            out.typed(node, TIME + "inXSDgYear", time.year, XSD + "gYear")
        if time.year_month:
            out.typed(node, TIME + "inXSDgYearMonth", time.year_month, XSD + "gYearMonth")
        if time.earliest:
            out.typed(node, KG + "earliest", time.earliest.isoformat(), XSD + "date")
        if time.latest:
            out.typed(node, KG + "latest", time.latest.isoformat(), XSD + "date")
        resolution = "ExplicitInText" if time.explicit else "ResolvedFromContext"
        out.iri(node, KG + "resolution", KG + resolution)
        if time.note:
            out.text(node, KG + "resolutionNote", time.note, self.language)

    def _amount(self, node: str, range_: str, stated: str, item: Item) -> None:
        money = range_ == SCHEMA + "MonetaryAmount"
        try:
            value: StatedValue = read_money(stated) if money else read_quantity(stated)
        except UnreadableValue as error:
            self.sheet.error(item, f"unreadable value: {error}")
        given = item.get("value") if item.is_map else None
        if given is not None:
            try:
                value.number = Decimal(given.text())
            except ArithmeticError:
                self.sheet.error(given, f"'{given.text()}' is not a number")
        out = self.out
        out.iri(node, RDF + "type", range_)
        out.typed(node, SCHEMA + value.slot, str(value.number), XSD + "decimal")
        if value.currency:
            out.text(node, SCHEMA + "currency", value.currency)
        if value.unit_code:
            out.text(node, SCHEMA + "unitCode", value.unit_code)
        if value.unit_text:
            out.text(node, SCHEMA + "unitText", value.unit_text)
        out.iri(node, KG + "approximation", KG + value.approximation)
        out.text(node, KG + "statedText", stated)
        self._rate = value.rate
