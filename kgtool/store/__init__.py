"""The embedded store: a persistent pyoxigraph database compiled from the project.

Parsing Turtle is the slow part of every command, so ``kgtool build`` does it
once and records the sha256 of each input in a manifest. Later commands open
the store read-only; when an input changed they reload just the named graphs
of the changed files, and a store that cannot be opened or disagrees with its
manifest is rebuilt from scratch rather than trusted.

One module per job: :mod:`~kgtool.store.layout` (the folder's files),
:mod:`~kgtool.store.parsing` (RDF files into pieces),
:mod:`~kgtool.store.texts` (source texts), :mod:`~kgtool.store.manifest`,
:mod:`~kgtool.store.database` (RocksDB), :mod:`~kgtool.store.handle`
(:class:`KgStore`) and :mod:`~kgtool.store.refresh` (build and refresh).
"""

from kgtool.store.handle import KgStore
from kgtool.store.layout import (
    DATABASE_NAME,
    DIST_INDEX_NAME,
    MANIFEST_NAME,
    PIECES_NAME,
    REPORT_NAME,
    STORE_FORMAT,
    Progress,
)
from kgtool.store.manifest import PieceEntry
from kgtool.store.parsing import ConcatenatedFiles, load_file, parse_error, render_file
from kgtool.store.refresh import BuildStats, build_store, memory_store, open_store, refresh_store
from kgtool.store.texts import inject_source_texts, render_text, source_text_graph

__all__ = [
    "DATABASE_NAME",
    "DIST_INDEX_NAME",
    "MANIFEST_NAME",
    "PIECES_NAME",
    "REPORT_NAME",
    "STORE_FORMAT",
    "BuildStats",
    "ConcatenatedFiles",
    "KgStore",
    "PieceEntry",
    "Progress",
    "build_store",
    "inject_source_texts",
    "load_file",
    "memory_store",
    "open_store",
    "parse_error",
    "refresh_store",
    "render_file",
    "render_text",
    "source_text_graph",
]
