"""The JSON API: named queries, provenance of a claim or entity, search.

Every route answers JSON; every error has the shape
``{"error": {"status": N, "message": "..."}}`` (see :func:`kgtool.server.responses.error_response`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kgtool.errors import QueryError
from kgtool.server.catalog import describe, find_named, named_queries
from kgtool.server.responses import client_input

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


#: rows of a named query's answer on one API page, unless ?limit= (up to 10,000) says otherwise
QUERY_PAGE = 100


def result_json(result: Any) -> dict[str, Any]:
    """A QueryResult as JSON: compact rows for SELECT, a boolean for ASK, triples for graphs."""
    from kgtool.results import compact

    if result.kind == "ask":
        return {"kind": "ask", "boolean": result.boolean}
    if result.kind == "graph":
        return {
            "kind": "graph",
            "triples": [
                [compact(t.subject), compact(t.predicate), compact(t.object)]
                for t in result.triples
            ],
        }
    return {
        "kind": "select",
        "variables": result.variables,
        "rows": result.records(),
        "terms": [[None if v is None else str(v) for v in row] for row in result.rows],
    }


async def queries(request: Request) -> Response:
    """``GET /api/queries``: name, title, description and parameters of each named query."""
    from starlette.responses import JSONResponse

    return JSONResponse({"queries": [describe(q) for q in named_queries(request)]})


async def run_query(request: Request) -> Response:
    """``GET /api/queries/{name}?param=value&limit=&offset=``: one page, parameters as terms."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    from kgtool.query import run
    from kgtool.server.pages import page_window
    from kgtool.sparql_text import query_form

    query = find_named(request, request.path_params["name"])
    limit, offset = page_window(request, QUERY_PAGE, most=10_000)
    params = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}
    executor = request.app.state.executor
    # One row more than the page tells whether another page follows; ASK has no rows.
    rows = None if query_form(query.text) == "ASK" else limit + 1
    result = await run_in_threadpool(
        client_input,
        "a parameter",
        run,
        query,
        params,
        executor=executor,
        limit=rows,
        offset=offset if rows else 0,
    )
    more = len(result.rows) > limit
    result.rows = result.rows[:limit]
    page = {"limit": limit, "offset": offset, "more": more}
    return JSONResponse({"query": query.name, **result_json(result), **page})


def _require(request: Request, name: str) -> str:
    value = request.query_params.get(name, "").strip()
    if not value:
        raise QueryError(f"missing parameter '{name}'", hint=f"add ?{name}=… to the URL")
    return value


async def why(request: Request) -> Response:
    """``GET /api/why?target=…``: the provenance of a claim or entity, from kgtool.provenance."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    target = _require(request, "target")
    from kgtool.server.pages import optional_module

    provenance = optional_module("kgtool.provenance")
    if provenance is None:
        from kgtool.server.responses import error_response

        return error_response(501, "provenance is not available in this version of kgtool")
    explanation = await run_in_threadpool(
        client_input,
        f"the target {target!r}",
        provenance.explain,
        target,
        request.app.state.executor,
    )
    return JSONResponse(_as_json(explanation))


def _as_json(explanation: Any) -> Any:
    """The explanation's own ``to_dict()``, or its dataclass fields when it has none."""
    import dataclasses

    if callable(getattr(explanation, "to_dict", None)):
        return explanation.to_dict()
    return dataclasses.asdict(explanation)


async def search(request: Request) -> Response:
    """``GET /api/search?q=…&limit=&offset=``: a ranked page of entities, claims and sources."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    from kgtool.server.pages import page_window, search_page

    text = _require(request, "q")
    limit, offset = page_window(request)
    hits, more = await run_in_threadpool(
        search_page, request.app.state.executor, text, limit, offset
    )
    page = {"limit": limit, "offset": offset, "more": more}
    return JSONResponse({"q": text, "results": hits, **page})


async def not_found(request: Request) -> Response:
    from kgtool.server.responses import error_response

    return error_response(404, f"no API route {request.url.path}")
