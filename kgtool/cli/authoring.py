"""Authoring commands: ``add source`` (register a document) and ``sheet-schema``."""

from __future__ import annotations

from pathlib import Path

import click

from kgtool.cli.common import State, cli, pass_state


@cli.group()
def add() -> None:
    """Add something to the project's graph/ folder."""


@add.command("source")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", help="The document's address.")
@click.option("--headline", help="Its headline (default: from the HTML page).")
@click.option("--publisher", help="Who published it: an entity label (created if unknown).")
@click.option("--author", "authors", multiple=True, help="An author's name (repeatable).")
@click.option("--published", help="Publication date or date-time, e.g. 2014-07-27T16:31:00+09:00.")
@click.option("--language", help="Language tag of the text, e.g. en.")
@click.option("--note", "notes", multiple=True, help="A remark recorded on the source.")
@click.option("--replace", is_flag=True, help="Replace a source of the same name.")
@pass_state
def add_source_command(
    state: State,
    file: Path,
    url: str | None,
    headline: str | None,
    publisher: str | None,
    authors: tuple[str, ...],
    published: str | None,
    language: str | None,
    notes: tuple[str, ...],
    replace: bool,
) -> None:
    """Register FILE (.txt, or a saved .html page) as a source document.

    The text is copied under graph/sources/ byte for byte (for a page: the
    article text trafilatura extracts), with its sha256, character count and
    metadata in graph/sources/NAME.source.ttl. Then write its claims in
    graph/claims/NAME.yaml and run kgtool build.
    """
    from kgtool.authoring.sources import Metadata, add_source

    given = Metadata(headline, publisher, list(authors), published, url, language, list(notes))
    added = add_source(state.project, file, given=given, replace=replace)
    project = state.project
    click.echo(f"added src:{added.iri.rsplit('/', 1)[1]} ({added.characters} characters)")
    click.echo(f"  text:  {project.relative(added.text_path)}")
    click.echo(f"  graph: {project.relative(added.rdf_path)}")
    for entity in added.created:
        click.echo(f"  new entity: {entity}")


@cli.command("sheet-schema")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@pass_state
def sheet_schema_command(state: State, output: Path | None) -> None:
    """The JSON Schema of claim sheets, generated from the ontology."""
    from kgtool.authoring.context import load_context
    from kgtool.authoring.schema import schema_text

    text = schema_text(load_context(state.project))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
