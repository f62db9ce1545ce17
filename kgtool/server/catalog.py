"""The project's named queries as the API and the query page list them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kgtool.errors import NotFoundError

if TYPE_CHECKING:
    from starlette.requests import Request

    from kgtool.query import NamedQuery


def named_queries(request: Request) -> list[NamedQuery]:
    """The project's named queries (none when the app has no project)."""
    from kgtool.query import list_queries

    project = request.app.state.project
    return list_queries(project.queries_dir) if project is not None else []


def describe(query: NamedQuery) -> dict[str, Any]:
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "competency": list(query.competency),
        "params": [
            {
                "name": p.name,
                "type": p.type,
                "default": p.default,
                "description": p.description,
            }
            for p in query.parameters
        ],
    }


def find_named(request: Request, name: str) -> NamedQuery:
    for query in named_queries(request):
        if query.name == name:
            return query
    raise NotFoundError(f"no named query '{name}'", hint="GET /api/queries lists them")


__all__ = ["describe", "find_named", "named_queries"]
