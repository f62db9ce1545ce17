"""The public API: ``kgtool.__all__`` as documented, each name usable, the examples run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import types
from pathlib import Path
from typing import Any

import pytest

import kgtool
from kgtool.project import Project

ROOT = Path(__file__).resolve().parent.parent
DOCTESTED = ("kgtool.api", "kgtool.console", "kgtool.sparql_text")


def documented_names() -> set[str]:
    text = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    table = text.split("## Public names", 1)[1]
    return set(re.findall(r"^\| `(\w+)` \|", table, flags=re.M))


def test_all_is_the_documented_api() -> None:
    assert set(kgtool.__all__) == documented_names()
    assert len(kgtool.__all__) == len(set(kgtool.__all__))


def test_every_public_name_resolves_to_what_it_documents() -> None:
    for module in pkgutil.walk_packages(kgtool.__path__, "kgtool."):
        if module.name != "kgtool.__main__":  # running it runs the command
            importlib.import_module(module.name)  # a submodule must not shadow a public name
    for name in kgtool.__all__:
        value = getattr(kgtool, name)
        assert not isinstance(value, types.ModuleType), name
        assert (value.__doc__ or "").strip(), f"{name} has no docstring"
    assert issubclass(kgtool.UnsupportedShape, kgtool.KgtoolError)
    with pytest.raises(AttributeError):
        kgtool.no_such_name  # noqa: B018


def test_import_kgtool_stays_light() -> None:
    import subprocess
    import sys

    heavy = "('pyoxigraph', 'rdflib', 'rich', 'pyshacl', 'networkx')"
    code = f"import sys, kgtool; print(sorted(m for m in sys.modules if m.startswith({heavy})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", DOCTESTED)
def test_docstring_examples_run(
    name: str, make_project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project: Project = make_project("example")
    monkeypatch.setenv("KGTOOL_STORE", str(project.store_path))
    module = importlib.import_module(name)
    globs = {**vars(module), "project": project.root}
    result = doctest.testmod(module, globs=globs, optionflags=doctest.ELLIPSIS, report=True)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0


@pytest.mark.parametrize("doc", ["README.md", "docs/library.md", "docs/queries.md"])
def test_library_examples_in_the_docs_run(
    doc: str, make_project: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    project: Project = make_project("docs")
    monkeypatch.chdir(project.root)
    text = (ROOT / doc).read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "import kgtool" in b]
    assert blocks, f"{doc} shows no library example"
    for block in blocks:
        exec(compile(block.replace('"path/to/project"', '"."'), doc, "exec"), {})
    assert "1880000" in capsys.readouterr().out or doc == "docs/queries.md"
