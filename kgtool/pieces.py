"""Export pieces: each named graph rendered once, cached by the input it came from.

Every named graph of the store comes from one input: an RDF file, or a
source text together with the documents that point at it. A graph's *piece*
is its sorted N-Quads lines and its Turtle body, rendered once and kept
under a key derived from that input's sha256. Every export and every
``dist/`` file is a concatenation of pieces in graph order, so a rebuild
after editing one file renders one piece and reuses the rest, and the
bytes of a piece never depend on what else is in the store.

Order within a piece: triples sorted by their N-Triples form, with
``rdf:type`` first for each subject. Blank nodes are relabelled by RDF
Dataset Canonicalization (RDFC-1.0) within their graph, then prefixed with
a tag of the graph's IRI so that two graphs never share a label.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kgtool.errors import InputError
from kgtool.project import NAMESPACES

if TYPE_CHECKING:
    import pyoxigraph as ox

#: bump when the bytes of a piece would change for the same input
PIECE_FORMAT = 3

RDF_TYPE = NAMESPACES["rdf"] + "type"
_TYPE_SPACED = f" <{RDF_TYPE}> "
_TYPE_KEY_SPACED = " \x01 "  # sorts before any "<": rdf:type first for each subject


def prefix_header() -> bytes:
    """The ``@prefix`` lines every Turtle and TriG export starts with."""
    lines = [f"@prefix {name}: <{iri}> .\n" for name, iri in NAMESPACES.items()]
    return "".join(lines).encode("utf-8") + b"\n"


def piece_key(graph: str, digest: str) -> str:
    """The cache key of a graph rendered from an input with sha256 ``digest``."""
    text = f"{PIECE_FORMAT}\n{graph}\n{digest}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sort_lines(lines: Iterable[str]) -> list[str]:
    """N-Triples lines in export order, deduplicated.

    Terms never contain a raw space, so sorting lines as strings sorts by
    (subject, predicate, object); swapping ``rdf:type`` for a low character
    while sorting puts it first. The swap runs on the joined text, at C speed,
    and duplicates (rare) are found next to each other after the sort.
    """
    text = "\n".join(lines).replace(_TYPE_SPACED, _TYPE_KEY_SPACED)
    keyed = [line for line in text.split("\n") if line]
    if not keyed:
        return []
    keyed.sort()  # in place, no set: twice as fast, and store dumps have no duplicates
    if any(a == b for a, b in itertools.pairwise(keyed)):
        keyed = list(dict.fromkeys(keyed))
    return "\n".join(keyed).replace(_TYPE_KEY_SPACED, _TYPE_SPACED).split("\n")


def _has_blank(lines: list[str]) -> bool:
    if not any("_:" in line for line in lines):  # the usual case, decided quickly
        return False
    return any(line.startswith("_:") or " _:" in line for line in lines)


#: the longest N-Quads line pyoxigraph's parsers accept (bytes); a piece is loaded
#: into the database line by line, so no statement of a piece may be longer
MAX_LINE = 16 * 1024 * 1024

#: chains of look-alike blank nodes longer than this are refused: RDFC-1.0 tells
#: them apart by following them, at a cost that grows with the cube of the length
#: (0.2 s at 100 nested ``[ ex:p [ ex:p … ] ]``, 13 s at 400; 20,000 crash it)
MAX_BLANK_DEPTH = 100


def _signature(line: str, node: str) -> str:
    """A line as seen from ``node``: itself as ``_:a``, any other blank node as ``_:z``."""
    terms = line.split(" ", 2)
    for index in (0, 2):
        term = terms[index].split(" ", 1)[0] if index == 2 else terms[index]
        if term.startswith("_:"):
            marker = "_:a" if term == node else "_:z"
            terms[index] = marker + terms[index][len(term) :]
    return " ".join(terms)


def blank_depth(lines: list[str]) -> int:
    """The longest chain of blank nodes that look alike, in a pass linear in the input.

    A blank node looks alike another when its own triples, other blank nodes
    blurred, are the same (RDFC-1.0's first-degree hash): a list of distinct
    members (``( ex:a ex:b … )``) has none, ``[ ex:p [ ex:p … ] ]`` is one
    chain. Levels are peeled from the look-alikes no other look-alike points
    at (Kahn's algorithm); look-alikes left on a cycle count in full.
    """
    own: dict[str, list[str]] = {}
    edges: list[tuple[str, str]] = []
    for line in lines:
        if "_:" not in line:
            continue
        subject, _, rest = line.split(" ", 2)
        obj = rest.split(" ", 1)[0] if rest.startswith("_:") else ""
        for node in {subject, obj}:
            if node.startswith("_:"):
                own.setdefault(node, []).append(_signature(line, node))
        if subject.startswith("_:") and obj:
            edges.append((subject, obj))
    counts: dict[tuple[str, ...], int] = {}
    keys = {node: tuple(sorted(sig)) for node, sig in own.items()}
    for key in keys.values():
        counts[key] = counts.get(key, 0) + 1
    alike = {node for node, key in keys.items() if counts[key] > 1}
    children: dict[str, list[str]] = {node: [] for node in alike}
    parents: dict[str, int] = dict.fromkeys(alike, 0)
    for parent, child in edges:
        if parent in alike and child in alike and parent != child:
            children[parent].append(child)
            parents[child] += 1
    level = [node for node in alike if not parents[node]]
    depth, seen = 0, 0
    while level:
        depth += 1
        seen += len(level)
        following = []
        for node in level:
            for child in children[node]:
                parents[child] -= 1
                if not parents[child]:
                    following.append(child)
        level = following
    return depth + (len(alike) - seen)


def _canonical_blank_nodes(graph: str, lines: list[str]) -> list[str]:
    """Relabel blank nodes by RDFC-1.0, tagged with the graph so labels stay unique."""
    import pyoxigraph as ox

    depth = blank_depth(lines)
    if depth > MAX_BLANK_DEPTH:
        raise InputError(
            f"blank nodes that look alike are nested {depth} levels deep, more than "
            f"{MAX_BLANK_DEPTH}",
            hint="give the inner nodes IRIs, or split the structure",
        )

    text = ("\n".join(lines) + "\n").encode("utf-8")
    dataset = ox.Dataset(ox.parse(text, format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    tag = "g" + hashlib.sha256(graph.encode("utf-8")).hexdigest()[:8] + "_"

    def relabel(term: ox.Term) -> ox.Term:
        return ox.BlankNode(tag + term.value) if isinstance(term, ox.BlankNode) else term

    triples = [ox.Triple(relabel(q.subject), q.predicate, relabel(q.object)) for q in dataset]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8").splitlines()


@dataclass(frozen=True)
class Rendered:
    """One graph's piece: its sorted N-Quads and its Turtle body (no prefix lines)."""

    graph: str
    nquads: bytes
    turtle: bytes
    quads: int


def render(graph: str, lines: Iterable[str]) -> Rendered:
    """The piece of ``graph`` ("" for the default graph) from N-Triples lines in any order."""
    import pyoxigraph as ox

    ordered = sort_lines(lines)
    if _has_blank(ordered):  # relabelling changes the order
        ordered = sort_lines(_canonical_blank_nodes(graph, ordered))
    if not ordered:
        return Rendered(graph, b"", b"", 0)
    room = MAX_LINE - len(graph.encode("utf-8")) - 4
    if max(map(len, ordered)) * 4 > room:  # a character is at most 4 bytes: look closer
        longest = max(len(line.encode("utf-8")) for line in ordered)
        if longest > room:
            raise InputError(
                f"a statement is {longest:,} bytes long as N-Quads, more than the "
                f"{MAX_LINE:,} the store can load in one line",
                hint="split the long text or literal into smaller ones",
            )
    body = "\n".join(ordered) + "\n"
    in_graph = body.replace(" .\n", f" <{graph}> .\n") if graph else body
    nquads = in_graph.encode("utf-8")
    turtle = ox.serialize(
        ox.parse(body.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES),
        format=ox.RdfFormat.TURTLE,
        prefixes=NAMESPACES,
    )
    return Rendered(graph, nquads, _strip_prefixes(turtle), len(ordered))


def _strip_prefixes(turtle: bytes) -> bytes:
    """Drop the leading ``@prefix`` lines: every export writes one shared header."""
    start = 0
    while turtle.startswith(b"@prefix ", start):
        start = turtle.index(b"\n", start) + 1
    return turtle[start:]


class PieceCache:
    """Rendered pieces on disk, one ``.nq`` and one ``.ttl`` file per key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def nquads_path(self, key: str) -> Path:
        return self.folder / f"{key}.nq"

    def turtle_path(self, key: str) -> Path:
        return self.folder / f"{key}.ttl"

    def has(self, key: str) -> bool:
        return self.nquads_path(key).is_file() and self.turtle_path(key).is_file()

    def keys(self) -> set[str]:
        """Every complete piece's key, from one listing (not two ``stat`` per piece)."""
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return set()
        stems = {name[:-3] for name in names if name.endswith(".nq")}
        return {name[:-4] for name in names if name.endswith(".ttl") and name[:-4] in stems}

    def difference(self, old: str | None, new: str | None) -> tuple[list[str], list[str]] | None:
        """(removed, added) N-Quads lines between two pieces, sorted; None if one is missing.

        A key of None stands for no piece. Pieces never change under a key, so
        the answer is kept: a build patches the store and then validates the
        same difference, and reads each piece once.
        """
        for key in (old, new):
            if key is not None and not self.has(key):
                return None
        return _difference(str(self.folder), old, new)

    def put(self, key: str, piece: Rendered) -> None:
        """Write both files, each atomically, the ``.nq`` last (it marks the piece complete)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        files = ((self.turtle_path(key), piece.turtle), (self.nquads_path(key), piece.nquads))
        for path, data in files:
            tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
            tmp.write_bytes(data)
            tmp.replace(path)

    def prune(self, keep: Iterable[str]) -> None:
        """Delete the pieces of graphs that are gone or changed."""
        wanted = set(keep)
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name.split(".", 1)[0] not in wanted or ".tmp-" in path.name:
                path.unlink(missing_ok=True)


@functools.lru_cache(maxsize=8)
def _difference(folder: str, old: str | None, new: str | None) -> tuple[list[str], list[str]]:
    def lines(key: str | None) -> set[str]:
        if key is None:
            return set()
        return set((Path(folder) / f"{key}.nq").read_text(encoding="utf-8").splitlines())

    before, after = lines(old), lines(new)
    return sorted(before - after), sorted(after - before)


# Assembling exports ------------------------------------------------------------------


def frame(graph: str, fmt: str) -> tuple[bytes, bytes] | None:
    """What surrounds one graph's non-empty piece in an export, or None if it is left out.

    ``nq`` takes the N-Quads as they are; ``trig`` wraps the Turtle body in its
    graph (the default graph's triples, e.g. a CONSTRUCT result, stand bare, as
    in Turtle); ``ttl`` follows the body with a blank line, so the graphs merge
    into one document, one section each.
    """
    if fmt == "nq":
        return b"", b""
    if fmt == "trig":
        return (f"<{graph}> {{\n".encode(), b"}\n\n") if graph else (b"", b"\n")
    return b"", b"\n"


def assemble(pieces: Iterable[tuple[str, bytes, bytes]], fmt: str) -> Iterator[bytes]:
    """The parts of an export from ``(graph, nquads, turtle)`` in graph order.

    ``fmt`` is ``nq``, ``trig`` or ``ttl``; the default graph ("") comes first.
    A triple in two graphs appears twice in ``ttl``, which Turtle readers
    treat as one.
    """
    if fmt != "nq":
        yield prefix_header()
    for graph, nquads, turtle in pieces:
        body = nquads if fmt == "nq" else turtle
        around = frame(graph, fmt)
        if body and around is not None:
            yield around[0] + body + around[1]
