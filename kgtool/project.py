"""Where a kgtool project keeps its files, and how files map to named graphs.

A project is a folder with ``ontology/`` (OWL + SHACL) and ``graph/`` (the
data and the source texts). Every RDF file becomes one named graph whose IRI
is derived from its path, so exports and validation reports can say which
file a triple came from.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kgtool.errors import ProjectError

GRAPH_BASE = "https://w3id.org/kgtool/graph/"
RDF_SUFFIXES = {".ttl": "text/turtle", ".nt": "application/n-triples"}
SHAPES_FILE = "ontology/shapes.ttl"

NAMESPACES: dict[str, str] = {
    "kg": "https://w3id.org/kgtool/ontology#",
    "kgsh": "https://w3id.org/kgtool/shapes#",
    "ent": "https://w3id.org/kgtool/entity/",
    "src": "https://w3id.org/kgtool/source/",
    "clm": "https://w3id.org/kgtool/claim/",
    "mnt": "https://w3id.org/kgtool/mention/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "schema": "http://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "time": "http://www.w3.org/2006/time#",
    "dcterms": "http://purl.org/dc/terms/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in chunks so large files stay cheap."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Project:
    """The folders of one kgtool project; nothing is read until asked."""

    root: Path
    store_path: Path = field(default=Path())

    def __post_init__(self) -> None:
        root = self.root.resolve()
        object.__setattr__(self, "root", root)
        if self.store_path == Path():
            env = os.environ.get("KGTOOL_STORE")
            store = Path(env) if env else root / ".kgtool" / "store"
            object.__setattr__(self, "store_path", store)

    @classmethod
    def find(cls, start: Path | None = None, *, store_path: Path | None = None) -> Project:
        """The project containing ``start`` (default: the current folder, then upwards)."""
        here = (start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / "ontology").is_dir() and (candidate / "graph").is_dir():
                return cls(candidate, store_path or Path())
        raise ProjectError(
            f"no kgtool project at or above {here}",
            hint="run inside a folder that has ontology/ and graph/, or pass --project DIR",
        )

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def graph_dir(self) -> Path:
        return self.root / "graph"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    @property
    def shapes_path(self) -> Path:
        return self.root / SHAPES_FILE

    def rdf_files(self) -> list[Path]:
        """Every RDF file of the project, ontology first, in a stable order."""
        files: list[Path] = []
        for folder in (self.ontology_dir, self.graph_dir):
            files.extend(
                sorted(p for p in folder.rglob("*") if p.suffix in RDF_SUFFIXES and p.is_file())
            )
        return files

    def data_files(self) -> list[Path]:
        """The RDF files that hold data and vocabulary, i.e. all but the shapes."""
        return [p for p in self.rdf_files() if p != self.shapes_path]

    def relative(self, path: Path) -> str:
        """A path as shown to users and recorded in manifests: relative, with '/'."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def graph_iri(self, path: Path) -> str:
        """The named graph a file is loaded into."""
        rel = self.relative(path)
        return GRAPH_BASE + rel.rsplit(".", 1)[0]

    def path_of_graph(self, graph_iri: str) -> str | None:
        """The project file a named graph came from, if it is one of ours."""
        if not graph_iri.startswith(GRAPH_BASE):
            return None
        stem = graph_iri[len(GRAPH_BASE) :]
        for path in self.rdf_files():
            if self.relative(path).rsplit(".", 1)[0] == stem:
                return self.relative(path)
        return stem

    def source_text_files(self) -> list[Path]:
        """The plain-text sources under ``graph/`` whose characters claims quote."""
        return sorted(p for p in self.graph_dir.rglob("*.txt") if p.is_file())

    def iter_hashes(self) -> Iterator[tuple[str, str]]:
        """(relative path, sha256) of every input the store depends on."""
        for path in [*self.rdf_files(), *self.source_text_files()]:
            yield self.relative(path), sha256_file(path)
