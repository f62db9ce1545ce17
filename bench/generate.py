"""Generate a synthetic kgtool project of any size, for benchmarks and engine comparisons.

The corpus follows docs/model.md and ontology/shapes.ttl: news articles with
their texts on disk (hashed), claims anchored in those texts, trade flows
between ~200 countries in ~500 commodities (an HS-like hierarchy), trade
shares, earnings changes, reserve estimates and direct quotations, with
attributions, modalities, times, money, quantities and entity mentions. Data
is split into one claims file and one mentions file per 1,000 claims so that
an incremental rebuild has little to redo.

Two of every five articles are a *story* about one of a few countries the news
follows closely (see :class:`Subject`), written like the shipped article
(graph/): an economy article (monthly exports read from context, a first
export, reserves, annual volumes, a trade share, a report's earnings figures,
what the commodity is, demand, dependence, speculation) and a politics article
(sanctions and who exploits them, the sole trading partner as an allegation, a
factory and its withdrawal, an expert's position, organization, concern,
quotation and call to action, and the author's construal of the quotation).
Each subject's first story is posted on 27 July 2014 like the shipped article,
so whichever subject the bench finds busiest, the named queries' default dates
(May-June 2014, 2012, before 2000) find its claims.

``--violations K`` breaks K nodes for each kind in :data:`VIOLATIONS` and
lists them in ``violations.json`` so a validator can be checked against what
was injected. The same ``--seed`` always gives byte-identical files.

    python bench/generate.py --claims 10000 --seed 1 --out /tmp/kg10k
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLAIMS_PER_FILE = 1000
CLAIMS_PER_SOURCE = 20

SH = "http://www.w3.org/ns/shacl#"
KGSH = "https://w3id.org/kgtool/shapes#"

PREFIXES = """\
@prefix kg: <https://w3id.org/kgtool/ontology#> .
@prefix ent: <https://w3id.org/kgtool/entity/> .
@prefix src: <https://w3id.org/kgtool/source/> .
@prefix clm: <https://w3id.org/kgtool/claim/> .
@prefix mnt: <https://w3id.org/kgtool/mention/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <http://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

"""

#: kind -> (what is broken, the SHACL source expected in the report)
VIOLATIONS: dict[str, tuple[str, str]] = {
    "wrong-datatype": (
        "schema:value of a money value typed xsd:integer",
        SH + "DatatypeConstraintComponent",
    ),
    "missing-source": ("a claim without kg:inSource", SH + "MinCountConstraintComponent"),
    "quote-mismatch": (
        "oa:exact differs from the text at the offsets",
        KGSH + "QuoteMatchesTextConstraint",
    ),
    "exporter-is-importer": (
        "a trade flow whose importer is its exporter",
        KGSH + "ExporterNotImporterConstraint",
    ),
    "percent-out-of-range": ("a share of 150 percent", SH + "MaxInclusiveConstraintComponent"),
    "bad-iso-code": (
        "a country whose alpha-2 code is lower case",
        SH + "PatternConstraintComponent",
    ),
    "modality-not-in-scheme": (
        "a claim whose modality is not a kg:ModalityScheme concept",
        SH + "InConstraintComponent",
    ),
    "hash-mismatch": (
        "a source document whose kg:sha256 is not its file's",
        "https://w3id.org/kgtool/ontology#SourceIntegrityConstraintComponent",
    ),
}

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
SYLLABLES = [
    "ka",
    "lo",
    "ve",
    "ri",
    "sa",
    "to",
    "mi",
    "na",
    "bel",
    "dor",
    "an",
    "qu",
    "zel",
    "mar",
    "ti",
    "os",
    "ur",
    "len",
    "pa",
    "go",
    "vi",
    "ha",
    "ne",
    "ro",
    "shi",
    "do",
]
ENDINGS = ["ia", "stan", "land", "ar", "ea", "ova", "ique", "onia", "ay", "ein"]
GOODS = [
    "ore",
    "concentrate",
    "ingots",
    "powder",
    "pellets",
    "scrap",
    "oxide",
    "alloy",
    "sheets",
    "wire",
    "grain",
    "oil",
    "meal",
    "fibre",
    "yarn",
    "pulp",
    "parts",
    "tubes",
    "crystals",
    "resin",
]
MATERIALS = [
    "copper",
    "nickel",
    "zinc",
    "tin",
    "cobalt",
    "lithium",
    "tungsten",
    "iron",
    "aluminium",
    "manganese",
    "graphite",
    "cotton",
    "wheat",
    "soy",
    "palm",
    "rubber",
    "timber",
    "silicon",
    "titanium",
    "chromium",
    "lead",
    "rare earth",
    "coal",
    "potash",
    "sulphur",
]
CATEGORIES = [
    "metals",
    "minerals",
    "fuels",
    "agricultural products",
    "chemicals",
    "textiles",
    "machinery",
    "forest products",
    "foodstuffs",
    "plastics",
]
VERBS = ["exported", "shipped", "sold"]
QUOTES = [
    "demand will keep growing",
    "prices are too volatile for long contracts",
    "the sanctions have changed every route",
    "our buyers want steady supply",
    "the port cannot handle more cargo",
    "we expect a weaker second half",
    "exports have never been this strong",
    "the new mine changes the market",
]

#: what a story's commodity is used for (kg:CommodityUse)
USES = [
    "batteries for electric cars",
    "steel making",
    "smartphones and other electronics",
    "jet engines",
    "fertiliser",
    "power cables",
    "wind turbines",
    "construction",
]
#: (slug, label) of the reasons given for sanctions (kg:SanctionReason)
REASONS = [
    ("missile-launches", "missile launches"),
    ("nuclear-weapons-tests", "nuclear weapons tests"),
    ("arms-trafficking", "arms trafficking"),
    ("money-laundering", "money laundering"),
    ("human-rights-abuses", "human rights abuses"),
]
#: (words, EDTF, first year, last year) of when a factory ran; the first is the shipped one
FACTORY_PERIODS = [
    ("In the late 1980s or early 1990s", "1985~/1993~", 1985, 1993),
    ("In the late 1970s", "1975~/1979~", 1975, 1979),
    ("In the early 1980s", "1980~/1983~", 1980, 1983),
    ("In the mid-1990s", "1994~/1996~", 1994, 1996),
    ("In the early 2000s", "2000~/2003~", 2000, 2003),
]
#: a story's expert's words: (quotation, what the author construes them as meaning)
SAYINGS = [
    (
        "{c}'s {g} will not last forever",
        "{c} should spend its earnings from {g} before the deposits run out",
    ),
    (
        "Every ton of {g} sold to {p} today is a ton lost to the next generation",
        "{c} is selling its {g} to {p} too cheaply",
    ),
    (
        "The sanctions have made {p} the only buyer that matters",
        "{p} sets the price of {c}'s {g}",
    ),
]
#: how many countries the news follows closely, in turn: each is in ~4% of the claims
SUBJECTS = 10
#: of every STORY_EVERY articles, the first two are a story (economy, then politics)
STORY_EVERY = 5


def _name(rng: random.Random) -> str:
    parts = [rng.choice(SYLLABLES) for _ in range(rng.randint(1, 2))]
    return ("".join(parts) + rng.choice(ENDINGS)).capitalize()


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def percent_quantity(cid: str, value: int) -> str:
    """The percent value node a trade share or an earnings change points to."""
    return (
        f"{cid}-quantity a schema:QuantitativeValue ;\n"
        f'    schema:value "{value}"^^xsd:decimal ;\n'
        f'    schema:unitCode "P1" .\n\n'
    )


@dataclass
class Country:
    slug: str
    name: str
    alpha2: str
    alpha3: str
    numeric: str


@dataclass
class Commodity:
    slug: str
    name: str
    broader: str | None
    hs: str | None


@dataclass
class Tank:
    """A think tank whose experts comment on a subject, and where it is based."""

    slug: str
    name: str
    place: str
    place_name: str
    located: str  # the country of the place
    kind: str


@dataclass
class Expert:
    """A person quoted in a subject's stories, with the position that introduces them."""

    slug: str
    name: str
    position: str
    title: str
    tank: Tank


