"""The SPARQL scanner behind remote parameter binding: strings, IRIs and comments are data."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgtool.errors import QueryError
from kgtool.project import NAMESPACES
from kgtool.sparql_text import (
    declared_prefixes,
    inject_values,
    query_form,
    tokens,
    values_block,
    where_group,
    with_prefixes,
)

DATA = """
@prefix ex: <http://example.org/> .
ex:a ex:label "a { WHERE } # not a comment" ; ex:n 1 .
ex:b ex:label "b" ; ex:n 5 .
"""


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    return store


def run(store: ox.Store, text: str) -> list[list[str]]:
    """Evaluate and return rows as N-Triples strings: the edited text must parse."""
    result = store.query(text)
    if isinstance(result, ox.QueryBoolean):
        return [[str(bool(result))]]
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return sorted([str(row[n]) for n in names] for row in result)
    return sorted([str(t)] for t in result)


def test_tokens_skip_comments_strings_and_iris() -> None:
    text = 'SELECT ?x # { WHERE\nWHERE { ?x <http://e/a#b> "}{" . FILTER(?n < 3) }'
    kinds = [(t.kind, t.text) for t in tokens(text)]
    assert ("iri", "<http://e/a#b>") in kinds
    assert ("string", '"}{"') in kinds
    assert [t for _, t in kinds].count("{") == 1
    assert ("punct", "<") in kinds  # less-than is not an IRI
    assert all("WHERE" not in t or k == "word" for k, t in kinds)


def test_long_strings_and_escapes() -> None:
    text = "SELECT * WHERE { ?s ?p '''a ' } '' \\' x''' . ?s ?p \"x\\\"}\" }"
    assert [t.text for t in tokens(text) if t.kind == "string"] == [
        "'''a ' } '' \\' x'''",
        '"x\\"}"',
    ]
    open_at, close_at = where_group(text)  # type: ignore[misc]
    assert text[open_at] == "{" and text[close_at] == "}" and close_at == len(text) - 1


def test_unterminated_string_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="unterminated"):
        list(tokens('SELECT * WHERE { ?s ?p "oops }'))


def test_values_block_uses_term_syntax() -> None:
    nasty = ox.Literal('x" } ; DROP ALL #\n', language="en")
    block = values_block({"b": nasty, "a": ox.NamedNode("http://e/a")})
    assert block.startswith("VALUES (?a ?b) { (<http://e/a> ")
    assert "\n" not in block  # the newline is escaped, the quote too


def test_injection_binds_the_value_as_data(store: ox.Store) -> None:
    label = ox.Literal("a { WHERE } # not a comment")
    text = (
        "PREFIX ex: <http://example.org/>\n"
        "# a { comment } WHERE\n"
        'SELECT ?s ?n WHERE { ?s ex:label ?label ; ex:n ?n . FILTER(?n < 3 || ?n = "{") }'
    )
    edited = inject_values(text, {"label": label})
    assert run(store, edited) == [
        [
            "<http://example.org/a>",
            str(ox.Literal("1", datatype=ox.NamedNode(NAMESPACES["xsd"] + "integer"))),
        ]
    ]
    hostile = ox.Literal('" } } DROP ALL ; SELECT * { "')
    assert run(store, inject_values(text, {"label": hostile})) == []


def test_construct_template_is_skipped(store: ox.Store) -> None:
    text = "PREFIX ex: <http://example.org/>\nCONSTRUCT { ?s ex:seen ?n } WHERE { ?s ex:n ?n }"
    edited = inject_values(text, {"s": ox.NamedNode("http://example.org/b")})
    assert edited.index("VALUES") > edited.index("WHERE")
    rows = run(store, edited)
    assert len(rows) == 1 and "<http://example.org/b>" in rows[0][0]


def test_sub_select_group_is_wrapped(store: ox.Store) -> None:
    text = "SELECT ?s ?n { SELECT ?s ?n WHERE { ?s <http://example.org/n> ?n } }"
    edited = inject_values(
        text, {"n": ox.Literal("5", datatype=ox.NamedNode(NAMESPACES["xsd"] + "integer"))}
    )
    assert run(store, edited) == [
        [
            "<http://example.org/b>",
            str(ox.Literal("5", datatype=ox.NamedNode(NAMESPACES["xsd"] + "integer"))),
        ]
    ]


def test_ask_and_no_bindings(store: ox.Store) -> None:
    text = "ASK { ?s <http://example.org/n> ?n }"
    assert inject_values(text, {}) == text
    edited = inject_values(
        text, {"n": ox.Literal("7", datatype=ox.NamedNode(NAMESPACES["xsd"] + "integer"))}
    )
    assert run(store, edited) == [["False"]]


def test_queries_without_a_bindable_group() -> None:
    with pytest.raises(QueryError, match="no WHERE group"):
        inject_values("DESCRIBE <http://e/x>", {"x": ox.NamedNode("http://e/y")})
    with pytest.raises(QueryError, match="short form"):
        inject_values("CONSTRUCT WHERE { ?s ?p ?o }", {"s": ox.NamedNode("http://e/y")})
    with pytest.raises(QueryError, match="variable name"):
        values_block({"a b": ox.NamedNode("http://e/y")})
    with pytest.raises(QueryError, match="only IRIs and literals"):
        values_block({"a": ox.BlankNode("x")})


def test_query_form() -> None:
    assert query_form("# SELECT\nPREFIX a: <http://e/> CONSTRUCT { } WHERE { }") == "CONSTRUCT"
    assert query_form("BASE <http://e/> ask {}") == "ASK"
    with pytest.raises(QueryError):
        query_form("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")


def test_missing_prefixes_are_prepended(store: ox.Store) -> None:
    text = 'PREFIX kg: <http://other/>\nSELECT ?x WHERE { ?x a kg:Claim ; rdfs:label "skos:x" }'
    assert declared_prefixes(text) == {"kg"}
    edited = with_prefixes(text, NAMESPACES)
    assert edited.startswith(f"PREFIX rdfs: <{NAMESPACES['rdfs']}>\n")
    assert "PREFIX skos" not in edited  # inside a string, not used
    assert edited.count("PREFIX kg:") == 1  # the query's own declaration wins
    assert run(store, edited) == []
