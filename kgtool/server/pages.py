"""Server-rendered HTML pages: search, entity, claim (with the quote in its source), query.

Everything shown is read from the graph by the queries ``kgtool/sparql/web-*.rq``,
so a store loaded with other data shows that data. Links carry the ASGI
``root_path``, so the pages work behind a reverse proxy under a sub-path.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool.errors import NotFoundError, QueryError

if TYPE_CHECKING:
    import jinja2
    from starlette.requests import Request
    from starlette.responses import Response

    from kgtool.results import QueryResult

HERE = Path(__file__).parent
#: names for roles whose property has no rdfs:label in the graph
ROLE_NAMES = {"http://www.w3.org/ns/prov#wasAttributedTo": "the one who says so"}


@functools.cache
def templates() -> jinja2.Environment:
    """The Jinja2 environment of the pages (HTML escaped by default)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["compact"] = _compact_text
    env.tests["iri"] = _is_iri
    return env


def _is_iri(value: Any) -> bool:
    import pyoxigraph as ox

    return isinstance(value, ox.NamedNode)


def _compact_text(value: Any) -> str:
    from kgtool.results import compact, compact_iri

    return compact_iri(value) if isinstance(value, str) else compact(value)


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    from starlette.responses import HTMLResponse

    base = request.scope.get("root_path", "").rstrip("/")
    page = templates().get_template(name).render(base=base, network=network_available(), **context)
    return HTMLResponse(page, status_code=status)


# Reading the graph ------------------------------------------------------------
def select(executor: Any, name: str, window: Any = None, **params: str) -> QueryResult:
    """Run the package query ``name`` with its parameters bound as terms (``window``: a page)."""
    from kgtool.paging import Window, paged
    from kgtool.query import bind_parameters, package_query

    query = package_query(name)
    text = paged(query.text, window or Window())
    return executor.execute(text, bind_parameters(query, params))


def rows(result: QueryResult) -> list[dict[str, Any]]:
    """Rows as dicts of pyoxigraph terms (unbound variables are None)."""
    return [dict(zip(result.variables, row, strict=True)) for row in result.rows]


def text(term: Any) -> str:
    return "" if term is None else term.value


def search_hits(executor: Any, query_text: str) -> list[dict[str, Any]]:
    """Entities and claims matching the text, one entry per item, entities first."""
    from kgtool.results import compact

    found: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for row in rows(select(executor, "web-search", q=query_text)):
        iri = row["item"].value
        hit = found.setdefault(
            iri,
            {
                "iri": iri,
                "id": compact(row["item"]),
                "kind": text(row["kind"]),
                "label": text(row["label"]),
                "matched": [],
            },
        )
        matched = text(row["matched"])
        if matched != hit["label"] and matched not in hit["matched"]:
            hit["matched"].append(matched)
    return sorted(found.values(), key=lambda hit: hit["kind"] != "entity")


#: hits on one page of the search page and of /api/search, unless ?limit= says otherwise
SEARCH_PAGE = 20


#: rows of the entity page's list of claims on one page
ENTITY_PAGE = 200


def page_window(request: Request, default: int = SEARCH_PAGE, most: int = 1000) -> tuple[int, int]:
    """``?limit=`` (1 to ``most``) and ``?offset=`` of a paged list."""
    try:
        limit = int(request.query_params.get("limit", default))
        offset = int(request.query_params.get("offset", 0))
    except ValueError:
        raise QueryError("limit and offset must be whole numbers") from None
    if not 1 <= limit <= most or offset < 0:
        raise QueryError(f"the limit must be 1 to {most} and the offset at least 0")
    return limit, offset


def search_page(
    executor: Any, query_text: str, limit: int = SEARCH_PAGE, offset: int = 0
) -> tuple[list[dict[str, Any]], bool]:
    """One page of hits, ranked by the full-text index; the SPARQL search without a local store.

    A text with no word to search for is refused (400) whichever search runs.
    """
    from kgtool.search import fts_query, web_page

    fts_query(query_text)
    indexed = web_page(executor, query_text, limit=limit, offset=offset)
    if indexed is not None:
        return indexed
    hits = search_hits(executor, query_text)
    return hits[offset : offset + limit], len(hits) > offset + limit


