"""Running a compiled plan: on the whole graph, or for given focus nodes."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kgtool.errors import UnsupportedShape
from kgtool.limits import BATCH
from kgtool.report import FileIndex, ValidationResult
from kgtool.shacl.checks import Check, ShapePlan, Targets
from kgtool.shacl.plan import cached_plan
from kgtool.shacl.shapes import RDF, sparql_term
from kgtool.shacl.source import Source, source_of

#: candidate rows an unanchored check may return before it is rerun joined with
#: its targets (the rows would cost more in Python than the targets' scan)
CANDIDATES = 2000


class NodeFacts:
    """What target membership needs to know about nodes, looked up once per node."""

    def __init__(self, source: Source) -> None:
        import pyoxigraph as ox

        self.source = source
        self.type = ox.NamedNode(RDF + "type")
        self.literal = ox.Literal
        self.named = ox.NamedNode
        self.types: dict[Any, frozenset[str]] = {}
        self.edges: dict[tuple[Any, Any, bool], bool] = {}
        self._index: dict[str, dict[Any, list[int]]] | None = None

    def _types(self, node: Any) -> frozenset[str]:
        if node not in self.types:
            quads = self.source.quads(node, self.type)
            self.types[node] = frozenset(
                q.object.value for q in quads if isinstance(q.object, self.named)
            )
        return self.types[node]

    def _edge(self, node: Any, predicate: Any, as_subject: bool) -> bool:
        key = (node, predicate, as_subject)
        if key not in self.edges:
            if as_subject:
                quads = self.source.quads(node, predicate)
            else:
                quads = self.source.quads(None, predicate, node)
            self.edges[key] = next(iter(quads), None) is not None
        return self.edges[key]

    def targeting(self, plans: list[ShapePlan], node: Any) -> list[int]:
        """The indexes of the plans whose shape targets ``node``."""
        index = self.index(plans)
        found = set(index["nodes"].get(node, ()))
        for predicate, shapes in index["objects_of"].items():
            if self._edge(node, predicate, False):
                found.update(shapes)
        if isinstance(node, self.literal):
            return sorted(found)  # only targetNode and targetObjectsOf reach literals
        for cls in self._types(node):
            found.update(index["classes"].get(cls, ()))
        for predicate, shapes in index["subjects_of"].items():
            if self._edge(node, predicate, True):
                found.update(shapes)
        return sorted(found)

    def index(self, plans: list[ShapePlan]) -> dict[str, dict[Any, list[int]]]:
        """Plans by target class, node and predicate (built once per run)."""
        if self._index is None:
            self._index = {"classes": {}, "nodes": {}, "subjects_of": {}, "objects_of": {}}
            for i, plan in enumerate(plans):
                for kind, keys in (
                    ("classes", plan.targets.classes),
                    ("nodes", plan.targets.nodes),
                    ("subjects_of", plan.targets.subjects_of),
                    ("objects_of", plan.targets.objects_of),
                ):
                    for key in keys:
                        self._index[kind].setdefault(key, []).append(i)
        return self._index

    def targeted(self, targets: Targets, node: Any) -> bool:
        """Whether ``node`` is a focus node of a shape with these targets."""
        if node in targets.nodes:
            return True
        if any(self._edge(node, p, False) for p in targets.objects_of):
            return True
        if isinstance(node, self.literal):
            return False  # only targetNode and targetObjectsOf reach literals
        if targets.classes and not targets.classes.isdisjoint(self._types(node)):
            return True
        return any(self._edge(node, p, True) for p in targets.subjects_of)


def _substitute(message: str, row: dict[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        term = row.get(match.group(1))
        return "" if term is None else str(term.value)

    return re.sub(r"\{[?$](\w+)\}", replace, message)


Row = tuple[Check, dict[str, Any]]


def _solutions(source: Source, sparql: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The rows of a query as dicts of the bound variables; at most ``limit`` + 1 rows."""
    rows = []
    for row in source.select(sparql):
        rows.append(row)
        if limit is not None and len(rows) > limit:
            break
    return rows


def _need_this(check: Check, rows: list[dict[str, Any]]) -> None:
    if any("this" not in row for row in rows):
        raise UnsupportedShape(
            f"the SHACL-SPARQL constraint {check.constraint} does not bind $this in its pattern"
        )


