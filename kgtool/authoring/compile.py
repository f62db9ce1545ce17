"""Compiling a sheet into the graph's model: claims, facts, values, times, anchors.

Nothing here names a fact class or a fact property: the kind of fact is any
subclass of ``kg:Fact`` and each property is read by its range (see
:mod:`kgtool.authoring.context`). IRIs are stable: ``clm:<id>`` for a claim
(its ``id``, or the sheet's ``id-prefix`` and its number), with the suffixes
of docs/model.md for its nodes. Every value, time and entity of a fact is
anchored to its own span inside the claim's quote (a ``kg:ValueAnchor``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from kgtool.authoring import mentions as mention_sheet
from kgtool.authoring.context import (
    KG,
    PROV,
    RDF,
    RDFS,
    SHEET_SUFFIXES,
    Context,
    SourceInfo,
    load_context,
    local,
)
from kgtool.authoring.facts import FactWriter
from kgtool.authoring.hedges import write_hedges
from kgtool.authoring.locate import closest_passages, occurrences, snippet
from kgtool.authoring.readings import (
    ClaimReadings,
    Reading,
    ReadingSpec,
    locate_words,
    parse_readings,
    write_readings,
)
from kgtool.authoring.sheet import Item, Sheet, SheetError, claim_ids, read_sheet
from kgtool.authoring.terms import CLM, Output
from kgtool.project import Project

CLAIM_KEYS = {
    "candidate",
    "id",
    "quote",
    "occurrence",
    "context",
    "label",
    "modality",
    "by",
    "cites",
    "interpreted",
    "note",
    "readings",
    "hedges",
}
MODALITIES = KG + "ModalityScheme"
SHEET_KEYS = {"source", "id-prefix", "by", "language", "claims", "mentions", "mention-prefix"}
SHEET_KEYS |= {"not-mentions", "find", "readings"}  # mention sheets: see kgtool.authoring.mentions


@dataclass
class Compiled:
    """A sheet compiled: N-Triples text and the sheet position of each node."""

    ntriples: str
    where: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class SheetSource:
    """The source a sheet is about, with the sheet's defaults."""

    info: SourceInfo
    language: str | None
    attribution: list[str]


def compile_file(project: Project, path: Path) -> Compiled:
    """Compile one sheet of the project (raises a located SheetError)."""
    ctx = load_context(project)
    sheet = read_sheet(path, project.relative(path))
    return compile_sheet(sheet, ctx, project)


_WHERE: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}


def sheet_line(project: Project, path: str, node: str) -> str:
    """``path:line:column`` of the sheet item a compiled node came from (else ``path``)."""
    from kgtool.errors import KgtoolError
    from kgtool.project import sha256_file

    file = project.root / path
    if not path.endswith(SHEET_SUFFIXES) or not file.is_file():
        return path
    key = (path, sha256_file(file))
    if key not in _WHERE:
        try:
            _WHERE[key] = compile_file(project, file).where
        except KgtoolError:
            _WHERE[key] = {}
    at = _WHERE[key].get(node)
    return f"{path}:{at[0]}:{at[1]}" if at else path


def compile_sheet(sheet: Sheet, ctx: Context, project: Project | None = None) -> Compiled:
    from kgtool.authoring import review

    if review.is_review(sheet):  # a re-anchoring record, read by the check below
        return Compiled("")
    if project is not None:
        review.check_sheet(project, sheet)
    root = sheet.root
    for key, at in root.key_at.items():
        if key not in SHEET_KEYS:
            sheet.error(
                at,
                f"unknown sheet key '{key}'",
                hint="a sheet has: " + ", ".join(sorted(SHEET_KEYS)),
            )
    source = _source(sheet, ctx)
    try:
        return _compile_body(sheet, ctx, project, source)
    except SheetError as error:
        changed = source.info.changed()
        if changed is None:
            raise
        raise SheetError(  # the real cause first: the text is not the one the sheet was made on
            f"{changed}; so {error.message}",
            hint="restore the text, or record its new version: 'kgtool add source FILE "
            "--replace' re-anchors the claims",
        ) from None


