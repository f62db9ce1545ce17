"""A JSON Schema for claim sheets, generated from the ontology and the shapes.

Editors with a YAML language server complete and check a sheet as it is
typed: the kinds of fact are the ontology's fact classes, each with the
properties that apply to it, and modalities are the concepts of the scheme.
"""

from __future__ import annotations

import json
from typing import Any

from kgtool.authoring.context import KG, SKOS, Context, local
from kgtool.authoring.facts import VALUE_SUFFIX

MODALITIES = KG + "ModalityScheme"
TEXT: dict[str, Any] = {"type": ["string", "number", "boolean"]}
LISTED: dict[str, Any] = {"anyOf": [TEXT, {"type": "array", "items": TEXT, "minItems": 1}]}


def _value_schema(ctx: Context, prop: str, range_: str | None) -> dict[str, Any]:
    definition = ctx.definitions.get(prop, "")
    if range_ in VALUE_SUFFIX:
        stated: dict[str, Any] = {
            "type": "object",
            "required": ["stated"],
            "additionalProperties": False,
            "properties": {"stated": TEXT, "value": TEXT, "note": {"type": "string"}},
        }
        if range_ == KG + "TimeSpec":  # order in time: claim ids of earlier / later facts
            stated["properties"] = {**stated["properties"], "after": LISTED, "before": LISTED}
        return {"description": definition, "anyOf": [TEXT, stated]}
    if range_ is None or (not range_.startswith(KG) and range_ != SKOS + "Concept"):
        words = {
            "type": "object",
            "required": ["words"],
            "additionalProperties": False,
            "properties": {"words": {"type": "string"}},
        }
        return {"description": definition, "anyOf": [LISTED, words]}
    return {"description": definition, **LISTED}


def _reading_schema(ctx: Context, shared: bool) -> dict[str, Any]:
    kinds = KG + "ReadingKindScheme"
    names = sorted(
        min((n for n, iris in ctx.concepts.items() if c in iris), key=len)
        for c, schemes in ctx.in_scheme.items()
        if kinds in schemes
    )
    item = {
        "type": "object",
        "required": ["kind", "note", *(["words", "means"] if shared else [])],
        "additionalProperties": False,
        "properties": {
            "kind": {"enum": names},
            "note": {"type": "string", "description": "why the words were read so"},
            "words": {"type": "string", "description": "the words read, inside the quote"},
            **({"means": TEXT} if shared else {"property": {"type": "string"}}),
        },
    }
    return {"type": "array", "items": item}


def sheet_schema(ctx: Context) -> dict[str, Any]:
    """The schema as a JSON-ready dict (stable key order)."""
    facts: dict[str, Any] = {}
    for name, cls in sorted(ctx.fact_classes().items()):
        props = ctx.properties_of(cls)
        facts[name] = {
            "description": ctx.definitions.get(cls, ""),
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {
                p: _value_schema(ctx, iri, ctx.range_of(iri, cls))
                for p, iri in sorted(props.items())
            },
        }
    modalities = sorted(local(c).lower() for c, s in ctx.in_scheme.items() if MODALITIES in s)
    claim = {
        "type": "object",
        "required": ["quote"],
        "properties": {
            "id": {"type": "string", "description": "stable id: the claim's IRI is clm:<id>"},
            "quote": {"type": "string", "description": "the exact words of the source"},
            "occurrence": {"type": "integer", "minimum": 1},
            "context": {"type": "string", "description": "a few words around an ambiguous quote"},
            "label": {"type": "string", "description": "the statement in plain words"},
            "modality": {"enum": modalities},
            "by": LISTED,
            "cites": LISTED,
            "interpreted": {"type": "array", "items": {"type": "string"}},
            "note": {"type": "string", "description": "why interpreted parts were read so"},
            "candidate": {"type": "boolean", "description": "a suggestion the build skips"},
            "readings": _reading_schema(ctx, shared=False),
            "hedges": LISTED,
            **facts,
        },
        "additionalProperties": False,
        "minProperties": 2,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://w3id.org/kgtool/sheet.schema.json",
        "title": "kgtool claim sheet",
        "type": "object",
        "required": ["source"],
        "additionalProperties": False,
        "properties": {
            "source": {"type": "string"},
            "id-prefix": {"type": "string"},
            "mention-prefix": {"type": "string"},
            "by": LISTED,
            "language": {"type": "string"},
            "claims": {"type": "array", "items": claim},
            "readings": _reading_schema(ctx, shared=True),
            "mentions": MENTIONS,
            "not-mentions": MENTIONS,
            "find": {"enum": ["labels", "none"]},
        },
    }


MENTIONS = {
    "type": "array",
    "items": {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": LISTED,
    },
}


def schema_text(ctx: Context) -> str:
    return json.dumps(sheet_schema(ctx), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