@dataclass
class Subject:
    """A country the news follows closely: its main partner and commodity, and its cast.

    Real news is concentrated (the shipped article is about North Korea and
    China): the bench picks the busiest exporter, its busiest partner and the
    busiest commodity, and their stories give every named query rows. Experts
    and companies change every two stories, so that a person's holdings times
    their organization's profiles (person-profile) and an operator's withdrawals
    times its factories (factory-history) stay small at any corpus size.
    """

    country: Country
    partner: Country
    commodity: Commodity
    heading: Commodity
    category: Commodity
    org: tuple[str, str]  # the trade association whose report the stories cite
    stories: int = 0
    experts: list[Expert] = field(default_factory=list)
    companies: list[tuple[str, str]] = field(default_factory=list)  # ran a factory there


@dataclass
class Corpus:
    countries: list[Country] = field(default_factory=list)
    commodities: list[Commodity] = field(default_factory=list)
    leaves: list[Commodity] = field(default_factory=list)
    organizations: list[tuple[str, str]] = field(default_factory=list)
    people: list[tuple[str, str]] = field(default_factory=list)
    publishers: list[tuple[str, str]] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    bodies: list[tuple[str, str]] = field(default_factory=list)  # lead sanctions


def make_world(rng: random.Random) -> Corpus:
    """~200 countries, ~500 commodities in a hierarchy, and the agents who speak."""
    world = Corpus()
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    used2: set[str] = set()
    used3: set[str] = set()
    names: set[str] = set()
    numerics = rng.sample(range(4, 999), 200)
    while len(world.countries) < 200:
        name = _name(rng)
        a2 = name[0].upper() + rng.choice(letters)
        a3 = a2 + rng.choice(letters)
        if name in names or a2 in used2 or a3 in used3:
            continue
        names.add(name)
        used2.add(a2)
        used3.add(a3)
        index = len(world.countries)
        world.countries.append(Country(f"c-{name.lower()}", name, a2, a3, f"{numerics[index]:03d}"))
    world.commodities.append(Commodity("goods", "goods", None, None))
    chapter = 25
    for category in CATEGORIES:
        cat = Commodity("cat-" + category.replace(" ", "-"), category, "goods", None)
        world.commodities.append(cat)
        for _ in range(5):
            chapter += 1
            material = rng.choice(MATERIALS)
            heading_code = f"{chapter:02d}{rng.randint(1, 99):02d}"
            heading = Commodity(
                f"hs-{heading_code}", f"{material} products", cat.slug, heading_code
            )
            world.commodities.append(heading)
            for sub in rng.sample(range(10, 99), 9):
                good = rng.choice(GOODS)
                code = f"{heading_code}.{sub:02d}"
                leaf = Commodity(
                    f"hs-{code.replace('.', '-')}", f"{material} {good}", heading.slug, code
                )
                world.commodities.append(leaf)
                world.leaves.append(leaf)
    for i in range(200):
        name = _name(rng)
        world.organizations.append((f"org-{i:03d}", f"{name} Trade Association"))
    for i in range(300):
        first, last = _name(rng), _name(rng)
        world.people.append((f"person-{i:03d}", f"{first} {last}"))
    for i in range(40):
        world.publishers.append((f"pub-{i:02d}", f"The {_name(rng)} Herald"))
    make_subjects(world, rng)
    return world


def make_subjects(world: Corpus, rng: random.Random) -> None:
    """The closely followed countries, their main partner and commodity (the cast comes later)."""
    by_slug = {c.slug: c for c in world.commodities}
    picked = rng.sample(world.countries, SUBJECTS + 3)
    majors = picked[SUBJECTS:]  # the big economies the subjects sell to
    for i in range(3):
        world.bodies.append((f"body-{i}", f"{_name(rng)} Security Council"))
    for country in picked[:SUBJECTS]:
        good = rng.choice(world.leaves)
        heading = by_slug[good.broader or "goods"]
        world.subjects.append(
            Subject(
                country=country,
                partner=rng.choice(majors),
                commodity=good,
                heading=heading,
                category=by_slug[heading.broader or "goods"],
                org=rng.choice(world.organizations),
            )
        )


def entities_ttl(world: Corpus) -> str:
    out = [PREFIXES]
    out.append('ent:commodities a skos:ConceptScheme ;\n    skos:prefLabel "commodities"@en .\n\n')
    for c in world.countries:
        out.append(
            f"ent:{c.slug} a kg:Country ;\n    skos:prefLabel {_lit(c.name)}@en ;\n"
            f'    kg:iso3166Alpha2 "{c.alpha2}" ;\n    kg:iso3166Alpha3 "{c.alpha3}" ;\n'
            f'    kg:iso3166Numeric "{c.numeric}" .\n\n'
        )
    for m in world.commodities:
        extra = f" ;\n    skos:broader ent:{m.broader}" if m.broader else ""
        if m.hs:
            extra += f' ;\n    kg:hsCode "{m.hs}"'
        out.append(
            f"ent:{m.slug} a kg:Commodity ;\n    skos:prefLabel {_lit(m.name)}@en ;\n"
            f"    skos:inScheme ent:commodities{extra} .\n\n"
        )
    companies = [c for s in world.subjects for c in s.companies]
    for slug, name in world.organizations + world.publishers + world.bodies + companies:
        out.append(f"ent:{slug} a kg:Organization ;\n    skos:prefLabel {_lit(name)}@en .\n\n")
    experts = [e for s in world.subjects for e in s.experts]
    for e in experts:
        tank = e.tank
        if e.title == "president":  # the first expert of each think tank
            out.append(
                # where it is based is a claim (an organization profile), not entity data
                f"ent:{tank.slug} a kg:Organization ;\n"
                f"    skos:prefLabel {_lit(tank.name)}@en .\n\n"
                f"ent:{tank.place} a kg:Place ;\n"
                f"    skos:prefLabel {_lit(tank.place_name)}@en .\n\n"
            )
        out.append(
            f"ent:{e.position} a kg:Position ;\n"
            f"    skos:prefLabel {_lit(f'{e.title.capitalize()} of the {tank.name}')}@en ;\n"
            f"    kg:positionTitle {_lit(e.title)}@en ;\n    kg:positionIn ent:{tank.slug} .\n\n"
        )
    for slug, name in world.people + [(e.slug, e.name) for e in experts]:
        out.append(f"ent:{slug} a kg:Person ;\n    skos:prefLabel {_lit(name)}@en .\n\n")
    for slug, label in REASONS:
        out.append(f"ent:{slug} a kg:SanctionReason ;\n    skos:prefLabel {_lit(label)}@en .\n\n")
    for slug, label, kind in (
        ("unnamed-officials", "unnamed officials", "officials who are not named"),
        ("some-experts", "some experts", "experts"),
        ("unnamed-reports", "unnamed reports", "reports"),
        ("international-community", "international community", "states and organizations"),
    ):
        out.append(
            f"ent:{slug} a kg:UnnamedParty ;\n    skos:prefLabel {_lit(label)}@en ;\n"
            f"    kg:partyKind {_lit(kind)} .\n\n"
        )
    return "".join(out)


@dataclass
class Part:
    """One claim of a sentence: what it states, who says so, and the words it rests on."""

    label: str
    fact: str  # Turtle of the fact and of the nodes that belong to the claim
    modality: str
    attributed: str
    start: int = 0  # the anchored span of the sentence
    end: int = -1  # -1: to the end of the sentence
    extra: str = ""  # further lines of the claim: cited source, interpretations


