"""Network commands: ``network stats|path|neighbours|export`` and ``draw``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from kgtool.cli.common import State, cli, endpoint_option, pass_state

KINDS = ("trade", "entities", "provenance")


def _graph_option(default: str) -> Any:
    return click.option(
        "--graph",
        "kind",
        type=click.Choice(KINDS),
        default=default,
        show_default=True,
        help="Which network: countries and flows, entities linked by claims, or provenance.",
    )


def _format_option() -> Any:
    return click.option(
        "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
    )


def _dump(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


@cli.group()
def network() -> None:
    """Graph analytics over the claims: centrality, paths, neighbourhoods, GraphML/GEXF.

    \b
    Examples:
      kgtool network stats --graph entities --top 5
      kgtool network path "United Nations" China
      kgtool network neighbours ent:china --depth 2
      kgtool network export trade -o trade.graphml
    """


@network.command()
@_graph_option("trade")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True, metavar="K")
@_format_option()
@endpoint_option
@pass_state
def stats(state: State, kind: str, top: int, fmt: str, endpoint: str | None) -> None:
    """Size, components, and the top K nodes by claims, degree and betweenness."""
    from kgtool.network import build
    from kgtool.network import stats as network_stats

    result = network_stats(build(kind, state.executor(endpoint)), top=top)
    if fmt == "json":
        _dump(result.to_dict())
    else:
        click.echo(result.table())


@network.command()
@click.argument("a")
@click.argument("b")
@_graph_option("entities")
@_format_option()
@endpoint_option
@pass_state
def path(state: State, a: str, b: str, kind: str, fmt: str, endpoint: str | None) -> None:
    """The shortest chain of claims linking A to B (IRI, CURIE or label)."""
    from kgtool.network import build
    from kgtool.network import path as shortest_path
    from kgtool.results import compact_iri

    executor = state.executor(endpoint)
    hops = shortest_path(build(kind, executor), a, b, executor=executor)
    if fmt == "json":
        _dump([hop.to_dict() for hop in hops])
        return
    if not hops:
        click.echo("A and B are the same node.")
    for number, hop in enumerate(hops, 1):
        what = ", ".join(hop.relations)
        click.echo(
            f"{number}. {hop.source_label} — {hop.target_label}" + (f"  ({what})" if what else "")
        )
        click.echo("   claims: " + " ".join(compact_iri(c) for c in hop.claims))


@network.command()
@click.argument("entity")
@click.option("--depth", type=click.IntRange(min=0), default=1, show_default=True, metavar="N")
@_graph_option("entities")
@_format_option()
@endpoint_option
@pass_state
def neighbours(
    state: State, entity: str, depth: int, kind: str, fmt: str, endpoint: str | None
) -> None:
    """Everything within N links of ENTITY, with the claims that connect it."""
    from kgtool.network import build, neighbour_list
    from kgtool.network import neighbours as within
    from kgtool.results import compact_iri

    executor = state.executor(endpoint)
    rows = neighbour_list(within(build(kind, executor), entity, depth, executor=executor))
    if fmt == "json":
        _dump([row.to_dict() for row in rows])
        return
    width = max(len(row.label) for row in rows)
    for row in rows:
        via = " ".join(compact_iri(c) for c in row.via)
        click.echo(f"{row.distance}  {row.label:<{width}}  {row.kind:<16} {via}".rstrip())


@network.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write: .graphml or .gexf.",
)
@endpoint_option
@pass_state
def export(state: State, kind: str, output: Path, endpoint: str | None) -> None:
    """Write a network as GraphML or GEXF (for Gephi, Cytoscape, yEd, networkx)."""
    from kgtool.network import build, write

    graph = build(kind, state.executor(endpoint))
    write(graph, output)
    state.progress(
        f"wrote {output} ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)"
    )


@cli.command()
@click.argument("target")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Picture file: .svg, .png, .pdf or .dot. Default: TARGET.svg.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    metavar="N",
    help="For an entity: how many links around it to draw.",
)
@endpoint_option
@pass_state
def draw(state: State, target: str, output: Path | None, depth: int, endpoint: str | None) -> None:
    """Draw a network with Graphviz: trade, entities, provenance, or an ENTITY's neighbourhood.

    \b
    Examples:
      kgtool draw trade -o trade.png
      kgtool draw entities -o entities.svg
      kgtool draw "North Korea" --depth 1 -o north-korea.svg
    """
    from kgtool.network import draw as draw_picture
    from kgtool.network import graph_for
    from kgtool.network.labels import local_name

    if output is None:
        stem = re.sub(r"[^A-Za-z0-9]+", "-", local_name(target)).strip("-").lower()
        output = Path(f"{stem or 'network'}.svg")
    graph = graph_for(target, state.executor(endpoint), depth)
    draw_picture(graph, output)
    state.say(f"wrote {output} ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)")
