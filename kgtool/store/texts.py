"""The source texts: each document's characters, as ``schema:text`` in a graph of its own."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from kgtool.errors import InputError
from kgtool.limits import WORKERS
from kgtool.pieces import PieceCache, piece_key, render
from kgtool.project import GRAPH_BASE, NAMESPACES, Project, sha256_file
from kgtool.source_text import read_source_text
from kgtool.store.manifest import PieceEntry

if TYPE_CHECKING:
    import pyoxigraph as ox

    from kgtool.store.workers import RenderPool


def source_text_graph(project: Project, local_path: str) -> str:
    """The named graph that holds a source document's text."""
    return GRAPH_BASE + "graph/" + local_path.rsplit(".", 1)[0]


def inject_source_texts(store: ox.Store, project: Project, only: set[str] | None = None) -> None:
    """Add ``schema:text`` for each document with a ``kg:localPath``.

    The text lives in the store (not in hand-written Turtle) so that SHACL-SPARQL
    can compare every quote with the characters at its offsets. A missing file
    is left for validation to report; here it simply gets no text. With
    ``only=None`` every text is re-read and text graphs of documents that are
    gone are dropped, so a renamed ``kg:localPath`` leaves nothing stale.
    """
    import pyoxigraph as ox

    kg, schema = NAMESPACES["kg"], NAMESPACES["schema"]
    rows = store.query(
        f"SELECT ?doc ?path WHERE {{ ?doc <{kg}localPath> ?path }}",
        use_default_graph_as_union=True,
    )
    text_predicate = ox.NamedNode(schema + "text")
    wanted = [(row["doc"], row["path"].value) for row in rows]
    if only is None:
        file_graphs = {project.graph_iri(path) for path in project.rdf_files()}
        for quad in list(store.quads_for_pattern(None, text_predicate, None)):
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph.value not in file_graphs:
                store.remove(quad)
    for doc, local in wanted:
        if only is not None and local not in only:
            continue
        graph = ox.NamedNode(source_text_graph(project, local))
        for quad in list(store.quads_for_pattern(doc, text_predicate, None, graph)):
            store.remove(quad)
        file = project.graph_dir / local
        if not file.is_file():
            continue
        text = read_source_text(project, file)
        store.add(ox.Quad(doc, text_predicate, ox.Literal(text), graph))


SCHEMA_TEXT = NAMESPACES["schema"] + "text"


def _text_entries(
    project: Project, files: dict[str, PieceEntry], hashes: dict[str, str]
) -> dict[str, tuple[PieceEntry, list[str]]]:
    """The source-text graphs the file graphs ask for: graph -> (entry sans count, documents).

    A text's key covers its bytes and the documents pointing at it, so moving
    a ``kg:localPath`` to another document re-renders the piece.
    """
    by_path: dict[str, set[str]] = {}
    for entry in files.values():
        for doc, local in entry.docs:
            by_path.setdefault(local, set()).add(doc)
    out: dict[str, tuple[PieceEntry, list[str]]] = {}
    for local, docs in sorted(by_path.items()):
        digest = hashes.get("graph/" + local)  # every text under graph/ is hashed
        if digest is None:
            file = project.graph_dir / local  # a text elsewhere, or a path with ".."
            if not file.is_file():
                continue  # validation reports the missing file
            digest = sha256_file(file)
        graph = source_text_graph(project, local)
        ordered = sorted(docs)
        key = piece_key(graph, digest + "\n" + "\n".join(ordered))
        out[graph] = (PieceEntry(key, 0, text=local), ordered)
    return out


def render_text(project: Project, graph: str, entry: PieceEntry, docs: list[str],
                cache: PieceCache) -> PieceEntry:  # fmt: skip
    """Cache the piece of one source text: ``schema:text`` of each document citing it."""
    import pyoxigraph as ox

    file = project.graph_dir / entry.text
    text = read_source_text(project, file)
    triples = [
        ox.Triple(ox.NamedNode(doc), ox.NamedNode(SCHEMA_TEXT), ox.Literal(text)) for doc in docs
    ]
    lines = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8").splitlines()
    try:
        piece = render(graph, lines)
    except InputError as error:  # a text too long to load
        where = project.relative(file)
        raise InputError(error.message, path=where, hint=error.hint) from None
    cache.put(entry.key, piece)
    return PieceEntry(entry.key, piece.quads, text=entry.text)


def render_text_batch(
    project: Project, batch: list[tuple[str, PieceEntry, list[str]]], cache: PieceCache
) -> list[PieceEntry]:
    """Cache the pieces of several source texts (one task for a worker process)."""
    return [render_text(project, graph, entry, docs, cache) for graph, entry, docs in batch]


#: source texts a worker process renders per task: a text takes about half a
#: millisecond, so one at a time would spend as long passing them back and forth
TEXT_BATCH = 100


def render_texts(
    project: Project,
    pieces: dict[str, PieceEntry],
    hashes: dict[str, str],
    cache: PieceCache,
    done: Callable[[PieceEntry], None] = lambda _: None,
    pool: RenderPool | None = None,
) -> tuple[dict[str, PieceEntry], list[str]]:
    """Bring the source-text pieces in line with the file pieces' documents.

    Returns the new piece map and the text graphs whose piece changed;
    ``done`` is called with each text piece, in graph order. With ``pool``,
    the texts are rendered in its worker processes, a batch at a time.
    """
    files = {g: e for g, e in pieces.items() if not e.text}
    wanted = _text_entries(project, files, hashes)
    out = dict(files)
    changed = sorted(g for g, e in pieces.items() if e.text and g not in wanted)
    cached = cache.keys()
    todo: list[tuple[str, PieceEntry, list[str]]] = []
    for graph, (entry, docs) in wanted.items():
        old = pieces.get(graph)
        if old is not None and old.key == entry.key and entry.key in cached:
            out[graph] = old
        else:
            todo.append((graph, entry, docs))
            changed.append(graph)
    fresh = {graph for graph, _, _ in todo}
    with contextlib.closing(_render_all(project, todo, cache, pool)) as rendered:
        for graph in wanted:
            if graph in fresh:
                out[graph] = next(rendered)
            done(out[graph])
    return out, sorted(changed)


def _render_all(
    project: Project,
    todo: list[tuple[str, PieceEntry, list[str]]],
    cache: PieceCache,
    pool: RenderPool | None,
) -> Iterator[PieceEntry]:
    """The new entries of ``todo``, in order, each as soon as it is ready."""
    if pool is None:
        for graph, entry, docs in todo:
            yield render_text(project, graph, entry, docs, cache)
        return
    batches = [todo[i : i + TEXT_BATCH] for i in range(0, len(todo), TEXT_BATCH)]
    with ThreadPoolExecutor(max_workers=WORKERS) as threads:
        futures = [threads.submit(pool.run, render_text_batch, project, b, cache) for b in batches]
        try:
            for future in futures:
                yield from future.result()
        finally:
            for future in futures:
                future.cancel()
