"""The root command group and the options its commands share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from kgtool.project import Project

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    """What the root options decided, handed to every command."""

    project_dir: Path | None = None
    store_dir: Path | None = None
    quiet: bool = False
    verbose: bool = False
    _project: Project | None = field(default=None, repr=False)
    _status: Any = field(default=None, repr=False)

    @property
    def project(self) -> Project:
        if self._project is None:
            self._project = Project.find(self.project_dir, store_path=self.store_dir)
        return self._project

    def say(self, message: str) -> None:
        """A line a person needs to see (where a server listens), on stderr unless -q."""
        if not self.quiet:
            click.echo(message, err=True)

    def progress(self, message: str) -> None:
        """A step of a long command: a status line on a terminal, nothing in a pipe or CI;
        with --verbose one line each on stderr, wherever it goes (a log, a test)."""
        if self.verbose:
            click.echo(message, err=True)
            return
        if self._status is None:
            from kgtool.console import StatusLine

            self._status = StatusLine(quiet=self.quiet)
            ctx = click.get_current_context(silent=True)
            if ctx is not None:
                ctx.call_on_close(self._status.close)
        self._status(message)

    def executor(self, endpoint: str | None) -> Any:
        """The embedded store (refreshed if sources changed) or a remote endpoint."""
        from kgtool.query import executor_for

        if endpoint:
            return executor_for(self.endpoint(endpoint))
        from kgtool.store import open_store

        kgstore = open_store(self.project, progress=self.progress)
        self.close_later(kgstore)
        return executor_for(kgstore)

    def endpoint(self, url: str, **options: Any) -> Any:
        """The server of ``--endpoint`` (an :class:`kgtool.remote.Endpoint`)."""
        from kgtool.remote import connect

        return connect(url, **options)

    def close_later(self, kgstore: Any) -> None:
        """Release the store's database when the command ends (tests call main() often)."""
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            ctx.call_on_close(kgstore.close)


pass_state = click.make_pass_decorator(State, ensure=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project folder (with ontology/ and graph/). Default: the current folder or a parent.",
)
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="KGTOOL_STORE",
    help="Where the embedded store lives. Default: PROJECT/.kgtool/store (env KGTOOL_STORE).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
@click.option(
    "-v", "--verbose", is_flag=True, help="Every progress step as a line on stderr, also in a pipe."
)
@click.version_option(package_name="kgtool")
@click.pass_context
def cli(
    ctx: click.Context, project_dir: Path | None, store_dir: Path | None, quiet: bool, verbose: bool
) -> None:
    """kgtool: a knowledge graph of sourced claims about international trade.

    Every fact in the graph is a claim: who says it, how sure, when it holds,
    how much, and the exact characters of the source that support it.

    \b
    Typical session:
      kgtool build                      compile, validate, write dist/
      kgtool queries                    list the named questions
      kgtool query trade-flows    answer one, with provenance
      kgtool why "Choi Kyung-soo"       every claim about an entity, sourced
      kgtool mentions "North Korea"     where the text refers to it
    """
    ctx.obj = State(project_dir, store_dir, quiet, verbose)


ENDPOINT_HELP = (
    "SPARQL server to use instead of the embedded store: its query URL "
    "(http://127.0.0.1:7878/query, Virtuoso http://host:8890/sparql), or a bare "
    "http://host:port for an Oxigraph server; env KGTOOL_ENDPOINT."
)


def endpoint_option(func: F) -> F:
    """``--endpoint URL``: run against a SPARQL 1.1 server instead of the embedded store."""
    return click.option("--endpoint", metavar="URL", envvar="KGTOOL_ENDPOINT", help=ENDPOINT_HELP)(
        func
    )
