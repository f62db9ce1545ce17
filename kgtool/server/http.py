"""uvicorn's HTTP/1.1 protocol with a deadline for reading each request.

uvicorn closes idle keep-alive connections, but a connection that has sent
part of a request line or of its headers (and then nothing) is kept open
for ever, so a few hundred such clients hold the server's sockets. Here
every request, from its first byte (or from the connection's opening) to
the end of its headers and body, must arrive within ``read_timeout``
seconds; otherwise the connection is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_READ_TIMEOUT = 10.0


def protocol_class(read_timeout: float = DEFAULT_READ_TIMEOUT) -> type[asyncio.Protocol]:
    """An ``http`` class for :class:`uvicorn.Config` that applies ``read_timeout``."""

    class DeadlineH11Protocol(H11Protocol):
        _read_deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._watch()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._watch()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._watch()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_watching()
            super().connection_lost(exc)

        def _watch(self) -> None:
            """Armed while a request is being read (client IDLE or sending a body)."""
            reading = self.conn.their_state in (h11.IDLE, h11.SEND_BODY)
            if reading and not self.transport.is_closing():
                if self._read_deadline is None:
                    self._read_deadline = self.loop.call_later(read_timeout, self._expire)
            else:
                self._stop_watching()

        def _stop_watching(self) -> None:
            if self._read_deadline is not None:
                self._read_deadline.cancel()
                self._read_deadline = None

        def _expire(self) -> None:
            self._read_deadline = None
            if not self.transport.is_closing():
                self.transport.close()

    return DeadlineH11Protocol
