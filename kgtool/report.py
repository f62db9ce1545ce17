"""The validation report: results in the terms of SHACL, and the files they are about.

Both engines and the source-integrity check produce :class:`ValidationResult`;
:class:`ValidationReport` is what ``kgtool validate`` prints.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kgtool.project import GRAPH_BASE, SHEET_SUFFIX

if TYPE_CHECKING:
    from kgtool.shacl.source import Source


@dataclass(frozen=True, order=True)
class ValidationResult:
    """One violation, warning or info, in the terms of the SHACL report."""

    focus: str
    path: str
    component: str
    message: str
    severity: str = "Violation"
    value: str = ""
    shape: str = ""
    files: tuple[str, ...] = ()

    def key(self) -> tuple[str, str, str]:
        """(focus, path, constraint component): what two validators must agree on."""
        return (self.focus, self.path, self.component)


@dataclass
class ValidationReport:
    results: list[ValidationResult] = field(default_factory=list)
    engine: str = "sparql"

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)

    def to_json(self) -> str:
        payload = {
            "conforms": self.conforms,
            "engine": self.engine,
            "results": [asdict(r) for r in self.results],
        }
        return json.dumps(payload, indent=2, sort_keys=True)

    def to_text(self, compact: Any = None) -> str:
        """A report a person can read: one block per result, then a summary line."""
        short = compact or (lambda term: term)
        lines: list[str] = []
        for r in self.results:
            where = ", ".join(r.files) if r.files else "(file unknown)"
            lines.append(f"{r.severity}: {r.message}")
            lines.append(f"  focus:      {short(r.focus)}")
            if r.path:
                lines.append(f"  property:   {short(r.path)}")
            if r.value:
                lines.append(f"  value:      {short(r.value)}")
            lines.append(f"  constraint: {short(r.component)}")
            lines.append(f"  in file:    {where}")
        violations = sum(r.severity == "Violation" for r in self.results)
        summary = "conforms" if self.conforms else f"{violations} violation(s)"
        others = len(self.results) - violations
        if others:
            summary += f", {others} warning(s)/info"
        lines.append(f"validation: {summary}")
        return "\n".join(lines)


class FileIndex:
    """Which project files nodes are written in, for the few nodes that have results.

    The project's files are listed once per run, not once per node: listing
    them walks the whole project folder.
    """

    def __init__(self, source: Source, *, other_graphs: bool = False) -> None:
        self.source = source
        # graphs that are no file (source texts) named by their path, as
        # Project.path_of_graph names them
        self.other_graphs = other_graphs
        self.graphs: dict[str, str] | None = None
        self.found: dict[Any, tuple[str, ...]] = {}

    def of(self, node: Any) -> tuple[str, ...]:
        """The files of a node (a pyoxigraph term) as subject, sorted."""
        import pyoxigraph as ox

        if node in self.found:
            return self.found[node]
        project = self.source.project
        if self.graphs is None:
            paths = project.rdf_files()
            if self.other_graphs:  # as Project.path_of_graph: the first file of a graph
                paths.reverse()
            self.graphs = {project.graph_iri(p): project.relative(p) for p in paths}
        found = set()
        # a literal is never a subject; a server cannot be asked about a blank node
        if not isinstance(node, ox.Literal) and (
            self.source.names_blank_nodes or not isinstance(node, ox.BlankNode)
        ):
            for quad in self.source.quads(node):
                graph = getattr(quad.graph_name, "value", None)
                if graph in self.graphs:
                    found.add(self.graphs[graph])
                elif self.other_graphs and graph and graph.startswith(GRAPH_BASE):
                    found.add(graph[len(GRAPH_BASE) :])
        if any(path.endswith(SHEET_SUFFIX) for path in found):  # name the sheet's line too
            from kgtool.authoring.compile import sheet_line

            found = {sheet_line(project, path, node.value) for path in found}
        self.found[node] = tuple(sorted(found))
        return self.found[node]
