"""Commands that compile and check the graph: build, validate, export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kgtool.cli.common import State, cli, endpoint_option, pass_state
from kgtool.errors import ValidationFailed
from kgtool.formats import GRAPH, help_text, names

ENGINES = ("pyshacl", "sparql")


def _engine_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--engine",
        type=click.Choice(ENGINES),
        default="sparql",
        show_default=True,
        help="SHACL engine: pyshacl (the reference) or sparql (shapes run as SPARQL "
        "on the embedded store; much faster on large graphs).",
    )(func)


@cli.command()
@click.option(
    "--force", is_flag=True, help="Rebuild the store from scratch and validate every node."
)
@_engine_option
@pass_state
def build(state: State, force: bool, engine: str) -> None:
    """Compile ontology/ and graph/ into the store, validate, write dist/.

    Only changed files are re-read, and only the nodes an edit can affect are
    validated again (the rest of the last report is reused). When validation
    fails the report is printed, dist/ is left as it was, and the exit code is
    1. Bad input (a syntax error, a missing file) exits 2 with the file and line.
    """
    from kgtool.build import build as run_build
    from kgtool.build import missing_source_error
    from kgtool.results import compact_iri

    outcome = run_build(state.project, force=force, engine=engine, progress=state.progress)
    state.close_later(outcome.store)
    if not outcome.report.conforms:
        click.echo(outcome.report.to_text(compact_iri))
        missing = missing_source_error(outcome.report)
        if missing is not None:
            raise missing
        raise ValidationFailed("the graph does not conform to its shapes; dist/ was not written")
    if outcome.dist_changed:
        for path in outcome.written:
            state.progress(f"wrote {state.project.relative(path)}")
    files = f"{len(outcome.written)} files in dist/"
    if outcome.written and not outcome.dist_changed:
        files += " (unchanged)"
    click.echo(f"built: {outcome.stats.quads} quads, valid, {files}")
    from kgtool.authoring.suggest import candidate_counts

    for sheet, count in candidate_counts(state.project):
        click.echo(
            f"skipped {count} candidate claims of {sheet} (delete 'candidate: true' to keep one)"
        )


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@_engine_option
@endpoint_option
@pass_state
def validate(state: State, fmt: str, engine: str, endpoint: str | None) -> None:
    """Check the graph against its SHACL shapes and its source files.

    Prints every result (focus node, property, message, and the file the data
    came from). With --endpoint the compiled checks run on that SPARQL server,
    which holds the graph pushed from this project (its default graph the
    union of the named graphs); the source texts are checked here. Exit code:
    0 when the graph conforms, 1 on any violation, 2 when the input cannot be read.
    """
    from kgtool.results import compact_iri
    from kgtool.validate import validate as run_validate

    if endpoint:
        report = run_validate(state.executor(endpoint), engine=engine, project=state.project)
    else:
        from kgtool.store import open_store

        kgstore = open_store(state.project, progress=state.progress)
        state.close_later(kgstore)
        report = run_validate(kgstore, engine=engine)
    click.echo(report.to_json() if fmt == "json" else report.to_text(compact_iri))
    if not report.conforms:
        from kgtool.build import missing_source_error

        missing = missing_source_error(report)
        if missing is not None:
            raise missing
        sys.exit(1)


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(names(GRAPH, aliases=False)),
    default="ttl",
    show_default=True,
    help="RDF format: " + help_text(GRAPH) + ".",
)
@click.option(
    "--graph",
    "selection",
    type=click.Choice(["all", "data", "ontology"]),
    default="all",
    show_default=True,
    help="data: graph/ only; ontology: ontology/ and shapes; all: both.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (atomically) instead of stdout.",
)
@endpoint_option
@pass_state
def export(
    state: State, fmt: str, selection: str, output: Path | None, endpoint: str | None
) -> None:
    """Export the graph in a standard RDF format, deterministically.

    The same graph always gives byte-identical output. Turtle, N-Triples and
    RDF/XML merge the named graphs; TriG, N-Quads and JSON-LD keep one named
    graph per source file.
    """
    from kgtool.export import export as run_export

    if endpoint:
        data = state.endpoint(endpoint).export(fmt, selection=selection)
    else:
        from kgtool.store import open_store

        kgstore = open_store(state.project, progress=state.progress)
        state.close_later(kgstore)
        data = run_export(kgstore, fmt, selection=selection)
    if output is None:
        sys.stdout.buffer.write(data)
        return
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(output)
    state.say(f"wrote {output} ({len(data)} bytes)")
