"""Reading a source text: the one place its bytes become the characters quotes count.

The store and the sheet compiler both read a text through here,
so a quote is located in, and its offsets checked against, the same characters.
"""

from __future__ import annotations

from pathlib import Path

from kgtool.errors import InputError
from kgtool.project import Project


def read_source_text(project: Project, file: Path) -> str:
    """A source text exactly as its bytes say: strict UTF-8, no newline translation.

    A BOM, a CR or a CRLF are characters of the text: they change its sha256,
    so they must change the text that quotes are checked against, and the
    offsets count them.
    """
    where = project.relative(file)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise InputError(
            f"cannot read source text: {error.strerror or error}",
            path=where,
            hint="check that the file exists and is readable",
        ) from None
    except MemoryError:
        raise InputError("the source text is too large to read", path=where) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"the source text is not UTF-8 (byte {error.start}: {error.reason})",
            path=where,
            hint="save it as UTF-8",
        ) from None
