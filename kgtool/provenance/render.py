"""Explanations and mentions for people (text) and programs (JSON).

Text output marks the quoted span inside its sentence with ``[[…]]``, or with
bold underline on a terminal; JSON gives the offsets instead, so nothing has
to be parsed back out of the text.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from kgtool.provenance.model import ClaimExplanation, Explanation, Mention, Quote
from kgtool.results import compact_iri

ANSI = ("\x1b[1;4m", "\x1b[0m")
PLAIN = ("[[", "]]")
LABEL_WIDTH = 13


def _line(label: str, text: str, indent: int = 2) -> str:
    head = f"{label}:" if label else ""
    return " " * indent + f"{head:<{LABEL_WIDTH}} {text}"


def _named(label: str | None, iri: str) -> str:
    short = compact_iri(iri)
    return f"{label} ({short})" if label and label != short else short


def _amount_text(amount: Any) -> str:
    unit = amount.currency or amount.unit_text or amount.unit or ""
    if amount.value is not None:
        typed = f"{amount.value} {unit}"
    elif amount.max_value is not None and amount.min_value is not None:
        typed = f"{amount.min_value} to {amount.max_value} {unit}"
    elif amount.max_value is not None:
        typed = f"at most {amount.max_value} {unit}"
    else:
        typed = f"at least {amount.min_value} {unit}"
    code = f" [{amount.unit}]" if amount.unit and amount.unit_text else ""
    approx = amount.approximation_label or compact_iri(amount.approximation or "")
    flag = f" ({approx}{', approximate' if amount.approximate else ''})" if approx else ""
    stated = f'stated "{amount.stated}" → ' if amount.stated else ""
    return f"{stated}{typed.strip()}{code}{flag}"


def claim_lines(
    claim: ClaimExplanation, *, context: int | None = None, color: bool = False
) -> list[str]:
    """The provenance of one claim, one fact per line."""
    marks = ANSI if color else PLAIN
    out = [f"{compact_iri(claim.claim)}  {claim.statement}"]
    if claim.roles:
        out.append(_line("role", ", ".join(claim.roles)))
    out.append(_line("modality", _named(claim.modality_label, claim.modality)))
    for chain in claim.chain():
        out.append(_line("attribution", chain))
    out.append(_line("fact", f"{claim.fact_kind} ({compact_iri(claim.fact)})"))
    for prop in claim.properties:
        value = _named(prop.value_label, prop.value) if prop.is_entity else prop.value
        if not prop.is_entity and prop.value.startswith(("http://", "https://")):
            value = compact_iri(prop.value)
        flag = "  [interpreted]" if prop.interpreted else ""
        out.append(_line(prop.label, value + flag, indent=4))
    if claim.time is not None:
        time = claim.time
        resolved = time.resolved or time.edtf or ""
        bounds = f" ({time.earliest or '…'} to {time.latest or '…'})"
        how = time.resolution_label or compact_iri(time.resolution or "")
        flag = "  [interpretation]" if time.interpreted else ""
        out.append(_line("time", f'stated "{time.stated}" → {resolved}{bounds}, {how}{flag}'))
        if time.note:
            out.append(_line("", f"note: {time.note}"))
    for amount in claim.amounts:
        out.append(_line(amount.label, _amount_text(amount)))
    if claim.interpreted:
        out.append(_line("interpreted", ", ".join(claim.interpreted)))
    if claim.note:
        out.append(_line("", f"note: {claim.note}"))
    if claim.hedges:
        out.append(_line("hedged by", ", ".join(claim.hedges)))
    for reading in claim.readings:
        out.append(_line("reading", reading))
    source = claim.source
    meta = [
        x
        for x in (source.publisher, f"by {source.author}" if source.author else None, source.date)
        if x
    ]
    out.append(_line("source", f"{source.title or ''} ({compact_iri(source.iri)})".strip()))
    if meta:
        out.append(_line("", ", ".join(meta)))
    if source.url:
        out.append(_line("", source.url))
    for quote in claim.quotes:
        check = "" if quote.matches_source or not quote.source_text else "  [differs from source!]"
        out.append(_line("quote", f"[{quote.start}, {quote.end}){check}"))
        out.append(_line("", quote.highlighted(context, marks)))
    return out


def render_text(
    explanation: Explanation, *, context: int | None = None, color: bool = False
) -> str:
    """An explanation as text; ``color`` uses ANSI bold underline for the quoted span."""
    out: list[str] = []
    if explanation.entity is not None:
        entity = explanation.entity
        out.append(f"{entity.label} ({compact_iri(entity.iri)})")
        if entity.types:
            out.append(_line("type", ", ".join(sorted(entity.types))))
        if entity.alt_labels:
            out.append(_line("also", ", ".join(sorted(entity.alt_labels))))
        if entity.definition:
            out.append(_line("definition", entity.definition))
        for label, value in entity.identifiers:
            out.append(_line(label, compact_iri(value)))
        out.append(_line("claims", str(len(explanation.claims))))
        for kind, claims in explanation.groups().items():
            out.append("")
            out.append(f"== {kind} ({len(claims)})")
            for claim in claims:
                out.append("")
                out.extend(claim_lines(claim, context=context, color=color))
        if explanation.related:
            out.append("")
            out.append(f"== about related entities ({len(explanation.related)})")
            for claim in explanation.related:
                out.append("")
                out.extend(claim_lines(claim, context=context, color=color))
        return "\n".join(out)
    if explanation.kind == "text":
        count = len(explanation.claims)
        out.append(f'{count} claim{"s" if count != 1 else ""} quote "{explanation.target}"')
    for claim in explanation.claims:
        if out:
            out.append("")
        out.extend(claim_lines(claim, context=context, color=color))
    return "\n".join(out)


def _quote_dict(quote: Quote, context: int | None) -> dict[str, Any]:
    left, right = quote.context(context)
    return {
        "text": quote.text,
        "start": quote.start,
        "end": quote.end,
        "source": quote.source,
        "matchesSource": quote.matches_source,
        "context": {
            "text": quote.source_text[left:right] if quote.source_text else quote.text,
            "start": left,
            "end": right,
            "highlight": [quote.start - left, quote.end - left],
        },
    }


def claim_dict(claim: ClaimExplanation, context: int | None = None) -> dict[str, Any]:
    data = asdict(claim)
    data["quotes"] = [_quote_dict(q, context) for q in claim.quotes]
    data["attributionChain"] = claim.chain()
    if claim.time is not None:
        data["time"]["interpreted"] = claim.time.interpreted
    for amount, raw in zip(claim.amounts, data["amounts"], strict=True):
        raw["approximate"] = amount.approximate
    return data


def render_json(explanation: Explanation, *, context: int | None = None) -> str:
    """An explanation as JSON: full IRIs, offsets for every quote and its context."""
    payload = {
        "kind": explanation.kind,
        "target": explanation.target,
        "entity": asdict(explanation.entity) if explanation.entity else None,
        "claims": [claim_dict(c, context) for c in explanation.claims],
        "related": [claim_dict(c, context) for c in explanation.related],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def mention_rows(items: list[Mention], chars: int = 40) -> list[dict[str, Any]]:
    """Mentions as flat records (context snippet with ``[[…]]`` around the span)."""
    return [
        {
            "surface": m.surface,
            "start": m.start,
            "end": m.end,
            "context": m.snippet(chars, PLAIN),
            "source": compact_iri(m.source),
            "mention": compact_iri(m.mention),
        }
        for m in items
    ]
