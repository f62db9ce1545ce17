"""Amounts, quantities and periods as a reader writes them: "US$550,000", "2014-05".

The graph keeps numbers and EDTF strings; pictures and tables need short
text. These functions are pure, so the same graph always gives the same
labels.
"""

from __future__ import annotations

import re

#: UN/CEFACT unit codes the model uses, as printed after a number
UNIT_SYMBOLS = {"TNE": "t", "KGM": "kg", "P1": "%", "C62": ""}
#: xsd:duration of kg:ratePer, as printed after a quantity
RATES = {"P1Y": "a year", "P1M": "a month", "P1W": "a week", "P1D": "a day"}
_CURRENCY_SIGNS = {"USD": "US$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "CN¥", "KRW": "₩"}
_SIMPLE_EDTF = re.compile(r"^-?\d{4}(-\d{2}(-\d{2})?)?$")


def number(value: float) -> str:
    """1330000 -> "1,330,000"; 2.5 -> "2.5" (no trailing zeros, thousands separated)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def money(
    value: float | None = None,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    currency: str | None = "USD",
    approximation: str | None = None,
) -> str:
    """A monetary amount: "US$550,000", "under US$25,000", "about US$3,000", "" if unknown.

    ``approximation`` is the local name of a kg:ApproximationScheme concept
    (Exact, Approximately, Below, Above).
    """
    sign = _CURRENCY_SIGNS.get(currency or "", f"{currency} " if currency else "")
    if value is not None:
        text = f"{sign}{number(value)}"
        return f"about {text}" if approximation == "Approximately" else text
    if minimum is not None and maximum is not None:
        return f"{sign}{number(minimum)} to {number(maximum)}"
    if maximum is not None:
        return f"under {sign}{number(maximum)}"
    if minimum is not None:
        return f"over {sign}{number(minimum)}"
    return ""


def quantity(
    value: float | None,
    unit: str | None = None,
    unit_text: str | None = None,
    rate: str | None = None,
) -> str:
    """A quantity with its unit and rate: "11,000,000 t a year", "" if there is no number."""
    if value is None:
        return ""
    symbol = UNIT_SYMBOLS.get(unit or "", unit_text or unit or "")
    text = f"{number(value)}{symbol}" if symbol == "%" else f"{number(value)} {symbol}".strip()
    if rate:
        text += " " + RATES.get(rate, f"per {rate}")
    return text


def period(edtf: str | None, stated: str | None = None) -> str:
    """A period as short text: "2014-05", "until 2014-07-27", "2014-01 to 2014-06".

    Falls back to the words of the text in quotes when no EDTF value exists.
    """
    if edtf:
        if _SIMPLE_EDTF.match(edtf):
            return edtf
        start, sep, end = edtf.partition("/")
        if sep:
            if start in ("", "..") and end not in ("", ".."):
                return f"until {end}"
            if end in ("", "..") and start not in ("", ".."):
                return f"from {start}"
            return f"{start} to {end}"
        return edtf
    return f"“{stated}”" if stated else ""


def local_name(iri: str | None) -> str:
    """The part of an IRI after its last '#' or '/'."""
    if not iri:
        return ""
    return re.split(r"[#/]", iri)[-1]


def wrap(text: str, width: int = 22) -> list[str]:
    """Words of ``text`` in lines of at most ``width`` characters (longer words stay whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]
