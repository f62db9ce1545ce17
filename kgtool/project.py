"""Where a kgtool project keeps its files, and how files map to named graphs.

A project is a folder with ``ontology/`` (OWL + SHACL) and ``graph/`` (the
data and the source texts). Every RDF file becomes one named graph whose IRI
is derived from its path, so exports and validation reports can say which
file a triple came from.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kgtool.errors import InputError, ProjectError

GRAPH_BASE = "https://w3id.org/kgtool/graph/"
RDF_SUFFIXES = {".ttl": "text/turtle", ".nt": "application/n-triples"}
#: claim sheets under graph/, compiled to RDF when loaded (kgtool.authoring)
SHEET_SUFFIX = ".yaml"
SHAPES_FILE = "ontology/shapes.ttl"

NAMESPACES: dict[str, str] = {
    "kg": "https://w3id.org/kgtool/ontology#",
    "kgsh": "https://w3id.org/kgtool/shapes#",
    "ent": "https://w3id.org/kgtool/entity/",
    "src": "https://w3id.org/kgtool/source/",
    "clm": "https://w3id.org/kgtool/claim/",
    "mnt": "https://w3id.org/kgtool/mention/",
    "ref": "https://w3id.org/kgtool/reference/",
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


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in chunks so large files stay cheap."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: how long a file must sit unchanged before its stat stamp can vouch for its hash;
#: an edit within the same timestamp tick as the last one would otherwise go unseen
SETTLED_NS = 1_000_000_000


def file_stamp(path: str | Path, *, settled: bool = True) -> list[int] | None:
    """(size, mtime, ctime, inode) of a file, or None if ``settled`` and it has not.

    Like git's index: an input whose stamp is unchanged is not read again.
    ctime cannot be set back by ``touch``, and a replaced file has a new inode.
    """
    info = os.stat(path)
    if settled and time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) < SETTLED_NS:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def _walk(folder: str, suffixes: Container[str], root: str) -> list[str]:
    """Paths of regular files below ``folder`` whose suffix is in ``suffixes``, in path order.

    ``os.scandir`` knows a file from a folder without a ``stat`` per entry,
    which matters with thousands of source texts. Symbolic links to folders
    are not followed (a link to a parent would loop).
    """
    found: list[str] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = os.scandir(current)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as error:
            raise InputError(
                f"cannot read folder: {error.strerror or error}",
                path=_shown(current, root),
                hint="check its permissions",
            ) from None
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif os.path.splitext(entry.name)[1] in suffixes:
                    try:
                        regular = entry.is_file()
                    except OSError:  # a symbolic link in a loop
                        regular = False
                    if regular:
                        found.append(entry.path)
                    elif entry.is_symlink():  # dangling or looping: never dropped silently
                        _unreadable_link(entry.path, root)
    return sorted(found, key=lambda path: path.split(os.sep))  # the order of sorted(Path)


def _shown(path: str, root: str) -> str:
    """A path as users see it: relative to the project, with '/'."""
    if path.startswith(root + os.sep):
        return path[len(root) + 1 :].replace(os.sep, "/")
    return path


def _unreadable_link(path: str, root: str) -> None:
    """A symbolic link with an input's suffix that leads to no file is an error."""
    try:
        os.stat(path)
    except OSError as error:
        raise InputError(
            f"cannot read file: {error.strerror or error}",
            path=_shown(path, root),
            hint="the symbolic link leads nowhere or in a loop: fix or remove it",
        ) from None


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
        return [Path(path) for path in self._rdf_paths()]

    def _rdf_paths(self) -> list[str]:
        return self._input_paths()[0]

    def _input_paths(self) -> tuple[list[str], list[str]]:
        """(RDF files, source texts) as strings, from one walk of ``graph/``."""
        found = _walk(str(self.graph_dir), {*RDF_SUFFIXES, SHEET_SUFFIX, ".txt"}, str(self.root))
        rdf = [path for path in found if not path.endswith(".txt")]
        texts = [path for path in found if path.endswith(".txt")]
        return [*_walk(str(self.ontology_dir), RDF_SUFFIXES, str(self.root)), *rdf], texts

    def data_files(self) -> list[Path]:
        """The RDF files that hold data and vocabulary, i.e. all but the shapes."""
        return [p for p in self.rdf_files() if p != self.shapes_path]

    def relative(self, path: Path) -> str:
        """A path as shown to users and recorded in manifests: relative, with '/'."""
        text, root = str(path), str(self.root) + os.sep
        if text.startswith(root) and ".." not in path.parts:
            return text[len(root) :].replace(os.sep, "/")  # the usual case, without a syscall
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return text

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
        return [Path(path) for path in self._input_paths()[1]]

    def iter_hashes(
        self, known: Mapping[str, tuple[str, Sequence[int] | None]] | None = None
    ) -> Iterator[tuple[str, str, list[int] | None]]:
        """(relative path, sha256, stamp) of every input the store depends on.

        ``known`` maps paths to a (sha256, stamp) seen before: a file whose
        :func:`file_stamp` still equals it keeps that hash unread.
        """
        known = known or {}
        root = str(self.root)
        rdf, texts = self._input_paths()
        sheets: list[tuple[str, str, list[int] | None, bool]] = []
        others, same, seen = hashlib.sha256(), True, set()  # same: no input changed
        for path in [*rdf, *texts]:  # strings, not Paths: thousands of inputs
            rel = path[len(root) + 1 :].replace(os.sep, "/")
            seen.add(rel)
            try:
                stamp = file_stamp(path)
                digest, old_stamp = known.get(rel, ("", None))
                settled = bool(digest) and stamp is not None and old_stamp is not None
                settled = settled and list(old_stamp or ()) == stamp
                if path.endswith(SHEET_SUFFIX):  # compiled against every other input: see below
                    sheets.append((rel, digest, stamp, settled))
                    same = same and settled
                    continue
                if not settled:
                    digest = sha256_file(path)
                    same = same and digest == known.get(rel, ("",))[0]
            except OSError as error:
                raise InputError(
                    f"cannot read file: {error.strerror or error}",
                    path=rel,
                    hint="check that the file exists and is readable",
                ) from None
            others.update(f"{rel} {digest}\n".encode())
            yield rel, digest, stamp
        same = same and seen == set(known)
        own = {rel: sha256_file(self.root / rel) for rel, *_ in sheets} if not same else {}
        for rel in sorted(own):  # a sheet also reads the others (mentions for its claims)
            others.update(f"{rel} {own[rel]}\n".encode())
        for rel, digest, stamp, _settled in sheets:
            if same:  # nothing a sheet reads changed: the recorded digest still holds
                yield rel, digest, stamp
                continue
            yield (
                rel,
                hashlib.sha256(f"{own[rel]} {others.hexdigest()}".encode()).hexdigest(),
                stamp,
            )
