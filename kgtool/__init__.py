"""kgtool: a knowledge graph of sourced claims about international trade.

The library comes first; the ``kgtool`` command is a thin layer over it:

- :mod:`kgtool.project`  where the files are, and their named graphs
- :mod:`kgtool.store`    the embedded pyoxigraph store, rebuilt only when inputs change
- :mod:`kgtool.validate` SHACL validation with a report of results
- :mod:`kgtool.export`   deterministic Turtle, TriG, N-Quads, JSON-LD
- :mod:`kgtool.query`    named SPARQL queries with typed parameters
- :mod:`kgtool.errors`   the exceptions a user may see
"""

__version__ = "0.1.0"
