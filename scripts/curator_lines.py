"""Lines a curator writes per claim: hand-written Turtle before, the claim sheet now.

Counts non-blank, non-comment lines. Before: the claims Turtle kept in
tests/fixtures/authoring/ (the graph's claims as they were written by hand),
split at each claim's first line. After: the shipped sheet's claim items
(one property per line), and the fictional article's sheet (one line per fact).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def turtle_lines(path: Path) -> list[int]:
    counts: list[int] = []
    for line in path.read_text("utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith(("#", "@prefix")):
            continue
        if re.match(r"clm:[\w-]+ a kg:Claim", text):
            counts.append(0)
        if counts:
            counts[-1] += 1
    return counts


def sheet_lines(path: Path, section: str = "claims") -> tuple[list[int], int]:
    """Lines of each item of ``section``, and the sheet's other lines (shared readings,
    source, prefix), which a curator writes too."""
    counts: list[int] = []
    shared = 0
    current = None
    for line in path.read_text("utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not line.startswith(" "):  # a top-level key opens a section
            current = line.split(":", 1)[0]
        if current == section and line.startswith("  - "):
            counts.append(0)
        if current == section and counts:
            counts[-1] += 1
        else:
            shared += 1
    return counts, shared


def main() -> int:
    before = turtle_lines(ROOT / "tests/fixtures/authoring/koreatimes-2014-07-27.claims.ttl")
    after, after_shared = sheet_lines(ROOT / "graph/claims/koreatimes-2014-07-27.yaml")
    fiction, fiction_shared = sheet_lines(ROOT / "tests/fixtures/authoring/harbour-2026-03-02.yaml")
    for name, counts, shared in (
        ("Turtle (before)", before, 0),
        ("sheet (after)", after, after_shared),
        ("new article sheet", fiction, fiction_shared),
    ):
        total = sum(counts) + shared
        print(
            f"{name:16} {len(counts)} claims, {total} lines ({shared} shared by the sheet), "
            f"{total / len(counts):.1f} per claim (items: min {min(counts)}, max {max(counts)})"
        )
    old = ROOT / "tests/fixtures/authoring/koreatimes-2014-07-27.mentions.ttl"
    lines = [ln for ln in old.read_text("utf-8").splitlines()
             if ln.strip() and not ln.startswith(("#", "@prefix"))]  # fmt: skip
    mentions = sum(1 for ln in lines if " a kg:Mention" in ln)
    sheet = ROOT / "graph/mentions/koreatimes-2014-07-27.yaml"
    written = [ln for ln in sheet.read_text("utf-8").splitlines()
               if ln.strip() and not ln.strip().startswith("#")]  # fmt: skip
    print(
        f"mentions: Turtle {len(lines) / mentions:.1f} lines each ({mentions} mentions), "
        f"sheet {len(written) / mentions:.1f} ({len(written)} lines)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
