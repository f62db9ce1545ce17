"""GraphML and GEXF files for Gephi, Cytoscape, yEd and networkx.

Both formats hold only scalar attributes, so lists (the claims of an edge)
are joined with spaces and missing values are left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool.errors import InputError

if TYPE_CHECKING:
    import networkx as nx

FORMATS = {".graphml": "graphml", ".gexf": "gexf"}


def _scalar(value: Any) -> str | int | float | bool | None:
    if value is None:
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(map(str, value)) if isinstance(value, set | frozenset) else map(str, value)
        return " ".join(items)
    return str(value)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {name: _scalar(value) for name, value in data.items()}
    return {name: value for name, value in cleaned.items() if value is not None}


def file_safe(graph: nx.Graph) -> nx.Graph:
    """A copy whose graph, node and edge attributes are all GraphML-safe scalars."""
    copy = graph.__class__(**_clean(graph.graph))
    copy.add_nodes_from((node, _clean(data)) for node, data in graph.nodes(data=True))
    if graph.is_multigraph():
        copy.add_edges_from(
            (u, v, key, _clean(data)) for u, v, key, data in graph.edges(keys=True, data=True)
        )
    else:
        copy.add_edges_from((u, v, _clean(data)) for u, v, data in graph.edges(data=True))
    return copy


def write_graphml(graph: nx.Graph, path: Path | str) -> Path:
    """Write GraphML (attribute types inferred: numbers stay numbers)."""
    import networkx as nx

    target = Path(path)
    _writable(target)
    nx.write_graphml(file_safe(graph), target, infer_numeric_types=True)
    return target


def write_gexf(graph: nx.Graph, path: Path | str) -> Path:
    """Write GEXF 1.2 (Gephi's format); node ``label`` becomes the GEXF label."""
    import networkx as nx

    target = Path(path)
    _writable(target)
    nx.write_gexf(file_safe(graph), target)
    return target


def write(graph: nx.Graph, path: Path | str) -> Path:
    """Write GraphML or GEXF, chosen by the file's suffix."""
    target = Path(path)
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise InputError(
            f"cannot tell the format of {target.name}", hint="name the file .graphml or .gexf"
        )
    return write_graphml(graph, target) if fmt == "graphml" else write_gexf(graph, target)


def _writable(target: Path) -> None:
    if not target.parent.is_dir():
        raise InputError(
            f"folder {target.parent} does not exist", hint="create it or write somewhere else"
        )
