"""The compiled plan, kept beside the store under a digest of what it was compiled from."""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from pathlib import Path
from typing import cast

from kgtool.shacl.checks import ShapePlan
from kgtool.shacl.compile import compile_plan
from kgtool.shacl.shapes import RDFS
from kgtool.shacl.source import Source
from kgtool.store.layout import PLAN_NAME  # one of the store's own files, listed there

#: the modules outside this package whose code shapes a compiled plan
PLAN_MODULES = ("errors.py", "limits.py", "project.py", "report.py", "sparql_text.py")


def _plan_key(source: Source) -> str:
    """A digest of everything :func:`compile_plan` reads, so a kept plan is never stale.

    That is the shapes graph as stored (its blank-node labels included: they
    end up in the plan and in results), every ``rdfs:subClassOf`` triple of
    any graph (:meth:`Compiler.prefetch` reads them all), and the code that
    compiles and pickles: this package and the modules it uses, pyoxigraph, Python.
    """
    import sys

    import pyoxigraph as ox

    graph = source.shapes_graph
    digest = hashlib.sha256(f"{ox.__version__}\n{sys.version}\n{graph}\n".encode())
    package = Path(__file__).parent
    code = sorted(package.glob("*.py")) + [package.parent / name for name in PLAN_MODULES]
    for module in code:
        digest.update(module.read_bytes())
    digest.update(ox.serialize(list(source.quads(graph=graph)), format=ox.RdfFormat.N_QUADS) or b"")
    subclass = ox.NamedNode(RDFS + "subClassOf")
    edges = {f"{q.subject} {q.object}" for q in source.quads(predicate=subclass)}
    digest.update("\n".join(sorted(edges)).encode())
    return digest.hexdigest()


def cached_plan(source: Source) -> list[ShapePlan]:
    """:func:`compile_plan`, kept beside the store under :func:`_plan_key`.

    Compiling takes a tenth of a second on every build, though the shapes
    rarely change. A plan that cannot be read or written is compiled again.
    """
    if source.path is None:
        return compile_plan(source)
    key = _plan_key(source)
    path = source.path / PLAN_NAME
    try:
        with path.open("rb") as handle:
            kept_key, plans = pickle.load(handle)
        if kept_key == key:
            return cast("list[ShapePlan]", plans)
    except Exception:  # missing, torn, or pickled by other code: compile again
        pass
    plans = compile_plan(source)
    tmp = path.with_name(f"{PLAN_NAME}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        tmp.write_bytes(pickle.dumps((key, plans), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError:  # a read-only store: compile every time
        tmp.unlink(missing_ok=True)
    return plans
