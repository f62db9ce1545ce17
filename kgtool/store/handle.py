"""The handle commands hold: queries over the union of the named graphs."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool.errors import QueryError
from kgtool.pieces import PieceCache
from kgtool.project import NAMESPACES, Project
from kgtool.store.layout import MANIFEST_NAME, PIECES_NAME, damaged_error
from kgtool.store.locks import ReaderLock
from kgtool.store.manifest import PieceEntry

if TYPE_CHECKING:
    import pyoxigraph as ox


class KgStore:
    """A project's compiled store; use :func:`open_store` to get one."""

    def __init__(
        self,
        project: Project,
        store: ox.Store,
        *,
        path: Path | None,
        pieces: dict[str, PieceEntry] | None = None,
        hashes: dict[str, str] | None = None,
        reader: ReaderLock | None = None,
        database: str | None = None,
    ) -> None:
        self.project = project
        self.store = store
        self.path = path
        #: the generation this handle reads, and the lock that keeps it from deletion
        self.database = database
        self._reader = reader
        self._previous: ReaderLock | None = None  # the generation read before a switch
        #: follow the store: before each query, switch to a newer published generation
        #: (``kgtool serve`` answers from a build's data without a restart)
        self.follow = False
        #: whether the piece cache may be pruned to this handle's pieces: no reader
        #: holds an older generation whose pieces it may still read
        self.prune_pieces = True
        self._manifest_stamp = self._stamp()
        self._switching = threading.Lock()
        #: graph IRI -> its cached export piece (empty for an in-memory store)
        self.pieces = pieces or {}
        #: project path -> sha256 of every input, as checked when this handle was
        #: opened with a refresh (None for a read-only handle: files may have moved on)
        self.input_hashes = hashes

    @property
    def piece_cache(self) -> PieceCache | None:
        return PieceCache(self.path / PIECES_NAME) if self.path is not None else None

    # Queries ---------------------------------------------------------------
    def query(
        self, sparql: str, *, substitutions: dict[Any, Any] | None = None, **options: Any
    ) -> Any:
        """Run SPARQL over the union of all named graphs (raw pyoxigraph result).

        ``options``: ``base_iri``, and ``default_graph``/``named_graphs`` (graph
        IRIs) to read that dataset instead of the union.

        pyoxigraph only substitutes variables that the query projects; a
        parameter used only inside the pattern is bound instead by a VALUES
        block opening the WHERE group, exactly as on a remote endpoint. That
        is decided from the query text first: letting pyoxigraph plan the
        query only to refuse the substitution costs up to 15 ms at 100,000
        claims. The retry below covers what the text cannot tell (``SELECT *``).
        """
        if self.follow:
            self._follow()
        from kgtool.bindings import after_refusal, for_embedded

        sparql, substitutions = for_embedded(sparql, substitutions)
        try:
            return self._query(sparql, substitutions, **options)
        except RuntimeError as error:
            if "corrupt" in str(error).lower():  # RocksDB reports damage it finds reading
                raise damaged_error(self.path, error) from None
            if substitutions and "projection" in str(error):
                return self.query(after_refusal(sparql, substitutions), **options)
            raise QueryError(f"the query cannot run: {str(error).splitlines()[0]}") from None

    def _query(
        self,
        sparql: str,
        substitutions: dict[Any, Any] | None,
        *,
        base_iri: str | None = None,
        default_graph: tuple[str, ...] | None = None,
        named_graphs: tuple[str, ...] | None = None,
    ) -> Any:
        import pyoxigraph as ox

        dataset: dict[str, Any] = {"use_default_graph_as_union": True}
        if default_graph is not None or named_graphs is not None:
            dataset = {
                "default_graph": [ox.NamedNode(g) for g in default_graph or ()],
                "named_graphs": [ox.NamedNode(g) for g in named_graphs or ()],
            }
        return self.store.query(
            sparql,
            substitutions=substitutions,
            prefixes=NAMESPACES,
            base_iri=base_iri,
            **dataset,
        )

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs())

    def graph_of_subject(self, iri: str) -> list[str]:
        """The project files in which a node appears as subject (for reports)."""
        import pyoxigraph as ox

        node: ox.NamedNode | ox.BlankNode
        try:
            node = ox.NamedNode(iri)
        except ValueError:  # a blank node's label, as validation reports give it
            node = ox.BlankNode(iri.removeprefix("_:"))
        graphs = {
            q.graph_name.value
            for q in self.store.quads_for_pattern(node, None, None)
            if isinstance(q.graph_name, ox.NamedNode)
        }
        return sorted(filter(None, (self.project.path_of_graph(g) for g in graphs)))

    def prune_piece_cache(self) -> None:
        """Delete the cached pieces this handle's graphs do not use, unless another
        process may still need them (an older generation is read, or a build runs)."""
        from kgtool.errors import StoreError
        from kgtool.store.locks import writer_lock

        cache = self.piece_cache
        if cache is None or not self.prune_pieces:
            return
        try:
            with writer_lock(cache.folder.parent):
                cache.prune(entry.key for entry in self.pieces.values())
        except StoreError:  # busy, or a store this process may only read
            return

    def _stamp(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            info = os.stat(self.path / MANIFEST_NAME)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_ino)

    def _follow(self) -> None:
        """Switch to the generation the manifest now names, if it is another one.

        A stat of the manifest per query; the generation read before the last
        switch is released, so the next build can delete it. A store that cannot be opened now (a
        build half-way) keeps the handle on the generation it has.
        """
        stamp = self._stamp()
        if stamp == self._manifest_stamp or self.path is None:
            return
        with self._switching:  # the server's threads share one handle
            if stamp != self._manifest_stamp:
                self._switch(stamp)

    def _switch(self, stamp: tuple[int, int] | None) -> None:
        from kgtool.store.database import open_reader
        from kgtool.store.layout import Unusable
        from kgtool.store.manifest import pieces_of, read_manifest

        manifest = read_manifest(self.path)
        if manifest is None:
            return
        self._manifest_stamp = stamp
        if manifest["database"] == self.database:
            return
        try:
            store, reader = open_reader(self.path, manifest)
        except (Unusable, OSError):
            return
        # The generation before stays locked until the next switch: a query another
        # thread started on it may still be running.
        if self._previous is not None:
            self._previous.release()
        self._previous = self._reader
        self.store, self._reader = store, reader
        self.database, self.pieces = manifest["database"], pieces_of(manifest)
        self.input_hashes = None

    def close(self) -> None:
        """Release the database (and its lock) now rather than at garbage collection."""
        import gc

        self.store = None  # type: ignore[assignment]
        gc.collect()
        for lock in (self._reader, self._previous):
            if lock is not None:
                lock.release()
        self._reader = self._previous = None

    def __enter__(self) -> KgStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self.store)