@dataclass
class Story:
    """Two articles about one subject, posted the same day, and what their claims refer back to."""

    subject: Subject
    year: int
    month: int
    day: int
    report: str  # the cited report (src:...)
    expert: Expert
    company: tuple[str, str]
    lead: bool  # the subject's first story
    sanction: str = ""  # the sanction fact, once stated
    quotation: str = ""  # the claim of the expert's quotation, once made
    saying: int = 0

    @property
    def posted(self) -> str:
        return f"{self.day} {MONTHS[self.month - 1]} {self.year}"


@dataclass
class Scene:
    """A sentence of a story and its ``size`` claims: ``build(cids)`` -> (sentence, parts)."""

    size: int
    build: Callable[[list[str]], tuple[str, list[Part]]]
    needs: str = ""  # a Story attribute that must be set first (what a claim points to)


def last_day(year: int, month: int) -> int:
    return DAYS[month - 1] + (1 if month == 2 and year % 4 == 0 else 0)


#: the cue word of each hedged modality in the generated sentences
HEDGE_CUES = {
    "kg:Alleged": "allege",
    "kg:Estimated": "estimated",
    "kg:Speculated": "speculation",
    "kg:Interpretation": "construed",
}


class Writer:
    """Builds each source's text and the Turtle of its claims in step."""

    def __init__(self, world: Corpus, rng: random.Random, broken: dict[str, set[int]]) -> None:
        self.world = world
        self.rng = rng
        self.broken = broken

    def render(self, cid: str, n: int, doc: str, offset: int, sentence: str, part: Part) -> str:
        """Claim number ``n``, its anchor in ``sentence`` (at ``offset`` of ``doc``), its fact."""
        end = len(sentence) if part.end < 0 else part.end
        exact = sentence[part.start : end]
        if n in self.broken["quote-mismatch"]:
            exact = exact[:-1] + ("?" if exact.endswith("!") else "!")
        modality = "kg:Increase" if n in self.broken["modality-not-in-scheme"] else part.modality
        source_line = "" if n in self.broken["missing-source"] else f"    kg:inSource {doc} ;\n"
        hedge_line, hedge = self.hedge(cid, doc, offset + part.start, exact, part.modality)
        return (
            f"{cid} a kg:Claim ;\n    rdfs:label {_lit(part.label)}@en ;\n{source_line}"
            f"    kg:hasAnchor {cid}-anchor ;\n    prov:wasAttributedTo {part.attributed} ;\n"
            f"{part.extra}{hedge_line}    kg:modality {modality} ;\n    kg:states {cid}-fact .\n\n"
            f"{hedge}"
            f"{cid}-anchor a kg:TextAnchor ;\n    oa:hasSource {doc} ;\n"
            f"    oa:hasSelector {cid}-anchor-quote, {cid}-anchor-pos .\n\n"
            f"{cid}-anchor-quote a oa:TextQuoteSelector ;\n    oa:exact {_lit(exact)} .\n\n"
            f"{cid}-anchor-pos a oa:TextPositionSelector ;\n"
            f'    oa:start "{offset + part.start}"^^xsd:nonNegativeInteger ;\n'
            f'    oa:end "{offset + end}"^^xsd:nonNegativeInteger .\n\n' + part.fact
        )

    @staticmethod
    def hedge(cid: str, doc: str, offset: int, exact: str, modality: str) -> tuple[str, str]:
        """The anchor on the cue word of a hedged modality ("allege", "estimated" ...)."""
        cue = HEDGE_CUES.get(modality)
        where = exact.find(cue) if cue else -1
        if cue is None or where < 0:
            return "", ""
        start = offset + where
        return f"    kg:hasHedge {cid}-hedge ;\n", (
            f"{cid}-hedge a kg:HedgeAnchor ;\n    oa:hasSource {doc} ;\n"
            f"    oa:hasSelector {cid}-hedge-quote, {cid}-hedge-pos .\n\n"
            f"{cid}-hedge-quote a oa:TextQuoteSelector ;\n    oa:exact {_lit(cue)} .\n\n"
            f"{cid}-hedge-pos a oa:TextPositionSelector ;\n"
            f'    oa:start "{start}"^^xsd:nonNegativeInteger ;\n'
            f'    oa:end "{start + len(cue)}"^^xsd:nonNegativeInteger .\n\n'
        )

    @staticmethod
    def mention(cid: str, doc: str, offset: int, sentence: str, country: Country) -> str:
        """A mention of ``country`` where the sentence first names it (none if it does not)."""
        where = sentence.find(country.name)
        if where < 0:
            return ""
        mid = "mnt:" + cid.split(":", 1)[1] + "-m1"
        s, e = offset + where, offset + where + len(country.name)
        return (
            f"{mid} a kg:Mention ;\n    kg:refersTo ent:{country.slug} ;\n"
            f"    oa:hasSource {doc} ;\n    oa:hasSelector {mid}-quote, {mid}-pos .\n\n"
            f"{mid}-quote a oa:TextQuoteSelector ;\n    oa:exact {_lit(country.name)} .\n\n"
            f"{mid}-pos a oa:TextPositionSelector ;\n"
            f'    oa:start "{s}"^^xsd:nonNegativeInteger ;\n'
            f'    oa:end "{e}"^^xsd:nonNegativeInteger .\n\n'
        )

    def general(
        self, cid: str, n: int, author: str, about: Country | None = None
    ) -> tuple[str, Part, Country]:
        """(sentence, claim, exporter) of claim number ``n``: random countries, or ``about``'s
        trade with a random one (the rest of an article about that country)."""
        rng, w = self.rng, self.world
        exp, imp = rng.sample(w.countries, 2)
        if about is not None:
            exp, imp = about, (imp if imp is not about else exp)
        good = rng.choice(w.leaves)
        year = rng.randint(2005, 2024)
        month = rng.randint(1, 12)
        kind = rng.random()
        if n in self.broken["wrong-datatype"] or n in self.broken["exporter-is-importer"]:
            kind = 0.0  # a trade flow: it has the money value and the two countries
        elif n in self.broken["percent-out-of-range"]:
            kind = 0.75  # a trade share
        modality, attributed = "kg:Asserted", f"ent:{author}"
        source_org = rng.choice(w.organizations)
        if rng.random() < 0.45:
            modality, attributed = "kg:Reported", f"ent:{source_org[0]}"
        label: str
        if kind < 0.70:
            if n in self.broken["exporter-is-importer"]:
                imp = exp
            value = rng.randint(1, 90000) * 1000
            when = f"{MONTHS[month - 1]} {year}"
            sentence = (
                f"{exp.name} {rng.choice(VERBS)} {good.name} worth ${value:,} to {imp.name} "
                f"in {when}"
            )
            if modality == "kg:Reported":
                sentence += f", according to the {source_org[1]}"
            sentence += "."
            label = f"{exp.name} exported {good.name} worth US${value:,} to {imp.name} in {when}."
            vtype = "xsd:integer" if n in self.broken["wrong-datatype"] else "xsd:decimal"
            fact = (
                f"{cid}-fact a kg:TradeFlow ;\n    kg:exporter ent:{exp.slug} ;\n"
                f"    kg:importer ent:{imp.slug} ;\n    kg:commodity ent:{good.slug} ;\n"
                f"    kg:period {cid}-time ;\n    kg:tradeValue {cid}-value .\n\n"
                f'{cid}-value a schema:MonetaryAmount ;\n    schema:value "{value}"^^{vtype} ;\n'
                f'    schema:currency "USD" ;\n    kg:approximation kg:Exact ;\n'
                f'    kg:statedText "${value:,}" .\n\n' + self.month_time(cid, when, year, month)
            )
        elif kind < 0.82:
            share = 150 if n in self.broken["percent-out-of-range"] else rng.randint(1, 99)
            sentence = (
                f"{imp.name} took {share} percent of the {good.name} that {exp.name} "
                f"exported in {year}."
            )
            label = f"{imp.name} took {share}% of {exp.name}'s exports of {good.name} in {year}."
            fact = (
                f"{cid}-fact a kg:TradeShare ;\n    kg:commodity ent:{good.slug} ;\n"
                f"    kg:reporterCountry ent:{exp.slug} ;\n    kg:partnerCountry ent:{imp.slug} ;\n"
                f"    kg:period {cid}-time ;\n    kg:share {cid}-quantity .\n\n"
                + percent_quantity(cid, share)
                + self.year_time(cid, year)
            )
        elif kind < 0.92:
            pct = rng.randint(-90, 90)
            verb = "rose" if pct >= 0 else "fell"
            sentence = (
                f"{exp.name}'s earnings from {good.name} {verb} {abs(pct)} percent in {year}."
            )
            label = f"{exp.name}'s earnings from {good.name} changed by {pct}% in {year}."
            fact = (
                f"{cid}-fact a kg:EarningsChange ;\n    kg:earner ent:{exp.slug} ;\n"
                f"    kg:commodity ent:{good.slug} ;\n    kg:period {cid}-time ;\n"
                f"    kg:changePercent {cid}-quantity .\n\n"
                + percent_quantity(cid, pct)
                + self.year_time(cid, year)
            )
        elif kind < 0.97:
            tons = rng.randint(1, 500)
            modality = "kg:Estimated"
            sentence = f"{exp.name} holds an estimated {tons} million tons of {good.name}."
            label = f"{exp.name} holds about {tons} million tonnes of {good.name}."
            fact = (
                f"{cid}-fact a kg:ReserveEstimate ;\n    kg:holder ent:{exp.slug} ;\n"
                f"    kg:commodity ent:{good.slug} ;\n    kg:quantity {cid}-quantity .\n\n"
                f"{cid}-quantity a schema:QuantitativeValue ;\n"
                f'    schema:value "{tons * 1000000}"^^xsd:decimal ;\n    schema:unitCode "TNE" ;\n'
                f"    kg:approximation kg:Approximately ;\n"
                f'    kg:statedText "{tons} million tons" .\n\n'
            )
        else:
            person = rng.choice(w.people)
            words = rng.choice(QUOTES)
            modality, attributed = "kg:Quotation", f"ent:{person[0]}"
            sentence = f'"{words.capitalize()}," said {person[1]} of {exp.name}.'
            label = f"{person[1]} said that {words}."
            fact = (
                f"{cid}-fact a kg:DirectQuotation ;\n    kg:speaker ent:{person[0]} ;\n"
                f"    kg:about ent:{exp.slug} ;\n    kg:content {_lit(words.capitalize())} .\n\n"
            )
        return sentence, Part(label, fact, modality, attributed), exp

    # Stories ---------------------------------------------------------------------

    def story(self, number: int, report: str) -> Story:
        """Story ``number``, about the subjects in turn.

        A subject's first story is posted on 27 July 2014 like the shipped article, so
        that the queries' default dates (May and June 2014, 2012, before 2000) find the
        claims of whichever subject the bench picks.
        """
        index = number % len(self.world.subjects)
        subject, rng = self.world.subjects[index], self.rng
        lead = subject.stories == 0
        if lead:
            year, month, day = 2014, 7, 27
        else:
            year, month, day = rng.randint(2010, 2024), rng.randint(1, 12), rng.randint(1, 28)
        expert, company = self.cast(index)
        return Story(subject, year, month, day, report, expert, company, lead)

    def cast(self, index: int) -> tuple[Expert, tuple[str, str]]:
        """The expert and the company of subject ``index``'s next story: new ones every two."""
        rng, subject = self.rng, self.world.subjects[index]
        k = subject.stories // 2
        subject.stories += 1
        if k == len(subject.experts):
            if k % 2 == 0:
                tank = Tank(
                    f"tank-{index}-{k // 2}",
                    f"{_name(rng)} Resources Institute",
                    f"place-{index}-{k // 2}",
                    f"{_name(rng)} City",
                    rng.choice(self.world.countries).slug,
                    rng.choice(["non-profit think tank", "state research institute"]),
                )
            else:
                tank = subject.experts[-1].tank
            title = ("president", "senior fellow")[k % 2]
            subject.experts.append(
                Expert(
                    f"expert-{index}-{k}",
                    f"{_name(rng)} {_name(rng)}",
                    f"pos-{index}-{k}",
                    title,
                    tank,
                )
            )
            subject.companies.append((f"company-{index}-{k}", f"{_name(rng)} Mining Corporation"))
        return subject.experts[k], subject.companies[k]

    @staticmethod
    def headlines(story: Story) -> tuple[str, str]:
        """The headlines of the economy and the politics article: the context of their claims."""
        c, p, g = story.subject.country, story.subject.partner, story.subject.commodity
        return (
            f"{g.name.capitalize()} exports to {p.name} lift {c.name}'s income",
            f"Sanctions reshape {c.name}'s trade with {p.name}",
        )

    @staticmethod
    def quantity(
        cid: str,
        value: int,
        unit: str,
        unit_text: str,
        stated: str,
        approximation: str = "kg:Exact",
    ) -> str:
        return (
            f"{cid}-quantity a schema:QuantitativeValue ;\n"
            f'    schema:value "{value}"^^xsd:decimal ;\n'
            f'    schema:unitCode "{unit}" ;\n    schema:unitText "{unit_text}" ;\n'
            f"    kg:approximation {approximation} ;\n    kg:statedText {_lit(stated)} .\n\n"
        )

    @staticmethod
    def money(
        cid: str,
        value: int,
        stated: str,
        approximation: str = "kg:Exact",
        bound: str = "schema:value",
    ) -> str:
        return (
            f'{cid}-value a schema:MonetaryAmount ;\n    {bound} "{value}"^^xsd:decimal ;\n'
            f'    schema:currency "USD" ;\n    kg:approximation {approximation} ;\n'
            f"    kg:statedText {_lit(stated)} .\n\n"
        )

    @staticmethod
    def period(
        cid: str,
        stated: str,
        edtf: str,
        earliest: str,
        latest: str,
        note: str = "",
        resolved: bool = True,
        resolved_to: str = "",
    ) -> str:
        """A kg:TimeSpec; ``resolved``: read from context (then ``note`` says how)."""
        value = ""
        if len(resolved_to) == 4:
            value = f'    time:inXSDgYear "{resolved_to}"^^xsd:gYear ;\n'
        elif resolved_to:
            value = f'    time:inXSDgYearMonth "{resolved_to}"^^xsd:gYearMonth ;\n'
        resolution = "kg:ResolvedFromContext" if resolved else "kg:ExplicitInText"
        note_line = f"    kg:resolutionNote {_lit(note)}@en ;\n" if note else ""
        return (
            f"{cid}-time a kg:TimeSpec ;\n    kg:statedText {_lit(stated)} ;\n"
            f'    kg:edtf "{edtf}" ;\n{value}'
            f'    kg:earliest "{earliest}"^^xsd:date ;\n    kg:latest "{latest}"^^xsd:date ;\n'
            f"{note_line}    kg:resolution {resolution} .\n\n"
        )

    def economy(self, st: Story, author: str) -> list[Scene]:
        """The economy article's sentences, in text order (15 claims)."""
        rng, sub = self.rng, st.subject
        c, p, g, cat = sub.country, sub.partner, sub.commodity, sub.category
        org, org_name = sub.org
        me, posted = f"ent:{author}", st.posted
        cites = f"    kg:citesSource {st.report} ;\n"
        flow = f"a kg:TradeFlow ;\n    kg:exporter ent:{c.slug} ;\n    kg:importer ent:{p.slug} ;\n"

        def note(text: str) -> str:
            return f"    kg:interpretationNote {_lit(text)}@en ;\n"

        def monthly(cids: list[str]) -> tuple[str, list[Part]]:
            months = [divmod(st.year * 12 + st.month - 1 - back, 12) for back in (2, 1)]
            values = [rng.randint(100, 9000) * 1000 for _ in months]
            names = [MONTHS[m] for _, m in months]
            sentence = (
                f"{c.name} exported goods to the value of ${values[0]:,} and ${values[1]:,} in "
                f"{names[0]} and {names[1]}, respectively, according to the {org_name}."
            )
            parts = []
            for cid, (y, m0), v, name in zip(cids, months, values, names, strict=True):
                m = m0 + 1
                read = (
                    f"read as {name} {y}, the most recent {name} before the posting date, {posted}"
                )
                parts.append(
                    Part(
                        f"{c.name} exported goods worth US${v:,} in {name} {y}; read from "
                        f"context as {g.name} exported to {p.name}.",
                        f"{cid}-fact {flow}    kg:commodity ent:{g.slug} ;\n"
                        f"    kg:period {cid}-time ;\n"
                        f"    kg:tradeValue {cid}-value .\n\n"
                        + self.money(cid, v, f"${v:,}")
                        + self.period(
                            cid,
                            name,
                            f"{y}-{m:02d}",
                            f"{y}-{m:02d}-01",
                            f"{y}-{m:02d}-{last_day(y, m):02d}",
                            f"The month is named without a year; {read}.",
                            resolved_to=f"{y}-{m:02d}",
                        ),
                        "kg:Reported",
                        f"ent:{org}",
                        extra=cites
                        + "    kg:interpretedProperty kg:commodity, kg:importer ;\n"
                        + note(
                            f"The sentence names only 'goods' and no destination; the headline "
                            f"makes them {g.name} exported to {p.name}. '{name}' is {read}."
                        ),
                    )
                )
            return sentence, parts

        def first(cids: list[str]) -> tuple[str, list[Part]]:
            cid, good = cids[0], rng.choice(self.world.leaves)
            v = rng.randint(5, 95) * 1000
            y = st.year if st.month > 1 else st.year - 1
            sentence = (
                f"Last January, {c.name} exported {good.name} worth nearly ${v:,} to {p.name} "
                f"for the first time."
            )
            read = f"Relative to the posting date, {posted}: the most recent January, January {y}."
            return sentence, [
                Part(
                    f"In January {y} {c.name} exported {good.name} worth nearly US${v:,} to "
                    f"{p.name}, for the first time.",
                    f"{cid}-fact {flow}    kg:commodity ent:{good.slug} ;\n"
                    f"    kg:period {cid}-time ;\n"
                    f"    kg:tradeValue {cid}-value ;\n    kg:isFirstOccurrence true .\n\n"
                    + self.money(cid, v, f"nearly ${v:,}", "kg:Below", "schema:maxValue")
                    + self.period(
                        cid,
                        "Last January",
                        f"{y}-01",
                        f"{y}-01-01",
                        f"{y}-01-31",
                        read,
                        resolved_to=f"{y}-01",
                    ),
                    "kg:Asserted",
                    me,
                    extra=note(f"'Last January' is read as January {y}. {read}"),
                )
            ]

        def reserve(cids: list[str]) -> tuple[str, list[Part]]:
            cid, tons = cids[0], rng.randint(1, 500)
            sentence = f"{c.name} has an estimated {tons} million tons of {g.name}."
            return sentence, [
                Part(
                    sentence,
                    f"{cid}-fact a kg:ReserveEstimate ;\n    kg:holder ent:{c.slug} ;\n"
                    f"    kg:commodity ent:{g.slug} ;\n    kg:quantity {cid}-quantity .\n\n"
                    + self.quantity(
                        cid,
                        tons * 1000000,
                        "TNE",
                        "tons",
                        f"an estimated {tons} million tons",
                        "kg:Approximately",
                    ),
                    "kg:Estimated",
                    me,
                )
            ]

        def annual(cids: list[str]) -> tuple[str, list[Part]]:
            cid, tons = cids[0], rng.randint(1, 50)
            sentence = f"{c.name} exports {tons} million tons of {g.name} to {p.name} annually."
            return sentence, [
                Part(
                    f"{c.name} exports {tons} million tonnes of {g.name} to {p.name} a year.",
                    f"{cid}-fact {flow}    kg:commodity ent:{g.slug} ;\n"
                    f"    kg:tradeQuantity {cid}-quantity ;\n"
                    f'    kg:ratePer "P1Y"^^xsd:duration .\n\n'
                    + self.quantity(cid, tons * 1000000, "TNE", "tons", f"{tons} million tons"),
                    "kg:Asserted",
                    me,
                )
            ]

        def share(cids: list[str]) -> tuple[str, list[Part]]:
            cid, pct, y = cids[0], rng.randint(5, 95), st.year - 2
            words = f"percent of {c.name}'s bilateral trade with {p.name} in {y}."
            return f"{cat.name.capitalize()} account for {pct} {words}", [
                Part(
                    f"{cat.name.capitalize()} accounted for {pct} {words}",
                    f"{cid}-fact a kg:TradeShare ;\n    kg:commodity ent:{cat.slug} ;\n"
                    f"    kg:reporterCountry ent:{c.slug} ;\n    kg:partnerCountry ent:{p.slug} ;\n"
                    f"    kg:period {cid}-time ;\n    kg:share {cid}-quantity .\n\n"
                    + self.quantity(cid, pct, "P1", "percent", f"{pct} percent")
                    + self.period(
                        cid,
                        f"in {y}",
                        str(y),
                        f"{y}-01-01",
                        f"{y}-12-31",
                        resolved=False,
                        resolved_to=str(y),
                    ),
                    "kg:Asserted",
                    me,
                )
            ]

        def finding(cids: list[str]) -> tuple[str, list[Part]]:
            cid = cids[0]
            what = f"changing trend in {c.name}'s earnings from {cat.name} exports"
            return f"The {org_name} report identified the {what}.", [
                Part(
                    f"The {org_name} report identified a {what}.",
                    f"{cid}-fact a kg:ReportFinding ;\n    kg:reportingParty ent:{org} ;\n"
                    f"    kg:description {_lit(f'A {what}.')}@en .\n\n",
                    "kg:Reported",
                    f"ent:{org}",
                    extra=cites,
                )
            ]

        def earnings(cids: list[str]) -> tuple[str, list[Part]]:
            cid, fall = cids[0], rng.randint(1, 60)
            if st.month >= 7:
                stated, y, m0, m1 = "In the first half of this year", st.year, 1, 6
            else:
                stated, y, m0, m1 = "In the second half of last year", st.year - 1, 7, 12
            read = (
                f"'{stated}' is {MONTHS[m0 - 1]} to {MONTHS[m1 - 1]} {y}, relative to the "
                f"posting date, {posted}."
            )
            sentence = f"{stated}, earnings from {g.name} exports decreased {fall} percent."
            return sentence, [
                Part(
                    f"{stated.replace('this year', str(y)).replace('last year', str(y))} "
                    f"{c.name}'s earnings from {g.name} exports decreased {fall} percent.",
                    f"{cid}-fact a kg:EarningsChange ;\n    kg:earner ent:{c.slug} ;\n"
                    f"    kg:commodity ent:{g.slug} ;\n    kg:period {cid}-time ;\n"
                    f"    kg:changePercent {cid}-quantity .\n\n"
                    + self.quantity(cid, -fall, "P1", "percent", f"decreased {fall} percent")
                    + self.period(
                        cid,
                        stated,
                        f"{y}-{m0:02d}/{y}-{m1:02d}",
                        f"{y}-{m0:02d}-01",
                        f"{y}-{m1:02d}-{last_day(y, m1):02d}",
                        read,
                    ),
                    "kg:Reported",
                    f"ent:{org}",
                    extra=cites
                    + "    kg:interpretedProperty prov:wasAttributedTo, kg:earner ;\n"
                    + note(
                        f"The sentence follows 'The {org_name} report identified the changing "
                        f"trend in {c.name}'s earnings', so the figure is read as the report's and "
                        f"the earnings as {c.name}'s; the sentence names neither. {read}"
                    ),
                )
            ]

        def compensation(cids: list[str]) -> tuple[str, list[Part]]:
            cid, good = cids[0], rng.choice(self.world.leaves)
            sentence = f"These earning deficits were compensated for by exports of {good.name}."
            return sentence, [
                Part(
                    f"{c.name}'s lower earnings from {g.name} exports were compensated for by "
                    f"exports of {good.name}.",
                    f"{cid}-fact a kg:EarningsCompensation ;\n    kg:earner ent:{c.slug} ;\n"
                    f"    kg:commodity ent:{good.slug} ;\n    kg:description "
                    + _lit(
                        f"Exports of {good.name} made up for the fall in earnings from {g.name}."
                    )
                    + "@en .\n\n",
                    "kg:Asserted",
                    me,
                    extra="    kg:interpretedProperty kg:earner ;\n"
                    + note(
                        f"'These earning deficits' refers back to the previous sentence: "
                        f"{c.name}'s lower earnings from {g.name} exports."
                    ),
                )
            ]

        def demand(cids: list[str]) -> tuple[str, list[Part]]:
            cid, up = cids[0], rng.random() < 0.7
            word = "increase" if up else "decline"
            y = st.year - 10
            read = f"Relative to the posting date, {posted}: the ten years or so before it."
            return (
                f"There has been a sharp {word} in global demand for {g.name} over the last decade."
            ), [
                Part(
                    f"Global demand for {g.name} has {'risen' if up else 'fallen'} sharply over "
                    f"the last decade.",
                    f"{cid}-fact a kg:DemandTrend ;\n    kg:commodity ent:{g.slug} ;\n"
                    f"    kg:trendDirection {'kg:Increase' if up else 'kg:Decrease'} ;\n"
                    f"    kg:period {cid}-time ;\n"
                    f"    kg:description {_lit(f'A sharp {word} in global demand.')}@en .\n\n"
                    + self.period(
                        cid,
                        "over the last decade",
                        f"{y}~/{st.year}",
                        f"{y}-01-01",
                        f"{st.year}-{st.month:02d}-{st.day:02d}",
                        read,
                    ),
                    "kg:Asserted",
                    me,
                    extra=note(f"'over the last decade' is read as about {y} to {st.year}. {read}"),
                )
            ]

        def use(cids: list[str]) -> tuple[str, list[Part]]:
            cid, what = cids[0], rng.choice(USES)
            sentence = f"{g.name.capitalize()} is used in {what}."
            return sentence, [
                Part(
                    sentence,
                    f"{cid}-fact a kg:CommodityUse ;\n    kg:commodity ent:{g.slug} ;\n"
                    f"    kg:description {_lit(f'Used in {what}.')}@en .\n\n",
                    "kg:Asserted",
                    me,
                )
            ]

        def definition(cids: list[str]) -> tuple[str, list[Part]]:
            cid, grades = cids[0], rng.randint(3, 30)
            words = f"{grades} grades under HS heading {sub.heading.hs}"
            sentence = f"{g.name.capitalize()} covers {words}."
            return sentence, [
                Part(
                    sentence,
                    f"{cid}-fact a kg:CommodityDefinition ;\n    kg:commodity ent:{g.slug} ;\n"
                    f"    kg:memberCount {cid}-quantity ;\n"
                    f"    kg:description {_lit(f'A group of {words}.')}@en .\n\n"
                    + self.quantity(cid, grades, "C62", "grades", f"{grades} grades"),
                    "kg:Asserted",
                    me,
                )
            ]

        def designation(cids: list[str]) -> tuple[str, list[Part]]:
            cid, (who, name) = cids[0], rng.choice(self.world.organizations)
            called = "strategic " + sub.heading.name.removesuffix(" products")
            return f'The {name} refers to {g.name} as "{called}".', [
                Part(
                    f"The {name} refers to {g.name} as '{called}'.",
                    f"{cid}-fact a kg:Designation ;\n    kg:commodity ent:{g.slug} ;\n"
                    f"    kg:designator ent:{who} ;\n    kg:designatedAs {_lit(called)} .\n\n",
                    "kg:Asserted",
                    me,
                )
            ]

        def dependence(cids: list[str]) -> tuple[str, list[Part]]:
            cid = cids[0]
            sentence = (
                f"{c.name} relies heavily on {g.name} exports as a major source of hard currency."
            )
            return sentence, [
                Part(
                    sentence,
                    f"{cid}-fact a kg:EconomicDependence ;\n    kg:dependent ent:{c.slug} ;\n"
                    f"    kg:commodity ent:{g.slug} ;\n    kg:description "
                    + _lit(f"Exports of {g.name} are a major source of hard currency.")
                    + "@en .\n\n",
                    "kg:Asserted",
                    me,
                )
            ]

        def speculation(cids: list[str]) -> tuple[str, list[Part]]:
            cid = cids[0]
            what = f"{c.name} may further diversify its {cat.name} exports to {p.name}"
            return f"There is speculation that {what}.", [
                Part(
                    f"There is speculation that {what}.",
                    f"{cid}-fact a kg:ExportDiversification ;\n    kg:exporter ent:{c.slug} ;\n"
                    f"    kg:importer ent:{p.slug} ;\n    kg:commodity ent:{cat.slug} ;\n"
                    f"    kg:description {_lit('Nobody is named as speculating.')}@en .\n\n",
                    "kg:Speculated",
                    me,
                )
            ]

        return [Scene(2, monthly)] + [
            Scene(1, build)
            for build in (
                first,
                reserve,
                annual,
                share,
                finding,
                earnings,
                compensation,
                demand,
                use,
                definition,
                designation,
                dependence,
                speculation,
            )
        ]

    def politics(self, st: Story, author: str) -> list[Scene]:
        """The politics article's sentences, in text order (12 claims)."""
        rng, sub = self.rng, st.subject
        c, p, g = sub.country, sub.partner, sub.commodity
        me, expert, name = f"ent:{author}", st.expert.slug, st.expert.name
        surname = name.rsplit(" ", 1)[-1]
        company, company_name = st.company

        def sanction(cids: list[str]) -> tuple[str, list[Part]]:
            cid, (body, body_name) = cids[0], rng.choice(self.world.bodies)
            (r1, why1), (r2, why2) = rng.sample(REASONS, 2)
            st.sanction = f"{cid}-fact"
            what = f"were imposed on {c.name} for its {why1} and {why2}"
            return f"International sanctions led by the {body_name} {what}.", [
                Part(
                    f"International sanctions led by the {body_name} {what}.",
                    f"{cid}-fact a kg:Sanction ;\n"
                    f"    kg:imposer ent:{body}, ent:international-community ;\n"
                    f"    kg:isLedBy ent:{body} ;\n    kg:target ent:{c.slug} ;\n"
                    f"    kg:reason ent:{r1}, ent:{r2} ;\n"
                    f"    kg:description {_lit(f'Sanctions for {why1} and {why2}.')}@en .\n\n",
                    "kg:Asserted",
                    me,
                )
            ]

        def allegation(cids: list[str]) -> tuple[str, list[Part]]:
            head = (
                f"Some experts allege that {p.name} is taking advantage of the sanctions on "
                f"{c.name}"
            )
            tail = f" as it is the only country doing business with {c.name} in {g.name}."
            exploits = f"    kg:exploits {st.sanction} ;\n" if st.sanction else ""
            return head + tail, [
                Part(
                    f"Some experts allege that {p.name} is taking advantage of the sanctions on "
                    f"{c.name}.",
                    f"{cids[0]}-fact a kg:SanctionExploitation ;\n"
                    f"    kg:beneficiary ent:{p.slug} ;\n"
                    f"{exploits}    kg:target ent:{c.slug} .\n\n",
                    "kg:Alleged",
                    "ent:some-experts",
                    end=len(head),
                ),
                Part(
                    f"Some experts allege that {p.name} is the only country doing business with "
                    f"{c.name} in {g.name}.",
                    f"{cids[1]}-fact a kg:SoleTradingPartner ;\n"
                    f"    kg:partnerCountry ent:{p.slug} ;\n"
                    f"    kg:reporterCountry ent:{c.slug} ;\n    kg:commodity ent:{g.slug} .\n\n",
                    "kg:Alleged",
                    "ent:some-experts",
                ),
            ]

        def factory(cids: list[str]) -> tuple[str, list[Part]]:
            cid = cids[0]
            when, edtf, y0, y1 = FACTORY_PERIODS[0] if st.lead else rng.choice(FACTORY_PERIODS)
            what = (
                f"the {company_name} reportedly operated a factory in {c.name} to exploit {g.name}"
            )
            return f"{when}, {what} there.", [
                Part(
                    f"{when} {what}.",
                    f"{cid}-fact a kg:FactoryOperation ;\n    kg:operator ent:{company} ;\n"
                    f"    kg:location ent:{c.slug} ;\n    kg:commodity ent:{g.slug} ;\n"
                    f"    kg:period {cid}-time ;\n"
                    f"    kg:description "
                    + _lit(f"A factory to exploit {g.name} in {c.name}.")
                    + "@en .\n\n"
                    + self.period(
                        cid,
                        when,
                        edtf,
                        f"{y0}-01-01",
                        f"{y1}-12-31",
                        f"The decades are stated; they are read as {y0} to {y1}.",
                        resolved=False,
                    ),
                    "kg:Reported",
                    "ent:unnamed-reports",
                )
            ]

        def withdrawal(cids: list[str]) -> tuple[str, list[Part]]:
            cid = cids[0]
            cause = f"    kg:causedBy {st.sanction} ;\n" if st.sanction else ""
            return (
                f"But the company pulled its business out after the sanctions were imposed on "
                f"{c.name}."
            ), [
                Part(
                    f"The {company_name} pulled its business out of {c.name} after the sanctions.",
                    f"{cid}-fact a kg:BusinessWithdrawal ;\n    kg:operator ent:{company} ;\n"
                    f"    kg:location ent:{c.slug} ;\n{cause}"
                    '    kg:description "The company withdrew after the sanctions."@en .\n\n',
                    "kg:Asserted",
                    me,
                    extra="    kg:interpretedProperty kg:operator ;\n"
                    "    kg:interpretationNote "
                    + _lit(f"'the company' is the {company_name} of the previous sentence.")
                    + "@en ;\n",
                )
            ]

        def profile(cids: list[str]) -> tuple[str, list[Part]]:
            who, tank = st.expert, st.expert.tank
            based = f"the {tank.place_name}-based {tank.kind} {tank.name}"
            holder = f"{name}, {who.title} of {based}"
            worry = f"{c.name}'s growing dependence on {g.name} exports"
            sentence = f"{holder}, voiced concern about {worry}."
            return sentence, [
                Part(
                    f"{name} is {who.title} of the {tank.name}.",
                    f"{cids[0]}-fact a kg:PositionHolding ;\n    kg:holder ent:{expert} ;\n"
                    f"    kg:position ent:{who.position} .\n\n",
                    "kg:Asserted",
                    me,
                    end=len(holder),
                ),
                Part(
                    f"The {tank.name} is a {tank.place_name}-based {tank.kind}.",
                    f"{cids[1]}-fact a kg:OrganizationProfile ;\n"
                    f"    kg:organization ent:{tank.slug} ;\n    kg:basedIn ent:{tank.place} ;\n"
                    f"    kg:organizationType {_lit(tank.kind)}@en .\n\n",
                    "kg:Asserted",
                    me,
                    start=sentence.index(based),
                    end=len(holder),
                ),
                Part(
                    f"{name} voiced concern about {worry}.",
                    f"{cids[2]}-fact a kg:Concern ;\n    kg:speaker ent:{expert} ;\n"
                    f"    kg:about ent:{c.slug}, ent:{g.slug} ;\n"
                    f"    kg:content {_lit(worry)}@en .\n\n",
                    "kg:Opinion",
                    f"ent:{expert}",
                ),
            ]

        def quotation(cids: list[str]) -> tuple[str, list[Part]]:
            cid = cids[0]
            st.saying = rng.randrange(len(SAYINGS))
            words = SAYINGS[st.saying][0].format(c=c.name, g=g.name, p=p.name)
            st.quotation = cid
            return f'"{words}," he said.', [
                Part(
                    f'{name} said: "{words}."',
                    f"{cid}-fact a kg:DirectQuotation ;\n    kg:speaker ent:{expert} ;\n"
                    f"    kg:about ent:{c.slug} ;\n    kg:content {_lit(words)} .\n\n",
                    "kg:Quotation",
                    f"ent:{expert}",
                )
            ]

        def construal(cids: list[str]) -> tuple[str, list[Part]]:
            cid = cids[0]
            meaning = SAYINGS[st.saying][1].format(c=c.name, g=g.name, p=p.name)
            sentence = f"{surname}'s remarks were construed as meaning that {meaning}."
            return sentence, [
                Part(
                    f"{name}'s remarks were construed as meaning that {meaning}.",
                    f"{cid}-fact a kg:Construal ;\n    kg:speaker {me} ;\n"
                    f"    kg:construes {st.quotation} ;\n"
                    f"    kg:about ent:{expert}, ent:{c.slug} ;\n"
                    f"    kg:content {_lit(meaning)}@en .\n\n",
                    "kg:Interpretation",
                    me,
                )
            ]

        def indication(cids: list[str]) -> tuple[str, list[Part]]:
            cid = cids[0]
            what = f"{c.name} may run short of hard currency once its {g.name} is gone"
            return f"Therefore, he indicated, {what}.", [
                Part(
                    f"{name} indicated that {what}.",
                    f"{cid}-fact a kg:Indication ;\n    kg:speaker ent:{expert} ;\n"
                    f"    kg:about ent:{c.slug}, ent:{g.slug} ;\n"
                    f"    kg:content {_lit(what)}@en .\n\n",
                    "kg:Opinion",
                    f"ent:{expert}",
                )
            ]

        def call(cids: list[str]) -> tuple[str, list[Part]]:
            cid = cids[0]
            first = f"draw up a roadmap for {c.name}'s {g.name} trade"
            second = f"develop the technology to process {g.name} at home"
            return f"{surname} called on government officials to {first} and also {second}.", [
                Part(
                    f"{name} called on government officials to {first} and to {second}.",
                    f"{cid}-fact a kg:CallToAction ;\n    kg:speaker ent:{expert} ;\n"
                    f"    kg:addressee ent:unnamed-officials ;\n"
                    f"    kg:about ent:{c.slug}, ent:{g.slug} ;\n"
                    f"    kg:requestedAction {_lit(first)}@en, {_lit(second)}@en ;\n"
                    f"    kg:content {_lit(f'{first} and also {second}')}@en .\n\n",
                    "kg:Recommendation",
                    f"ent:{expert}",
                )
            ]

        return [
            Scene(1, sanction),
            Scene(2, allegation),
            Scene(1, factory),
            Scene(1, withdrawal),
            Scene(3, profile),
            Scene(1, quotation),
            Scene(1, construal, needs="quotation"),
            Scene(1, indication),
            Scene(1, call),
        ]

    @staticmethod
    def month_time(cid: str, when: str, year: int, month: int) -> str:
        return (
            f'{cid}-time a kg:TimeSpec ;\n    kg:statedText "{when}" ;\n'
            f'    kg:edtf "{year}-{month:02d}" ;\n'
            f'    time:inXSDgYearMonth "{year}-{month:02d}"^^xsd:gYearMonth ;\n'
            f'    kg:earliest "{year}-{month:02d}-01"^^xsd:date ;\n'
            f'    kg:latest "{year}-{month:02d}-{last_day(year, month):02d}"^^xsd:date ;\n'
            f"    kg:resolution kg:ExplicitInText .\n\n"
        )

    @staticmethod
    def year_time(cid: str, year: int) -> str:
        return (
            f'{cid}-time a kg:TimeSpec ;\n    kg:statedText "in {year}" ;\n    kg:edtf "{year}" ;\n'
            f'    time:inXSDgYear "{year}"^^xsd:gYear ;\n'
            f'    kg:earliest "{year}-01-01"^^xsd:date ;\n'
            f'    kg:latest "{year}-12-31"^^xsd:date ;\n    kg:resolution kg:ExplicitInText .\n\n'
        )