def _full_job(source: Source, sparql: str, checks: list[tuple[Check, ShapePlan]],
              facts: NodeFacts) -> list[Row]:  # fmt: skip
    """Run one full-validation query and keep the rows about each check's focus nodes."""
    first = checks[0][0]
    if first.anchored:
        return [(first, row) for row in _solutions(source, sparql)]
    rows = _solutions(source, sparql, limit=CANDIDATES)
    if first.constraint is not None:
        _need_this(first, rows)
    # a server is asked about nodes with a query each: join its few candidates there
    rejoin = len(rows) > CANDIDATES or (bool(rows) and not source.names_blank_nodes)
    out: list[Row] = []
    for check, plan in checks:
        if rejoin and check.joined is not None:
            found = _solutions(source, check.joined)
            if check.constraint is not None:
                _need_this(check, found)
            out += [(check, row) for row in found]
        else:
            out += [(check, row) for row in rows if facts.targeted(plan.targets, row["this"])]
    return out


def _run_full(source: Source, plans: list[ShapePlan], facts: NodeFacts) -> list[Row]:
    """Every check on the whole graph; a query shared by several shapes runs once."""
    jobs: dict[str, list[tuple[Check, ShapePlan]]] = {}
    for plan in plans:
        for check in plan.checks:
            if check.full is not None:
                key = check.full if not check.anchored else f"{id(check)}\n{check.full}"
                jobs.setdefault(key, []).append((check, plan))
    # SHACL-SPARQL constraints are the slowest queries: start them first
    order = sorted(jobs, key=lambda k: jobs[k][0][0].constraint is None)
    tasks = [(jobs[k][0][0].full, jobs[k]) for k in order]
    return _gather(lambda task: _full_job(source, task[0], task[1], facts), tasks, source.workers)


def _gather(run: Callable[[Any], list[Any]], tasks: list[Any], workers: int) -> list[Any]:
    """Run tasks on the worker threads (pyoxigraph evaluates without the GIL)."""
    if workers == 1 or len(tasks) < 2:
        return [row for task in tasks for row in run(task)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [row for rows in pool.map(run, tasks) for row in rows]


def focus_terms(focus: Iterable[str]) -> list[Any]:
    """Focus nodes as pyoxigraph terms: IRIs, and blank nodes as ``_:label`` (or the
    bare label, as results give it)."""
    import pyoxigraph as ox

    terms: dict[Any, None] = {}
    for text in focus:
        if text.startswith("_:"):
            terms[ox.BlankNode(text[2:])] = None
            continue
        try:
            terms[ox.NamedNode(text)] = None
        except ValueError:
            terms[ox.BlankNode(text)] = None
    return list(terms)


def _anchor(source: Source, node: Any) -> str:
    """A triple pattern that binds ?this to a few nodes, the blank node ``node`` among them.

    SPARQL text cannot name a blank node of the data, so a restricted query
    reaches one through a triple it is in; rows about the other nodes that
    pattern binds are dropped.
    """
    import pyoxigraph as ox

    for quad in source.quads(None, None, node):
        if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.graph_name, ox.NamedNode):
            return f"{quad.subject} {quad.predicate} ?this ."
    for quad in source.quads(node):
        if isinstance(quad.object, ox.NamedNode | ox.Literal) and isinstance(
            quad.graph_name, ox.NamedNode
        ):
            return f"?this {quad.predicate} {quad.object} ."
    return "?this ?_ap ?_ao . FILTER (isBlank(?this))"


def _restricted_job(source: Source, check: Check, nodes: list[Any]) -> list[Row]:
    """One check for some of its focus nodes: IRIs in a VALUES block, a blank node
    through a triple it is in (see :func:`_anchor`)."""
    import pyoxigraph as ox

    assert check.restricted is not None
    before, after = check.restricted
    if isinstance(nodes[0], ox.BlankNode):
        rows = _solutions(source, before + _anchor(source, nodes[0]) + after)
        if check.constraint is not None:
            _need_this(check, rows)
        rows = [row for row in rows if row["this"] == nodes[0]]
    else:
        block = "VALUES ?this { " + " ".join(map(sparql_term, nodes)) + " }"
        rows = _solutions(source, before + block + after)
        if check.constraint is not None:
            _need_this(check, rows)
    return [(check, row) for row in rows]


