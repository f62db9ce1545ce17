"""Shared fixtures: the real project, throw-away copies of it, and stores."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from kgtool.project import Project
from kgtool.store import KgStore, memory_store

ROOT = Path(__file__).resolve().parent.parent


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
