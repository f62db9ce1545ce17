"""Lines a curator writes per claim: hand-written Turtle before, the claim sheet now.

Counts non-blank, non-comment lines. Before: the claims Turtle kept in
tests/fixtures/authoring/ (the graph's claims as they were written by hand),
split at each claim's first line. After: the sheet's claim items.
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


def sheet_lines(path: Path) -> list[int]:
    counts: list[int] = []
    for line in path.read_text("utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if line.startswith("  - "):
            counts.append(0)
        if counts:
            counts[-1] += 1
    return counts


def main() -> int:
    before = turtle_lines(ROOT / "tests/fixtures/authoring/koreatimes-2014-07-27.claims.ttl")
    after = sheet_lines(ROOT / "graph/claims/koreatimes-2014-07-27.yaml")
    for name, counts in (("Turtle (before)", before), ("sheet (after)", after)):
        mean = sum(counts) / len(counts)
        print(
            f"{name:16} {len(counts)} claims, {sum(counts)} lines, {mean:.1f} per claim "
            f"(min {min(counts)}, max {max(counts)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
