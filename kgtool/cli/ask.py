"""Commands that ask the graph questions: queries, query, answer."""

from __future__ import annotations

import click

from kgtool.cli.common import State, cli, endpoint_option, pass_state
from kgtool.errors import QueryError
from kgtool.results import GRAPH_FORMATS, SELECT_FORMATS

FORMATS = tuple(dict.fromkeys((*SELECT_FORMATS, *GRAPH_FORMATS)))


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
    width = max((len(q.name) for q in queries), default=4)
    for q in queries:
        params = ", ".join(p.describe() for p in q.parameters)
        click.echo(f"{q.name.ljust(width)}  {q.title}" + (f"  [{params}]" if params else ""))


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
    help="table/csv/tsv/json/sparql-json/sparql-xml for SELECT and ASK; "
    "ttl/nt/jsonld for CONSTRUCT and DESCRIBE.",
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
    The usual prefixes (kg:, ent:, clm:, prov:, oa:, schema:, skos:, xsd: …)
    are predeclared for -e.
    """
    from kgtool.query import run, run_text

    if (name is None) == (expression is None):
        raise QueryError(
            "give a query NAME (or FILE.rq) or -e SPARQL, not both or neither",
            hint="run 'kgtool queries' to list the named queries",
        )
    executor = state.executor(endpoint)
    if expression is not None:
        if params:
            raise QueryError("--param applies to named queries only")
        result = run_text(
            expression, executor=executor, origin="<expression>", limit=limit, offset=offset
        )
    else:
        params_ = _parse_params(params)
        result = run(
            name, params_, executor=executor, project=state.project, limit=limit, offset=offset
        )
    click.echo(result.serialize(fmt).rstrip("\n"))


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@endpoint_option
@pass_state
def answer(state: State, fmt: str, endpoint: str | None) -> None:
    """Answer every named query with its default parameters (the main job's report)."""
    import json

    from kgtool.query import list_queries, run

    executor = state.executor(endpoint)
    out = []
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
            continue
        click.echo(f"== {q.name}: {q.title}")
        click.echo(result.serialize("table"))
        click.echo()
    if fmt == "json":
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
