"""A named query's answer in one line of words, derived from its rows.

``kgtool answer`` prints one such line per question; the full table is
``kgtool query NAME``. Nothing here knows a particular query: the columns a
query selects are read in its SELECT order, the provenance columns every
question carries (claim, quote, offsets, source …) are left to the table, a
node is shown by its label column (``importer`` by ``importerLabel``),
numbers get thousands separators and an amount its currency, and the
attribution becomes "reported by …".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kgtool.results import QueryResult, compact

#: columns about where an answer comes from, not what it is
PROVENANCE = frozenset(
    {
        "claim", "claims", "attributedTo", "attributedToLabel", "modality", "quote", "start",
        "end", "source", "citedSource", "citedSourceName", "citedAuthorLabel", "mention",
        "resolutionNote", "interpretationNote", "interpreted", "resolution", "edtf",
        "approximation", "statedTime",
    }
)  # fmt: skip

#: currency codes written with their symbol
CURRENCIES = {"USD": "US$", "EUR": "€", "GBP": "£", "JPY": "¥", "KRW": "₩", "CNY": "CN¥"}

#: unit codes (UN/CEFACT, as schema:unitCode) written after their number
UNITS = {"P1": "%", "TNE": " tonnes", "KGM": " kg", "MTQ": " m³"}

#: durations (a rate's period) in words
PERIODS = {"P1Y": "a year", "P1M": "a month", "P1D": "a day", "P7D": "a week"}

#: rows shown by value before "and N more"
SHOWN = 3

#: a column whose values are longer than this on average is prose (left to the table)
PROSE = 40

#: answer columns shown per row when there are several rows
COLUMNS_OF_MANY = 2


def _number(text: str) -> str | None:
    """A numeric lexical form with thousands separators, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    if value.is_integer() and "e" not in text.lower():
        return f"{int(value):,}"
    return f"{value:,.6g}" if abs(value) >= 1000 else text


def _cell(name: str, term: Any, row: dict[str, Any]) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.Literal):
        kind = term.datatype.value.rsplit("#", 1)[-1]
        number = _number(term.value) if kind in NUMERIC else None
        if number is not None:
            if kind in ("integer", "nonNegativeInteger") and name.endswith("s"):
                noun = name[:-1] if number == "1" else name  # a count: "2 months", "1 month"
                return f"{number} {noun}"
            currency = row.get("currency") or row.get("unitOrCurrency")
            code = currency.value if isinstance(currency, ox.Literal) else ""
            unit = row.get("unit")
            if code in CURRENCIES:
                return CURRENCIES[code] + number
            if isinstance(unit, ox.Literal) and unit.value in UNITS and "unitText" not in row:
                return number + UNITS[unit.value]
            return number
        if kind == "duration":
            return "per " + PERIODS.get(term.value, term.value).removeprefix("a ")
        return " ".join(term.value.split())
    return compact(term)


NUMERIC = {"integer", "decimal", "double", "float", "nonNegativeInteger"}


def _answer_columns(variables: list[str]) -> list[str]:
    """The columns that say what the answer is, in SELECT order."""
    labelled = {v.removesuffix("Label") for v in variables if v.endswith("Label")}
    labelled |= {v.removesuffix("Text") for v in variables if v.endswith("Text")}
    out = []
    for name in variables:
        if name in PROVENANCE or name in labelled or name.endswith("Stated"):
            continue
        if name in ("currency", "unitOrCurrency", "unit"):
            continue  # shown with its amount
        out.append(name)
    return out


def _row_words(result: QueryResult, row: list[Any], columns: list[str]) -> str:
    values = dict(zip(result.variables, row, strict=True))
    bound = {k: v for k, v in values.items() if v is not None}
    parts = []
    for name in columns:
        term = bound.get(name)
        if term is None:
            continue
        parts.append(_cell(name, term, bound))
    return ", ".join(dict.fromkeys(p for p in parts if p))


def _mean_length(result: QueryResult, column: str) -> float:
    values = [compact(v) for v in result.column(column) if v is not None]
    return sum(map(len, values)) / len(values) if values else 0.0


def _reported_by(result: QueryResult, label: Labeller) -> str:
    names: dict[str, None] = {}
    for record in result.records():
        who = record.get("attributedToLabel")
        if not who and record.get("attributedTo"):
            who = label(str(record["attributedTo"]))
        if who:
            names[str(who)] = None
    if not names:
        return ""
    shown = list(names)[:SHOWN]
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return "reported by " + ", ".join(shown) + more


Labeller = Callable[[str], str]


def _as_is(iri: str) -> str:
    return iri


def summarize(result: QueryResult, label: Labeller = _as_is) -> str:
    """The answer in words: the rows' values (the first few), and who reports them.

    ``label`` names a node given by its IRI (or CURIE) where a query selects
    no label column for it (see :func:`labeller`).
    """
    if result.kind == "ask":
        return "yes" if result.boolean else "no"
    if result.kind == "graph":
        subjects = {t.subject for t in result.triples}
        return f"{len(result.triples)} triples about {len(subjects)} nodes"
    if not result.rows:
        return "no answer in the graph"
    columns = _answer_columns(result.variables) or result.variables[:1]
    if len(result.rows) > 1:  # the short columns: the prose stays in the table
        short = [c for c in columns if _mean_length(result, c) <= PROSE]
        columns = (short or columns)[:COLUMNS_OF_MANY]
    words = list(dict.fromkeys(_row_words(result, row, columns) for row in result.rows))
    shown = "; ".join(w for w in words[:SHOWN] if w)
    if len(words) > SHOWN:
        shown += f"; and {len(words) - SHOWN} more"
    count = len(result.rows)
    head = f"{count} answers: " if count > 1 else ""
    reported = _reported_by(result, label)
    return head + shown + (f", {reported}" if reported else "")


def labeller(executor: Any) -> Labeller:
    """Names nodes by their ``rdfs:label`` (``skos:prefLabel``), asked of the graph once each."""
    import pyoxigraph as ox

    from kgtool.terms import expand_iri

    known: dict[str, str] = {}

    def label(text: str) -> str:
        iri = expand_iri(text) or text
        if iri not in known:
            try:
                node = ox.NamedNode(iri)
            except ValueError:
                return text
            query = (
                "SELECT ?label WHERE { ?node rdfs:label|skos:prefLabel ?label "
                'FILTER (LANG(?label) IN ("", "en")) } ORDER BY STRLEN(?label) LIMIT 1'
            )
            rows = executor.execute(query, {"node": node}).rows
            known[iri] = rows[0][0].value if rows else text
        return known[iri]

    return label


def one_line(name: str, text: str, width: int) -> str:
    """``name: text`` cut to ``width`` characters with "…"."""
    line = f"{name}: {text}"
    return line if len(line) <= width else line[: width - 1] + "…"


__all__ = ["labeller", "one_line", "summarize"]
