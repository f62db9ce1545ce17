"""Who says so, where, in which exact words: explanations of claims and entities.

``explain`` answers "why" for a claim, an entity (by IRI, CURIE or label) or a
piece of quoted text; ``mentions`` lists where a text refers to an entity.
Both only talk to an :class:`~kgtool.query.Executor`, with the SPARQL in
``kgtool/sparql/``, so they give the same answer on the embedded store and on
a remote endpoint. Rendering for people lives in :mod:`kgtool.provenance.render`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from kgtool.errors import NotFoundError
from kgtool.project import NAMESPACES
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
from kgtool.query import Executor, package_query
from kgtool.results import QueryResult, compact_iri
from kgtool.terms import expand_iri

KG = NAMESPACES["kg"]
ENT = NAMESPACES["ent"]
CLAIM_CLASS = KG + "Claim"
TIME_PROPERTY = KG + "period"


def _value(term: Any) -> str | None:
    return None if term is None else term.value


def _records(result: QueryResult) -> list[dict[str, str | None]]:
    return [
        {name: _value(term) for name, term in zip(result.variables, row, strict=True)}
        for row in result.rows
    ]


def _run(executor: Executor, name: str, **bindings: Any) -> list[dict[str, str | None]]:
    import pyoxigraph as ox

    terms = {
        key: value if not isinstance(value, str) else ox.NamedNode(value)
        for key, value in bindings.items()
    }
    return _records(executor.execute(package_query(name).text, terms))


# Claims -----------------------------------------------------------------------------
def explain_claim(claim: str, executor: Executor) -> ClaimExplanation:
    """The provenance of one claim, by full IRI."""
    summary = _run(executor, "claim-summary", claim=claim)
    if not summary:
        raise NotFoundError(f"no claim {compact_iri(claim)} in the graph")
    head = next((row for row in summary if row["factKind"]), summary[0])
    interpreted_rows = _run(executor, "claim-interpretations", claim=claim)
    interpreted_iris = {row["property"] for row in interpreted_rows}
    explanation = ClaimExplanation(
        claim=claim,
        statement=head["statement"] or "",
        modality=head["modality"] or "",
        modality_label=head["modalityLabel"] or compact_iri(head["modality"] or ""),
        fact=head["fact"] or "",
        fact_kind=head["factKind"] or compact_iri(head["factClass"] or ""),
        source=_source(executor, head["source"] or ""),
        note=head["note"],
        interpreted=[
            row["propertyLabel"] or compact_iri(row["property"] or "") for row in interpreted_rows
        ],
    )
    explanation.attributions = [
        Attribution(
            party=row["party"] or "",
            party_label=row["partyLabel"] or compact_iri(row["party"] or ""),
            cited=row["cited"],
            cited_name=row["citedName"],
            cited_author=row["citedAuthorLabel"],
        )
        for row in _run(executor, "claim-attribution", claim=claim)
    ]
    _fill_fact(
        explanation, _run(executor, "fact-properties", fact=explanation.fact), interpreted_iris
    )
    explanation.quotes = [
        Quote(
            text=row["quote"] or "",
            start=int(row["start"] or 0),
            end=int(row["end"] or 0),
            source=row["source"] or "",
            source_text=row["text"] or "",
        )
        for row in _run(executor, "claim-anchors", claim=claim)
    ]
    explanation.hedges = [
        f'"{row["words"]}" [{row["start"]}, {row["end"]})'
        for row in _run(executor, "claim-hedges", claim=claim)
    ]
    explanation.readings = [_reading(row) for row in _run(executor, "claim-readings", claim=claim)]
    return explanation


def _reading(row: Mapping[str, str | None]) -> str:
    """'term: "anthracitic" [1093, 1104) → anthracite (commodity). Note …'"""
    words = f' "{row["words"]}" [{row["start"]}, {row["end"]})' if row["words"] else ""
    value = f" → {row['valueLabel']}" if row["valueLabel"] else ""
    prop = f" ({row['propertyLabel']})" if row["propertyLabel"] else ""
    return f"{row['kindLabel']}:{words}{value}{prop}. {row['note']}"


def _source(executor: Executor, iri: str) -> SourceInfo:
    rows = _run(executor, "source-metadata", source=iri)
    row = rows[0] if rows else {}
    return SourceInfo(
        iri=iri,
        title=row.get("title"),
        publisher=row.get("publisherLabel") or compact_iri(row.get("publisher") or "") or None,
        author=row.get("authorLabel") or compact_iri(row.get("author") or "") or None,
        date=row.get("datePublished"),
        url=row.get("url"),
    )


def _fill_fact(
    explanation: ClaimExplanation, rows: list[dict[str, str | None]], interpreted: set[Any]
) -> None:
    """Sort the fact's rows into plain properties, the period and amounts."""
    details: dict[tuple[str, str], dict[str, tuple[str, str | None]]] = {}
    seen: dict[tuple[str, str], dict[str, str | None]] = {}
    for row in rows:
        key = (row["property"] or "", row["value"] or "")
        seen.setdefault(key, row)
        if row["detail"]:
            name = row["detail"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            details.setdefault(key, {})[name] = (row["detailValue"] or "", row["detailValueLabel"])
    for key, row in seen.items():
        prop, value = key
        label = row["propertyLabel"] or compact_iri(prop)
        nested = details.get(key)
        if nested and "resolution" in nested:
            explanation.time = _time(nested)
        elif nested and ("currency" in nested or "unitCode" in nested):
            explanation.amounts.append(_amount(prop, label, nested))
        else:
            explanation.properties.append(
                Property(prop, label, value, row["valueLabel"], interpreted=prop in interpreted)
            )


def _time(nested: Mapping[str, tuple[str, str | None]]) -> TimeInfo:
    def get(name: str) -> str | None:
        return nested[name][0] if name in nested else None

    return TimeInfo(
        stated=get("statedText") or "",
        resolved=get("inXSDgYearMonth") or get("inXSDgYear") or get("inXSDDate"),
        edtf=get("edtf"),
        earliest=get("earliest"),
        latest=get("latest"),
        resolution=get("resolution"),
        resolution_label=nested["resolution"][1] if "resolution" in nested else None,
        note=get("resolutionNote"),
    )


def _amount(prop: str, label: str, nested: Mapping[str, tuple[str, str | None]]) -> Amount:
    def get(name: str) -> str | None:
        return nested[name][0] if name in nested else None

    return Amount(
        property=prop,
        label=label,
        stated=get("statedText"),
        value=get("value"),
        min_value=get("minValue"),
        max_value=get("maxValue"),
        currency=get("currency"),
        unit=get("unitCode"),
        unit_text=get("unitText"),
        approximation=get("approximation"),
        approximation_label=nested["approximation"][1] if "approximation" in nested else None,
    )


# Entities -----------------------------------------------------------------------------
def entity_info(entity: str, executor: Executor) -> EntityInfo:
    """Labels, types, definition and identifiers of an entity."""
    info = EntityInfo(iri=entity, label=compact_iri(entity))
    skos = NAMESPACES["skos"]
    for row in _run(executor, "entity-identity", entity=entity):
        prop, value = row["property"] or "", row["value"] or ""
        if prop == skos + "prefLabel":
            info.label = value
        elif prop == skos + "altLabel":
            info.alt_labels.append(value)
        elif prop == NAMESPACES["rdf"] + "type":
            info.types.append(compact_iri(value))
        elif prop == skos + "definition":
            info.definition = value
        elif prop.startswith(KG + "iso3166") or prop in {
            KG + "hsCode",
            NAMESPACES["schema"] + "sameAs",
        }:
            info.identifiers.append((row["propertyLabel"] or compact_iri(prop), value))
        elif row["valueLabel"]:
            info.identifiers.append((row["propertyLabel"] or compact_iri(prop), row["valueLabel"]))
    return info


def explain_entity(entity: str, executor: Executor) -> Explanation:
    """An entity's identity and every claim about it or attributed to it."""
    explanation = Explanation("entity", entity, entity=entity_info(entity, executor))
    roles: dict[str, list[str]] = {}
    for row in _run(executor, "entity-claims", entity=entity):
        claim = row["claim"] or ""
        if row["role"] and row["role"] not in roles.setdefault(claim, []):
            roles[claim].append(row["role"])
    for claim, claim_roles in roles.items():
        explained = explain_claim(claim, executor)
        explained.roles = claim_roles
        explanation.claims.append(explained)
    explanation.claims.sort(key=_claim_order)
    explanation.related = _related_claims(entity, executor, {c.claim for c in explanation.claims})
    return explanation


def _related_claims(entity: str, executor: Executor, seen: set[str]) -> list[ClaimExplanation]:
    """What is said about the entities related to ENTITY (its company, its government …)."""
    found: dict[str, ClaimExplanation] = {}
    for link in _run(executor, "entity-related", entity=entity):
        related, name = link["related"] or "", link["relatedLabel"] or ""
        how = f"{link['relation']}, {compact_iri(link['statement'] or '')} ({link['kind']})"
        for row in _run(executor, "entity-claims", entity=related):
            claim = row["claim"] or ""
            if claim in seen or claim == link["statement"] or not row["role"]:
                continue
            if claim not in found:
                found[claim] = explain_claim(claim, executor)
            role = f"{row['role']}: {name} (related by {how})"
            if role not in found[claim].roles:
                found[claim].roles.append(role)
    return sorted(found.values(), key=_claim_order)


def _claim_order(claim: ClaimExplanation) -> tuple[int, str]:
    return (min((q.start for q in claim.quotes), default=0), claim.claim)


# Targets ----------------------------------------------------------------------------
def _types(node: str, executor: Executor) -> tuple[set[str], bool]:
    rows = _run(executor, "target-types", target=node)
    return {row["type"] for row in rows if row["type"]}, any(row["label"] for row in rows)


def _closest(target: str, executor: Executor) -> str:
    labels = {row["label"] or "" for row in _run(executor, "entity-labels")}
    lowered = {label.lower(): label for label in labels}
    close = difflib.get_close_matches(target.lower(), list(lowered), n=3, cutoff=0.5)
    if not close:
        return "give a claim IRI (clm:…), an entity IRI or label, or words of a quote"
    return "closest labels: " + ", ".join(f'"{lowered[c]}"' for c in close)


def explain(target: str, executor: Executor) -> Explanation:
    """Explain TARGET: a claim IRI/CURIE, an entity IRI/CURIE/label, or quoted text.

    Labels match case-insensitively; text matches quotes as a case-insensitive
    substring. Nothing matching raises :class:`NotFoundError` with the closest labels.
    """
    import pyoxigraph as ox

    from kgtool.search import claims_quoting

    text = target.strip()
    if not text:
        raise NotFoundError("nothing to explain", hint="give a claim, an entity or some words")
    iri = expand_iri(text)
    if iri is not None and " " not in iri:
        types, labelled = _types(iri, executor)
        if CLAIM_CLASS in types:
            return Explanation("claim", iri, claims=[explain_claim(iri, executor)])
        if types or labelled:
            return explain_entity(iri, executor)
        raise NotFoundError(
            f"{compact_iri(iri)} is not in the graph", hint=_closest(text, executor)
        )
    label_rows = _records(
        executor.execute(package_query("resolve-label").text, {"label": ox.Literal(text.lower())})
    )
    entities = sorted({row["entity"] or "" for row in label_rows} - {""})
    claims = [e for e in entities if CLAIM_CLASS in _types(e, executor)[0]]
    entities = [e for e in entities if e.startswith(ENT)]
    if claims:
        return Explanation("claim", claims[0], claims=[explain_claim(claims[0], executor)])
    if len(entities) == 1:
        return explain_entity(entities[0], executor)
    if len(entities) > 1:
        raise NotFoundError(
            f"{text!r} names several entities: " + ", ".join(compact_iri(e) for e in entities),
            hint="give the CURIE of the one you mean",
        )
    found = claims_quoting(executor, text)  # the full-text index, when the store has one
    if found is None:
        rows = _run(executor, "quote-claims", needle=ox.Literal(text.lower()))
        found = list(dict.fromkeys(row["claim"] or "" for row in rows))
    if not found:
        raise NotFoundError(
            f"no claim, entity or quote matches {text!r}", hint=_closest(text, executor)
        )
    explanation = Explanation("text", text)
    explanation.claims = sorted((explain_claim(c, executor) for c in found), key=_claim_order)
    return explanation


def resolve_entity(target: str, executor: Executor) -> str:
    """An entity IRI from an IRI, a CURIE or a label (case-insensitive)."""
    import pyoxigraph as ox

    text = target.strip()
    iri = expand_iri(text)
    if iri is not None and " " not in iri:
        types, labelled = _types(iri, executor)
        if types or labelled:
            return iri
        raise NotFoundError(
            f"{compact_iri(iri)} is not in the graph", hint=_closest(text, executor)
        )
    rows = _records(
        executor.execute(package_query("resolve-label").text, {"label": ox.Literal(text.lower())})
    )
    entities = sorted(
        {row["entity"] or "" for row in rows if (row["entity"] or "").startswith(ENT)}
    )
    if len(entities) == 1:
        return entities[0]
    if entities:
        raise NotFoundError(
            f"{text!r} names several entities: " + ", ".join(compact_iri(e) for e in entities),
            hint="give the CURIE of the one you mean",
        )
    raise NotFoundError(f"no entity is called {text!r}", hint=_closest(text, executor))


def mentions(entity: str, executor: Executor) -> list[Mention]:
    """Every mention of an entity (IRI, CURIE or label) with offsets and source text."""
    iri = resolve_entity(entity, executor)
    return [
        Mention(
            mention=row["mention"] or "",
            entity=iri,
            surface=row["surface"] or "",
            start=int(row["start"] or 0),
            end=int(row["end"] or 0),
            source=row["source"] or "",
            source_text=row["text"] or "",
        )
        for row in _run(executor, "entity-mentions", entity=iri)
    ]


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
    "explain",
    "explain_claim",
    "explain_entity",
    "mentions",
    "resolve_entity",
    "sentence_bounds",
]
