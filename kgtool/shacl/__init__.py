"""A SHACL engine that runs the shapes as SPARQL where the graph is.

pyshacl walks every focus node in Python over an rdflib copy of the graph,
which takes minutes at a million triples. Here each shape is compiled into a
few SELECT queries and pyoxigraph (or a SPARQL server) evaluates them on the
store as it is. The shapes are read from the store's shapes named graph, so
the engine follows whatever ``ontology/shapes.ttl`` says; a constraint
component it cannot compile is an error that names it, never a silent skip.

The queries are written for how pyoxigraph evaluates them on RocksDB. A
triple pattern joined to another is evaluated once per row of the first (an
index lookup each, tens of microseconds on a large store), while a pattern
inside a sub-select or a MINUS is evaluated once on its own and hash-joined:
for a whole graph the second is many times faster. So a full validation scans
each constrained property once, from no focus node, and only the few rows that
break a constraint are then checked against the shape's targets in Python;
checks that need every focus node (minimum counts, ``sh:hasValue``) scan the
targets and remove the nodes that conform with a MINUS; and the SHACL-SPARQL
queries are restated with their triple patterns as sub-selects (see
:func:`hash_joined`). Queries shared by several shapes run once, and the
queries run on a few threads, since pyoxigraph releases the GIL.

Validation restricted to given focus nodes (``validate(..., focus=...)``), as
incremental rebuilds need, goes the other way: it finds which shapes target
each node, then runs each shape's checks with the nodes in a ``VALUES`` block
that opens the pattern, so every lookup starts from them. The tests of all
the property shapes of a shape whose path is an IRI share two queries that
read each node's triples once. Its results are exactly those of a full
validation about the same focus nodes.

The modules, in the order the work is done:

- :mod:`~kgtool.shacl.source`      where the graph is read (the store, a server)
- :mod:`~kgtool.shacl.shapes`      the shapes graph
- :mod:`~kgtool.shacl.compiler`    paths, classes, targets
- :mod:`~kgtool.shacl.components`  one function per SHACL constraint component
- :mod:`~kgtool.shacl.datatypes`   the lexical space of each XSD datatype
- :mod:`~kgtool.shacl.sparql`      SHACL-SPARQL constraints and their rewrite
- :mod:`~kgtool.shacl.compile`     shapes -> checks, one plan per shape
- :mod:`~kgtool.shacl.plan`        the compiled plan kept beside the store
- :mod:`~kgtool.shacl.run`         running a plan, results
"""

from kgtool.errors import UnsupportedShape
from kgtool.limits import BATCH, WORKERS
from kgtool.shacl.checks import Check, ShapePlan
from kgtool.shacl.compile import compile_plan, compile_shapes
from kgtool.shacl.components import COMPONENTS, Component
from kgtool.shacl.plan import PLAN_NAME, cached_plan
from kgtool.shacl.run import focus_terms, validate
from kgtool.shacl.source import EndpointSource, Source, StoreSource
from kgtool.shacl.sparql import hash_joined

__all__ = [
    "BATCH",
    "COMPONENTS",
    "PLAN_NAME",
    "WORKERS",
    "Check",
    "Component",
    "EndpointSource",
    "ShapePlan",
    "Source",
    "StoreSource",
    "UnsupportedShape",
    "cached_plan",
    "compile_plan",
    "compile_shapes",
    "focus_terms",
    "hash_joined",
    "validate",
]
