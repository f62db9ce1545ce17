"""Checks on the hand-modelled graph data in graph/ (Turtle), read with rdflib.

Every claim and mention must point at the exact characters of its source, every
statement sentence of the article must carry a claim, and every number of the
article must be a typed literal with its unit or currency, reachable from a claim.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from kgtool.authoring.compile import compile_file
from kgtool.project import Project

ROOT = Path(__file__).resolve().parent.parent
GRAPH_DIR = ROOT / "graph"

KG = Namespace("https://w3id.org/kgtool/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("http://schema.org/")
TIME = Namespace("http://www.w3.org/2006/time#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SRC = Namespace("https://w3id.org/kgtool/source/")
ENT = Namespace("https://w3id.org/kgtool/entity/")
CLM = "https://w3id.org/kgtool/claim/"

ARTICLE = SRC["koreatimes-2014-07-27-rare-earth-exports"]
CAPTION_LINES = 2  # lines 1-2 of the article file are a photo caption


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = Graph()
    for path in sorted(GRAPH_DIR.rglob("*.ttl")):
        g.parse(path, format="turtle")
    for path in sorted(GRAPH_DIR.rglob("*.yaml")):  # claim sheets, as the build compiles them
        g.parse(data=compile_file(Project(ROOT), path).ntriples, format="nt")
    return g


@pytest.fixture(scope="module")
def texts(graph: Graph) -> dict[URIRef, str]:
    return {
        doc: (GRAPH_DIR / str(rel)).read_text(encoding="utf-8")
        for doc, rel in graph.subject_objects(KG.localPath)
    }


def statement_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence after the caption lines, from the text alone."""
    spans = []
    offset = 0
    for number, line in enumerate(text.split("\n"), 1):
        if number > CAPTION_LINES:
            start = 0
            for match in re.finditer(r'[.!?]"?(?=\s|$)', line):
                chunk = line[start : match.end()]
                lead = len(chunk) - len(chunk.lstrip())
                spans.append((offset + start + lead, offset + match.end()))
                start = match.end()
            assert not line[start:].strip(), f"unterminated sentence on line {number}"
        offset += len(line) + 1
    return spans


def anchors(graph: Graph, cls: URIRef):
    """(anchor, document, exact, start, end) for every resource of class cls."""
    for anchor in graph.subjects(RDF.type, cls):
        doc = graph.value(anchor, OA.hasSource)
        exact = start = end = None
        for sel in graph.objects(anchor, OA.hasSelector):
            if (sel, RDF.type, OA.TextQuoteSelector) in graph:
                exact = str(graph.value(sel, OA.exact))
            if (sel, RDF.type, OA.TextPositionSelector) in graph:
                start = int(graph.value(sel, OA.start))
                end = int(graph.value(sel, OA.end))
        yield anchor, doc, exact, start, end


def claim_spans(graph: Graph) -> list[tuple[URIRef, int, int]]:
    spans = []
    for claim in graph.subjects(RDF.type, KG.Claim):
        for anchor in graph.objects(claim, KG.hasAnchor):
            for sel in graph.objects(anchor, OA.hasSelector):
                if (sel, RDF.type, OA.TextPositionSelector) in graph:
                    spans.append(
                        (claim, int(graph.value(sel, OA.start)), int(graph.value(sel, OA.end)))
                    )
    return spans


def reachable_from_claims(graph: Graph) -> set:
    """Every node reachable from a claim through nodes of the claim namespace."""
    seen: set = set()
    todo = list(graph.subjects(RDF.type, KG.Claim))
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo += [o for o in graph.objects(node, None) if str(o).startswith(CLM)]
    return seen


def test_source_hash_matches(graph: Graph):
    docs = list(graph.subject_objects(KG.localPath))
    assert docs, "no source document with kg:localPath"
    for doc, rel in docs:
        data = (GRAPH_DIR / str(rel)).read_bytes()
        assert hashlib.sha256(data).hexdigest() == str(graph.value(doc, KG.sha256)), doc
        assert len(data.decode("utf-8")) == int(graph.value(doc, KG.characterCount)), doc


@pytest.mark.parametrize("cls", [KG.TextAnchor, KG.Mention])
def test_quotes_equal_text_at_offsets(graph: Graph, texts: dict, cls: URIRef):
    found = list(anchors(graph, cls))
    assert found, f"no {cls}"
    for anchor, doc, exact, start, end in found:
        assert doc in texts, f"{anchor}: unknown source {doc}"
        assert exact is not None and start is not None, f"{anchor}: selectors missing"
        assert 0 <= start < end <= len(texts[doc]), anchor
        assert texts[doc][start:end] == exact, f"{anchor}: {exact!r} != text[{start}:{end}]"


