"""Hedges: the cue words of modality, anchored as their own spans on their claims.

The cue words of each modality are data (``kg:cueWord`` on the concepts of
``kg:ModalityScheme``): every cue word of the claim's modality found in its
quote is anchored, and a claim may list more under ``hedges:`` (a "may" in an
opinion). A listed word that is not in the quote is an error.
"""

from __future__ import annotations

from kgtool.authoring.context import KG, Context, SourceInfo
from kgtool.authoring.locate import occurrences
from kgtool.authoring.sheet import Item, Sheet
from kgtool.authoring.terms import Output


def write_hedges(
    sheet: Sheet,
    ctx: Context,
    out: Output,
    info: SourceInfo,
    claim: str,
    modality: str,
    span: tuple[int, int],
    listed: Item | None,
) -> None:
    """``clm:X-hedge``, ``-hedge2`` …: a ``kg:HedgeAnchor`` on each cue word in the quote."""
    found: list[tuple[int, int, Item | None]] = []
    for cue in ctx.cues.get(modality, []):
        for at in occurrences(info.text, cue, *span, fold=True):
            found.append((at, at + len(cue), None))
    for each in (
        (listed.items or [])
        if listed is not None and listed.is_list
        else ([listed] if listed is not None else [])
    ):
        places = occurrences(info.text, each.text(), *span, fold=True)
        if not places:
            sheet.error(each, f"the hedge '{each.text()}' is not inside the claim's quote")
        found.append((places[0], places[0] + len(each.text()), each))
    spans: list[tuple[int, int]] = []
    for start, end, _ in sorted(found, key=lambda f: (f[0], -f[1])):
        if any(s <= start and end <= e for s, e in spans):
            continue  # "alleged" inside "allegedly", a listed word a cue already covers
        spans.append((start, end))
    for number, (start, end) in enumerate(spans, 1):
        node = f"{claim}-hedge" + (str(number) if number > 1 else "")
        out.iri(claim, KG + "hasHedge", node)
        out.anchor(node, info.iri, info.text[start:end], start, end, KG + "HedgeAnchor")


__all__ = ["write_hedges"]
