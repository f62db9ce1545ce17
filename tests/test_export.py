"""Deterministic serialisation, independent of insertion order and blank-node labels."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from kgtool.errors import InputError
from kgtool.export import FORMATS, canonical_quads, serialize

EX = "http://example.org/"
G = ox.NamedNode(EX + "g")


def _quads() -> list[ox.Quad]:
    b1, b2 = ox.BlankNode(), ox.BlankNode()
    return [
        ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("x"), G),
        ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "q"), b1, G),
        ox.Quad(b1, ox.NamedNode(EX + "r"), ox.Literal("1", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#decimal")), G),
        ox.Quad(b1, ox.NamedNode(EX + "s"), b2, G),
        ox.Quad(b2, ox.NamedNode(EX + "t"), ox.Literal("y", language="en"), G),
    ]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_same_graph_any_order_same_bytes(fmt: str) -> None:
    first = serialize(_quads(), fmt)
    shuffled = _quads()  # fresh blank nodes, different labels
    random.Random(7).shuffle(shuffled)
    assert serialize(shuffled, fmt) == first


def test_rdf_type_comes_first_for_each_subject() -> None:
    subject = ox.NamedNode(EX + "z")
    quads = [
        ox.Quad(subject, ox.NamedNode(EX + "a"), ox.Literal("v"), G),
        ox.Quad(subject, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode(EX + "C"), G),
    ]
    ordered = canonical_quads(quads)
    assert ordered[0].predicate.value.endswith("#type")


def test_unknown_format_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown export format"):
        serialize(_quads(), "xlsx")


def test_turtle_round_trips() -> None:
    data = serialize(_quads(), "ttl")
    parsed = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
    assert len(parsed) == len(_quads())
