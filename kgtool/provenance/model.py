"""What an explanation holds: claims, their quotes, attributions, values and times.

Plain data, filled by :mod:`kgtool.provenance.why` from the graph and rendered by
:mod:`kgtool.provenance.render`; nothing here talks to a store.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from kgtool.project import NAMESPACES
from kgtool.results import compact_iri

KG = NAMESPACES["kg"]
APPROXIMATE = {KG + "Approximately", KG + "Below", KG + "Above"}


# Data ---------------------------------------------------------------------------
@dataclass
class Quote:
    """The words of the source that support a claim, and where they are."""

    text: str
    start: int
    end: int
    source: str
    source_text: str = ""

    @property
    def matches_source(self) -> bool:
        return self.source_text[self.start : self.end] == self.text

    def context(self, chars: int | None = None) -> tuple[int, int]:
        """Offsets of the surrounding text: the sentence, or ``chars`` either side."""
        if not self.source_text:
            return self.start, self.end
        if chars is not None:
            return max(0, self.start - chars), min(len(self.source_text), self.end + chars)
        return sentence_bounds(self.source_text, self.start, self.end)

    def highlighted(self, chars: int | None = None, marks: tuple[str, str] = ("[[", "]]")) -> str:
        """The context with the quoted span between ``marks`` ("…" where text is cut)."""
        if not self.source_text:
            return marks[0] + self.text + marks[1]
        left, right = self.context(chars)
        text = self.source_text
        out = text[left : self.start] + marks[0] + text[self.start : self.end] + marks[1]
        out += text[self.end : right]
        prefix = "…" if left > 0 and text[left - 1] != "\n" and chars is not None else ""
        suffix = "…" if right < len(text) and text[right] != "\n" and chars is not None else ""
        return prefix + out.replace("\n", " ") + suffix


@dataclass
class Attribution:
    """A party a claim is attributed to, and the upstream document it cites, if any."""

    party: str
    party_label: str
    cited: str | None = None
    cited_name: str | None = None
    cited_author: str | None = None


@dataclass
class Property:
    """One property of a fact: entity values by label, literals as written."""

    iri: str
    label: str
    value: str
    value_label: str | None = None
    interpreted: bool = False

    @property
    def is_entity(self) -> bool:
        return self.value_label is not None


@dataclass
class TimeInfo:
    """A period as the text words it and as resolved, with why when it is interpreted."""

    stated: str
    resolved: str | None = None
    edtf: str | None = None
    earliest: str | None = None
    latest: str | None = None
    resolution: str | None = None
    resolution_label: str | None = None
    note: str | None = None

    @property
    def interpreted(self) -> bool:
        return self.resolution == KG + "ResolvedFromContext"


@dataclass
class Amount:
    """Money or a quantity as stated and as a typed value."""

    property: str
    label: str
    stated: str | None = None
    value: str | None = None
    min_value: str | None = None
    max_value: str | None = None
    currency: str | None = None
    unit: str | None = None
    unit_text: str | None = None
    approximation: str | None = None
    approximation_label: str | None = None

    @builtins.property  # the field ``property`` shadows the builtin here
    def approximate(self) -> bool:
        return self.approximation in APPROXIMATE


@dataclass
class SourceInfo:
    iri: str
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None


@dataclass
class ClaimExplanation:
    """Everything the graph knows about where one claim comes from."""

    claim: str
    statement: str
    modality: str
    modality_label: str
    fact: str
    fact_kind: str
    source: SourceInfo
    attributions: list[Attribution] = field(default_factory=list)
    properties: list[Property] = field(default_factory=list)
    time: TimeInfo | None = None
    amounts: list[Amount] = field(default_factory=list)
    interpreted: list[str] = field(default_factory=list)
    note: str | None = None
    quotes: list[Quote] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # the entity's roles, for an entity
    readings: list[str] = field(default_factory=list)  # where terms differ from the words
    hedges: list[str] = field(default_factory=list)  # cue words of modality, with offsets

    def chain(self) -> list[str]:
        """Attribution chain: party → upstream document → the source, as labels."""
        out = []
        for attribution in self.attributions:
            steps = [attribution.party_label]
            if attribution.cited:
                steps.append(attribution.cited_name or compact_iri(attribution.cited))
            steps.append(self.source.title or compact_iri(self.source.iri))
            out.append(" → ".join(steps))
        return out


@dataclass
class EntityInfo:
    iri: str
    label: str
    alt_labels: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    definition: str | None = None
    identifiers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Explanation:
    """The answer to ``why TARGET``: a claim, an entity with its claims, or text matches."""

    kind: str  # "claim", "entity" or "text"
    target: str
    claims: list[ClaimExplanation] = field(default_factory=list)
    entity: EntityInfo | None = None
    #: for an entity: the claims about its related entities (not about it)
    related: list[ClaimExplanation] = field(default_factory=list)

    def groups(self) -> dict[str, list[ClaimExplanation]]:
        """Claims grouped by the kind of fact, kinds in alphabetical order."""
        grouped: dict[str, list[ClaimExplanation]] = {}
        for claim in self.claims:
            grouped.setdefault(claim.fact_kind, []).append(claim)
        return dict(sorted(grouped.items()))


@dataclass
class Mention:
    """One span of a source that refers to an entity."""

    mention: str
    entity: str
    surface: str
    start: int
    end: int
    source: str
    source_text: str = ""

    def snippet(self, chars: int = 40, marks: tuple[str, str] = ("[[", "]]")) -> str:
        quote = Quote(self.surface, self.start, self.end, self.source, self.source_text)
        return quote.highlighted(chars, marks)


# Text --------------------------------------------------------------------------
def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the sentence (or sentences) around ``[start, end)``.

    A sentence ends at a line break or at ``.``, ``!`` or ``?`` (optionally
    followed by a closing quotation mark) followed by white space.
    """
    left = start
    while left > 0:
        before = text[left - 1]
        if before == "\n":
            break
        if before == " " and _ends_sentence(text, left - 1):
            break
        left -= 1
    right = max(end, start)
    if right > start and text[right - 1] in ".!?":
        return left, right
    while right < len(text) and text[right] != "\n":
        if text[right] in ".!?" and (right + 1 == len(text) or text[right + 1] in ' \n"”'):
            right += 1
            if right < len(text) and text[right] in '"”':
                right += 1
            break
        right += 1
    return left, right


def _ends_sentence(text: str, space: int) -> bool:
    """Whether the white space at ``space`` follows the end of a sentence."""
    mark = text[space - 1] if space >= 1 else ""
    if mark in '"”' and space >= 2:
        mark = text[space - 2]
    return mark in ".!?"