def _targeting(source: Source, plans: list[ShapePlan], facts: NodeFacts,
               nodes: list[Any]) -> list[list[Any]]:  # fmt: skip
    """For each plan, the given nodes its shape targets.

    IRIs are looked up in SPARQL a VALUES block at a time (their types, and
    which target predicates they have), blank nodes one by one in Python.
    """
    import pyoxigraph as ox

    index = facts.index(plans)
    objects, subjects = list(index["objects_of"]), list(index["subjects_of"])
    branches = ["{ ?this a ?_t }"]
    branches += [f"{{ [] {p} ?this BIND ({i} AS ?_o) }}" for i, p in enumerate(objects)]
    branches += [f"{{ ?this {p} [] BIND ({i} AS ?_s) }}" for i, p in enumerate(subjects)]
    union = " UNION ".join(branches)

    def look_up(group: list[Any]) -> list[tuple[Any, int]]:
        block = "VALUES ?this { " + " ".join(map(sparql_term, group)) + " }"
        found = []
        for row in _solutions(source, f"SELECT ?this ?_t ?_o ?_s WHERE {{ {block} {union} }}"):
            if "_t" in row:
                shapes = index["classes"].get(row["_t"].value, [])
            elif "_o" in row:
                shapes = index["objects_of"][objects[int(row["_o"].value)]]
            else:
                shapes = index["subjects_of"][subjects[int(row["_s"].value)]]
            found += [(row["this"], i) for i in shapes]
        return found

    iris = [n for n in nodes if isinstance(n, ox.NamedNode)]
    groups = [iris[i : i + BATCH] for i in range(0, len(iris), BATCH)]
    pairs = _gather(look_up, groups, source.workers)
    pairs += [(n, i) for n in iris for i in index["nodes"].get(n, ())]
    pairs += [(n, i) for n in nodes if not isinstance(n, ox.NamedNode)
              for i in facts.targeting(plans, n)]  # fmt: skip
    members: list[dict[Any, None]] = [{} for _ in plans]
    for node, i in pairs:
        members[i][node] = None
    return [list(found) for found in members]


def _run_restricted(source: Source, plans: list[ShapePlan], facts: NodeFacts,
                    nodes: list[Any]) -> list[Row]:  # fmt: skip
    """The checks of each shape for the given nodes that are its focus nodes."""
    import pyoxigraph as ox

    targeted = _targeting(source, plans, facts, nodes)
    tasks = []
    for plan, members in zip(plans, targeted, strict=True):
        iris = [n for n in members if not isinstance(n, ox.BlankNode | ox.Literal)]
        groups = [iris[i : i + BATCH] for i in range(0, len(iris), BATCH)]
        groups += [[n] for n in members if isinstance(n, ox.BlankNode)]
        for check in plan.checks:
            if check.restricted is not None:
                tasks += [(check, group) for group in groups]
    tasks.sort(key=lambda task: task[0].constraint is None)
    return _gather(lambda task: _restricted_job(source, task[0], task[1]), tasks, source.workers)


def validate(graph: Any, *, focus: Collection[str] | None = None) -> list[ValidationResult]:
    """Validate the store against its own shapes graph; never raises on bad data.

    With ``focus`` (IRIs, blank nodes as ``_:label``) only those focus nodes are
    checked: the results are the full validation's results about them.
    """
    source = source_of(graph)
    plans = cached_plan(source)
    facts = NodeFacts(source)
    if focus is None:
        rows = _run_full(source, plans, facts)
    else:
        rows = _run_restricted(source, plans, facts, focus_terms(focus))
    files = FileIndex(source)
    results = []
    for check, row in rows:
        this = row["this"]
        flagged = check.constraint is None and "ks" in row  # ?ks of a user query is theirs
        keys = row["ks"].value.split() if flagged else [check.key]
        for key in keys:
            outcome = check.outcomes[key]
            value = row.get("value")
            if value is None and check.constraint is not None and not outcome.path:
                value = this
            path = outcome.path
            if check.constraint is not None and row.get("path") is not None:
                path = row["path"].value
            results.append(
                ValidationResult(
                    focus=this.value,
                    path=path,
                    component=outcome.component,
                    message=_substitute(outcome.message, row) or "constraint violated",
                    severity=outcome.severity,
                    value="" if value is None else str(value.value),
                    shape=check.shape.value,
                    files=files.of(this),
                )
            )
    return list(dict.fromkeys(results))  # a node two targets match is reported once
