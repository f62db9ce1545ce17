"""The ``kgtool`` command: a thin layer over the library.

Each command opens the project, calls one library function and prints what
it returns. Library errors become one ``error: …`` line on stderr and the
error's exit code; click's own usage errors exit 2.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any

import click

from kgtool.cli.common import cli
from kgtool.errors import KgtoolError, KgtoolWarning

# Registering the command groups: each module adds its commands to ``cli``.
from kgtool.cli import graph as _graph  # noqa: F401  isort: skip
from kgtool.cli import ask as _ask  # noqa: F401  isort: skip
from kgtool.cli import provenance as _provenance  # noqa: F401  isort: skip
from kgtool.cli import remote as _remote  # noqa: F401  isort: skip
from kgtool.cli import serve as _serve  # noqa: F401  isort: skip
from kgtool.cli import network as _network  # noqa: F401  isort: skip
from kgtool.cli import authoring as _authoring  # noqa: F401  isort: skip
from kgtool.cli import search as _search  # noqa: F401  isort: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of raising SystemExit."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", KgtoolWarning)
            shown = warnings.showwarning

            def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
                if issubclass(category, KgtoolWarning):
                    click.echo(f"warning: {message}", err=True)
                else:
                    shown(message, category, *args, **kwargs)

            warnings.showwarning = show
            cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except KgtoolError as error:
        click.echo(f"error: {error}", err=True)
        return error.exit_code
    except click.exceptions.Exit as done:
        return done.exit_code
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 1
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except (OSError, MemoryError, RecursionError) as error:  # the last resort: one line
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        where = getattr(error, "filename", None)
        click.echo(f"error: {where + ': ' if where else ''}{reason}", err=True)
        return 2
    return 0


def entry() -> None:
    sys.exit(main())


__all__ = ["cli", "main"]
