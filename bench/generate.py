"""Generate a synthetic kgtool project of any size, for benchmarks and engine comparisons.

The corpus follows docs/model.md and ontology/shapes.ttl: news articles with
their texts on disk (hashed), claims anchored in those texts, trade flows
between ~200 countries in ~500 commodities (an HS-like hierarchy), trade
shares, earnings changes, reserve estimates and direct quotations, with
attributions, modalities, times, money, quantities and entity mentions. Data
is split into one claims file and one mentions file per 1,000 claims so that
an incremental rebuild has little to redo.

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
class Corpus:
    countries: list[Country] = field(default_factory=list)
    commodities: list[Commodity] = field(default_factory=list)
    leaves: list[Commodity] = field(default_factory=list)
    organizations: list[tuple[str, str]] = field(default_factory=list)
    people: list[tuple[str, str]] = field(default_factory=list)
    publishers: list[tuple[str, str]] = field(default_factory=list)


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
    return world


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
    for slug, name in world.organizations + world.publishers:
        out.append(f"ent:{slug} a kg:Organization ;\n    skos:prefLabel {_lit(name)}@en .\n\n")
    for slug, name in world.people:
        out.append(f"ent:{slug} a kg:Person ;\n    skos:prefLabel {_lit(name)}@en .\n\n")
    out.append(
        'ent:unnamed-officials a kg:UnnamedParty ;\n    skos:prefLabel "unnamed officials"@en ;\n'
        '    kg:partyKind "officials who are not named" .\n\n'
    )
    return "".join(out)


@dataclass
class Sentence:
    """One claim's sentence, with what the claim needs to describe it."""

    text: str
    turtle: str = ""
    mention: tuple[int, int, str] | None = None


