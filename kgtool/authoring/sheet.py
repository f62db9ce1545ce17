"""Reading a claim sheet: YAML whose every value remembers its line and column.

A curator's mistake must be reported where it was typed, so the sheet is
read with ruamel.yaml's round-trip loader (which keeps positions) and turned
into plain :class:`Item` trees carrying ``(line, column)``, 1-based like an
editor's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgtool.errors import InputError


@dataclass
class Item:
    """One YAML node: a scalar (``value``), a mapping (``keys``) or a list (``items``)."""

    line: int
    column: int
    value: Any = None
    keys: dict[str, Item] | None = None
    key_at: dict[str, tuple[int, int]] = field(default_factory=dict)
    items: list[Item] | None = None

    @property
    def is_map(self) -> bool:
        return self.keys is not None

    @property
    def is_list(self) -> bool:
        return self.items is not None

    def get(self, key: str) -> Item | None:
        return (self.keys or {}).get(key)

    def text(self) -> str:
        """The scalar as text (YAML reads ``2014`` as a number; the sheet means words)."""
        if self.value is True:
            return "yes"
        if self.value is False:
            return "no"
        return "" if self.value is None else str(self.value)


class SheetError(InputError):
    """A sheet that cannot be compiled, located at the offending value."""


@dataclass
class Sheet:
    """A parsed sheet file: its project-relative path and its root mapping."""

    path: str
    root: Item

    def error(self, item: Item | tuple[int, int], message: str, hint: str | None = None) -> None:
        line, column = (item.line, item.column) if isinstance(item, Item) else item
        raise SheetError(message, path=self.path, line=line, column=column, hint=hint)


def _convert(node: Any, line: int, column: int) -> Item:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        out = Item(line, column, keys={})
        for key, value in node.items():
            kl, kc = node.lc.key(key)
            vl, vc = node.lc.value(key)
            name = str(key)
            out.key_at[name] = (kl + 1, kc + 1)
            assert out.keys is not None
            out.keys[name] = _convert(value, vl + 1, vc + 1)
        return out
    if isinstance(node, CommentedSeq):
        out = Item(line, column, items=[])
        for index, value in enumerate(node):
            il, ic = node.lc.item(index)
            assert out.items is not None
            out.items.append(_convert(value, il + 1, ic + 1))
        return out
    return Item(line, column, value=node)


def parse_sheet(text: str, path: str) -> Sheet:
    """Parse a sheet's text, or raise a SheetError at the YAML syntax error."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = error.problem or error.context or "not valid YAML"
        raise SheetError(
            f"YAML syntax error: {problem}",
            path=path,
            line=line,
            column=column,
            hint="fix the sheet and run the command again",
        ) from None
    except YAMLError as error:
        raise SheetError(f"YAML error: {error}", path=path) from None
    root = _convert(data, 1, 1)
    if not root.is_map:
        raise SheetError(
            "a sheet is a mapping with 'source:' and 'claims:' or 'mentions:'",
            path=path,
            line=1,
            column=1,
        )
    return Sheet(path, root)


def read_sheet(file: Path, path: str) -> Sheet:
    """Read and parse a sheet file (UTF-8)."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SheetError(f"the sheet is not UTF-8 text: {error.reason}", path=path) from None
    except OSError as error:
        raise SheetError(f"cannot read the sheet: {error}", path=path) from None
    return parse_sheet(text, path)


def claim_ids(sheet: Sheet, items: list[Item], prefix: str) -> list[str]:
    """Each claim's id: its own 'id:', or the sheet's prefix and its number."""
    ids: list[str] = []
    for number, item in enumerate(items, 1):
        if not item.is_map:
            sheet.error(item, "a claim is a mapping that starts with 'quote:'")
        given = item.get("id")
        claim_id = given.text() if given else f"{prefix}{number:02d}"
        if not prefix and not given:
            sheet.error(
                item, "this claim has no id", hint="give it 'id:' or the sheet 'id-prefix:'"
            )
        if claim_id in ids:
            sheet.error(given or item, f"claim id '{claim_id}' is used twice")
        ids.append(claim_id)
    return ids
