"""``kgtool serve``: the SPARQL endpoint and the web pages, served by uvicorn."""

from __future__ import annotations

import click

from kgtool.cli.common import State, cli, endpoint_option, pass_state
from kgtool.errors import ProjectError


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="TCP port.")
@endpoint_option
@click.option(
    "--query-timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    metavar="S",
    help="Seconds a query may run; later the client gets 503.",
)
@click.option(
    "--max-results",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    metavar="N",
    help="Most rows (or triples) a result may have; more is refused with 413.",
)
@click.option(
    "--max-answer-bytes",
    type=click.IntRange(min=1024),
    default=32 * 1024 * 1024,
    show_default=True,
    metavar="N",
    help="Most bytes an answer may have; more is refused with 413, never cut.",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1024),
    default=1024 * 1024,
    show_default=True,
    metavar="N",
    help="Most bytes a request body may have; more is refused with 413.",
)
@click.option(
    "--read-timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    metavar="S",
    help="Seconds a client has to send a whole request (headers and body); "
    "later the connection is closed.",
)
@click.option(
    "--allow-service",
    "allowed_services",
    multiple=True,
    metavar="URL-PREFIX",
    help="Let SERVICE clauses fetch from addresses starting with this prefix "
    "(repeatable). Without it, a query with SERVICE is refused (400).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Query worker processes for the embedded store (0: run queries in threads).",
)
@click.option(
    "--root-path",
    default="",
    metavar="PATH",
    help="URL prefix the reverse proxy serves the app under (e.g. /kg).",
)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    metavar="IPS",
    help="Proxies whose X-Forwarded-For/-Proto headers are trusted (comma list, or '*').",
)
@pass_state
def serve(
    state: State,
    host: str,
    port: int,
    endpoint: str | None,
    query_timeout: float,
    max_results: int,
    max_answer_bytes: int,
    max_body: int,
    read_timeout: float,
    allowed_services: tuple[str, ...],
    workers: int,
    root_path: str,
    forwarded_allow_ips: str,
) -> None:
    """Serve a read-only SPARQL 1.1 endpoint and pages to read claims with their sources.

    \b
    Endpoints:
      /sparql                 SPARQL 1.1 Protocol (GET, POST form, POST sparql-query);
                              no query: the Service Description
      /api/queries[/NAME]     named queries, run with ?param=value
      /api/why?target=IRI     provenance of a claim or entity (JSON)
      /api/search?q=TEXT      entities and claims by label or quote
      /  /entity  /claim  /query   web pages

    Safe by default: read-only, no SERVICE federation (see --allow-service),
    bodies up to --max-body, answers up to --max-results rows and
    --max-answer-bytes bytes, requests read within --read-timeout.

    Each request is logged on stderr as one JSON line. Ctrl-C (SIGINT) or
    SIGTERM stops the server after the requests in flight have finished.

    \b
    Behind a reverse proxy (nginx, Caddy, Apache) that serves the app under a
    sub-path, pass that path as --root-path (e.g. --root-path /kg for
    https://example.org/kg/), keep --host 127.0.0.1, and list the proxy's
    address in --forwarded-allow-ips so uvicorn takes the client address and
    scheme from the X-Forwarded-For and X-Forwarded-Proto headers
    (uvicorn's proxy_headers). Headers from other addresses are ignored.
    """
    import logging
    import signal
    import sys

    import uvicorn

    from kgtool.server.app import create_app

    executor = state.executor(endpoint)
    if getattr(executor, "kgstore", None) is not None:
        executor.kgstore.follow = True  # answer from each new build without a restart
    project = None
    try:
        project = state.project
    except ProjectError:  # a remote endpoint needs no project; then there are no named queries
        project = None
    app = create_app(
        executor,
        project=project,
        query_timeout=query_timeout,
        max_results=max_results,
        workers=workers,
        max_answer_bytes=max_answer_bytes,
        max_body=max_body,
        allowed_services=allowed_services,
    )
    access = logging.getLogger("kgtool.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False
    state.say(f"serving on http://{host}:{port}{root_path}/ (Ctrl-C to stop)")
    from kgtool.server.http import protocol_class

    config = uvicorn.Config(
        app,
        http=protocol_class(read_timeout),
        host=host,
        port=port,
        root_path=root_path,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=10,
        lifespan="on",
    )
    # uvicorn handles SIGINT/SIGTERM itself (finish requests in flight, then stop) and
    # re-raises the signal afterwards; a requested stop is a normal exit, not an error.
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    state.say("stopped")


def _stop(*_: object) -> None:
    raise KeyboardInterrupt