def generate(out: Path, claims: int, seed: int, violations: int) -> dict[str, object]:
    """Write the project folder; return the manifest of injected violations."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "graph" / "claims").mkdir(parents=True)
    (out / "graph" / "mentions").mkdir(parents=True)
    (out / "graph" / "sources").mkdir(parents=True)
    shutil.copytree(REPO / "ontology", out / "ontology")
    if (REPO / "queries").is_dir():
        shutil.copytree(REPO / "queries", out / "queries")
    world = make_world(rng)
    sources = (claims + CLAIMS_PER_SOURCE - 1) // CLAIMS_PER_SOURCE
    picks = random.Random(seed + 1)
    broken: dict[str, set[int]] = {}
    for kind in VIOLATIONS:
        pool = range(sources) if kind in {"hash-mismatch"} else range(claims)
        if kind == "bad-iso-code":
            pool = range(len(world.countries))
        broken[kind] = set(picks.sample(pool, min(violations, len(pool)))) if violations else set()
    injected: list[dict[str, str]] = []
    for index in sorted(broken["bad-iso-code"]):
        country = world.countries[index]
        country.alpha2 = country.alpha2.lower()
        injected.append({"kind": "bad-iso-code", "focus": f"ent:{country.slug}"})

    writer = Writer(world, rng, broken)
    # claims that must be a general trade flow or share: no story sentence may take them
    forced = (
        broken["wrong-datatype"] | broken["exporter-is-importer"] | broken["percent-out-of-range"]
    )
    suffix = {
        "wrong-datatype": "-value",
        "exporter-is-importer": "-fact",
        "percent-out-of-range": "-quantity",
        "quote-mismatch": "-anchor",
    }
    docs: list[str] = [PREFIXES]
    claim_parts: list[str] = []
    mention_parts: list[str] = []
    n = files = 0
    story: Story | None = None
    for s in range(sources):
        slug = f"gen-{s:06d}"
        doc = f"src:{slug}"
        publisher = rng.choice(world.publishers)
        author = rng.choice(world.people)[0]
        scenes: list[Scene] = []
        if s % STORY_EVERY == 0:
            story = writer.story(s // STORY_EVERY, f"src:{slug}-report")
            sub = story.subject
            title = f"{sub.org[1]} report on the exports of {sub.country.name} ({story.year})"
            docs.append(
                f"{story.report} a kg:CitedDocument, schema:Report ;\n"
                f"    schema:name {_lit(title)}@en ;\n"
                f"    schema:author ent:{sub.org[0]} .\n\n"
            )
            scenes = writer.economy(story, author)
        elif s % STORY_EVERY == 1 and story is not None:
            scenes = writer.politics(story, author)
        about = None
        if scenes and story is not None:
            year, month, day = story.year, story.month, story.day
            headline = writer.headlines(story)[s % STORY_EVERY]
            about = story.subject.country
        else:
            year = rng.randint(2010, 2024)
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            headline = (
                f"{rng.choice(MATERIALS).capitalize()} trade shifts as {_name(rng)} talks stall"
            )
        body: list[str] = [headline + "\n\n"]
        offset = len(body[0])
        k = 1
        while k <= CLAIMS_PER_SOURCE and n < claims:
            # the story's next sentence if its claims fit in this source and none is forced
            room = min(CLAIMS_PER_SOURCE + 1 - k, claims - n)
            while scenes and (
                scenes[0].size > room or (scenes[0].needs and not getattr(story, scenes[0].needs))
            ):
                scenes.pop(0)
            if scenes and story is not None and forced.isdisjoint(range(n, n + scenes[0].size)):
                scene = scenes.pop(0)
                cids = [f"clm:g{s:06d}-{k + i:02d}" for i in range(scene.size)]
                sentence, parts = scene.build(cids)
                ttl = "".join(
                    writer.render(cid, n + i, doc, offset, sentence, part)
                    for i, (cid, part) in enumerate(zip(cids, parts, strict=True))
                )
                mention = writer.mention(cids[0], doc, offset, sentence, story.subject.country)
            else:
                cids = [f"clm:g{s:06d}-{k:02d}"]
                sentence, part, exporter = writer.general(cids[0], n, author, about)
                ttl = writer.render(cids[0], n, doc, offset, sentence, part)
                mention = (
                    writer.mention(cids[0], doc, offset, sentence, exporter) if n % 2 == 0 else ""
                )
            for i, cid in enumerate(cids):
                for kind in (
                    "wrong-datatype",
                    "missing-source",
                    "quote-mismatch",
                    "exporter-is-importer",
                    "percent-out-of-range",
                    "modality-not-in-scheme",
                ):
                    if n + i in broken[kind]:
                        injected.append({"kind": kind, "focus": cid + suffix.get(kind, "")})
            k += len(cids)
            gap = " " if len(body) % 4 else "\n\n"
            body.append(sentence + gap)
            offset += len(sentence) + len(gap)
            claim_parts.append(ttl)
            mention_parts.append(mention)
            before, n = n, n + len(cids)
            if n // CLAIMS_PER_FILE > before // CLAIMS_PER_FILE or n == claims:
                files += 1
                name = f"part-{files:05d}.ttl"
                (out / "graph" / "claims" / name).write_text(
                    PREFIXES + "".join(claim_parts), encoding="utf-8"
                )
                (out / "graph" / "mentions" / name).write_text(
                    PREFIXES + "".join(mention_parts), encoding="utf-8"
                )
                claim_parts, mention_parts = [], []
        text = "".join(body).rstrip() + "\n"
        data = text.encode("utf-8")
        (out / "graph" / "sources" / f"{slug}.txt").write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        if s in broken["hash-mismatch"]:
            digest = hashlib.sha256(data + b"changed").hexdigest()
            injected.append({"kind": "hash-mismatch", "focus": doc})
        docs.append(
            f"{doc} a kg:SourceDocument, schema:NewsArticle ;\n"
            f"    schema:headline {_lit(headline)}@en ;\n"
            f"    schema:publisher ent:{publisher[0]} ;\n"
            f"    schema:author ent:{author} ;\n"
            f'    schema:datePublished "{year}-{month:02d}-{day:02d}T09:00:00+00:00"'
            f"^^xsd:dateTime ;\n"
            f'    schema:url "https://news.example.org/{year}/{slug}"^^xsd:anyURI ;\n'
            f'    schema:inLanguage "en" ;\n    schema:encodingFormat "text/plain" ;\n'
            f'    kg:localPath "sources/{slug}.txt" ;\n    kg:sha256 "{digest}" ;\n'
            f"    kg:characterCount {len(text)} .\n\n"
        )
    (out / "graph" / "sources.ttl").write_text("".join(docs), encoding="utf-8")
    # last: the stories' experts and companies are made as the stories need them
    (out / "graph" / "entities.ttl").write_text(entities_ttl(world), encoding="utf-8")
    manifest: dict[str, object] = {
        "claims": claims,
        "seed": seed,
        "violations_per_kind": violations,
        "kinds": {k: {"breaks": v[0], "expected": v[1]} for k, v in VIOLATIONS.items()},
        "injected": sorted(injected, key=lambda i: (i["kind"], i["focus"])),
    }
    (out / "violations.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--violations", type=int, default=0, help="nodes to break per kind")
    parser.add_argument("--out", type=Path, required=True, help="project folder to (re)create")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    manifest = generate(args.out, args.claims, args.seed, args.violations)
    seconds = time.perf_counter() - started
    print(
        f"wrote {args.claims} claims ({len(manifest['injected'])} violations) "  # type: ignore[arg-type]
        f"to {args.out} in {seconds:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
