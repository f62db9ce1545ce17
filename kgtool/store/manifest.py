"""The manifest: every input's sha256 and stamp, and each named graph's piece."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool.project import Project
from kgtool.store.layout import MANIFEST_NAME, STORE_FORMAT, generation_number

if TYPE_CHECKING:
    pass


@dataclass
class PieceEntry:
    """What the manifest records of one named graph: its piece and what it holds."""

    key: str
    quads: int
    docs: list[list[str]] = field(default_factory=list)  # [document IRI, kg:localPath]
    text: str = ""  # for a source-text graph: the text's kg:localPath
    #: quads the database holds when fewer than the piece's: literals the database
    #: normalises ("0100" and "100" as integers) become one quad there
    stored: int | None = None

    @property
    def stored_quads(self) -> int:
        return self.quads if self.stored is None else self.stored

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "quads": self.quads}
        if self.stored is not None:
            out["stored"] = self.stored
        if self.docs:
            out["docs"] = self.docs
        if self.text:
            out["text"] = self.text
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PieceEntry:
        stored = data.get("stored")
        return cls(
            data["key"],
            int(data["quads"]),
            data.get("docs", []),
            data.get("text", ""),
            None if stored is None else int(stored),
        )


def pieces_of(manifest: dict[str, Any]) -> dict[str, PieceEntry]:
    return {g: PieceEntry.from_json(e) for g, e in manifest.get("pieces", {}).items()}


def read_manifest(store_path: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((store_path / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != STORE_FORMAT:
        return None
    if not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("pieces"), dict):
        return None
    database = manifest.get("database")
    if not isinstance(database, str) or generation_number(database) is None:
        return None
    try:
        pieces_of(manifest)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return manifest


Stamps = dict[str, list[int] | None]


def hash_inputs(project: Project, manifest: dict[str, Any] | None) -> tuple[dict[str, str], Stamps]:
    """Every input's sha256 and stat stamp; files the manifest vouches for are not read."""
    known: dict[str, tuple[str, list[int] | None]] = {}
    if manifest is not None:
        stamps = manifest.get("stamps") or {}
        known = {rel: (digest, stamps.get(rel)) for rel, digest in manifest["files"].items()}
    hashes: dict[str, str] = {}
    new_stamps: Stamps = {}
    for rel, digest, stamp in project.iter_hashes(known):
        hashes[rel], new_stamps[rel] = digest, stamp
    return hashes, new_stamps


def make_manifest(
    hashes: dict[str, str], stamps: Stamps, pieces: dict[str, PieceEntry], database: str
) -> dict[str, Any]:
    return {
        "format": STORE_FORMAT,
        "database": database,
        "files": hashes,
        "stamps": stamps,
        "quads": sum(entry.quads for entry in pieces.values()),
        "pieces": {graph: pieces[graph].to_json() for graph in sorted(pieces)},
    }


def write_manifest(store_path: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically (a crash leaves the old or the new one)."""
    tmp = store_path / (MANIFEST_NAME + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        # One line: json only uses its C encoder without indent (5,000 inputs at 100k claims).
        handle.write(json.dumps(manifest, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(store_path / MANIFEST_NAME)
