"""Output for people: tables that fit the terminal, progress only where someone watches.

Everything kgtool prints for a person goes through here; what it prints for
programs (CSV, JSON, RDF) does not. Tables are laid out by rich to the
terminal's width (100 columns in a pipe, or ``$COLUMNS``): long cells wrap
inside their column, and a cell longer than :data:`CELL_LIMIT` characters is
cut with ``…``. Progress is a transient status line on a terminal's stderr;
in a pipe, in CI (``$CI``) or with ``-q`` nothing is shown.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any

#: the width of a table written to a pipe or a file
PIPE_WIDTH = 100

#: seconds a command runs before its progress line appears
DELAY = 1.0

#: characters of one cell shown at most, the rest replaced by "…"
CELL_LIMIT = 240

Progress = Callable[[str], None]


def is_terminal(stream: IO[str] | None = None) -> bool:
    """Whether a person is watching ``stream`` (stderr by default): a TTY, not CI."""
    stream = stream if stream is not None else sys.stderr
    if os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def width(stream: IO[str] | None = None) -> int:
    """Columns for a table on ``stream`` (stdout by default)."""
    import shutil

    stream = stream if stream is not None else sys.stdout
    if os.environ.get("COLUMNS", "").isdigit():
        return max(40, int(os.environ["COLUMNS"]))
    if is_terminal(stream):
        return max(40, shutil.get_terminal_size((PIPE_WIDTH, 24)).columns)
    return PIPE_WIDTH


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - 1] + "…"


#: the narrowest a column is made, in characters (its header may be wider)
MIN_COLUMN = 8


def _fitting(headers: Sequence[str], total: int) -> int:
    """How many leading columns fit in ``total`` characters, each at least its header's
    width (or :data:`MIN_COLUMN`), with rich's three spaces between columns."""
    used = 0
    for count, header in enumerate(headers):
        used += max(len(header), MIN_COLUMN) + (3 if count else 0)
        if used > total:
            return max(1, count)
    return len(headers)


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    footer: str | None = None,
    columns: int | None = None,
) -> str:
    """Rows under their headers, in the order given, fitted to ``columns`` (see :func:`width`).

    >>> print(table(["country", "total"], [["China", "1880000"]], footer="(1 row)", columns=40))
    country   total
    ─────────────────
    China     1880000
    (1 row)
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    total = columns or width()
    shown = _fitting(headers, total)
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style=None)
    for header in headers[:shown]:
        grid.add_column(header, overflow="fold", min_width=min(len(header), total))
    for row in rows:
        grid.add_row(*(_cut(cell) for cell in row[:shown]))
    if shown < len(headers):
        left = len(headers) - shown
        note = f"{left} more column{'s' if left != 1 else ''} not shown: use --format csv"
        footer = f"{footer} {note}" if footer else note
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=total,
        color_system=None,
        force_terminal=False,
        highlight=False,
        emoji=False,
        markup=False,
    )
    console.print(grid)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    if lines and lines[1:2] and set(lines[1]) == {"─"}:
        lines[1] = "─" * max(len(line) for line in lines)
    if footer is not None:
        lines.append(footer)
    return "\n".join(lines)


class StatusLine:
    """Progress messages as one transient status line on a terminal, nothing elsewhere.

    Call it with each message; :meth:`close` (or the end of the command) removes
    the line. The line appears only once the command has run for :data:`DELAY`
    seconds, so a quick command prints nothing; a long step shows what it is
    doing; a pipe or a CI log stays clean.
    """

    def __init__(
        self, *, quiet: bool = False, stream: IO[str] | None = None, delay: float | None = None
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and is_terminal(self.stream)
        self.delay = DELAY if delay is None else delay
        self.message = ""
        self._status: _Line | None = None
        self._stdout: IO[str] = sys.stdout
        self._proxy: _EndsLineOnWrite | None = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            self.message = message
            if self._status is not None:
                self._status.update(message)
            elif self._timer is None:
                self._timer = threading.Timer(self.delay, self._show)
                self._timer.daemon = True
                self._timer.start()

    def _show(self) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.spinner import Spinner

        with self._lock:
            if self._timer is None:  # closed meanwhile
                return
            console = Console(file=self.stream, highlight=False, markup=False, emoji=False)
            spinner = Spinner("dots", text=self.message)
            # stdout is left alone (it may be a file); the first write to it ends the line
            self._status = _Line(
                Live(spinner, console=console, transient=True, redirect_stdout=False,
                     redirect_stderr=False, refresh_per_second=8),
                spinner,
            )  # fmt: skip
            self._status.live.start()
            self._stdout = sys.stdout
            # kept referenced: print() holds sys.stdout without a reference of its own,
            # and the proxy replaces itself in the middle of that print
            self._proxy = _EndsLineOnWrite(self._stdout, self)
            sys.stdout = self._proxy  # type: ignore[assignment]

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._status is not None:
                self._status.live.stop()
                self._status = None
                if isinstance(sys.stdout, _EndsLineOnWrite):
                    sys.stdout = self._stdout


class _Line:
    """A live spinner line and its text."""

    def __init__(self, live: Any, spinner: Any) -> None:
        self.live = live
        self.spinner = spinner

    def update(self, message: str) -> None:
        self.spinner.update(text=message)


class _EndsLineOnWrite:
    """stdout while a status line shows: a command's output first removes the line."""

    def __init__(self, stream: IO[str], status: StatusLine) -> None:
        self._stream = stream
        self._status = status

    def write(self, text: str) -> int:
        self._status.close()
        return self._stream.write(text)

    @property
    def buffer(self) -> Any:
        self._status.close()
        return getattr(self._stream, "buffer")  # noqa: B009  a text stream may have none

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not set yet (a copy made without __init__)
            raise AttributeError(name)
        return getattr(self._stream, name)


def echo(text: str = "", *, err: bool = False) -> None:
    """Print a line for a person (stdout, or stderr with ``err``)."""
    import click

    click.echo(text, err=err)


__all__ = ["CELL_LIMIT", "PIPE_WIDTH", "Progress", "StatusLine", "echo", "is_terminal", "table"]
