"""Commands that ask the graph questions: queries, query, answer."""

from __future__ import annotations

from typing import Any

import click

from kgtool.cli.common import State, cli, endpoint_option, pass_state
from kgtool.errors import QueryError
from kgtool.formats import GRAPH, SOLUTIONS, names

FORMATS = names()


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"bad --param {pair!r}", hint="write --param NAME=VALUE")
        params[name.strip()] = value
    return params


@cli.command("queries")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_state
def list_queries_command(state: State, fmt: str) -> None:
    """List the named queries in queries/: name, title, parameters."""
    import json

    from kgtool.query import list_queries

    queries = list_queries(state.project.queries_dir)
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "name": q.name,
                        "title": q.title,
                        "description": q.description,
                        "competency": list(q.competency),
                        "parameters": [
                            {
                                "name": p.name,
                                "type": p.type,
                                "default": p.default,
                                "description": p.description,
                            }
                            for p in q.parameters
                        ],
                    }
                    for q in queries
                ],
                indent=2,
            )
        )
        return
    from kgtool.console import table

    rows = [[q.name, q.title, ", ".join(p.describe() for p in q.parameters)] for q in queries]
    click.echo(table(["name", "title", "parameters"], rows))


@cli.command()
@click.argument("name", required=False)
@click.option("-e", "--expression", metavar="SPARQL", help="Run this SPARQL text instead.")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind a parameter (repeatable). IRIs as <…>, CURIE (ent:china) or label.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help=f"{'/'.join(names(SOLUTIONS))} for SELECT and ASK; "
    f"{'/'.join(names(GRAPH))} for CONSTRUCT and DESCRIBE (json: JSON-LD, table: Turtle).",
)
@click.option(
    "--allow-service",
    "allowed_services",
    multiple=True,
    metavar="URL-PREFIX",
    help="Let SERVICE fetch from addresses starting with this prefix (repeatable); "
    "federation is off otherwise.",
)
@click.option(
    "--base",
    "base_iri",
    metavar="IRI",
    help="Base IRI for relative IRIs in the query (default: the .rq file's file: URL, "
    "or the current folder's for -e).",
)
@click.option(
    "--limit", type=click.IntRange(min=0), default=None, help="Only this many rows (a page)."
)
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many rows first.")
@endpoint_option
@pass_state
def query(
    state: State,
    name: str | None,
    expression: str | None,
    params: tuple[str, ...],
    fmt: str,
    allowed_services: tuple[str, ...],
    base_iri: str | None,
    limit: int | None,
    offset: int,
    endpoint: str | None,
) -> None:
    """Run a named query, a .rq file, or SPARQL given with -e.

    \b
    Examples:
      kgtool query trade-flows
      kgtool query trade-flows --param exporter=ent:north-korea --format csv
      kgtool query my-question.rq
      kgtool query claims-in-period --limit 20 --offset 40
      kgtool query -e 'SELECT ?c WHERE { ?c a kg:Claim } LIMIT 5'

    Parameters are bound as RDF terms, never pasted into the query text.
    SERVICE (federation) is refused unless --allow-service allows its address.
    The usual prefixes (kg:, ent:, clm:, prov:, oa:, schema:, skos:, xsd: …)
    are predeclared for -e.
    """
    from kgtool.query import run, run_text

    if (name is None) == (expression is None):
        raise QueryError(
            "give a query NAME (or FILE.rq) or -e SPARQL, not both or neither",
            hint="run 'kgtool queries' to list the named queries",
        )
    from kgtool.query import LocalExecutor

    executor = state.executor(endpoint)
    if isinstance(executor, LocalExecutor):
        executor.allowed_services = allowed_services
        executor.base_iri = base_iri
    if expression is not None:
        if params:
            raise QueryError("--param applies to named queries only")
        result = run_text(
            expression, executor=executor, origin="<expression>", limit=limit, offset=offset
        )
    else:
        assert name is not None  # checked above: a name or an expression
        result = run(
            name,
            _parse_params(params),
            executor=executor,
            project=state.project,
            limit=limit,
            offset=offset,
        )
    text = result.serialize(fmt)  # written as it is: a last empty line can be a row (TSV)
    click.echo(text, nl=not text.endswith("\n"))


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["summary", "table", "json"]),
    default="summary",
    show_default=True,
    help="summary: one line per question, in words; table: every full table; json: every row.",
)
@endpoint_option
@pass_state
def answer(state: State, fmt: str, endpoint: str | None) -> None:
    """Answer every named query with its default parameters.

    By default one line per question says its answer in words and who reports
    it; `kgtool query NAME` (or --format table) gives the full tables.
    """
    import json

    from kgtool.console import width
    from kgtool.query import list_queries, run
    from kgtool.summary import labeller, one_line, summarize

    executor = state.executor(endpoint)
    label = labeller(executor)
    out, claims = [], []
    for q in list_queries(state.project.queries_dir):
        result = run(q, executor=executor, project=state.project)
        if fmt == "json":
            out.append(
                {
                    "name": q.name,
                    "title": q.title,
                    "rows": result.records() if result.kind == "select" else result.boolean,
                }
            )
        elif fmt == "table":
            click.echo(f"== {q.name}: {q.title}")
            click.echo(result.serialize("table"))
            click.echo()
        else:
            click.echo(one_line(q.name, summarize(result, label), width()))
            if result.kind == "select" and "claim" in result.variables:
                claims += [c for c in result.column("claim") if c is not None][:1]
    if fmt == "json":
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    elif fmt == "summary":
        click.echo()
        click.echo(_next_steps(claims))


def _next_steps(claims: list[Any]) -> str:
    """Where to go from the summary: the full tables, a claim's sources, the server, a picture."""
    from kgtool.network.draw import graphviz_available, graphviz_install_command
    from kgtool.results import compact

    claim = compact(claims[0]) if claims else "CLAIM"
    steps = [
        ("kgtool query NAME", "one question's full table (kgtool queries lists them)"),
        (f"kgtool why {claim}", "where a claim comes from, down to the characters"),
        ("kgtool serve", "browse the graph and ask questions in a web browser"),
        ("kgtool draw trade", "a picture of the trade network (trade.svg)"),
    ]
    pad = max(len(command) for command, _ in steps)
    lines = ["next (the command is .venv/bin/kgtool here):"]
    lines += [f"  {command.ljust(pad)}  {what}" for command, what in steps]
    if not graphviz_available():  # a line of its own, so every line fits the width
        lines.append(f"  {''.ljust(pad)}  needs Graphviz: {graphviz_install_command()}")
    return "\n".join(lines)
