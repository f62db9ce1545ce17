"""The web application: a SPARQL endpoint, a JSON API and pages to read claims.

:func:`create_app` takes any Executor (the embedded store or a remote
endpoint), so the same app serves ``kgtool serve`` and can be embedded in
tests or another ASGI server. Every query it runs goes through a
:class:`~kgtool.server.runner.GuardedExecutor` (time and row limits).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kgtool.errors import KgtoolError, RequestTooLarge
from kgtool.server.responses import error_response, status_of
from kgtool.server.runner import (
    DEFAULT_MAX_ANSWER_BYTES,
    DEFAULT_MAX_RESULTS,
    DEFAULT_TIMEOUT,
    GuardedExecutor,
)

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from kgtool.project import Project

ACCESS_LOG = logging.getLogger("kgtool.access")
#: the largest request body accepted (a query, a form); more is refused with 413
DEFAULT_MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """What the app was started with; pages and the service description show it."""

    query_timeout: float
    max_results: int
    backend: str
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES
    max_body: int = DEFAULT_MAX_BODY
    allowed_services: tuple[str, ...] = ()


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path == "/sparql" or path.startswith("/static/"))


async def _handle_error(request: Request, error: Exception) -> Response:
    status = status_of(error)
    message = str(error) if status != 500 else "internal error: the server failed to answer"
    if status == 500:
        logging.getLogger("kgtool.server").exception("unhandled error on %s", request.url.path)
    if _wants_html(request):
        from kgtool.server.pages import render

        return render(request, "error.html", {"status": status, "message": message}, status)
    return error_response(status, message)


async def _handle_http(request: Request, error: Any) -> Response:
    status = int(getattr(error, "status_code", 500))
    message = str(getattr(error, "detail", "")) or "error"
    headers = dict(getattr(error, "headers", None) or {})
    if status == 404:
        message = f"no such page: {request.url.path}"
    if status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
        if "Allow" in headers:
            message += f" (allowed: {headers['Allow']})"
    if _wants_html(request):
        from kgtool.server.pages import render

        response = render(request, "error.html", {"status": status, "message": message}, status)
        response.headers.update(headers)
        return response
    return error_response(status, message, headers)


class BodyLimit:
    """ASGI middleware: refuse a request body over ``limit`` bytes with 413.

    A declared Content-Length over the limit is refused before anything is
    read; a body without one (chunked) is counted as it arrives, and the
    route reading it gets :class:`RequestTooLarge` at the first byte past the
    limit, so no more than ``limit`` bytes are ever held.
    """

    def __init__(self, app: Any, limit: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    def _refusal(self) -> RequestTooLarge:
        return RequestTooLarge(
            f"the request body is larger than {self.limit} bytes, the limit of this server",
            hint="send a shorter query, or ask the operator for a larger --max-body",
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.limit or declared < 0:
                    message = str(self._refusal()) if declared > 0 else "bad Content-Length header"
                    status = 413 if declared > 0 else 400
                    response = error_response(status, message, {"Connection": "close"})
                    await response(scope, receive, send)
                    return
        received = 0

        async def limited() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise self._refusal()
            return message

        await self.app(scope, limited, send)


class AccessLog:
    """ASGI middleware: one JSON line per request (time, method, path, status, ms, client)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            client = scope.get("client")
            ACCESS_LOG.info(
                json.dumps(
                    {
                        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                        "method": scope["method"],
                        "path": scope.get("root_path", "") + scope["path"],
                        "status": status["code"],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "client": f"{client[0]}:{client[1]}" if client else None,
                    }
                )
            )


def create_app(
    executor: Any,
    *,
    project: Project | None = None,
    query_timeout: float = DEFAULT_TIMEOUT,
    max_results: int = DEFAULT_MAX_RESULTS,
    workers: int = 2,
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
    max_body: int = DEFAULT_MAX_BODY,
    allowed_services: tuple[str, ...] = (),
) -> Starlette:
    """The Starlette app over ``executor`` (a LocalExecutor or a remote Endpoint).

    ``project`` supplies the named queries of ``/api/queries`` and the query
    page (default: the executor's own project, if it has one). ``workers`` is
    the number of query processes for an embedded store on disk (0: threads).
    Limits: ``max_results`` rows, ``max_answer_bytes`` bytes of an answer,
    ``max_body`` bytes of a request. SERVICE is refused unless its address
    starts with one of ``allowed_services``.
    """
    from contextlib import asynccontextmanager
    from pathlib import Path

    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    import kgtool.server.api as api  # the modules, not the package: no import cycle
    import kgtool.server.pages as pages
    import kgtool.server.sparql as sparql

    if project is None:
        project = getattr(getattr(executor, "kgstore", None), "project", None)
    guarded = GuardedExecutor(
        executor,
        timeout=query_timeout,
        max_results=max_results,
        max_answer_bytes=max_answer_bytes,
        allowed_services=tuple(allowed_services),
        workers=workers,
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> Any:
        try:
            yield
        finally:
            guarded.close()

    routes = [
        Route("/", pages.home),
        Route("/entity", pages.entity),
        Route("/claim", pages.claim),
        Route("/query", pages.query_page),
        Route("/sparql", sparql.endpoint, methods=["GET", "HEAD", "POST"]),
        Route("/api/queries", api.queries),
        Route("/api/queries/{name}", api.run_query),
        Route("/api/why", api.why),
        Route("/api/search", api.search),
        Route("/api/{rest:path}", api.not_found),
        Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
    ]
    if pages.network_available():
        routes.insert(4, Route("/network", pages.network))
    middleware = [
        Middleware(AccessLog),
        Middleware(BodyLimit, limit=max_body),
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Accept", "Content-Type"],
            max_age=3600,
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            HTTPException: _handle_http,
            KgtoolError: _handle_error,
            Exception: _handle_error,
        },
        lifespan=lifespan,
    )
    app.state.executor = guarded
    app.state.project = project
    app.state.settings = Settings(
        query_timeout,
        max_results,
        guarded.mode,
        max_answer_bytes=max_answer_bytes,
        max_body=max_body,
        allowed_services=tuple(allowed_services),
    )
    return app