def _compile_body(
    sheet: Sheet, ctx: Context, project: Project | None, source: SheetSource
) -> Compiled:
    root = sheet.root
    out = Output()
    spans = mention_sheet.compile_mentions(sheet, ctx, source.info, out)
    if not spans and project is not None:
        spans = mention_sheet.spans_of_source(project, ctx, source.info, sheet.path)
    claims = root.get("claims")
    if claims is not None:
        if not claims.is_list:
            sheet.error(claims, "'claims:' must be a list, one '- quote: ...' item per claim")
        prefix = root.get("id-prefix")
        ids = claim_ids(sheet, claims.items or [], prefix.text() if prefix else "")
        shared = parse_readings(sheet, ctx, root.get("readings"), None)
        for item, claim_id in zip(claims.items or [], ids, strict=True):
            if item.get("candidate") is not None and item.get("candidate").value is True:  # type: ignore[union-attr]
                continue  # a suggestion (kgtool suggest) no curator accepted yet: counted by build
            _claim(sheet, ctx, source, item, (claim_id, ids), spans, out, shared)
    return Compiled(out.ntriples(), out.where)


def _source(sheet: Sheet, ctx: Context) -> SheetSource:
    item = sheet.root.get("source")
    if item is None:
        sheet.error(
            (1, 1),
            "the sheet names no source",
            hint="add 'source: <name>' (the src: name or the text file under graph/)",
        )
    assert item is not None
    name = item.text().strip()
    wanted = [name, "https://w3id.org/kgtool/source/" + name]
    if name.startswith("src:"):
        wanted.append("https://w3id.org/kgtool/source/" + name[4:])
    found = [
        info
        for iri, info in ctx.sources.items()
        if iri in wanted or info.local_path in (name, "sources/" + name)
    ]
    if not found:
        names = ", ".join(sorted(i.rsplit("/", 1)[1] for i in ctx.sources)) or "none"
        sheet.error(
            item,
            f"unknown source '{name}'",
            hint=f"known sources: {names}; register one with 'kgtool add source FILE'",
        )
    info = found[0]
    if info.problem is not None:  # the text is missing or unreadable: that is the error
        raise info.problem
    lang = sheet.root.get("language")
    language = lang.text() if lang else (info.language or None)
    by = sheet.root.get("by")
    if by is not None:
        attribution = [_agent(sheet, ctx, each) for each in _listed(by)]
    elif info.author:
        attribution = [info.author]
    else:
        attribution = []
    return SheetSource(info, language, attribution)


def _listed(item: Item) -> list[Item]:
    return list(item.items or []) if item.is_list else [item]


def _agent(sheet: Sheet, ctx: Context, item: Item) -> str:
    name = item.text()
    found = ctx.lookup(name)
    agents = {iri for iri in found if ctx.is_a(iri, KG + "Agent")} or found
    if len(agents) != 1:
        _unknown(sheet, ctx, item, name, agents)
    return next(iter(agents))


def _unknown(sheet: Sheet, ctx: Context, item: Item, name: str, found: set[str]) -> None:
    if found:
        names = ", ".join(sorted(found))
        sheet.error(item, f"'{name}' names several entities: {names}", hint="write a CURIE")
    near = ctx.nearest_labels(name)
    hint = ("nearest labels: " + ", ".join(f"'{n}'" for n in near)) if near else None
    sheet.error(
        item,
        f"unknown entity '{name}'",
        hint=hint or "add it to graph/entities.ttl or write its CURIE",
    )


