r"""The lexical space of each XSD datatype, as a SPARQL test.

SHACL's ``sh:datatype`` holds only for a literal of that datatype whose
lexical form is in the datatype's lexical space: ``"2014-13"^^xsd:gYearMonth``
is a violation. The stores keep such a literal as written, so the test is a
regular expression on its lexical form (from XML Schema 1.1 Part 2), and for
dates the days each month has; plain SPARQL 1.1, so it also runs on a server.
Both engines use :func:`ill_typed_query`: the pyshacl engine to mark the
literals it must reject (rdflib checks only some datatypes itself).
"""

from __future__ import annotations

from kgtool.shacl.shapes import XSD

_YEAR = r"-?([1-9][0-9]{3,}|0[0-9]{3})"
_MONTH = r"(0[1-9]|1[0-2])"
_DAY = r"(0[1-9]|[12][0-9]|3[01])"
_ZONE = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_TIME = r"(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)"
_DECIMAL = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
_SECONDS = r"[0-9]+(\.[0-9]+)?S"
_TIME_PART = rf"T([0-9]+H([0-9]+M)?({_SECONDS})?|[0-9]+M({_SECONDS})?|{_SECONDS})"
_DATE_PART = r"([0-9]+Y([0-9]+M)?([0-9]+D)?|[0-9]+M([0-9]+D)?|[0-9]+D)"

#: datatype -> the lexical space as an anchored regular expression
LEXICAL = {
    "boolean": r"^(true|false|1|0)$",
    "decimal": rf"^{_DECIMAL}$",
    "integer": r"^[+-]?[0-9]+$",
    "nonNegativeInteger": r"^(\+?[0-9]+|-0+)$",
    "positiveInteger": r"^\+?0*[1-9][0-9]*$",
    "nonPositiveInteger": r"^(-[0-9]+|\+?0+)$",
    "negativeInteger": r"^-0*[1-9][0-9]*$",
    "double": rf"^({_DECIMAL}([Ee][+-]?[0-9]+)?|[+-]?INF|NaN)$",
    "float": rf"^({_DECIMAL}([Ee][+-]?[0-9]+)?|[+-]?INF|NaN)$",
    "date": rf"^{_YEAR}-{_MONTH}-{_DAY}{_ZONE}$",
    "dateTime": rf"^{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_ZONE}$",
    "time": rf"^{_TIME}{_ZONE}$",
    "gYearMonth": rf"^{_YEAR}-{_MONTH}{_ZONE}$",
    "gYear": rf"^{_YEAR}{_ZONE}$",
    "gMonth": rf"^--{_MONTH}{_ZONE}$",
    "gDay": rf"^---{_DAY}{_ZONE}$",
    "duration": rf"^-?P({_DATE_PART}({_TIME_PART})?|{_TIME_PART})$",
    # any string once escaped, except a broken %-escape or a second fragment
    "anyURI": r"^([^%#]|%[0-9A-Fa-f]{2})*(#([^%#]|%[0-9A-Fa-f]{2})*)?$",
}

#: a day that its month has: up to 28 always, 29 and 30 but in February, 31 in
#: the long months, and 29 February in a leap year (divisible by 4, and by 400
#: when it ends in 00)
_DAYS = (
    r"^-?[0-9]{4,}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)"
    r"|(0[13578]|1[02])-31)"
    r"|^-?[0-9]*(([02468][048]|[13579][26])00|[0-9][0-9](0[48]|[2468][048]|[13579][26]))-02-29"
)

#: the datatypes whose lexical form also names a day of a month
DATED = {"date", "dateTime"}

#: how a server that keeps durations as numbers gives one's lexical form: months
#: or seconds (Virtuoso: ``STR("P1Y"^^xsd:duration)`` is ``"12"``)
NUMERIC_DURATION = r"^-?[0-9]+(\.[0-9]+)?$"

#: asks whether the store gives a duration's lexical form as written (``?form``)
DURATION_PROBE = f'SELECT (STR("P1Y"^^<{XSD}duration>) AS ?form) WHERE {{}}'


def _string(pattern: str) -> str:
    return '"' + pattern.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lexical_violation(datatype: str, var: str, *, numeric_durations: bool = False) -> str | None:
    """A SPARQL expression true when the literal ``var`` (of ``datatype``) is ill-typed,
    or None when every string is in the datatype's lexical space (or it is unknown).

    ``numeric_durations``: the store gives a stored duration's form as a number
    (it parsed the literal when loading it, so the number is a valid duration).
    """
    if not datatype.startswith(XSD):
        return None
    local = datatype[len(XSD) :]
    pattern = LEXICAL.get(local)
    if pattern is None:
        return None
    test = f"!REGEX(STR({var}), {_string(pattern)})"
    if local == "duration" and numeric_durations:
        test = f"({test} && !REGEX(STR({var}), {_string(NUMERIC_DURATION)}))"
    if local in DATED:
        test += f" || !REGEX(STR({var}), {_string(_DAYS)})"
    return test


def datatype_violation(
    datatype: str, var: str, *, numeric_durations: bool = False, one_read: bool = False
) -> str:
    """``sh:datatype``: not a literal, another datatype, or outside the lexical space.

    ``one_read``: the engine errs on the DATATYPE of a non-literal, so a literal
    is read once for its datatype (pyoxigraph decodes a term at each mention).
    """
    test = f"!isLiteral({var}) || DATATYPE({var}) != <{datatype}>"
    if one_read:
        test = f"COALESCE(DATATYPE({var}) != <{datatype}>, !isLiteral({var}))"
    lexical = lexical_violation(datatype, var, numeric_durations=numeric_durations)
    return f"({test} || {lexical})" if lexical else f"({test})"


def ill_typed_query(datatypes: list[str]) -> str | None:
    """A SELECT of every literal of these datatypes outside its lexical space (``?literal``)."""
    tests = []
    for datatype in sorted(set(datatypes)):
        lexical = lexical_violation(datatype, "?literal")
        if lexical:
            tests.append(f"(DATATYPE(?literal) = <{datatype}> && ({lexical}))")
    if not tests:
        return None
    return (
        "SELECT DISTINCT ?literal WHERE { ?s ?p ?literal "
        f"FILTER (isLiteral(?literal) && ({' || '.join(tests)})) }}"
    )
