"""Provenance: who says so, where, and in which exact words.

- :mod:`~kgtool.provenance.model`   what an explanation holds (plain data)
- :mod:`~kgtool.provenance.why`     explanations of claims, entities and quotes; mentions
- :mod:`~kgtool.provenance.render`  explanations as text for people and JSON for programs
"""

from kgtool.provenance.model import (
    Amount,
    Attribution,
    ClaimExplanation,
    EntityInfo,
    Explanation,
    Mention,
    Property,
    Quote,
    SourceInfo,
    TimeInfo,
    sentence_bounds,
)
from kgtool.provenance.render import claim_dict, mention_rows, render_json, render_text
from kgtool.provenance.why import entity_info, explain, mentions, resolve_entity

__all__ = [
    "Amount",
    "Attribution",
    "ClaimExplanation",
    "EntityInfo",
    "Explanation",
    "Mention",
    "Property",
    "Quote",
    "SourceInfo",
    "TimeInfo",
    "claim_dict",
    "entity_info",
    "explain",
    "mention_rows",
    "mentions",
    "render_json",
    "render_text",
    "resolve_entity",
    "sentence_bounds",
]
