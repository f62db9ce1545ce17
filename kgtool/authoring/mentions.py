"""Mentions in a sheet: found from the entities' labels, plus curated lines, minus exclusions.

A mention sheet (``graph/mentions/``) gives every label match of a known
entity (:mod:`kgtool.authoring.finder`; ``find: none`` turns that off), the
curated ``mentions:`` that labels cannot give ("the communist country", "it")
and drops its ``not-mentions:``. Both lists are ``- <words>: <entity>``, in
text order: each is found at the first occurrence of its words (at word
boundaries) at or after the start of the previous line's (after it, when the
words are the same), so a curator never writes an offset. IRIs are
``mnt:<mention-prefix><NNN>``, numbered in text order (a span that refers to
two entities gives two mentions).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kgtool.authoring.context import KG, Context, SourceInfo
from kgtool.authoring.finder import Found, candidates, find_mentions, source_named
from kgtool.authoring.locate import closest_passages, occurrences, snippet
from kgtool.authoring.sheet import Item, Sheet, SheetError, read_sheet
from kgtool.authoring.terms import MNT, Output
from kgtool.project import Project

Spans = dict[str, list[tuple[int, int]]]


MENTION_KEYS = ("mentions", "not-mentions", "find")


def is_mention_sheet(sheet: Sheet) -> bool:
    return any(sheet.root.get(key) is not None for key in MENTION_KEYS)


def compile_mentions(sheet: Sheet, ctx: Context, info: SourceInfo, out: Output | None) -> Spans:
    """Write the sheet's mentions (when ``out`` is given); return entity -> spans.

    A mention sheet gives the mentions found from labels (unless ``find: none``),
    plus its curated ``mentions:`` and minus its ``not-mentions:``.
    """
    return _spans(resolve_mentions(sheet, ctx, info), out, sheet, info)


def resolve_mentions(sheet: Sheet, ctx: Context, info: SourceInfo) -> list[tuple[Found, Item]]:
    """Every mention of a mention sheet, in text order, with the sheet item it came from."""
    if not is_mention_sheet(sheet):
        return []
    find = sheet.root.get("find")
    automatic = find is None or find.text() == "labels"
    if find is not None and find.text() not in ("labels", "none"):
        sheet.error(
            find, f"unknown 'find: {find.text()}'", hint="write 'find: labels' or 'find: none'"
        )
    found = {f: sheet.root for f in find_mentions(info.text, ctx)} if automatic else {}
    for item, start, end, iri in _listed(sheet, ctx, info, "not-mentions"):
        hit = Found(start, end, iri)
        if hit not in found:
            sheet.error(
                item,
                f"'{info.text[start:end]}' at [{start}, {end}) is not found from labels",
                hint="remove this exclusion",
            )
        del found[hit]
    for item, start, end, iri in _listed(sheet, ctx, info, "mentions"):
        hit = Found(start, end, iri)
        if hit in found and found[hit] is sheet.root:
            sheet.error(
                item,
                f"'{info.text[start:end]}' at [{start}, {end}) is found from labels already",
                hint="remove this line (or write 'find: none' to list every mention by hand)",
            )
        found[Found(start, end, iri, "added")] = item
    order = {key: n for n, key in enumerate(found)}
    return sorted(found.items(), key=lambda kv: (kv[0].start, -kv[0].end, order[kv[0]]))


def _spans(
    found: list[tuple[Found, Item]], out: Output | None, sheet: Sheet, info: SourceInfo
) -> Spans:
    prefix_item = sheet.root.get("mention-prefix")
    prefix = prefix_item.text() if prefix_item else sheet.path.rsplit("/", 1)[-1].split(".")[0]
    spans: Spans = {}
    for number, (hit, item) in enumerate(found, 1):
        spans.setdefault(hit.entity, []).append((hit.start, hit.end))
        if out is not None:
            node = f"{MNT}{prefix}{number:03d}"
            out.anchor(
                node, info.iri, info.text[hit.start : hit.end], hit.start, hit.end, KG + "Mention"
            )
            out.iri(node, KG + "refersTo", hit.entity)
            out.located(node, item.line, item.column)
    return spans


def _listed(
    sheet: Sheet, ctx: Context, info: SourceInfo, key: str
) -> list[tuple[Item, int, int, str]]:
    """The (item, start, end, entity) of a list of '- <words>: <entity>' lines, in text order."""
    out = []
    for item, written, start, cursor in curated_lines(sheet, info.text, key):
        words = _marked(written)[0]
        if start is None:
            near = closest_passages(info.text[cursor:], words, 2)
            listed_near = "; ".join(
                f"[{s + cursor}, {e + cursor}) '{snippet(info.text, s + cursor, e + cursor)}'"
                for s, e, _ in near
            )
            sheet.error(
                item.key_at[written],
                f"mention '{written}' not found after offset {cursor} "
                f"(mentions are listed in text order); closest: {listed_near}",
            )
        assert start is not None
        target = (item.keys or {})[written]
        for entity_item in target.items or [] if target.is_list else [target]:
            iri = _entity(sheet, ctx, entity_item)
            out.append((entity_item, start, start + len(words), iri))
    return out


def curated_lines(sheet: Sheet, text: str, key: str) -> list[tuple[Item, str, int | None, int]]:
    """(item, words as written, start or None when not found, search start) of each line."""
    listed = sheet.root.get(key)
    if listed is None:
        return []
    if not listed.is_list:
        sheet.error(listed, f"'{key}:' must be a list of '- <words>: <entity>' lines")
    cursor, previous = 0, None
    out: list[tuple[Item, str, int | None, int]] = []
    for item in listed.items or []:
        if not item.is_map or len(item.keys or {}) != 1:
            sheet.error(item, "a mention is one '<words>: <entity>' pair")
        written = next(iter(item.keys or {}))
        _words, context, inner = _marked(written)
        if written == previous:  # the same words again: their next occurrence
            cursor += 1
        previous = written
        found = [at + inner for at in occurrences(text, context, cursor)]
        out.append((item, written, found[0] if found else None, cursor))
        if found:
            cursor = found[0]
    return out


def _marked(written: str) -> tuple[str, str, int]:
    """'[North Korea]'s diversification' -> (the words, the context to find, their offset in it)."""
    start, end = written.find("["), written.find("]")
    if start < 0 or end < start:
        return written, written, 0
    words = written[start + 1 : end]
    return words, written[:start] + words + written[end + 1 :], start


