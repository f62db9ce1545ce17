"""Compiling the shapes graph into checks: one :class:`ShapePlan` per shape with targets."""

from __future__ import annotations

from typing import Any

from kgtool.errors import UnsupportedShape
from kgtool.shacl.checks import Check, Context, Lookups, ShapePlan
from kgtool.shacl.compiler import Compiler
from kgtool.shacl.components import COMPONENTS, node_value_checks, value_checks
from kgtool.shacl.shapes import DESCRIPTIVE, SH, load_shapes, shapes_with_targets
from kgtool.shacl.source import Source


def compile_checks(compiler: Compiler, top: Any, focus: str) -> list[Check]:
    """Every check of one shape with targets (a node shape, or a property shape)."""
    sh = compiler.shapes
    checks: list[Check] = []
    lookups = Lookups()
    if sh.one(top, "path") is not None:
        property_shapes, node_level = [top], None
    else:
        property_shapes, node_level = sh.values(top, "property"), top
    if node_level is not None:
        checks += _compile_one(compiler, node_level, focus, None, top, lookups, "n")
    for index, prop in enumerate(property_shapes):
        if sh.deactivated(prop):
            continue
        path = sh.one(prop, "path")
        checks += _compile_one(compiler, prop, focus, path, top, lookups, str(index))
    return checks + lookups.checks(top)


def _compile_one(compiler: Compiler, shape: Any, focus: str, path_node: Any, top: Any,
                 lookups: Lookups, prefix: str) -> list[Check]:  # fmt: skip
    """The checks of one node or property shape, each parameter by its component."""
    import pyoxigraph as ox

    sh = compiler.shapes
    names = sorted(set(sh.params(shape)))
    for name in names:
        if name not in DESCRIPTIVE and name not in COMPONENTS:
            raise UnsupportedShape(f"the SHACL constraint sh:{name} (on {shape}) is not supported")
    if path_node is None and sh.values(shape, "property") and sh.one(shape, "path") is not None:
        raise UnsupportedShape(f"sh:property nested in the property shape {shape} is not supported")
    path, path_text = compiler.path(path_node) if path_node is not None else ("", "")
    only_nodes = not compiler.target_classes(top) and not any(
        sh.values(top, t) for t in ("targetSubjectsOf", "targetObjectsOf")
    )
    ctx = Context(
        compiler, shape, top, focus, path, path_text,
        sh.message(shape) or sh.message(top), sh.severity(shape),
        path_node is not None and compiler.bounded(path_node) and not only_nodes,
        lookups if isinstance(path_node, ox.NamedNode) else None, prefix,
    )  # fmt: skip
    checks: list[Check] = []
    if path_node is None:
        checks += node_value_checks(ctx, names)
    else:
        checks += value_checks(ctx, names)
        for name in names:
            component = COMPONENTS.get(name)
            if component is not None and component.values is not None:
                for param in sh.values(shape, name):
                    checks += component.values(ctx, param)
    for name in names:
        component = COMPONENTS.get(name)
        if component is not None and component.focus is not None:
            for param in sh.values(shape, name):
                checks += component.focus(ctx, param)
    return checks


def compile_plan(source: Source) -> list[ShapePlan]:
    """The checks of every shape with targets, in a stable order."""
    import pyoxigraph as ox

    shapes = load_shapes(source)
    compiler = Compiler(shapes, source)
    compiler.prefetch(
        o.value
        for props in shapes.triples.values()
        for name in (SH + "class", SH + "targetClass")
        for o in props.get(name, [])
        if isinstance(o, ox.NamedNode)
    )
    plans = []
    for shape in shapes_with_targets(shapes):
        if shapes.deactivated(shape):
            continue
        pattern = compiler.targets(shape)
        if pattern is not None:
            checks = compile_checks(compiler, shape, pattern)
            plans.append(ShapePlan(shape, pattern, compiler.target_sets(shape), checks))
    return plans


def compile_shapes(graph: Any) -> list[Check]:
    """Every check of the store's shapes, in a stable order."""
    from kgtool.shacl.source import source_of

    return [check for plan in compile_plan(source_of(graph)) for check in plan.checks]
