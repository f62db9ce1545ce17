"""The RocksDB database: its generations, opening one, probing it against the
manifest, patching graphs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool.pieces import PieceCache
from kgtool.store.layout import DATABASE_NAME, Unusable, generation_number, list_entries
from kgtool.store.locks import ReaderLock
from kgtool.store.manifest import PieceEntry

if TYPE_CHECKING:
    import pyoxigraph as ox


def next_generation(store_path: Path) -> str:
    """A generation name above every one in the folder (published, held or left by a crash)."""
    numbers = [generation_number(name) or 0 for name in list_entries(store_path)]
    return f"{DATABASE_NAME}-{max(numbers, default=0) + 1}"


def _probe(store: ox.Store, manifest: dict[str, Any]) -> None:
    """Check the database against the manifest without reading all of it.

    Counting every quad of a large RocksDB store takes seconds, so the
    manifest's total must equal the sum of its pieces and the three smallest
    graphs must hold as many quads as the manifest says; damage RocksDB
    detects raises on the way.
    """
    import pyoxigraph as ox

    pieces = manifest.get("pieces")
    total = manifest.get("quads")
    if not isinstance(pieces, dict) or not isinstance(total, int):
        raise Unusable("store manifest records no quad counts")
    entries = {graph: PieceEntry.from_json(entry) for graph, entry in pieces.items()}
    if sum(entry.quads for entry in entries.values()) != total:
        raise Unusable(f"store manifest says {total} quads but its graphs add up to another")
    counts = {graph: entry.stored_quads for graph, entry in entries.items()}
    for graph in sorted(counts, key=lambda g: (counts[g], g))[:3]:
        found = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        if found != counts[graph]:
            raise Unusable(f"store graph <{graph}> has {found} quads, manifest {counts[graph]}")


def open_database(path: Path, manifest: dict[str, Any], *, writable: bool = False) -> ox.Store:
    """Open the manifest's generation and probe it before anyone trusts it.

    Damage RocksDB detects (bad checksums, a garbled CURRENT file) and counts
    that differ from the manifest both raise :class:`Unusable`. Only a
    generation not yet published is opened ``writable``.
    """
    import pyoxigraph as ox

    database = path / manifest["database"]
    if not database.is_dir():
        raise Unusable("store database is missing")
    try:
        store = ox.Store(str(database)) if writable else ox.Store.read_only(str(database))
    except OSError as error:
        raise Unusable(f"store cannot be opened ({str(error).splitlines()[0][:120]})") from None
    except RuntimeError as error:
        raise Unusable(f"store is damaged ({str(error).splitlines()[0][:120]})") from None
    try:
        _probe(store, manifest)
    except (OSError, RuntimeError) as error:
        del store
        raise Unusable(f"store is damaged ({str(error).splitlines()[0][:120]})") from None
    except Unusable:
        del store
        raise
    return store


def open_reader(path: Path, manifest: dict[str, Any]) -> tuple[ox.Store, ReaderLock]:
    """The published generation, read-only, with a reader's lock so no writer deletes it."""
    lock = ReaderLock(path, manifest["database"])
    try:
        return open_database(path, manifest), lock
    except BaseException:
        lock.release()
        raise


def copy_generation(source: ox.Store, target: Path) -> None:
    """A new generation as a copy of ``source`` (RocksDB's checkpoint: hard links)."""
    source.backup(str(target))


#: above this many differing lines a graph is reloaded whole rather than patched
PATCH_LIMIT = 20_000


def replace_graphs(
    store: ox.Store,
    cache: PieceCache,
    pieces: dict[str, PieceEntry],
    graphs: dict[str, tuple[str | None, str | None]],
) -> None:
    """Bring the changed graphs to their new pieces: patched when small, else reloaded."""
    import pyoxigraph as ox

    for graph, (old, new) in graphs.items():
        if old is not None and new is not None and patch_graph(store, cache, graph, old, new):
            continue
        store.remove_graph(ox.NamedNode(graph))
        if new is not None and pieces[graph].quads:
            store.load(path=str(cache.nquads_path(new)), format=ox.RdfFormat.N_QUADS)
    store.flush()


def patch_graph(store: ox.Store, cache: PieceCache, graph: str, old: str, new: str) -> bool:
    """Delete and insert only the quads two pieces differ by, in one update.

    Editing one label of a 40,000-quad file then writes two quads instead of
    80,000. Returns False (nothing done) when a differing line has a blank
    node, whose label in the database need not be the piece's, or when the
    difference is large enough that reloading is as cheap.
    """
    difference = cache.difference(old, new)
    if difference is None:
        return False
    removed, added = difference
    if len(removed) + len(added) > PATCH_LIMIT or any("_:" in line for line in removed + added):
        return False
    if any('"^^<' in line for line in removed):
        # The database normalises typed literals ("0100" and "100" are one integer),
        # so deleting one spelling could delete a quad the piece still holds.
        return False
    suffix = f" <{graph}> ."

    def block(lines: list[str]) -> str:
        triples = "\n".join(line[: -len(suffix)] + " ." for line in lines)
        return f"GRAPH <{graph}> {{\n{triples}\n}}"

    if not all(line.endswith(suffix) for line in removed + added):
        return False
    update = []
    if removed:
        update.append(f"DELETE DATA {{ {block(removed)} }}")
    if added:
        update.append(f"INSERT DATA {{ {block(added)} }}")
    if update:
        store.update(" ;\n".join(update))
    return True