def _entity(sheet: Sheet, ctx: Context, item: Item) -> str:
    name = item.text()
    found = ctx.lookup(name)
    if len(found) != 1:
        near = ctx.nearest_labels(name)
        sheet.error(
            item,
            f"unknown entity '{name}'"
            if not found
            else f"'{name}' names several entities: {', '.join(sorted(found))}",
            hint=("nearest labels: " + ", ".join(f"'{n}'" for n in near))
            if near
            else "add it to graph/entities.ttl",
        )
    return next(iter(found))


def spans_of_source(project: Project, ctx: Context, info: SourceInfo, skip: str) -> Spans:
    """The mentions other sheets of the project give for the same source."""
    from kgtool.authoring.context import SHEET_SUFFIXES

    spans: Spans = {}
    for path in project.rdf_files():
        if path.suffix not in SHEET_SUFFIXES or project.relative(path) == skip:
            continue
        other = _mention_sheet(path, project.relative(path))
        if other is None:
            continue
        name = other.root.get("source")
        assert name is not None
        if info.iri.endswith("/" + name.text()) or name.text() in (info.iri, info.local_path):
            for iri, places in compile_mentions(other, ctx, info, None).items():
                spans.setdefault(iri, []).extend(places)
    return spans


_SHEETS: dict[str, tuple[tuple[int, int, int, int], Sheet | None]] = {}


def _mention_sheet(path: Path, shown: str) -> Sheet | None:
    """The sheet at ``path`` if it lists mentions (parsed once while the file is unchanged)."""
    info = path.stat()
    stamp = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    cached = _SHEETS.get(shown)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        sheet: Sheet | None = read_sheet(path, shown)
    except SheetError:
        sheet = None  # that sheet reports its own error when it is compiled
    if sheet is not None and (not is_mention_sheet(sheet) or not sheet.root.get("source")):
        sheet = None
    _SHEETS[shown] = (stamp, sheet)
    return sheet


@dataclass
class MentionReport:
    """What ``kgtool find-mentions`` says about one source."""

    source: str
    sheet: str | None
    mentions: list[Found]  # every mention, automatic and curated, in text order
    from_labels: int
    added: int
    excluded: int
    candidates: list[tuple[int, int, str]]


def report(project: Project, name: str) -> MentionReport:
    """The mentions of a source: from labels, plus and minus its mention sheet's lines."""
    from kgtool.authoring.context import SHEET_SUFFIXES, load_context

    ctx = load_context(project)
    info = source_named(ctx, name)
    automatic = find_mentions(info.text, ctx)
    for path in project.rdf_files():
        if path.suffix not in SHEET_SUFFIXES:
            continue
        sheet = read_sheet(path, project.relative(path))
        source = sheet.root.get("source")
        if not is_mention_sheet(sheet) or source is None:
            continue
        if source_named(ctx, source.text()).iri != info.iri:
            continue
        found = [hit for hit, _ in resolve_mentions(sheet, ctx, info)]
        added = sum(hit.how == "added" for hit in found)
        kept = len(found) - added
        return MentionReport(
            info.iri, sheet.path, found, kept, added, len(automatic) - kept,
            candidates(info.text, found),
        )  # fmt: skip
    return MentionReport(
        info.iri, None, automatic, len(automatic), 0, 0, candidates(info.text, automatic)
    )
