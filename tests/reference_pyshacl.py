"""Test helper: run pyshacl, the reference validator, fast enough for big corpora.

pyshacl runs each SHACL-SPARQL constraint once per focus node and hands rdflib
the query *text* every time (``Graph.query(text, initBindings={"this": node})``).
rdflib then parses it again with pyparsing and translates it to its algebra,
which costs about 5-10 ms per call: tens of minutes for the ~10^5 (constraint,
focus node) pairs of a 10,000-claim corpus, whatever the query does.

:func:`memoized_sparql_parsing` parses and translates each distinct query text
once. It does in-process what rdflib documents for repeated queries
(``prepareQuery`` once, then ``Graph.query(prepared, initBindings=...)``), so
evaluation is unchanged:

* the cached object is exactly what rdflib builds for the text,
  ``translateQuery(parseQuery(text), base, initNs)``, keyed by all three
  inputs (``Graph.query`` passes the graph's namespaces as ``initNs``);
* evaluation does not mutate it: ``evalQuery`` keeps every binding in a fresh
  ``QueryContext`` (initBindings included), the algebra is rewritten
  (``simplify``, ``reorderTriples``, ``_vars``, lazy joins) only during
  translation, and the one attribute evaluation writes, ``Expr.ctx``, is reset
  in a ``finally`` of the same call; pyshacl consumes each result fully before
  the next query and runs in one thread.

pyshacl also checks the query text before every one of those queries
(``SPARQLQueryHelper.check_invalid_sparql``: no MINUS, VALUES, SERVICE, nested
SELECT without $this, no ``AS ?this``). Two of its regular expressions take
time proportional to lines x characters of the text, 1-3 ms for the longer
constraints, so :func:`memoized_pyshacl_query_checks` remembers the texts that
passed. The check is a pure function of the text, of whether $value is
pre-bound and of the extra pre-bound variables, which is the cache key; a text
that fails is not cached and fails again every time, as before.

The product (``kgtool.validate``) is left alone: this is only for the tests.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def memoized_sparql_parsing() -> Iterator[dict[Any, Any]]:
    """Within the block, rdflib parses and translates each query text only once.

    Yields the cache (text, base, namespaces) -> translated query, for inspection.
    """
    from rdflib.plugins.sparql import processor
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    cache: dict[Any, Any] = {}
    original = processor.SPARQLProcessor.query

    # the signature of SPARQLProcessor.query, which Graph.query calls
    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(strOrQuery, str):
            namespaces = tuple(sorted((str(k), str(v)) for k, v in (initNs or {}).items()))
            key = (strOrQuery, base, namespaces)
            prepared = cache.get(key)
            if prepared is None:
                prepared = cache[key] = translateQuery(parseQuery(strOrQuery), base, initNs)
            strOrQuery = prepared
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    try:
        yield cache
    finally:
        processor.SPARQLProcessor.query = original


@contextlib.contextmanager
def memoized_pyshacl_query_checks() -> Iterator[set[Any]]:
    """Within the block, pyshacl checks each SHACL-SPARQL text once (see the module doc)."""
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    passed: set[Any] = set()
    original = SPARQLQueryHelper.check_invalid_sparql

    def check_invalid_sparql(self, sparql_text, valuenode=None, extravars=None):
        key = (sparql_text, valuenode is not None, tuple(sorted(extravars or ())))
        if key not in passed:
            original(self, sparql_text, valuenode=valuenode, extravars=extravars)
            passed.add(key)
        return True

    SPARQLQueryHelper.check_invalid_sparql = check_invalid_sparql
    try:
        yield passed
    finally:
        SPARQLQueryHelper.check_invalid_sparql = original


@contextlib.contextmanager
def fast_reference() -> Iterator[None]:
    """Both memoizations: pyshacl gives the same report, without re-parsing query texts."""
    with memoized_sparql_parsing(), memoized_pyshacl_query_checks():
        yield
