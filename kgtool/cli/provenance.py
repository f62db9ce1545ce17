"""Provenance commands: ``why`` (where a claim or an entity's claims come from), ``mentions``."""

from __future__ import annotations

import sys

import click

from kgtool.cli.common import State, cli, endpoint_option, pass_state


@cli.command()
@click.argument("target")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--context",
    "context",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Show N characters either side of each quote instead of its sentence.",
)
@endpoint_option
@pass_state
def why(state: State, target: str, fmt: str, context: int | None, endpoint: str | None) -> None:
    """Who says so, where, in which exact words.

    TARGET is a claim (clm:kt140727-01 or its IRI), an entity (ent:north-korea,
    its IRI, or a label such as "Choi Kyung-soo", any case), or words of a quote.

    \b
    Examples:
      kgtool why clm:kt140727-01
      kgtool why "Choi Kyung-soo"
      kgtool why "only country" --context 30
      kgtool why ent:kita --format json
    """
    from kgtool.provenance import explain
    from kgtool.provenance.render import render_json, render_text

    explanation = explain(target, state.executor(endpoint))
    if fmt == "json":
        click.echo(render_json(explanation, context=context))
        return
    color = sys.stdout.isatty()
    click.echo(render_text(explanation, context=context, color=color))


@cli.command()
@click.argument("entity")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@endpoint_option
@pass_state
def mentions(state: State, entity: str, fmt: str, endpoint: str | None) -> None:
    """Where the sources refer to ENTITY (IRI, CURIE or label), with offsets and context.

    \b
    Examples:
      kgtool mentions "North Korea"
      kgtool mentions ent:kita --format csv
    """
    import csv
    import io
    import json

    from kgtool.provenance import mentions as find_mentions
    from kgtool.provenance.render import mention_rows

    rows = mention_rows(find_mentions(entity, state.executor(endpoint)))
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    columns = ["surface", "start", "end", "context", "source", "mention"]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue().rstrip("\n"))
        return
    from kgtool.console import table

    shown = ["surface", "start", "end", "context"]
    body = [[str(row[c]) for c in shown] for row in rows]
    footer = f"({len(rows)} mention{'s' if len(rows) != 1 else ''})"
    click.echo(table(shown, body, footer=footer))
