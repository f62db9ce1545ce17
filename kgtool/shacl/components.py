"""The SHACL constraint components: one function each, in one table.

:data:`COMPONENTS` maps a parameter (``sh:datatype``, ``sh:minCount`` …) to
its :class:`Component` and the functions that compile it:

- ``value(compiler, shape, parameter, var)``: a SPARQL expression true when
  the value in ``var`` breaks the constraint. Used on every value of a
  property shape, on a node shape's focus node, and inside ``sh:not``,
  ``sh:or``, ``sh:node`` …
- ``values(ctx, parameter)``: the checks of a property shape that look at all
  the values of its path together (counts, comparisons with another property).
  A property shape uses it instead of ``value`` when a component has both.
- ``focus(ctx, parameter)``: checks of the shape as a whole, at node and
  property level (SHACL-SPARQL).

A new component is one function and one entry. Value tests of one property
shape are combined into one query by :func:`value_checks`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kgtool.errors import UnsupportedShape
from kgtool.shacl.checks import Check, Context, Outcome, flags, split_values
from kgtool.shacl.datatypes import datatype_violation
from kgtool.shacl.shapes import SH, XSD, sparql_term

if TYPE_CHECKING:
    from kgtool.shacl.compiler import Compiler

ValueTest = Callable[["Compiler", Any, Any, str], str]
ChecksOf = Callable[[Context, Any], list[Check]]


@dataclass(frozen=True)
class Component:
    """One SHACL constraint component and how it compiles (see the module's docstring)."""

    name: str  # the local name of sh:…ConstraintComponent
    value: ValueTest | None = None
    values: ChecksOf | None = None
    focus: ChecksOf | None = None


# Value tests ---------------------------------------------------------------------


def class_(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    return f"NOT EXISTS {{ {compiler.instance_of(var, param.value, bound=True)} }}"


def datatype(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    numeric = param.value.endswith("#duration") and compiler.source.numeric_durations
    one_read = compiler.source.exact_term_tests
    return datatype_violation(param.value, var, numeric_durations=numeric, one_read=one_read)


#: the violation of each node kind, told by isBlank and isLiteral alone (an IRI is
#: neither): Virtuoso's isIRI is true of blank nodes too
NODE_KINDS = {
    "IRI": "(isBlank({v}) || isLiteral({v}))",
    "Literal": "!isLiteral({v})",
    "BlankNode": "!isBlank({v})",
    "BlankNodeOrIRI": "isLiteral({v})",
    "BlankNodeOrLiteral": "(!isBlank({v}) && !isLiteral({v}))",
    "IRIOrLiteral": "isBlank({v})",
}

#: the tests above that read the value twice, asking first whether it is an IRI
#: (most values are): where isIRI is exact, an IRI is then read once
IRI_FIRST = {"IRI": "false", "BlankNodeOrLiteral": "true"}


def node_kind(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    kind = param.value.removeprefix(SH)
    if kind not in NODE_KINDS:
        raise UnsupportedShape(f"unknown sh:nodeKind {param.value} on {shape}")
    test = NODE_KINDS[kind].format(v=var)
    if kind in IRI_FIRST and compiler.source.exact_term_tests:
        return f"IF(isIRI({var}), {IRI_FIRST[kind]}, {test})"
    return test


def same_term(var: str, term: Any, exact: bool = False) -> str:
    """``sameTerm(var, term)`` for a constant ``term``, spelled out unless ``exact``
    (the source's :attr:`~kgtool.shacl.source.Source.exact_term_tests`) and an IRI.

    The same test, but one that servers also evaluate inside an expression:
    Virtuoso's ``sameTerm`` of a value and a constant fails there (an error,
    so IF and COALESCE never flag the value). An IRI equals only itself (an
    IRI is neither blank nor a literal: Virtuoso's isIRI is true of blank
    nodes); a literal is the same term when its form, datatype and language are.
    Spelled out, the value is read at each mention of it (pyoxigraph decodes it
    each time), which ``sameTerm`` does not need. A literal stays spelled out:
    pyoxigraph's ``sameTerm`` compares numbers as stored, not as written.
    """
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode) and exact:
        return f"sameTerm({var}, {sparql_term(term)})"
    if isinstance(term, ox.NamedNode):
        return f"(!isBlank({var}) && !isLiteral({var}) && {var} = {sparql_term(term)})"
    if isinstance(term, ox.Literal):
        form = sparql_term(ox.Literal(term.value))
        if term.language:
            kind = f'LANG({var}) = "{term.language}"'
        else:
            kind = f'LANG({var}) = "" && DATATYPE({var}) = {sparql_term(term.datatype)}'
        return f"(isLiteral({var}) && {kind} && STR({var}) = {form})"
    return f"sameTerm({var}, {sparql_term(term)})"


def in_(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    items = compiler.shapes.items(param)
    exact = compiler.source.exact_term_tests
    members = " || ".join(same_term(var, t, exact) for t in items)
    return f"!({members or 'false'})"


def pattern(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    found = compiler.shapes.one(shape, "flags")
    flag_arg = f", {sparql_term(found)}" if found is not None else ""
    literal = '"' + param.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"(isBlank({var}) || !REGEX(STR({var}), {literal}{flag_arg}))"


def _length(compiler: Compiler, var: str, compared: str) -> str:
    """A blank node has no length: where STR errs on one, a blank node is told by that
    error, and another value is read once (the same test; an unbound one still errs)."""
    if compiler.source.exact_term_tests:
        return f"COALESCE(STRLEN(STR({var})) {compared}, isBlank({var}))"
    return f"(isBlank({var}) || STRLEN(STR({var})) {compared})"


def min_length(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    return _length(compiler, var, f"< {int(param.value)}")


def max_length(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    return _length(compiler, var, f"> {int(param.value)}")


def language_in(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    items = compiler.shapes.items(param)
    tags = " || ".join(f"langMatches(LANG({var}), {sparql_term(t)})" for t in items)
    if compiler.source.exact_term_tests:  # LANG errs on a non-literal: read a literal once
        return f"COALESCE(!({tags or 'false'}), !isLiteral({var}))"
    return f"(!isLiteral({var}) || !({tags or 'false'}))"


#: the XSD datatypes SPARQL compares as numbers, with each other
NUMERIC = {
    "decimal", "integer", "double", "float", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "long", "int", "short", "byte",
    "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
}  # fmt: skip


def comparable(var: str, term: Any) -> str:
    """A test that ``var`` is of a type SPARQL compares with the literal ``term``.

    Where SPARQL has no comparison (a string and a number) the test is an
    error, so the value breaks the constraint; a lenient server (Virtuoso
    compares ``"0" >= 0`` as true) must be told so.
    """
    import pyoxigraph as ox

    if not isinstance(term, ox.Literal):
        return "true"
    datatype = term.datatype.value
    if datatype.startswith(XSD) and datatype[len(XSD) :] in NUMERIC:
        return f"isNumeric({var})"
    return f"DATATYPE({var}) = {sparql_term(term.datatype)}"


def _compared(op: str) -> ValueTest:
    def test(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
        term = sparql_term(param)
        guard = comparable(var, param)
        if guard.startswith("isNumeric(") and compiler.source.exact_term_tests:
            # pyoxigraph compares a number with numbers only (any other value is an
            # error): the guard would read the value a second time for nothing
            return f"!COALESCE({var} {op} {term}, false)"
        return f"!COALESCE({guard} && {var} {op} {term}, false)"

    return test


def not_(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    return f"!({compiler.shape_violation(param, var)})"


def node(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    return compiler.shape_violation(param, var)


def or_(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    members = [compiler.shape_violation(s, var) for s in compiler.shapes.items(param)]
    return "(" + " && ".join(f"({m})" for m in members) + ")" if members else "true"


def and_(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    members = [compiler.shape_violation(s, var) for s in compiler.shapes.items(param)]
    return "(" + " || ".join(f"({m})" for m in members) + ")" if members else "false"


def xone(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    members = [compiler.shape_violation(s, var) for s in compiler.shapes.items(param)]
    if not members:
        return "true"
    return "(" + " + ".join(f"IF({m}, 0, 1)" for m in members) + ") != 1"


def has_value(compiler: Compiler, shape: Any, param: Any, var: str) -> str:
    return f"!{same_term(var, param, compiler.source.exact_term_tests)}"


# Checks over all the values of a path ----------------------------------------------


def has_value_checks(ctx: Context, value: Any) -> list[Check]:
    """sh:hasValue on a path: the focus nodes without the value."""
    term = sparql_term(value)
    outcome = ctx.outcome("HasValueConstraintComponent")
    has = f"{{ ?this {ctx.path} {term} }}"
    restricted: str | None = f"SELECT ?this WHERE {{ {{VALUES}} FILTER NOT EXISTS {has} }}"
    if ctx.lookups is not None:
        key = ctx.key(f"h{len(ctx.lookups.count_tests)}")
        found = ctx.lookups.count(
            f"IF(sameTerm(?_p, {ctx.path}) && "
            f"{same_term('?value', value, ctx.compiler.source.exact_term_tests)}, 1, ?_none)",
            False,
        )
        ctx.lookups.count_tests[key] = f"{found} = 0"
        ctx.lookups.outcomes[key] = outcome
        restricted = None
    if ctx.unanchored:
        full = f"SELECT ?this WHERE {{ {ctx.focus} MINUS {has} }}"
    else:
        full = f"SELECT ?this WHERE {{ {ctx.focus} FILTER NOT EXISTS {has} }}"
    return [ctx.check(full, restricted, {"": outcome}, anchored=True)]


def _at_least(ctx: Context, n: int, where: str, component: str,
              lookup: str | None = None) -> Check:  # fmt: skip
    """The focus nodes with fewer than ``n`` distinct ``?value`` matching ``where``
    (``lookup``: the same from a bound ?this)."""
    outcomes = {"": ctx.outcome(component)}
    lookup = lookup or where
    restricted = (
        f"SELECT ?this WHERE {{ {{VALUES}} OPTIONAL {{ {lookup} }} }} "
        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
    )
    if ctx.unanchored and n == 1:
        full = f"SELECT ?this WHERE {{ {ctx.focus} MINUS {{ {where} }} }}"
    elif n == 1:
        full = f"SELECT ?this WHERE {{ {ctx.focus} FILTER NOT EXISTS {{ {lookup} }} }}"
    elif ctx.unanchored:
        full = (
            f"SELECT ?this WHERE {{ {ctx.focus} MINUS {{ SELECT ?this WHERE {{ {where} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) >= {n}) }} }}"
        )
    else:
        full = (
            f"SELECT ?this WHERE {{ {ctx.focus} OPTIONAL {{ {lookup} }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
        )
    check = ctx.check(full, restricted, outcomes, anchored=True)
    if ctx.lookups is not None:
        check.restricted = None
    return check


def _at_most(ctx: Context, n: int, where: str, component: str,
             lookup: str | None = None) -> Check:  # fmt: skip
    """The focus nodes with more than ``n`` distinct ``?value`` matching ``where``."""
    outcomes = {"": ctx.outcome(component)}
    tail = f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})"
    check = ctx.positive("?this", where, tail, outcomes, lookup=lookup)
    if ctx.lookups is not None:
        check.restricted = None
    return check


def _count_test(ctx: Context, count: str, op: str, bound: int, component: str) -> None:
    """Register the restricted test of one bound on a per-node count."""
    assert ctx.lookups is not None
    key = ctx.key(f"n{len(ctx.lookups.count_tests)}")
    ctx.lookups.count_tests[key] = f"{count} {op} {bound}"
    ctx.lookups.outcomes[key] = ctx.outcome(component)


def _path_count(ctx: Context) -> str:
    assert ctx.lookups is not None
    return ctx.lookups.count(f"IF(sameTerm(?_p, {ctx.path}), ?value, ?_none)")


def min_count(ctx: Context, param: Any) -> list[Check]:
    n, component = int(param.value), "MinCountConstraintComponent"
    if n <= 0:
        return []
    if ctx.lookups is not None:
        _count_test(ctx, _path_count(ctx), "<", n, component)
    return [_at_least(ctx, n, f"?this {ctx.path} ?value .", component)]


def max_count(ctx: Context, param: Any) -> list[Check]:
    n, component = int(param.value), "MaxCountConstraintComponent"
    if ctx.lookups is not None:
        _count_test(ctx, _path_count(ctx), ">", n, component)
    return [_at_most(ctx, n, f"?this {ctx.path} ?value .", component)]


def _conforming(ctx: Context) -> tuple[str, str, str]:
    """Patterns binding ?this and each ?value that conforms to the qualified value shape:
    (for the whole graph, from a bound ?this), and the test of a value's violation.

    From a bound ?this each value is tested in a FILTER. On the whole graph
    the sh:class tests of the shape become joins with the class's instances
    instead, evaluated once and hash-joined rather than looked up per value.
    """
    compiler, shapes = ctx.compiler, ctx.compiler.shapes
    qualified = shapes.one(ctx.shape, "qualifiedValueShape")
    disjoint = shapes.one(ctx.shape, "qualifiedValueShapesDisjoint")
    if disjoint is not None and disjoint.value == "true":
        raise UnsupportedShape(f"sh:qualifiedValueShapesDisjoint on {ctx.shape} is not supported")
    bad = compiler.shape_violation(qualified, "?value")
    lookup = f"?this {ctx.path} ?value FILTER (!{bad})"
    classes = [c.value for c in shapes.values(qualified, "class")]
    if not ctx.unanchored or not classes:
        return lookup, lookup, bad
    rest = compiler.shape_violation(qualified, "?value", skip={"class"})
    values = f"?this {ctx.path} ?value" + (f" FILTER (!{rest})" if rest != "false" else "")
    joins = " ".join(
        f"{{ SELECT ?value WHERE {{ {compiler.instance_of('?value', c)} }} }}" for c in classes
    )
    return f"{{ SELECT ?this ?value WHERE {{ {values} }} }} {joins}", lookup, bad


def _qualified_count(ctx: Context, bad: str) -> str:
    assert ctx.lookups is not None
    return ctx.lookups.count(f"IF(sameTerm(?_p, {ctx.path}) && !{bad}, ?value, ?_none)")


def qualified_min_count(ctx: Context, param: Any) -> list[Check]:
    n, component = int(param.value), "QualifiedMinCountConstraintComponent"
    if ctx.compiler.shapes.one(ctx.shape, "qualifiedValueShape") is None:
        return []
    where, lookup, bad = _conforming(ctx)
    if n <= 0:
        return []
    if ctx.lookups is not None:
        _count_test(ctx, _qualified_count(ctx, bad), "<", n, component)
    return [_at_least(ctx, n, where, component, lookup)]


def qualified_max_count(ctx: Context, param: Any) -> list[Check]:
    n, component = int(param.value), "QualifiedMaxCountConstraintComponent"
    if ctx.compiler.shapes.one(ctx.shape, "qualifiedValueShape") is None:
        return []
    where, lookup, bad = _conforming(ctx)
    if ctx.lookups is not None:
        _count_test(ctx, _qualified_count(ctx, bad), ">", n, component)
    return [_at_most(ctx, n, where, component, lookup)]


def _compared_with(op: str, component: str) -> ChecksOf:
    def checks(ctx: Context, other: Any) -> list[Check]:
        test = f"!COALESCE(?value {op} ?other, false)"
        where = f"?this {ctx.path} ?value . ?this <{other.value}> ?other . FILTER ({test})"
        outcomes = {"": ctx.outcome(component)}
        return [ctx.positive("DISTINCT ?this ?value", where, "", outcomes)]

    return checks


def disjoint(ctx: Context, other: Any) -> list[Check]:
    where = f"?this {ctx.path} ?value . ?this <{other.value}> ?value ."
    outcomes = {"": ctx.outcome("DisjointConstraintComponent")}
    return [ctx.positive("DISTINCT ?this ?value", where, "", outcomes)]


def equals(ctx: Context, other: Any) -> list[Check]:
    path = ctx.path
    where = (
        f"{{ ?this {path} ?value FILTER NOT EXISTS {{ ?this <{other.value}> ?value }} }} "
        f"UNION {{ ?this <{other.value}> ?value FILTER NOT EXISTS {{ ?this {path} ?value }} }}"
    )
    outcomes = {"": ctx.outcome("EqualsConstraintComponent")}
    return [ctx.positive("DISTINCT ?this ?value", where, "", outcomes)]


def unique_lang(ctx: Context, flag: Any) -> list[Check]:
    if flag.value != "true":
        return []
    where = (
        f"?this {ctx.path} ?a , ?b . "
        f'FILTER (!sameTerm(?a, ?b) && LANG(?a) != "" && LANG(?a) = LANG(?b))'
    )
    outcomes = {"": ctx.outcome("UniqueLangConstraintComponent")}
    return [ctx.positive("DISTINCT ?this", where, "", outcomes)]


def sparql(ctx: Context, constraint: Any) -> list[Check]:
    from kgtool.shacl.sparql import sparql_constraint

    if ctx.compiler.shapes.deactivated(constraint):
        return []
    return [sparql_constraint(ctx, constraint)]


#: every constraint component the engine compiles, by its parameter
COMPONENTS: dict[str, Component] = {
    "class": Component("ClassConstraintComponent", value=class_),
    "datatype": Component("DatatypeConstraintComponent", value=datatype),
    "nodeKind": Component("NodeKindConstraintComponent", value=node_kind),
    "in": Component("InConstraintComponent", value=in_),
    "pattern": Component("PatternConstraintComponent", value=pattern),
    "minLength": Component("MinLengthConstraintComponent", value=min_length),
    "maxLength": Component("MaxLengthConstraintComponent", value=max_length),
    "languageIn": Component("LanguageInConstraintComponent", value=language_in),
    "minInclusive": Component("MinInclusiveConstraintComponent", value=_compared(">=")),
    "maxInclusive": Component("MaxInclusiveConstraintComponent", value=_compared("<=")),
    "minExclusive": Component("MinExclusiveConstraintComponent", value=_compared(">")),
    "maxExclusive": Component("MaxExclusiveConstraintComponent", value=_compared("<")),
    "not": Component("NotConstraintComponent", value=not_),
    "or": Component("OrConstraintComponent", value=or_),
    "and": Component("AndConstraintComponent", value=and_),
    "xone": Component("XoneConstraintComponent", value=xone),
    "node": Component("NodeConstraintComponent", value=node),
    "hasValue": Component("HasValueConstraintComponent", value=has_value, values=has_value_checks),
    "minCount": Component("MinCountConstraintComponent", values=min_count),
    "maxCount": Component("MaxCountConstraintComponent", values=max_count),
    "qualifiedMinCount": Component(
        "QualifiedMinCountConstraintComponent", values=qualified_min_count
    ),
    "qualifiedMaxCount": Component(
        "QualifiedMaxCountConstraintComponent", values=qualified_max_count
    ),
    "lessThan": Component(
        "LessThanConstraintComponent", values=_compared_with("<", "LessThanConstraintComponent")
    ),
    "lessThanOrEquals": Component(
        "LessThanOrEqualsConstraintComponent",
        values=_compared_with("<=", "LessThanOrEqualsConstraintComponent"),
    ),
    "disjoint": Component("DisjointConstraintComponent", values=disjoint),
    "equals": Component("EqualsConstraintComponent", values=equals),
    "uniqueLang": Component("UniqueLangConstraintComponent", values=unique_lang),
    "sparql": Component("SPARQLConstraintComponent", focus=sparql),
}


# Combining the value tests of one shape ---------------------------------------------


def node_value_checks(ctx: Context, names: list[str]) -> list[Check]:
    """The value tests of a node shape, applied to the focus node itself."""
    shapes = ctx.compiler.shapes
    tests: dict[str, str] = {}
    outcomes: dict[str, Outcome] = {}
    for name in names:
        component = COMPONENTS.get(name)
        if component is None or component.value is None:
            continue
        for param in shapes.values(ctx.shape, name):
            k = ctx.key(len(tests))
            tests[k] = component.value(ctx.compiler, ctx.shape, param, "?this")
            outcomes[k] = ctx.outcome(component.name)
    if not tests:
        return []
    # the tests read ?this itself: a variable bound to it by BIND inside the pattern
    # makes a server's compiler fail on the tests' EXISTS (Virtuoso's SP031)
    where = flags(tests)
    full = f"SELECT ?this (?this AS ?value) ?ks WHERE {{ {ctx.focus} {where} }}"
    restricted = f"SELECT ?this (?this AS ?value) ?ks WHERE {{ {{VALUES}} {where} }}"
    return [ctx.check(full, restricted, outcomes, anchored=True)]


def value_checks(ctx: Context, names: list[str]) -> list[Check]:
    """The value tests of a property shape: one query tests every value of the path.

    On the whole graph an sh:class test per value would be one lookup each,
    so each sh:class gets its own query that removes the instances of the
    class with a MINUS.
    """
    compiler, shapes = ctx.compiler, ctx.compiler.shapes
    tests: dict[str, str] = {}
    outcomes: dict[str, Outcome] = {}
    classes: list[tuple[str, str]] = []
    for name in names:
        component = COMPONENTS.get(name)
        if component is None or component.value is None or component.values is not None:
            continue
        for param in shapes.values(ctx.shape, name):
            k = ctx.key(len(tests))
            tests[k] = component.value(compiler, ctx.shape, param, "?value")
            outcomes[k] = ctx.outcome(component.name)
            if name == "class" and ctx.unanchored:
                classes.append((k, param.value))
    if not tests:
        return []
    values = f"?this {ctx.path} ?value ."
    select = "DISTINCT ?this ?value ?ks"
    restricted: str | None = f"SELECT {select} WHERE {{ {{VALUES}} {values} {flags(tests)} }}"
    if ctx.lookups is not None:
        ctx.lookups.predicates.add(ctx.path)
        ctx.lookups.outcomes.update(outcomes)
        for k, test in tests.items():
            ctx.lookups.value_tests[k] = f"sameTerm(?_p, {ctx.path}) && {test}"
        restricted = None
    by_class = {k for k, _ in classes}
    rest = {k: test for k, test in tests.items() if k not in by_class}
    checks = []
    if rest:
        check = ctx.positive(select, f"{values} {flags(rest)}", "", outcomes)
        check.restricted = split_values(restricted) if restricted is not None else None
        checks.append(check)
    elif restricted is not None:
        checks.append(ctx.check(None, restricted, outcomes))
    for k, iri in classes:
        where = f"{values} MINUS {{ {compiler.instance_of('?value', iri)} }}"
        check = ctx.positive("DISTINCT ?this ?value", where, "", outcomes, key=k)
        check.restricted = None
        checks.append(check)
    return checks
