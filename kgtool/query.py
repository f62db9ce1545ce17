"""Named SPARQL queries: discovery, parameters bound as RDF terms, execution.

A named query is a ``.rq`` file whose header comment declares its title,
description and parameters::

    # title: Exports from one country to another
    # description: Which commodities EXPORTER sold to IMPORTER, when, and who says so.
    # param: exporter iri = ent:north-korea -- the exporting country
    # param: year gYear -- optional; omit to see every period

Parameters are bound as terms (pyoxigraph substitutions on the embedded
store, a ``VALUES`` block on a remote one), never pasted into the query text,
so any value is data and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kgtool.errors import NotFoundError, QueryError
from kgtool.project import NAMESPACES, Project
from kgtool.results import QueryResult
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


# Execution ---------------------------------------------------------------------
class Executor(Protocol):
    """Anything that runs SPARQL with pre-bound variables: embedded or remote."""

    def execute(self, sparql: str, bindings: Mapping[str, Any]) -> QueryResult: ...


_SYNTAX_AT = re.compile(r"error at (\d+):(\d+): ?(.*)", re.S)


def syntax_error(error: SyntaxError, origin: str) -> QueryError:
    """A SPARQL parse error as one line with line and column."""
    message = str(error)
    match = _SYNTAX_AT.search(message)
    if match:
        return QueryError(
            f"{origin}:{match[1]}:{match[2]}: SPARQL syntax error: {match[3].strip()}"
        )
    return QueryError(f"{origin}: SPARQL syntax error: {message}")


@dataclass(frozen=True)
class Dataset:
    """The graphs a query reads (SPARQL Protocol ``default-graph-uri``/``named-graph-uri``).

    The default graph is the merge of ``default``; ``GRAPH`` sees only ``named``.
    Without a Dataset a query reads the union of every graph of the store.
    """

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()


class LocalExecutor:
    """Runs queries on a :class:`~kgtool.store.KgStore` (the union of its graphs).

    A query with ``SERVICE`` is refused unless its address starts with one of
    ``allowed_services`` (pyoxigraph would fetch it); relative IRIs resolve
    against ``base_iri``.
    """

    def __init__(
        self,
        kgstore: Any,
        origin: str = "query",
        *,
        allowed_services: tuple[str, ...] = (),
        base_iri: str | None = None,
    ) -> None:
        self.kgstore = kgstore
        self.origin = origin
        self.allowed_services = allowed_services
        self.base_iri = base_iri

    def execute(
        self,
        sparql: str,
        bindings: Mapping[str, Any],
        *,
        dataset: Dataset | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        import pyoxigraph as ox

        from kgtool.sparql_checks import check_query

        base = base_iri or self.base_iri
        check_query(sparql, self.allowed_services, base_iri=base, prefixes=NAMESPACES)
        substitutions = {ox.Variable(name): term for name, term in bindings.items()}

        def answer() -> QueryResult:
            raw = self.kgstore.query(
                sparql, substitutions=substitutions or None, **query_options(dataset, base)
            )
            return QueryResult.from_pyoxigraph(raw)

        try:
            if _calls_a_service(sparql):  # an HTTP wait pyoxigraph does not bound
                from kgtool.remote.http import default_timeout, within

                return within(default_timeout(), answer, f"{self.origin}: a SERVICE")  # type: ignore[no-any-return]
            return answer()
        except SyntaxError as error:
            raise syntax_error(error, self.origin) from None
        except OSError as error:
            raise QueryError(f"{self.origin}: query failed: {error}") from None


def query_options(dataset: Dataset | None, base_iri: str | None) -> dict[str, Any]:
    """Keyword arguments of :meth:`KgStore.query` for a dataset and a base IRI."""
    options: dict[str, Any] = {}
    if base_iri:
        options["base_iri"] = base_iri
    if dataset is not None:
        options["default_graph"] = dataset.default
        options["named_graphs"] = dataset.named
    return options


def executor_for(target: Any, **options: Any) -> Executor:
    """What runs queries on ``target``: a server URL, an executor, or an embedded store.

    A URL becomes a :class:`kgtool.remote.Endpoint` (``options`` are its own);
    anything with ``execute`` is used as it is; a store gets a :class:`LocalExecutor`.
    """
    if isinstance(target, str):
        from kgtool.remote import connect

        return connect(target, **options)
    if hasattr(target, "execute"):
        return target  # type: ignore[no-any-return]
    return LocalExecutor(target)


def _calls_a_service(sparql: str) -> bool:
    from kgtool.sparql_text import tokens

    try:
        return any(token.is_word("SERVICE") for token in tokens(sparql))
    except QueryError:  # not even tokens: pyoxigraph reports the syntax error
        return False


def label_resolver(executor: Executor) -> Any:
    """A function from a label ("North Korea", case-insensitive) to an entity IRI."""

    def resolve(label: str) -> str | None:
        import pyoxigraph as ox

        query = package_query("resolve-label")
        result = executor.execute(query.text, {"label": ox.Literal(label.strip().lower())})
        iris = sorted({row[0].value for row in result.rows})
        if len(iris) > 1:
            raise QueryError(
                f"label {label!r} matches several entities: " + ", ".join(iris[:5]),
                hint="pass the IRI or CURIE instead",
            )
        return iris[0] if iris else None

    return resolve


def run(
    query: NamedQuery | str,
    params: Mapping[str, str] | None = None,
    *,
    executor: Executor | None = None,
    project: Project | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> QueryResult:
    """Run a named query (by name, path or :class:`NamedQuery`) with parameters.

    Without an executor, the project's embedded store is opened (and refreshed
    if the sources changed). ``limit``/``offset`` give one page of the answer
    in the query's own order (see :mod:`kgtool.paging`).
    """
    if executor is None:
        from kgtool.store import open_store

        project = project or Project.find()
        executor = LocalExecutor(open_store(project))
    if isinstance(query, str):
        project = project or Project.find()
        query = find_query(query, project.queries_dir)
    bindings = bind_parameters(query, params or {}, resolver=label_resolver(executor))
    if isinstance(executor, LocalExecutor):
        executor.origin = str(query.path)
        if executor.base_iri is None and query.path.is_file():
            executor.base_iri = query.path.resolve().as_uri()
    text = _page(query.text, limit, offset)
    return in_select_order(executor.execute(text, bindings), text)


def run_text(
    sparql: str,
    *,
    executor: Executor,
    origin: str = "<query>",
    limit: int | None = None,
    offset: int = 0,
) -> QueryResult:
    """Run ad-hoc SPARQL text (``kgtool query -e``).

    On the embedded store, relative IRIs resolve against the executor's base,
    by default the current folder's ``file:`` URL.
    """
    if isinstance(executor, LocalExecutor):
        executor.origin = origin
        if executor.base_iri is None:
            executor.base_iri = Path.cwd().resolve().as_uri() + "/"
    text = _page(sparql, limit, offset)
    return in_select_order(executor.execute(text, {}), text)


def _page(sparql: str, limit: int | None, offset: int) -> str:
    from kgtool.paging import Window, paged

    return paged(sparql, Window(limit, offset))


def in_select_order(result: QueryResult, sparql: str) -> QueryResult:
    """The columns of a ``SELECT *`` result in the order its pattern names them."""
    from kgtool.sparql_text import star_variables

    order = star_variables(sparql) if result.kind == "select" else None
    if not order:
        return result
    names = [v for v in order if v in result.variables]
    names += [v for v in result.variables if v not in names]
    if names == result.variables:
        return result
    index = [result.variables.index(name) for name in names]
    rows = [[row[i] for i in index] for row in result.rows]
    return QueryResult("select", names, rows)


__all__ = [
    "Dataset",
    "Executor",
    "LocalExecutor",
    "NamedQuery",
    "NotFoundError",
    "Parameter",
    "bind_parameters",
    "executor_for",
    "find_query",
    "list_queries",
    "run",
    "run_text",
]
