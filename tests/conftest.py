"""Shared fixtures: the real project, throw-away copies of it, stores, and SHACL helpers."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from kgtool.project import Project
from kgtool.store import KgStore, memory_store

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_PATH = ROOT / "ontology" / "kgtool.ttl"
SHAPES_PATH = ROOT / "ontology" / "shapes.ttl"
FIXTURES = ROOT / "tests" / "fixtures"

KG = Namespace("https://w3id.org/kgtool/ontology#")
KGSH = Namespace("https://w3id.org/kgtool/shapes#")
SCHEMA = Namespace("http://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Result:
    """One sh:ValidationResult of a report, reduced to what the tests compare."""

    focus: Node
    component: Node | None
    shape: Node | None
    constraint: Node | None
    messages: tuple[str, ...]

    def describe(self) -> str:
        return (
            f"{self.component} / {self.shape} / {self.constraint} on {self.focus}: {self.messages}"
        )


def load_data(path: Path) -> Graph:
    """Parse a Turtle data file and add the text of each source document.

    As in the build, ``<doc> schema:text "..."`` is added from the file named by
    ``kg:localPath``; here the path is relative to the folder of the data file.
    A document whose file does not exist gets no text.
    """
    graph = Graph().parse(path, format="turtle")
    for doc, rel in list(graph.subject_objects(KG.localPath)):
        text_file = path.parent / str(rel)
        if text_file.is_file():
            graph.add((doc, SCHEMA.text, Literal(text_file.read_text(encoding="utf-8"))))
    return graph


def validate(data: Graph, ontology: Graph, shapes: Graph) -> tuple[bool, list[Result], str]:
    """Run pyshacl on the data together with the ontology (for rdfs:subClassOf)."""
    conforms, report_graph, report_text = pyshacl.validate(
        data + ontology,
        shacl_graph=shapes,
        inference="none",
        allow_warnings=False,
    )
    results = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        results.append(
            Result(
                focus=report_graph.value(node, SH.focusNode),
                component=report_graph.value(node, SH.sourceConstraintComponent),
                shape=report_graph.value(node, SH.sourceShape),
                constraint=report_graph.value(node, SH.sourceConstraint),
                messages=tuple(str(m) for m in report_graph.objects(node, SH.resultMessage)),
            )
        )
    return bool(conforms), results, report_text


def sparql_prefixes(shapes: Graph) -> str:
    """The PREFIX lines declared (sh:declare) on the shapes graph's ontology node."""
    lines = []
    for decl in shapes.objects(None, SH.declare):
        prefix = shapes.value(decl, SH.prefix)
        namespace = shapes.value(decl, SH.namespace)
        lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(lines)) + "\n"


def sparql_constraints(shapes: Graph) -> dict[URIRef, str]:
    """Every named SHACL-SPARQL constraint with its full query text."""
    header = sparql_prefixes(shapes)
    return {
        node: header + str(shapes.value(node, SH.select))
        for node in set(shapes.objects(None, SH.sparql))
        if isinstance(node, URIRef)
    }


@pytest.fixture(scope="session")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_PATH, format="turtle")


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return Graph().parse(SHAPES_PATH, format="turtle")


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root (the shipped project)."""
    return ROOT


@pytest.fixture(scope="session")
def shipped_project() -> Project:
    """The shipped project, read-only: never write into it from a test."""
    return Project(ROOT)


@pytest.fixture(scope="session")
def shipped_store(shipped_project: Project) -> KgStore:
    """An in-memory store of the shipped graph, shared by read-only tests."""
    return memory_store(shipped_project)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Project]:
    """A copy of the shipped project in a temporary folder, with its own store.

    Tests edit the copy (break a file, remove a claim) without touching the repo.
    """

    def make(name: str = "project") -> Project:
        target = tmp_path / name
        for folder in ("ontology", "graph", "queries"):
            if (ROOT / folder).exists():
                shutil.copytree(ROOT / folder, target / folder)
        for path in target.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        return Project(target, target / ".kgtool" / "store")

    return make


@pytest.fixture
def project_copy(make_project: Callable[..., Project]) -> Project:
    return make_project()


def load_generator():  # type: ignore[no-untyped-def]
    """bench/generate.py as a module (it is a script, not part of the package)."""
    import importlib.util
    import sys

    name = "bench_generate"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "generate.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def generated(tmp_path: Path) -> Callable[..., Project]:
    """A synthetic project from bench/generate.py: ``generated(claims, seed, violations)``."""

    def make(claims: int = 200, seed: int = 3, violations: int = 0) -> Project:
        target = tmp_path / f"generated-{claims}-{seed}-{violations}"
        load_generator().generate(target, claims, seed, violations)
        return Project(target, target / ".kgtool" / "store")

    return make
