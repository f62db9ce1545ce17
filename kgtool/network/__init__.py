"""The trade network and other graph views of the claims, for analysis and pictures.

Three networks are built by SPARQL from any executor (embedded store or
remote endpoint): the **trade network** (countries, one edge per stated flow
and commodity), the **entity graph** (entities linked by the claims whose
facts involve them) and the **provenance graph** (claims, who says so, the
documents they cite, the source article). Each can be measured
(:func:`stats`), searched (:func:`path`, :func:`neighbours`), written as
GraphML/GEXF and drawn with Graphviz.

This module imports nothing heavy itself: networkx and Graphviz load when a
function runs.
"""

from __future__ import annotations

from kgtool.network.analysis import (
    Hop,
    NetworkStats,
    Ranked,
    neighbour_list,
    neighbours,
    path,
    resolve_node,
    stats,
)
from kgtool.network.build import KINDS, build, entity_graph, provenance_graph, trade_network
from kgtool.network.draw import GraphvizMissing, draw, graph_for, render, render_svg, to_dot
from kgtool.network.files import file_safe, write, write_gexf, write_graphml

__all__ = [
    "KINDS",
    "GraphvizMissing",
    "Hop",
    "NetworkStats",
    "Ranked",
    "build",
    "draw",
    "entity_graph",
    "file_safe",
    "graph_for",
    "neighbour_list",
    "neighbours",
    "path",
    "provenance_graph",
    "render",
    "render_svg",
    "resolve_node",
    "stats",
    "to_dot",
    "trade_network",
    "write",
    "write_gexf",
    "write_graphml",
]
