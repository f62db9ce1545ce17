"""Pictures of the networks with Graphviz: SVG for the web page, PNG for documents.

Layouts are chosen so labels do not overlap: ``dot`` for the trade network
(flows read left to right, parallel flows side by side) and the provenance
DAG, ``neato`` with overlap removal for the entity graph (``sfdp`` once it is
large). Nodes and edges are emitted in sorted order and the layout seed is
fixed, so the same graph always gives the same file.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import kgtool.network.labels as labels
from kgtool.errors import GraphvizMissing, InputError, KgtoolError
from kgtool.results import compact_iri

if TYPE_CHECKING:
    import graphviz
    import networkx as nx

    from kgtool.query import Executor

FONT = "DejaVu Sans"
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
PNG_DPI = "96"
#: up to this many linked pairs, entity pictures print the modalities on each link
LABELLED_PAIRS = 25

#: node kind -> Graphviz node attributes (fill, outline, shape)
NODE_STYLES: dict[str, dict[str, str]] = {
    "country": {
        "shape": "box",
        "style": "rounded,filled",
        "fillcolor": "#cfe2f3",
        "color": "#3d6f9e",
    },
    "organization": {"shape": "box", "style": "filled", "fillcolor": "#d9ead3", "color": "#4f7f3f"},
    "person": {"shape": "ellipse", "style": "filled", "fillcolor": "#fff2cc", "color": "#b58b00"},
    "unnamed party": {
        "shape": "ellipse",
        "style": "dashed,filled",
        "fillcolor": "#f3f3f3",
        "color": "#666666",
    },
    "place": {"shape": "octagon", "style": "filled", "fillcolor": "#ead1dc", "color": "#8e4a6b"},
    "commodity": {
        "shape": "hexagon",
        "style": "filled",
        "fillcolor": "#fce5cd",
        "color": "#b45f06",
    },
    "position": {
        "shape": "box",
        "style": "filled,dotted",
        "fillcolor": "#e6e0f0",
        "color": "#5b4a8a",
    },
    "sanction reason": {
        "shape": "box",
        "style": "filled,diagonals",
        "fillcolor": "#f4cccc",
        "color": "#990000",
    },
    "claim": {"shape": "box", "style": "filled", "fillcolor": "#ffffff", "color": "#999999"},
    "source document": {
        "shape": "note",
        "style": "filled",
        "fillcolor": "#fff2cc",
        "color": "#7f6000",
    },
    "cited document": {
        "shape": "note",
        "style": "filled",
        "fillcolor": "#e6e0f0",
        "color": "#5b4a8a",
    },
    "unspecified": {"shape": "box", "style": "dashed", "fillcolor": "#ffffff", "color": "#999999"},
}
DEFAULT_NODE = {"shape": "ellipse", "style": "filled", "fillcolor": "#eeeeee", "color": "#666666"}

#: claim modality (its skos:prefLabel) -> edge colour
MODALITY_COLOURS = {
    "asserted": "#333333",
    "reported": "#1f5fa8",
    "alleged": "#c62828",
    "estimated": "#7b3fa0",
    "speculated": "#e07000",
    "opinion": "#2e7d32",
    "quotation": "#00838f",
    "recommendation": "#8d5524",
    "interpretation": "#a67c00",
}
MIXED = "#555555"


def _node_style(kind: str) -> dict[str, str]:
    return dict(NODE_STYLES.get(kind, DEFAULT_NODE))


def _modality_colour(modality: str) -> str:
    names = [m.strip() for m in modality.split(",") if m.strip()]
    return MODALITY_COLOURS.get(names[0], MIXED) if len(names) == 1 else MIXED


def _text(*lines: str) -> str:
    """A multi-line Graphviz label, each line centred."""
    return "\\n".join(line.replace("\\", "\\\\") for line in lines if line)


def _new(graph: nx.Graph, engine: str, directed: bool) -> graphviz.Graph:
    import graphviz

    cls = graphviz.Digraph if directed else graphviz.Graph
    dot = cls(name=str(graph.graph.get("kind", "network")), engine=engine)
    dot.attr(fontname=FONT, fontsize="14", bgcolor="white", pad="0.3")
    dot.attr("node", fontname=FONT, fontsize="12", margin="0.12,0.06")
    dot.attr("edge", fontname=FONT, fontsize="11")
    dot.ids = _ids(graph)  # type: ignore[attr-defined]
    return dot


def _legend(
    title: str, kinds: Iterable[str], modalities: Iterable[str], notes: Iterable[str] = ()
) -> str:
    """An HTML-like table for the graph label: node colours, then edge colours."""
    swatches = []
    for kind in sorted(set(kinds)):
        style = _node_style(kind)
        colour = style.get("fillcolor", "#ffffff")
        outline = style.get("color", "#666666")
        swatches.append(
            f'<FONT COLOR="{colour}" POINT-SIZE="20">\u25a0</FONT>'
            f' <FONT COLOR="{outline}">{html.escape(kind)}</FONT>'
        )
    strands = [
        f'<FONT COLOR="{MODALITY_COLOURS.get(name, MIXED)}"><B>\u2501\u2501</B> '
        f"{html.escape(name)}</FONT>"
        for name in sorted(set(modalities))
    ]
    gap = "&#160;" * 4
    rows = [f'<TR><TD ALIGN="LEFT"><B>{html.escape(title)}</B></TD></TR>']
    for items in (swatches, strands):
        if items:
            rows.append(f'<TR><TD ALIGN="LEFT">{gap.join(items)}</TD></TR>')
    for note in notes:
        rows.append(f'<TR><TD ALIGN="LEFT">{html.escape(note)}</TD></TR>')
    return (
        '<<TABLE BORDER="1" COLOR="#bbbbbb" CELLBORDER="0" CELLSPACING="2" CELLPADDING="4">'
        + "".join(rows)
        + "</TABLE>>"
    )


def _ids(graph: nx.Graph) -> dict[str, str]:
    """Short Graphviz ids ("n0", "n1", …) in node order: IRIs contain ':' (a port in DOT)."""
    return {node: f"n{index}" for index, node in enumerate(sorted(graph.nodes))}


def _node(dot: graphviz.Graph, node: str, data: dict[str, Any], label: str, **extra: str) -> None:
    style = _node_style(str(data.get("kind", "")))
    style.update(extra)
    ident = dot.ids[node]  # type: ignore[attr-defined]
    about = data.get("statement") or data.get("label", "")
    dot.node(ident, label=label, tooltip=f"{compact_iri(node)}: {about}", **style)


def _edge(dot: graphviz.Graph, source: str, target: str, **attrs: str) -> None:
    dot.edge(dot.ids[source], dot.ids[target], **attrs)  # type: ignore[attr-defined]


# Trade -----------------------------------------------------------------------------
def _trade(graph: nx.Graph) -> graphviz.Graph:
    dot = _new(graph, "dot", directed=True)
    dot.attr(rankdir="LR", nodesep="0.35", ranksep="3.2", labelloc="b", labeljust="l")
    dot.attr("node", fontsize="14", margin="0.25,0.12")
    for node, data in sorted(graph.nodes(data=True)):
        code = data.get("iso") or ""
        _node(dot, node, data, _text(str(data.get("label", node)), f"({code})" if code else ""))
    modalities: set[str] = set()
    edges = sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2]))
    for source, target, _key, data in edges:
        modality = str(data.get("modality", ""))
        modalities.update(m.strip() for m in modality.split(",") if m.strip())
        amount = data.get("value_text") or data.get("quantity_text") or ""
        detail = " · ".join(part for part in (amount, data.get("period_text", "")) if part)
        qualifier = f"({data['qualifier']})" if data.get("qualifier") else ""
        size = data.get("value") or data.get("value_max") or data.get("value_min")
        width = 1.2 + max(0.0, math.log10(size) - 3.0) * 0.8 if size else 1.2
        colour = _modality_colour(modality)
        _edge(
            dot,
            source,
            target,
            label=_text(str(data.get("commodity_label", "")), detail, qualifier),
            color=colour,
            fontcolor=colour,
            penwidth=f"{width:.2f}",
            tooltip=" ".join(compact_iri(c) for c in data.get("claims", ())),
        )
    dot.attr(
        label=_legend(
            "Trade flows stated in the claims (exporter → importer)",
            (str(d.get("kind", "")) for _, d in graph.nodes(data=True)),
            modalities,
            ["Edge colour: the claim's modality; line width grows with the value."],
        )
    )
    return dot


# Entities ----------------------------------------------------------------------------
def _entities(graph: nx.Graph) -> graphviz.Graph:
    linked = sorted(n for n in graph.nodes if graph.degree(n) > 0)
    engine = "neato" if len(linked) <= 120 else "sfdp"
    dot = _new(graph, engine, directed=False)
    dot.attr(
        overlap="prism",
        overlap_scaling="-4",
        splines="true",
        sep="+14",
        esep="+6",
        start="7",
        labelloc="b",
        labeljust="l",
        outputorder="edgesfirst",
        K="1.2",
    )
    centre = graph.graph.get("centre")
    for node in linked:
        data = graph.nodes[node]
        extra = {"penwidth": "3"} if node == centre else {}
        _node(dot, node, data, _text(*labels.wrap(str(data.get("label", node)), 18)), **extra)
    pairs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for u, v, data in graph.edges(data=True):
        pairs.setdefault((min(u, v), max(u, v)), []).append(data)
    modalities: set[str] = set()
    labelled = len(pairs) <= LABELLED_PAIRS
    for (u, v), edges in sorted(pairs.items()):
        counts: dict[str, int] = {}
        for edge in edges:
            modality = str(edge.get("modality", ""))
            counts[modality] = counts.get(modality, 0) + 1
        modalities.update(counts)
        claims = sorted({c for e in edges for c in e.get("claims", ())})
        colour = ":".join(MODALITY_COLOURS.get(m, MIXED) for m in sorted(counts))
        width = f"{min(3.0, 1.0 + 0.25 * (len(claims) - 1)):.2f}"
        tooltip = ", ".join(compact_iri(c) for c in claims)
        text = ", ".join(f"{m} x{n}" if n > 1 else m for m, n in sorted(counts.items()))
        if not labelled:
            _edge(dot, u, v, color=colour, penwidth=width, tooltip=f"{text}: {tooltip}")
            continue
        # the label is a node of its own, so overlap removal keeps it clear of the rest
        middle = f"{dot.ids[u]}_{dot.ids[v]}"  # type: ignore[attr-defined]
        dot.node(
            middle,
            label=_text(*labels.wrap(text, 24)),
            shape="plaintext",
            fontsize="10",
            fontcolor="#444444",
            width="0",
            height="0",
            margin="0.02",
            tooltip=tooltip,
        )
        for end in (u, v):
            ident = dot.ids[end]  # type: ignore[attr-defined]
            dot.edge(ident, middle, color=colour, penwidth=width, tooltip=tooltip)
    hidden = graph.number_of_nodes() - len(linked)
    notes = ["Link: one coloured strand per modality of the claims; width: number of claims."]
    if not labelled:
        notes.append("Hover over a link in the SVG to see its claims.")
    if hidden:
        notes.append(f"{hidden} entities that no claim links to another are not drawn.")
    dot.attr(
        label=_legend(
            _title(graph),
            (str(graph.nodes[n].get("kind", "")) for n in linked),
            modalities,
            notes,
        )
    )
    return dot


def _title(graph: nx.Graph) -> str:
    centre = graph.graph.get("centre")
    if centre:
        depth = graph.graph.get("depth", 1)
        name = graph.nodes[centre].get("label", compact_iri(centre))
        return f"Entities within {depth} link(s) of {name}, linked by claims"
    return "Entities linked by the claims whose facts involve them"


# Provenance --------------------------------------------------------------------------
def _provenance(graph: nx.Graph) -> graphviz.Graph:
    dot = _new(graph, "dot", directed=True)
    dot.attr(rankdir="LR", nodesep="0.12", ranksep="1.6", labelloc="b", labeljust="l")
    modalities: set[str] = set()
    for node, data in sorted(graph.nodes(data=True)):
        kind = str(data.get("kind", ""))
        if kind == "claim":
            modality = str(data.get("modality", ""))
            modalities.add(modality)
            colour = _modality_colour(modality)
            label = _text(labels.local_name(node), modality)
            _node(dot, node, data, label, color=colour, fontcolor=colour, fontsize="10")
        elif kind == "party":
            shown = dict(data, kind=data.get("party_kind", ""))
            _node(dot, node, shown, _text(*labels.wrap(str(data.get("label", node)), 20)))
        else:
            _node(dot, node, data, _text(*labels.wrap(str(data.get("label", node)), 24)))
    for source, target, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1])):
        relation = str(data.get("relation", ""))
        if relation == "in source":
            _edge(dot, source, target, color="#cccccc", arrowsize="0.5")
        else:
            count = len(data.get("claims", ()))
            label = relation if graph.nodes[source].get("kind") != "claim" else ""
            _edge(
                dot,
                source,
                target,
                label=_text(label, f"{count} claims" if label and count > 1 else ""),
                color=_modality_colour(str(data.get("modality", ""))),
            )
    kinds = {
        str(d.get("party_kind") if d.get("kind") == "party" else d.get("kind", ""))
        for _, d in graph.nodes(data=True)
    }
    dot.attr(
        label=_legend(
            "Where the claims come from: claim → who says so → cited document → source",
            kinds,
            modalities,
            ["Light grey arrows: each claim is in the source document."],
        )
    )
    return dot


def to_dot(graph: nx.Graph) -> graphviz.Graph:
    """The Graphviz description of a network, styled by its kind."""
    kind = graph.graph.get("kind")
    if kind == "trade":
        return _trade(graph)
    if kind == "provenance":
        return _provenance(graph)
    return _entities(graph)


def render(graph: nx.Graph, fmt: str = "svg") -> bytes:
    """The picture as bytes (svg, png, pdf or dot)."""
    import graphviz

    dot = to_dot(graph)
    if fmt == "dot":
        return dot.source.encode("utf-8")
    if fmt == "png":
        dot.attr(dpi=PNG_DPI)
    try:
        return dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing(
            "Graphviz is not installed: the 'dot' program was not found",
            hint=f"install it: {graphviz_install_command()}",
        ) from None
    except graphviz.CalledProcessError as error:
        detail = (error.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise KgtoolError(
            f"Graphviz failed to draw the {graph.graph.get('kind', 'network')} graph: "
            + (detail[-1] if detail else str(error))
        ) from None


def graphviz_install_command() -> str:
    """The one command that installs Graphviz on this kind of machine."""
    import shutil
    import sys

    if sys.platform == "darwin":
        return "brew install graphviz"
    if sys.platform.startswith("win"):
        return "winget install graphviz"
    if shutil.which("apt-get"):
        return "sudo apt-get install graphviz"
    if shutil.which("dnf"):
        return "sudo dnf install graphviz"
    return "install the graphviz package of your system"


def graphviz_available() -> bool:
    """Whether Graphviz's ``dot`` program is on the PATH."""
    import shutil

    return shutil.which("dot") is not None


def draw(graph: nx.Graph, path: Path | str) -> Path:
    """Write the picture to ``path``; the format follows the suffix (.svg, .png, .pdf, .dot)."""
    target = Path(path)
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise InputError(
            f"cannot tell the picture format of {target.name}", hint="name the file .svg or .png"
        )
    if not target.parent.is_dir():
        raise InputError(f"folder {target.parent} does not exist", hint="create it first")
    target.write_bytes(render(graph, fmt))
    return target


def graph_for(target: str, executor: Executor, depth: int = 1) -> nx.Graph:
    """The graph a picture shows: a kind by name, or an entity's neighbourhood."""
    from kgtool.network.analysis import neighbours
    from kgtool.network.build import KINDS, build, entity_graph

    if target in KINDS:
        return build(target, executor)
    return neighbours(entity_graph(executor), target, depth, executor=executor)


def render_svg(kind: str, executor: Executor) -> str:
    """An SVG picture for the web page: ``trade``, ``entities``, ``provenance`` or an entity."""
    return render(graph_for(kind, executor), "svg").decode("utf-8")
