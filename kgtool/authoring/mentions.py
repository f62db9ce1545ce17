"""Mentions in a sheet: one line per span, ``- <words>: <entity>``, in text order.

Each mention is found at the first occurrence of its words (at word
boundaries) at or after the start of the previous mention, so a curator
writes the words in reading order and never an offset. IRIs are
``mnt:<mention-prefix><NNN>``, numbered in the sheet's order (a span that
refers to two entities gives two mentions).
"""

from __future__ import annotations

from pathlib import Path

from kgtool.authoring.context import KG, Context, SourceInfo
from kgtool.authoring.locate import closest_passages, occurrences, snippet
from kgtool.authoring.sheet import Item, Sheet, SheetError, read_sheet
from kgtool.authoring.terms import MNT, Output
from kgtool.project import Project

Spans = dict[str, list[tuple[int, int]]]


def compile_mentions(sheet: Sheet, ctx: Context, info: SourceInfo, out: Output | None) -> Spans:
    """Write the sheet's mentions (when ``out`` is given); return entity -> spans."""
    listed = sheet.root.get("mentions")
    spans: Spans = {}
    if listed is None:
        return spans
    if not listed.is_list:
        sheet.error(listed, "'mentions:' must be a list of '- <words>: <entity>' lines")
    prefix_item = sheet.root.get("mention-prefix")
    prefix = prefix_item.text() if prefix_item else sheet.path.rsplit("/", 1)[-1].split(".")[0]
    number, cursor = 0, 0
    for item in listed.items or []:
        if not item.is_map or len(item.keys or {}) != 1:
            sheet.error(item, "a mention is one '<words>: <entity>' pair")
        written, target = next(iter((item.keys or {}).items()))
        words, context, inner = _marked(written)
        found = [at + inner for at in occurrences(info.text, context, cursor)]
        if not found:
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
        start = found[0]
        end = start + len(words)
        cursor = start
        for entity_item in target.items or [] if target.is_list else [target]:
            iri = _entity(sheet, ctx, entity_item)
            number += 1
            spans.setdefault(iri, []).append((start, end))
            if out is not None:
                node = f"{MNT}{prefix}{number:03d}"
                out.anchor(node, info.iri, words, start, end, KG + "Mention")
                out.iri(node, KG + "refersTo", iri)
                out.located(node, entity_item.line, entity_item.column)
    return spans


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
    if sheet is not None and (sheet.root.get("mentions") is None or not sheet.root.get("source")):
        sheet = None
    _SHEETS[shown] = (stamp, sheet)
    return sheet