class Writer:
    """Builds each source's text and the Turtle of its claims in step."""

    def __init__(self, world: Corpus, rng: random.Random, broken: dict[str, set[int]]) -> None:
        self.world = world
        self.rng = rng
        self.broken = broken

    def claim(self, cid: str, n: int, doc: str, author: str, offset: int) -> tuple[str, str, str]:
        """(sentence, claims Turtle, mentions Turtle) of claim number ``n``."""
        rng, w = self.rng, self.world
        exp, imp = rng.sample(w.countries, 2)
        good = rng.choice(w.leaves)
        year = rng.randint(2005, 2024)
        month = rng.randint(1, 12)
        kind = rng.random()
        if n in self.broken["wrong-datatype"] or n in self.broken["exporter-is-importer"]:
            kind = 0.0  # a trade flow: it has the money value and the two countries
        elif n in self.broken["percent-out-of-range"]:
            kind = 0.75  # a trade share
        modality, attributed, cites = "kg:Asserted", f"ent:{author}", ""
        source_org = rng.choice(w.organizations)
        if rng.random() < 0.45:
            modality, attributed = "kg:Reported", f"ent:{source_org[0]}"
        facts: list[str] = []
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
            facts.append(
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
            facts.append(
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
            facts.append(
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
            facts.append(
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
            facts.append(
                f"{cid}-fact a kg:DirectQuotation ;\n    kg:speaker ent:{person[0]} ;\n"
                f"    kg:about ent:{exp.slug} ;\n    kg:content {_lit(words.capitalize())} .\n\n"
            )
        if n in self.broken["modality-not-in-scheme"]:
            modality = "kg:Increase"
        start, end = offset, offset + len(sentence)
        exact = sentence
        if n in self.broken["quote-mismatch"]:
            exact = sentence[:-1] + "!"
        source_line = "" if n in self.broken["missing-source"] else f"    kg:inSource {doc} ;\n"
        claim = (
            f"{cid} a kg:Claim ;\n    rdfs:label {_lit(label)}@en ;\n{source_line}"
            f"    kg:hasAnchor {cid}-anchor ;\n    prov:wasAttributedTo {attributed} ;\n{cites}"
            f"    kg:modality {modality} ;\n    kg:states {cid}-fact .\n\n"
            f"{cid}-anchor a kg:TextAnchor ;\n    oa:hasSource {doc} ;\n"
            f"    oa:hasSelector {cid}-anchor-quote, {cid}-anchor-pos .\n\n"
            f"{cid}-anchor-quote a oa:TextQuoteSelector ;\n    oa:exact {_lit(exact)} .\n\n"
            f"{cid}-anchor-pos a oa:TextPositionSelector ;\n"
            f'    oa:start "{start}"^^xsd:nonNegativeInteger ;\n'
            f'    oa:end "{end}"^^xsd:nonNegativeInteger .\n\n'
        )
        mentions = ""
        where = sentence.find(exp.name)
        if where >= 0 and n % 2 == 0:
            mid = "mnt:" + cid.split(":", 1)[1] + "-m1"
            s, e = offset + where, offset + where + len(exp.name)
            mentions = (
                f"{mid} a kg:Mention ;\n    kg:refersTo ent:{exp.slug} ;\n"
                f"    oa:hasSource {doc} ;\n    oa:hasSelector {mid}-quote, {mid}-pos .\n\n"
                f"{mid}-quote a oa:TextQuoteSelector ;\n    oa:exact {_lit(exp.name)} .\n\n"
                f"{mid}-pos a oa:TextPositionSelector ;\n"
                f'    oa:start "{s}"^^xsd:nonNegativeInteger ;\n'
                f'    oa:end "{e}"^^xsd:nonNegativeInteger .\n\n'
            )
        return sentence, claim + "".join(facts), mentions

    @staticmethod
    def month_time(cid: str, when: str, year: int, month: int) -> str:
        last = DAYS[month - 1] + (1 if month == 2 and year % 4 == 0 else 0)
        return (
            f'{cid}-time a kg:TimeSpec ;\n    kg:statedText "{when}" ;\n'
            f'    kg:edtf "{year}-{month:02d}" ;\n'
            f'    time:inXSDgYearMonth "{year}-{month:02d}"^^xsd:gYearMonth ;\n'
            f'    kg:earliest "{year}-{month:02d}-01"^^xsd:date ;\n'
            f'    kg:latest "{year}-{month:02d}-{last:02d}"^^xsd:date ;\n'
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
    (out / "graph" / "entities.ttl").write_text(entities_ttl(world), encoding="utf-8")

    writer = Writer(world, rng, broken)
    docs: list[str] = [PREFIXES]
    claim_parts: list[str] = []
    mention_parts: list[str] = []
    n = 0
    for s in range(sources):
        slug = f"gen-{s:06d}"
        doc = f"src:{slug}"
        publisher = rng.choice(world.publishers)
        author = rng.choice(world.people)[0]
        year = rng.randint(2010, 2024)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        headline = f"{rng.choice(MATERIALS).capitalize()} trade shifts as {_name(rng)} talks stall"
        body: list[str] = [headline + "\n\n"]
        offset = len(body[0])
        for k in range(1, CLAIMS_PER_SOURCE + 1):
            if n >= claims:
                break
            cid = f"clm:g{s:06d}-{k:02d}"
            sentence, ttl, mention = writer.claim(cid, n, doc, author, offset)
            for kind in (
                "wrong-datatype",
                "missing-source",
                "quote-mismatch",
                "exporter-is-importer",
                "percent-out-of-range",
                "modality-not-in-scheme",
            ):
                if n in broken[kind]:
                    suffix = {
                        "wrong-datatype": "-value",
                        "exporter-is-importer": "-fact",
                        "percent-out-of-range": "-quantity",
                        "quote-mismatch": "-anchor",
                    }
                    injected.append({"kind": kind, "focus": cid + suffix.get(kind, "")})
            gap = " " if k % 4 else "\n\n"
            body.append(sentence + gap)
            offset += len(sentence) + len(gap)
            claim_parts.append(ttl)
            mention_parts.append(mention)
            n += 1
            if n % CLAIMS_PER_FILE == 0 or n == claims:
                part = (n - 1) // CLAIMS_PER_FILE + 1
                name = f"part-{part:05d}.ttl"
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