def test_every_claim_is_anchored_in_its_source(graph: Graph):
    claims = set(graph.subjects(RDF.type, KG.Claim))
    assert claims
    for claim in claims:
        source = graph.value(claim, KG.inSource)
        assert source is not None, claim
        anchor_list = list(graph.objects(claim, KG.hasAnchor))
        assert anchor_list, f"{claim} has no anchor"
        for anchor in anchor_list:
            assert graph.value(anchor, OA.hasSource) == source, anchor


def test_every_statement_sentence_has_a_claim(graph: Graph, texts: dict):
    sentences = statement_sentences(texts[ARTICLE])
    assert len(sentences) == 20
    spans = claim_spans(graph)
    for start, end in sentences:
        inside = [c for c, s, e in spans if start <= s and e <= end]
        assert inside, f"no claim anchored in {texts[ARTICLE][start:end]!r}"


def test_every_claim_anchor_lies_inside_one_sentence(graph: Graph, texts: dict):
    sentences = statement_sentences(texts[ARTICLE])
    for claim, s, e in claim_spans(graph):
        assert any(a <= s and e <= b for a, b in sentences), f"{claim} crosses sentences"


def test_caption_carries_no_claim(graph: Graph, texts: dict):
    caption_end = sum(len(line) + 1 for line in texts[ARTICLE].split("\n")[:CAPTION_LINES])
    for claim, start, _ in claim_spans(graph):
        assert start >= caption_end, f"{claim} is anchored in the photo caption"


# (value property, lexical value, datatype, unit property, unit) for each number of the article
ARTICLE_NUMBERS = [
    (SCHEMA.value, "550000", XSD.decimal, SCHEMA.currency, "USD"),
    (SCHEMA.value, "1330000", XSD.decimal, SCHEMA.currency, "USD"),
    (SCHEMA.maxValue, "25000", XSD.decimal, SCHEMA.currency, "USD"),
    (SCHEMA.value, "20000000", XSD.decimal, SCHEMA.unitCode, "TNE"),
    (SCHEMA.value, "-23", XSD.decimal, SCHEMA.unitCode, "P1"),
    (SCHEMA.value, "-5", XSD.decimal, SCHEMA.unitCode, "P1"),
    (SCHEMA.value, "73", XSD.decimal, SCHEMA.unitCode, "P1"),
    (SCHEMA.value, "11000000", XSD.decimal, SCHEMA.unitCode, "TNE"),
    (SCHEMA.value, "17", XSD.decimal, SCHEMA.unitCode, "C62"),
]


@pytest.mark.parametrize(("prop", "value", "datatype", "unit_prop", "unit"), ARTICLE_NUMBERS)
def test_article_number_is_typed_with_unit(graph, prop, value, datatype, unit_prop, unit):
    reachable = reachable_from_claims(graph)
    target = Literal(Decimal(value), datatype=datatype)
    holders = [
        node
        for node, lit in graph.subject_objects(prop)
        if isinstance(lit, Literal) and lit.datatype == datatype and lit.eq(target)
    ]
    assert holders, f"{value} is not a {datatype} literal on {prop}"
    ok = [n for n in holders if str(graph.value(n, unit_prop)) == unit and n in reachable]
    assert ok, f"{value}: no node with {unit_prop} {unit} reachable from a claim"


def test_nearly_25000_is_an_upper_bound_only(graph: Graph):
    target = Literal(Decimal(25000), datatype=XSD.decimal)
    nodes = [n for n, v in graph.subject_objects(SCHEMA.maxValue) if v.eq(target)]
    assert nodes
    for node in nodes:
        assert graph.value(node, KG.approximation) == KG.Below
        assert graph.value(node, SCHEMA.value) is None


def test_year_2012_is_a_gyear_on_a_claim(graph: Graph):
    reachable = reachable_from_claims(graph)
    nodes = [
        n
        for n, v in graph.subject_objects(TIME.inXSDgYear)
        if v.datatype == XSD.gYear and str(v) == "2012"
    ]
    assert any(n in reachable for n in nodes)


def test_mentions_refer_to_existing_entities(graph: Graph):
    mentions = list(graph.subjects(RDF.type, KG.Mention))
    assert mentions
    for mention in mentions:
        targets = list(graph.objects(mention, KG.refersTo))
        assert len(targets) == 1, mention
        assert str(targets[0]).startswith(str(ENT)), mention
        assert (targets[0], None, None) in graph, f"{mention}: {targets[0]} is not described"


def test_no_blank_nodes():
    for path in sorted([*GRAPH_DIR.rglob("*.ttl"), *GRAPH_DIR.rglob("*.yaml")]):
        if path.suffix == ".yaml":
            g = Graph().parse(data=compile_file(Project(ROOT), path).ntriples, format="nt")
        else:
            g = Graph().parse(path, format="turtle")
        blanks = {x for triple in g for x in triple if isinstance(x, BNode)}
        assert not blanks, f"{path.relative_to(ROOT)} has blank nodes"
