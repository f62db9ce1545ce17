"""The SHACL shapes accept the valid fixture and reject each invalid one for its own reason."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest
from conftest import FIXTURES, Result, load_data, sparql_constraints, validate
from rdflib import BNode, Graph, URIRef

VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
EXPECT = re.compile(r"^# expect: (\S+) on (\S+) : (.+)$", re.MULTILINE)


def expectation(path: Path) -> tuple[str, str, str]:
    match = EXPECT.search(path.read_text(encoding="utf-8"))
    assert match, f"{path.name} has no '# expect: <component or shape> on <focus> : <message>' line"
    return match.group(1), match.group(2), match.group(3).strip()


def expand(curie: str, graph: Graph) -> URIRef:
    return graph.namespace_manager.expand_curie(curie)


def focus_matches(focus, expected: str, graph: Graph) -> bool:
    if expected == "_:":
        return isinstance(focus, BNode)
    return focus == expand(expected, graph)


def matches(result: Result, source: URIRef, focus: str, message: str, graph: Graph) -> bool:
    return (
        source in (result.component, result.shape, result.constraint)
        and focus_matches(result.focus, focus, graph)
        and any(message in m for m in result.messages)
    )


def test_there_are_fixtures():
    assert VALID
    assert len(INVALID) >= 20


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_conforms(path, ontology, shapes):
    conforms, _, report = validate(load_data(path), ontology, shapes)
    assert conforms, report


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_is_rejected_for_its_reason(path, ontology, shapes):
    source, focus, message = expectation(path)
    data = load_data(path)
    conforms, results, _ = validate(data, ontology, shapes)
    assert not conforms, f"{path.name} conforms but should not"
    expected = expand(source, data)
    assert any(matches(r, expected, focus, message, data) for r in results), (
        f"no result {source} on {focus} with message containing {message!r}; got:\n"
        + "\n".join(r.describe() for r in results)
    )


# --- the SHACL-SPARQL constraints also run as plain SPARQL 1.1 -------------------------


def run_rdflib(query: str, dataset: Graph) -> set:
    return {row.this for row in dataset.query(query)}


def run_oxigraph(query: str, dataset: Graph) -> set:
    store = pyoxigraph.Store()
    store.load(dataset.serialize(format="nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    found = set()
    for solution in store.query(query):
        term = solution["this"]
        found.add(
            BNode(term.value) if isinstance(term, pyoxigraph.BlankNode) else URIRef(term.value)
        )
    return found


def sparql_cases():
    for path in INVALID:
        source, _, _ = expectation(path)
        if source.startswith("kgsh:") and source.endswith("Constraint"):
            yield path


@pytest.mark.parametrize("engine", [run_rdflib, run_oxigraph], ids=["rdflib", "oxigraph"])
def test_sparql_constraints_find_nothing_in_valid_data(engine, ontology, shapes):
    for path in VALID:
        dataset = ontology + load_data(path)
        for constraint, query in sparql_constraints(shapes).items():
            assert engine(query, dataset) == set(), f"{constraint} fires on {path.name}"


@pytest.mark.parametrize("engine", [run_rdflib, run_oxigraph], ids=["rdflib", "oxigraph"])
@pytest.mark.parametrize("path", list(sparql_cases()), ids=lambda p: p.stem)
def test_sparql_constraint_runs_as_plain_sparql(path, engine, ontology, shapes):
    source, focus, _ = expectation(path)
    data = load_data(path)
    query = sparql_constraints(shapes)[expand(source, data)]
    assert expand(focus, data) in engine(query, ontology + data)
