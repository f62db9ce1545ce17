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
    _print_reviews(added.reviews)


def _print_reviews(reviews: list) -> None:  # type: ignore[type-arg]
    from kgtool.authoring.review import describe

    for review in reviews:
        waiting = sum(p.pending for p in review.placements)
        mentions = review.placements[0].kind == "mention"
        what = "curated mention lines" if mentions else "claims"
        click.echo(
            f"re-anchored {review.sheet}: {len(review.placements)} {what}, "
            f"{waiting} await review (see {review.path})"
        )
        for placement in review.placements:
            if not mentions or placement.pending:
                click.echo(f"  {describe(placement)}")


@cli.command("anchor")
@click.option("--accept", "accepted", multiple=True, metavar="CLAIM", help="Accept a proposal.")
@click.option("--occurrence", type=int, help="With --accept: the occurrence to anchor to.")
@pass_state
def anchor_command(state: State, accepted: tuple[str, ...], occurrence: int | None) -> None:
    """Claims re-anchored after a source's text was replaced, and their review.

    Without --accept, lists every claim that awaits review (exit 1 if any).
    --accept CLAIM writes the proposal (the new quote, or the occurrence) into
    the claim's sheet and records the review beside it.
    """
    from kgtool.authoring.review import accept, describe, pending

    for claim in accepted:
        click.echo(accept(state.project, claim, occurrence))
    if accepted:
        return
    waiting = [(sheet, p) for sheet, p, blocking in pending(state.project) if blocking]
    for sheet, placement in waiting:
        click.echo(f"{sheet}: {describe(placement)}")
    click.echo(f"{len(waiting)} awaiting review")
    if waiting:
        raise SystemExit(1)


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


@cli.command("find-mentions")
@click.argument("source")
@click.option("--all", "show_all", is_flag=True, help="List every mention, not only the counts.")
@pass_state
def find_mentions_command(state: State, source: str, show_all: bool) -> None:
    """Mentions of known entities in SOURCE, found from their labels; names that match none.

    Counts the mentions found from labels and those the source's mention sheet
    adds or excludes, then lists capitalised names that match no entity:
    candidates for a new entity or an alt label.
    """
    from kgtool.authoring.context import load_context, local
    from kgtool.authoring.mentions import report

    found = report(state.project, source)
    text = load_context(state.project).sources[found.source].text
    sheet = found.sheet or "no mention sheet"
    click.echo(
        f"{len(found.mentions)} mentions in src:{local(found.source)}: "
        f"{found.from_labels} found from labels, {found.added} added and "
        f"{found.excluded} excluded by {sheet}"
    )
    if show_all:
        for hit in found.mentions:
            words = text[hit.start : hit.end]
            click.echo(
                f"  [{hit.start}, {hit.end}) {words!r} -> ent:{local(hit.entity)} ({hit.how})"
            )
    click.echo(f"{len(found.candidates)} names match no entity:")
    for start, end, words in found.candidates:
        click.echo(f"  [{start}, {end}) {words}")


@cli.command("suggest")
@click.argument("source")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the draft (default: graph/claims/SOURCE.suggested.yaml).",
)
@click.option("--replace", is_flag=True, help="Overwrite an existing draft.")
@click.option("--measure", is_flag=True, help="Also compare with the source's curated claims.")
@pass_state
def suggest_command(
    state: State, source: str, output: Path | None, replace: bool, measure: bool
) -> None:
    """Write a draft sheet of candidate claims of SOURCE.

    Sentences that name a known entity and state money, a quantity, a
    percentage, a date or an attribution cue become claims marked
    'candidate: true', each with a proposed kind of fact, modality and
    attribution. The build skips them until a curator deletes that line.
    """
    from kgtool.authoring import suggest as suggesting
    from kgtool.authoring.context import load_context, local
    from kgtool.authoring.mentions import report
    from kgtool.errors import InputError

    project = state.project
    ctx = load_context(project)
    found = report(project, source)
    info = ctx.sources[found.source]
    draft = suggesting.suggest(ctx, info, found.mentions)
    target = output or project.graph_dir / "claims" / f"{local(info.iri)}.suggested.yaml"
    if measure:
        figures = suggesting.measure(draft, suggesting.curated(project, ctx, info))
        click.echo(
            f"{figures.suggestions} suggestions, {figures.claims} curated claims: "
            f"precision {figures.precision:.3f}, recall {figures.recall:.3f}, "
            f"kind agrees {figures.kind:.3f}, modality agrees {figures.modality:.3f}"
        )
    if target.exists() and not replace:
        raise InputError(
            "the draft exists already", path=project.relative(target), hint="pass --replace"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(suggesting.draft_sheet(info, draft), encoding="utf-8")
    click.echo(f"wrote {len(draft)} candidate claims to {project.relative(target)}")