def _target(request: Request) -> str:
    from kgtool.terms import expand_iri

    value = request.query_params.get("iri", "").strip()
    iri = expand_iri(value) if value else None
    if iri is None:
        raise QueryError(
            "the page needs ?iri= with an IRI or a CURIE such as ent:north-korea",
            hint="use the search box to find it",
        )
    return iri


def highlight(source: str, spans: list[tuple[int, int]]) -> Any:
    """The source text HTML-escaped, each span wrapped in ``<mark class="quote">``.

    Offsets are code points (Python string indices); overlapping spans are merged.
    """
    from markupsafe import Markup, escape

    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, cursor = [], 0
    for start, end in merged:
        out.append(str(escape(source[cursor:start])))
        out.append(f'<mark class="quote">{escape(source[start:end])}</mark>')
        cursor = end
    out.append(str(escape(source[cursor:])))
    return Markup("".join(out))


def _int(term: Any) -> int | None:
    try:
        return int(term.value) if term is not None else None
    except ValueError:
        return None


def claim_view(executor: Any, iri: str) -> dict[str, Any]:
    """Everything the claim page shows, read from the graph."""
    overview = rows(select(executor, "web-claim", claim=iri))
    if not overview:
        raise NotFoundError(f"no claim <{iri}> in the graph", hint="search for it on the home page")
    facts: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for row in rows(select(executor, "web-claim-facts", claim=iri)):
        facts.setdefault(
            f"{row['property']}|{row['value']}",
            {
                "property": row["property"],
                "propertyLabel": text(row["propertyLabel"]),
                "value": row["value"],
                "valueLabel": text(row["valueLabel"]),
                "details": [],
            },
        )
    # The details are a query of their own: asked inside the facts' query, the
    # engine read every time, amount and quantity node of the store to match them.
    for row in rows(select(executor, "web-claim-details", claim=iri)):
        fact = facts.get(f"{row['property']}|{row['value']}")
        if fact is not None:
            fact["details"].append(
                {
                    "property": row["detailProperty"],
                    "label": text(row["detailLabel"]),
                    "value": row["detail"],
                    "valueLabel": text(row["detailValueLabel"]),
                }
            )
    texts: dict[str, str] = {}
    anchors = []
    for row in rows(select(executor, "web-claim-anchors", claim=iri)):
        exact, source = text(row["exact"]), text(row["text"])
        start, end = _int(row["start"]), _int(row["end"])
        if start is None and source and exact in source:
            start = source.index(exact)
            end = start + len(exact)
        anchors.append(
            {
                "exact": exact,
                "start": start,
                "end": end,
                "source": row["source"],
                "matches": start is not None and source[start:end] == exact,
            }
        )
        if row["source"] is not None and source:
            texts[row["source"].value] = source
    documents = [
        {
            "source": source,
            "html": highlight(
                body,
                [
                    (a["start"], a["end"])
                    for a in anchors
                    if a["source"] is not None
                    and a["source"].value == source
                    and a["start"] is not None
                ],
            ),
        }
        for source, body in texts.items()
    ]
    return {
        "iri": iri,
        "claim": overview[0],
        "attribution": [  # as ordered by step: "attributed to" before "cites"
            *rows(select(executor, "web-claim-attribution", claim=iri)),
            *rows(select(executor, "web-claim-citations", claim=iri)),
        ],
        "facts": list(facts.values()),
        "anchors": anchors,
        "documents": documents,
    }