def locate_quote(sheet: Sheet, item: Item, info: SourceInfo) -> tuple[int, int]:
    """The quote's offsets: its only occurrence, or the one its occurrence / context picks."""
    quote_item = item.get("quote")
    if quote_item is None or not quote_item.text().strip():
        sheet.error(
            item,
            "the claim has no 'quote:'",
            hint="copy the exact words of the source that support the claim",
        )
    assert quote_item is not None
    quote, text = quote_item.text(), info.text
    found = occurrences(text, quote)
    context = item.get("context")
    if context is not None:
        around = occurrences(text, context.text())
        inner = context.text().find(quote)
        if len(around) != 1 or inner < 0:
            sheet.error(
                context,
                "the context must contain the quote and occur once in the "
                f"source (it occurs {len(around)} times)",
            )
        found = [around[0] + inner]
    occurrence = item.get("occurrence")
    if occurrence is not None and context is None:
        number = occurrence.value
        if not isinstance(number, int) or not 1 <= number <= len(found):
            sheet.error(occurrence, f"occurrence must be a number from 1 to {len(found)}")
        found = [found[number - 1]]
    if not found:
        near = closest_passages(text, quote)
        listed = "; ".join(
            f"[{s}, {e}) '{snippet(text, s, e)}' ({score:g}%)" for s, e, score in near
        )
        sheet.error(
            quote_item,
            f"quote not found in graph/{info.local_path}; closest passages: {listed}",
            hint="copy the words exactly as the source has them",
        )
    if len(found) > 1:
        spots = ", ".join(f"[{at}, {at + len(quote)})" for at in found)
        sheet.error(
            quote_item,
            f"the quote occurs {len(found)} times, at {spots}",
            hint=f"add 'occurrence: N' (1 to {len(found)}) or 'context: <a few words around it>'",
        )
    return found[0], found[0] + len(quote)


def _claim(
    sheet: Sheet,
    ctx: Context,
    source: SheetSource,
    item: Item,
    naming: tuple[str, list[str]],
    spans: dict[str, list[tuple[int, int]]],
    out: Output,
    shared: list[ReadingSpec],
) -> None:
    claim_id, ids = naming
    start, end = locate_quote(sheet, item, source.info)
    claim = CLM + claim_id
    lang = source.language
    fact_key = _fact_key(sheet, ctx, item)
    out.located(claim, item.line, item.column)
    out.iri(claim, RDF + "type", KG + "Claim")
    label = item.get("label") or item.get("quote")
    assert label is not None
    out.text(claim, RDFS + "label", " ".join(label.text().split()), lang)
    out.iri(claim, KG + "inSource", source.info.iri)
    out.iri(claim, KG + "hasAnchor", claim + "-anchor")
    out.anchor(claim + "-anchor", source.info.iri, source.info.text[start:end], start, end)
    out.located(claim + "-anchor", *_at(item.get("quote"), item))
    by = item.get("by")
    agents = [_agent(sheet, ctx, each) for each in _listed(by)] if by else source.attribution
    if not agents:
        sheet.error(
            item,
            "the claim is attributed to nobody and the source has no author",
            hint="add 'by: <who says so>'",
        )
    for agent in agents:
        out.iri(claim, PROV + "wasAttributedTo", agent)
    cites = item.get("cites")
    for cited in _listed(cites) if cites is not None else []:
        docs = {i for i in ctx.lookup(cited.text()) if ctx.is_a(i, KG + "CitedDocument")}
        if len(docs) != 1:
            _unknown(sheet, ctx, cited, cited.text(), docs)
        out.iri(claim, KG + "citesSource", next(iter(docs)))
    modality = _modality(sheet, ctx, item.get("modality"))
    out.iri(claim, KG + "modality", modality)
    write_hedges(sheet, ctx, out, source.info, claim, modality, (start, end), item.get("hedges"))
    interpreted = _interpreted(sheet, ctx, item, fact_key[1])
    for prop in sorted(interpreted):
        out.iri(claim, KG + "interpretedProperty", prop)
    own = parse_readings(sheet, ctx, item.get("readings"), ctx.properties_of(fact_key[1]))
    readings = ClaimReadings(own, shared)
    writer = FactWriter(
        sheet, ctx, out, source.info, lang, claim, (start, end), ids, spans, interpreted
    )
    writer.readings = readings
    resolved_note = writer.write(fact_key[0], fact_key[1], item.get(fact_key[0]))
    note = item.get("note")
    if note is not None:
        out.text(claim, KG + "interpretationNote", " ".join(note.text().split()), lang)
    elif interpreted:
        sheet.error(
            item,
            "the claim has interpreted properties but no 'note:'",
            hint="say in 'note:' why they were read that way",
        )
    elif resolved_note:
        out.text(claim, KG + "interpretationNote", resolved_note, lang)
    out.iri(claim, KG + "states", claim + "-fact")
    _readings(sheet, source.info, readings, interpreted, note, (start, end))
    write_readings(out, claim, source.info, readings.used, lang)


