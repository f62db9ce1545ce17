"""``kgtool push``: publish the built graph to a SPARQL 1.1 server."""

from __future__ import annotations

import click

from kgtool.cli.common import State, cli, endpoint_option, pass_state
from kgtool.errors import RemoteError, ValidationFailed
from kgtool.remote.http import DEFAULT_TIMEOUT, TIMEOUT_ENV


@cli.command()
@endpoint_option
@click.option(
    "--store-url",
    metavar="URL",
    help="Graph Store Protocol URL. Default: derived for Oxigraph (…/store); "
    "Fuseki: /DATASET/data, GraphDB: /repositories/ID/rdf-graphs/service.",
)
@click.option("--no-validate", is_flag=True, help="Push even if the graph does not validate.")
@click.option(
    "--engine",
    type=click.Choice(["pyshacl", "sparql"]),
    default="sparql",
    show_default=True,
    help="SHACL engine used to validate before pushing.",
)
@click.option("--keep-stale", is_flag=True, help="Do not delete server graphs of removed files.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    envvar=TIMEOUT_ENV,
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help=f"Seconds each exchange with the server may take in total, retries included; "
    f"env {TIMEOUT_ENV}.",
)
@pass_state
def push(
    state: State,
    endpoint: str | None,
    store_url: str | None,
    no_validate: bool,
    engine: str,
    keep_stale: bool,
    timeout: float,
) -> None:
    """Replace each named graph on a SPARQL server with the built store's version.

    The store is refreshed first. One HTTP PUT per graph, so every graph on the
    server is always either the previous or the new version. Credentials come
    from the environment only: KGTOOL_ENDPOINT_TOKEN (bearer) or
    KGTOOL_ENDPOINT_USER and KGTOOL_ENDPOINT_PASSWORD (basic, or digest when
    the server asks for it, as Virtuoso does).
    """
    from kgtool.results import compact_iri
    from kgtool.store import refresh_store

    if not endpoint:
        raise RemoteError("no server given", hint="pass --endpoint URL or set KGTOOL_ENDPOINT")
    target = state.endpoint(endpoint, store_url=store_url, timeout=timeout)
    kgstore, stats = refresh_store(state.project, progress=state.progress)
    state.close_later(kgstore)
    state.progress(f"store {stats.action}: {stats.quads} quads")
    if not no_validate:
        from kgtool.validate import validate

        state.progress(f"validating with {engine}")
        report = validate(kgstore, engine=engine)
        if not report.conforms:
            click.echo(report.to_text(compact_iri))
            raise ValidationFailed(
                "the graph does not conform to its shapes; nothing was pushed",
                hint="fix it, or pass --no-validate to push anyway",
            )
    result = target.push(kgstore, progress=state.progress, prune=not keep_stale)
    removed = f", removed {len(result.removed)} stale" if result.removed else ""
    click.echo(
        f"pushed {len(result.graphs)} graphs, {result.triples} triples{removed} "
        f"to {target.store_url} in {result.seconds:.2f} s"
    )