def _whole_claims(found: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` rows, less a claim cut by the page's end (its rows are adjacent).

    The claim then opens the next page with all its roles; a page of one
    claim with more roles than ``limit`` is kept as it is.
    """
    if len(found) <= limit:
        return found
    cut = found[limit]["claim"]
    kept = found[:limit]
    while kept and kept[-1]["claim"] == cut:
        kept.pop()
    return kept or found[:limit]


def entity_view(
    executor: Any, iri: str, limit: int = ENTITY_PAGE, offset: int = 0
) -> dict[str, Any]:
    """The entity page's data: its description and one page of its claims by kind of fact.

    The page is ``limit`` rows of the query (one per claim and role, in its
    order) after ``offset``; one row more is asked for to know if another follows.
    """
    from kgtool.paging import Window

    described = rows(select(executor, "web-entity", entity=iri))
    claims = rows(select(executor, "web-entity-claims", Window(limit + 1, offset), entity=iri))
    more, claims = len(claims) > limit, _whole_claims(claims, limit)
    if not described and not claims:
        raise NotFoundError(f"nothing about <{iri}> in the graph", hint="search for it instead")
    properties: OrderedDict[str, dict[str, Any]] = OrderedDict()
    label = ""
    for row in described:
        prop = properties.setdefault(
            row["property"].value,
            {"property": row["property"], "label": text(row["propertyLabel"]), "values": []},
        )
        if row["value"] not in [v["value"] for v in prop["values"]]:
            prop["values"].append({"value": row["value"], "label": text(row["valueLabel"])})
        if row["property"].value.endswith("core#prefLabel"):
            label = row["value"].value
    groups: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for row in claims:
        group = groups.setdefault(
            row["kind"].value,
            {"kind": row["kind"], "label": text(row["kindLabel"]), "claims": OrderedDict()},
        )
        entry = group["claims"].setdefault(
            row["claim"].value,
            {
                "claim": row["claim"],
                "label": text(row["label"]),
                "modality": text(row["modalityLabel"]),
                "roles": [],
            },
        )
        role = text(row["roleLabel"]) or ROLE_NAMES.get(row["role"].value, "")
        role = role or _compact_text(row["role"])
        if role not in entry["roles"]:
            entry["roles"].append(role)
    return {
        "iri": iri,
        "label": label,
        "properties": list(properties.values()),
        "groups": [{**g, "claims": list(g["claims"].values())} for g in groups.values()],
        "count": len({row["claim"].value for row in claims}),
        "paging": {
            "limit": limit,
            "offset": offset,
            "more": more,
            "rows": len(claims),
            "next": offset + len(claims),
        },
    }


# Routes -----------------------------------------------------------------------
async def home(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    q = request.query_params.get("q", "").strip()
    limit, offset = page_window(request)
    hits, more = (
        await run_in_threadpool(search_page, request.app.state.executor, q, limit, offset)
        if q
        else ([], False)
    )
    paging = {"limit": limit, "offset": offset, "more": more}
    return render(request, "home.html", {"q": q, "hits": hits, "paging": paging})


async def entity(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    from kgtool.server.responses import client_input

    limit, offset = page_window(request, ENTITY_PAGE)
    executor, target = request.app.state.executor, _target(request)
    view = await run_in_threadpool(
        client_input, "the IRI", entity_view, executor, target, limit, offset
    )
    return render(request, "entity.html", view)


async def claim(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    from kgtool.server.responses import client_input

    view = await run_in_threadpool(
        client_input, "the IRI", claim_view, request.app.state.executor, _target(request)
    )
    return render(request, "claim.html", view)


async def query_page(request: Request) -> Response:
    from kgtool.server.catalog import describe, named_queries

    examples = [{**describe(q), "text": q.text} for q in named_queries(request)]
    settings = request.app.state.settings
    return render(
        request,
        "query.html",
        {"examples": examples, "settings": settings, "initial": request.query_params.get("q", "")},
    )


def network_available() -> bool:
    """True when kgtool.network provides ``render_svg(kind, executor)``."""
    network = optional_module("kgtool.network")
    return network is not None and callable(getattr(network, "render_svg", None))


def optional_module(name: str) -> Any:
    """A module another part of kgtool may provide, or None when it is not installed."""
    import importlib

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return None


async def network(request: Request) -> Response:
    from markupsafe import Markup
    from starlette.concurrency import run_in_threadpool

    net = optional_module("kgtool.network")
    kind = request.query_params.get("kind", "trade")
    svg = await run_in_threadpool(net.render_svg, kind, request.app.state.executor)
    if isinstance(svg, bytes):
        svg = svg.decode("utf-8")
    svg = svg[svg.find("<svg") :] if "<svg" in svg else svg
    return render(request, "network.html", {"svg": Markup(svg), "kind": kind})
