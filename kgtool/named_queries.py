"""Named query files: the header of a ``.rq`` file and its parameters bound as terms.

A named query is a ``.rq`` file whose header comment declares its title,
description and parameters (see :mod:`kgtool.query`, which runs them). Kept
apart from execution so that every executor, the embedded one and the remote
:mod:`kgtool.remote`, reads query files without importing the other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool.errors import QueryError
from kgtool.project import NAMESPACES
from kgtool.terms import expand_iri, iri_term

if TYPE_CHECKING:
    import pyoxigraph as ox

PACKAGE_QUERIES = Path(__file__).parent / "sparql"
XSD = NAMESPACES["xsd"]

#: parameter type -> XSD datatype of its literal (None: an IRI)
PARAM_TYPES: dict[str, str | None] = {
    "iri": None,
    "string": XSD + "string",
    "integer": XSD + "integer",
    "decimal": XSD + "decimal",
    "boolean": XSD + "boolean",
    "date": XSD + "date",
    "gYear": XSD + "gYear",
    "gYearMonth": XSD + "gYearMonth",
}
_LEXICAL = {
    "integer": r"[+-]?\d+",
    "decimal": r"[+-]?(\d+(\.\d*)?|\.\d+)",
    "boolean": r"true|false|1|0",
    "date": r"\d{4}-\d{2}-\d{2}",
    "gYear": r"-?\d{4}",
    "gYearMonth": r"-?\d{4}-\d{2}",
}
_HEADER = re.compile(r"^#\s*(title|description|param|example|competency):\s*(.*)$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s+(?P<type>\w+)"
    r"(?:\s*=\s*(?P<default>\"[^\"]*\"|\S+))?\s*(?:--\s*(?P<doc>.*))?$"
)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None = None
    description: str = ""

    def describe(self) -> str:
        default = f" = {self.default}" if self.default is not None else ""
        return f"{self.name} ({self.type}{default})"


@dataclass(frozen=True)
class NamedQuery:
    """A ``.rq`` file and what its header says about it."""

    name: str
    path: Path
    text: str
    title: str = ""
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    competency: tuple[int, ...] = ()
    examples: tuple[str, ...] = field(default=())

    @classmethod
    def from_file(cls, path: Path) -> NamedQuery:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise QueryError(f"cannot read query file {path}: {error}") from None
        return cls.from_text(text, name=path.stem, path=path)

    @classmethod
    def from_text(cls, text: str, *, name: str = "query", path: Path | None = None) -> NamedQuery:
        header: dict[str, list[str]] = {}
        for raw in text.splitlines():
            line = raw.strip()
            if not line.startswith("#"):
                if line:
                    break
                continue
            match = _HEADER.match(line)
            if match:
                header.setdefault(match[1], []).append(match[2].strip())
            elif header.get("description") and line.lstrip("#").strip():
                header["description"][-1] += " " + line.lstrip("#").strip()
        params = []
        for spec in header.get("param", []):
            match = _PARAM.match(spec)
            where = path or name
            if not match or match["type"] not in PARAM_TYPES:
                raise QueryError(
                    f"{where}: bad parameter declaration '# param: {spec}'",
                    hint=f"write '# param: NAME TYPE [= DEFAULT] [-- text]', TYPE one of "
                    f"{', '.join(PARAM_TYPES)}",
                )
            default = match["default"]
            if default is not None and default.startswith('"'):
                default = default[1:-1]
            params.append(Parameter(match["name"], match["type"], default, match["doc"] or ""))
        competency = tuple(
            int(n) for spec in header.get("competency", []) for n in re.findall(r"\d+", spec)
        )
        return cls(
            name=name,
            path=path or Path(name + ".rq"),
            text=text,
            title=(header.get("title") or [name])[0],
            description=" ".join(header.get("description", [])),
            parameters=tuple(params),
            competency=competency,
            examples=tuple(header.get("example", [])),
        )

    def parameter(self, name: str) -> Parameter:
        for param in self.parameters:
            if param.name == name:
                return param
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise QueryError(
            f"query '{self.name}' has no parameter '{name}'", hint=f"its parameters: {known}"
        )


def list_queries(folder: Path) -> list[NamedQuery]:
    """Every named query in a folder, sorted by name."""
    if not folder.is_dir():
        return []
    return [NamedQuery.from_file(p) for p in sorted(folder.glob("*.rq"))]


def find_query(name_or_path: str, folder: Path) -> NamedQuery:
    """A named query by name (``exports-by-country``) or by path to a ``.rq`` file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".rq":
        if not candidate.is_file():
            raise QueryError(f"no query file {name_or_path}")
        return NamedQuery.from_file(candidate)
    path = folder / f"{name_or_path}.rq"
    if path.is_file():
        return NamedQuery.from_file(path)
    names = [q.name for q in list_queries(folder)]
    close = [n for n in names if name_or_path.lower() in n.lower()][:5]
    hint = f"did you mean: {', '.join(close)}?" if close else "run 'kgtool queries' to list them"
    raise QueryError(f"unknown query '{name_or_path}'", hint=hint)


def package_query(name: str) -> NamedQuery:
    """A query that kgtool itself runs (provenance, network, pages)."""
    return NamedQuery.from_file(PACKAGE_QUERIES / f"{name}.rq")


# Parameter values -----------------------------------------------------------
def to_term(param: Parameter, value: str, resolver: Any = None) -> ox.NamedNode | ox.Literal:
    """A parameter's text as an RDF term of its declared type, or a QueryError."""
    import pyoxigraph as ox

    if param.type == "iri":
        iri = expand_iri(value, what=f"parameter '{param.name}'")
        if iri is None and resolver is not None:
            iri = resolver(value)
        if iri is None:
            raise QueryError(
                f"parameter '{param.name}' expects an IRI, a CURIE such as ent:north-korea, "
                f"or an entity's label; got {value!r}"
            )
        if re.search(r"[\s<>\"{}|^`\\]", iri):
            raise QueryError(f"parameter '{param.name}': {iri!r} is not a valid IRI")
        return iri_term(iri, what=f"parameter '{param.name}'")
    pattern = _LEXICAL.get(param.type)
    if pattern and not re.fullmatch(pattern, value.strip()):
        raise QueryError(f"parameter '{param.name}' expects a {param.type}; got {value!r}")
    datatype = PARAM_TYPES[param.type]
    assert datatype is not None
    return ox.Literal(value.strip() if pattern else value, datatype=ox.NamedNode(datatype))


def bind_parameters(
    query: NamedQuery, given: Mapping[str, str], resolver: Any = None
) -> dict[str, ox.NamedNode | ox.Literal]:
    """Terms for the given values and the declared defaults; unknown names are errors."""
    for name in given:
        query.parameter(name)
    bound = {}
    for param in query.parameters:
        value = given.get(param.name, param.default)
        if value is not None:
            bound[param.name] = to_term(param, value, resolver)
    return bound
