"""``kgtool search TEXT``: full-text search of claims, entities and source texts."""

from __future__ import annotations

import json

import click

from kgtool.cli.common import State, cli, pass_state


@cli.command()
@click.argument("text")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["claim", "entity", "source"]),
    help="Only hits of this kind (repeatable).",
)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_state
def search(
    state: State, text: str, kinds: tuple[str, ...], limit: int, offset: int, fmt: str
) -> None:
    """Search quotes, statements, labels and source texts, best match first.

    Words must all occur; "a phrase" in double quotes must occur as written;
    a word ending in * is a prefix. The index lives beside the embedded store
    and follows it (only the changed files are read again).

    \b
    Examples:
      kgtool search "rare earth"
      kgtool search '"only country"' --kind claim
      kgtool search 'sanction*' --limit 5 --offset 5
    """
    from kgtool.results import compact_iri
    from kgtool.search import search as run_search
    from kgtool.store import open_store

    kgstore = open_store(state.project, progress=state.progress)
    state.close_later(kgstore)
    page = run_search(text, kgstore, limit=limit, offset=offset, kinds=kinds)
    if fmt == "json":
        click.echo(json.dumps(page.to_dict(), indent=2, ensure_ascii=False))
        return
    for hit in page.hits:
        where = f" [{hit.start}, {hit.end})" if hit.start is not None else ""
        click.echo(f"{hit.kind:<7} {compact_iri(hit.item)}  {hit.label}")
        click.echo(f"        {hit.field}{where}: {hit.text}")
    shown = f"{offset + 1}-{offset + len(page.hits)}" if page.hits else "none"
    more = f"; more with --offset {offset + limit}" if page.more else ""
    click.echo(f"(hits {shown}{more})")