def _readings(
    sheet: Sheet,
    info: SourceInfo,
    readings: ClaimReadings,
    interpreted: set[str],
    note: Item | None,
    span: tuple[int, int],
) -> None:
    """Add the claim's own readings not yet used, and one per interpreted property."""
    for spec in readings.own:
        if not any(r.kind == spec.kind and r.note == spec.note for r in readings.used):
            readings.use(spec, spec.prop, None, locate_words(sheet, info, spec, span))
    for prop in sorted(interpreted):
        if note is not None and not any(r.prop == prop for r in readings.used):
            text = " ".join(note.text().split())
            readings.used.append(Reading(KG + "ContextReading", text, prop))


def _at(item: Item | None, fallback: Item) -> tuple[int, int]:
    chosen = item or fallback
    return chosen.line, chosen.column


def _fact_key(sheet: Sheet, ctx: Context, item: Item) -> tuple[str, str]:
    classes = ctx.fact_classes()
    kinds = [k for k in (item.keys or {}) if k not in CLAIM_KEYS]
    for key in kinds:
        if key not in classes:
            near = difflib.get_close_matches(key, [*classes, *CLAIM_KEYS], n=3, cutoff=0.5)
            sheet.error(
                item.key_at[key],
                f"'{key}' is neither a claim key nor a kind of fact",
                hint=("did you mean " + ", ".join(near) + "?")
                if near
                else "kinds of fact: " + ", ".join(sorted(classes)),
            )
    if len(kinds) != 1:
        sheet.error(
            item,
            f"a claim states exactly one fact; this one has {len(kinds)}",
            hint="add one kind of fact, e.g. 'TradeFlow: {exporter: ..., ...}'",
        )
    return kinds[0], classes[kinds[0]]


def _modality(sheet: Sheet, ctx: Context, item: Item | None) -> str:
    if item is None:
        return KG + "Asserted"
    found = [c for c in ctx.concept(item.text()) if MODALITIES in ctx.in_scheme.get(c, ())]
    if len(found) != 1:
        names = sorted(local(c).lower() for c, s in ctx.in_scheme.items() if MODALITIES in s)
        sheet.error(item, f"unknown modality '{item.text()}'", hint="one of: " + ", ".join(names))
    return found[0]


def _interpreted(sheet: Sheet, ctx: Context, item: Item, fact_class: str) -> set[str]:
    given = item.get("interpreted")
    if given is None:
        return set()
    props = ctx.properties_of(fact_class)
    out = set()
    for each in _listed(given):
        name = each.text()
        if name in ("by", "attribution", "wasAttributedTo"):
            out.add(PROV + "wasAttributedTo")
        elif name in props:
            out.add(props[name])
        else:
            sheet.error(
                each,
                f"'{name}' is not a property of a {local(fact_class)}",
                hint="list fact properties by name, or 'by' for the attribution",
            )
    return out


__all__ = ["Compiled", "compile_file", "compile_sheet", "sheet_line"]
