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

from kgtool.errors import KgtoolError, NotFoundError, RemoteError, StoreError
from kgtool.server.runner import (
    DEFAULT_MAX_RESULTS,
    DEFAULT_TIMEOUT,
    GuardedExecutor,
    QueryTimeout,
    ResultTooLarge,
    UpdateForbidden,
)

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from kgtool.project import Project

ACCESS_LOG = logging.getLogger("kgtool.access")


@dataclass(frozen=True)
class Settings:
    """What the app was started with; pages and the service description show it."""

    query_timeout: float
    max_results: int
    backend: str


def status_of(error: Exception) -> int:
    """The HTTP status that matches a kgtool error."""
    for kind, status in (
        (UpdateForbidden, 403),
        (QueryTimeout, 503),
        (ResultTooLarge, 413),
        (NotFoundError, 404),
        (RemoteError, 502),
        (StoreError, 503),
    ):
        if isinstance(error, kind):
            return status
    return 400 if isinstance(error, KgtoolError) else 500


def error_response(status: int, message: str) -> Response:
    """The one JSON error shape of every API route: {"error": {"status", "message"}}."""
    from starlette.responses import JSONResponse

    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


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
    if status == 404:
        message = f"no such page: {request.url.path}"
    if _wants_html(request):
        from kgtool.server.pages import render

        return render(request, "error.html", {"status": status, "message": message}, status)
    return error_response(status, message)


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
) -> Starlette:
    """The Starlette app over ``executor`` (a LocalExecutor or a remote Endpoint).

    ``project`` supplies the named queries of ``/api/queries`` and the query
    page (default: the executor's own project, if it has one). ``workers`` is
    the number of query processes for an embedded store on disk (0: threads).
    """
    from contextlib import asynccontextmanager
    from pathlib import Path

    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from kgtool.server import api, pages, sparql

    if project is None:
        project = getattr(getattr(executor, "kgstore", None), "project", None)
    guarded = GuardedExecutor(
        executor, timeout=query_timeout, max_results=max_results, workers=workers
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
        Route("/sparql", sparql.endpoint, methods=["GET", "POST"]),
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
    app.state.settings = Settings(query_timeout, max_results, guarded.mode)
    return app
