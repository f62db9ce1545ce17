"""Reading money and quantities as a source states them.

price-parser finds the amount and the currency sign of "nearly $25,000";
kgtool's own rules add what it does not do: scale words ("$1.33 million" is
1,330,000, not 1.33), ISO 4217 codes for signs, hedges ("nearly" is a
maximum, "more than" a minimum, "about" or "an estimated" approximate),
units (UN/CEFACT codes), directions ("decreased 23 percent" is -23) and
rates ("11 million tons annually" is per year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

SCALES = {
    "thousand": Decimal(1_000),
    "million": Decimal(1_000_000),
    "billion": Decimal(1_000_000_000),
    "trillion": Decimal(1_000_000_000_000),
    "k": Decimal(1_000),
    "m": Decimal(1_000_000),
    "mn": Decimal(1_000_000),
    "bn": Decimal(1_000_000_000),
}

#: currency signs and words -> ISO 4217
CURRENCIES = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "¥": "JPY",
    "yen": "JPY",
    "jpy": "JPY",
    "yuan": "CNY",
    "cny": "CNY",
    "rmb": "CNY",
    "renminbi": "CNY",
    "won": "KRW",
    "krw": "KRW",
    "₩": "KRW",
}

#: unit words -> (UN/CEFACT common code)
UNITS = {
    "ton": "TNE",
    "tons": "TNE",
    "tonne": "TNE",
    "tonnes": "TNE",
    "metric tons": "TNE",
    "percent": "P1",
    "per cent": "P1",
    "%": "P1",
    "percentage points": "P1",
    "kilogram": "KGM",
    "kilograms": "KGM",
    "kg": "KGM",
    "barrel": "BLL",
    "barrels": "BLL",
    "liter": "LTR",
    "liters": "LTR",
    "litre": "LTR",
}

#: hedge words -> (approximation concept local name, which number property)
HEDGES = [
    (
        ("nearly", "almost", "just under", "close to", "up to", "less than", "under", "below"),
        "Below",
        "maxValue",
    ),
    (("more than", "over", "above", "at least", "upwards of"), "Above", "minValue"),
    (
        (
            "about",
            "around",
            "some",
            "approximately",
            "roughly",
            "an estimated",
            "estimated",
            "circa",
            "nearly about",
        ),
        "Approximately",
        "value",
    ),
]

DECREASE = ("decreased", "decrease", "fell", "dropped", "declined", "down", "shrank", "lost")
INCREASE = ("increased", "increase", "rose", "grew", "up", "gained", "jumped")

#: rate words -> xsd:duration
RATES = {
    "annually": "P1Y",
    "a year": "P1Y",
    "per year": "P1Y",
    "per annum": "P1Y",
    "yearly": "P1Y",
    "each year": "P1Y",
    "monthly": "P1M",
    "a month": "P1M",
    "per month": "P1M",
    "per day": "P1D",
    "a day": "P1D",
    "daily": "P1D",
}

_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?|[-+]?\.\d+")


class UnreadableValue(Exception):
    """A stated value that cannot be read; the message says why."""


@dataclass
class StatedValue:
    """A number as stated: which schema: property holds it, its unit or currency."""

    number: Decimal
    slot: str  # "value", "minValue" or "maxValue"
    approximation: str  # local name of a kg:ApproximationScheme concept
    currency: str | None = None
    unit_code: str | None = None
    unit_text: str | None = None
    rate: str | None = None  # xsd:duration the quantity is per


def _take_hedge(words: str) -> tuple[str, str, str]:
    lowered = words.lower()
    for options, approximation, slot in HEDGES:
        for option in sorted(options, key=len, reverse=True):
            if lowered.startswith(option + " "):
                return words[len(option) + 1 :].strip(), approximation, slot
    return words, "Exact", "value"


def _take_rate(words: str) -> tuple[str, str | None]:
    lowered = words.lower()
    for option in sorted(RATES, key=len, reverse=True):
        if lowered.endswith(" " + option):
            return words[: -len(option) - 1].strip(), RATES[option]
    return words, None


def _take_direction(words: str) -> tuple[str, int]:
    lowered = words.lower()
    for options, sign in ((DECREASE, -1), (INCREASE, 1)):
        for option in options:
            if lowered.startswith(option + " ") or lowered.startswith(option + " by "):
                rest = words[len(option) :].strip()
                rest = rest[3:].strip() if rest.lower().startswith("by ") else rest
                return rest, sign
    return words, 1


def _scaled(number: Decimal, after: str) -> tuple[Decimal, str]:
    """Apply a scale word that follows the number ("1.33 million"); return the rest."""
    match = re.match(r"\s*([A-Za-z]+)\b", after)
    if match and match.group(1).lower() in SCALES:
        return number * SCALES[match.group(1).lower()], after[match.end() :]
    return number, after


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise UnreadableValue(f"'{text}' is not a number") from None


def _normal(number: Decimal) -> Decimal:
    """1330000.00 -> 1330000, so the lexical form is the shortest one."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def read_money(stated: str) -> StatedValue:
    """'nearly $25,000' -> maxValue 25000 USD, Below; '$1.33 million' -> 1330000 USD."""
    from price_parser import Price

    words, approximation, slot = _take_hedge(stated.strip())
    words, sign = _take_direction(words)
    price = Price.fromstring(words)
    match = _NUMBER.search(words)
    if price.amount is None or match is None:
        raise UnreadableValue(f"no amount of money in '{stated}'")
    number, rest = _scaled(_decimal(match.group()), words[match.end() :])
    sign_text = (price.currency or "").strip().lower()
    currency = CURRENCIES.get(sign_text)
    if currency is None:
        word = re.match(r"\s*([A-Za-z$€£¥₩]+)", rest)
        currency = CURRENCIES.get(word.group(1).lower()) if word else None
    if currency is None and len(sign_text) == 3 and sign_text.isalpha():
        currency = sign_text.upper()
    if currency is None:
        raise UnreadableValue(
            f"no currency in '{stated}' (write '$', 'US$', 'won', 'yuan' or a code)"
        )
    return StatedValue(_normal(number) * sign, slot, approximation, currency=currency)


def read_quantity(stated: str) -> StatedValue:
    """'an estimated 20 million tons' -> 20000000 TNE, Approximately; '17 elements' -> 17 C62."""
    words, rate = _take_rate(stated.strip())
    words, approximation, slot = _take_hedge(words)
    words, sign = _take_direction(words)
    match = _NUMBER.search(words)
    if match is None or words[: match.start()].strip():
        raise UnreadableValue(f"no number at the start of '{stated}'")
    number, rest = _scaled(_decimal(match.group()), words[match.end() :])
    unit_words = rest.strip()
    lowered = unit_words.lower()
    for word in sorted(UNITS, key=len, reverse=True):
        if lowered == word or lowered.startswith(word + " ") or (word == "%" and lowered == "%"):
            unit_text = "percent" if word == "%" else unit_words[: len(word)]
            return StatedValue(
                _normal(number) * sign,
                slot,
                approximation,
                unit_code=UNITS[word],
                unit_text=unit_text,
                rate=rate,
            )
    if not unit_words:
        raise UnreadableValue(
            f"no unit in '{stated}' (write the unit: tons, percent, elements ...)"
        )
    unit_text = unit_words.split()[0]
    return StatedValue(
        _normal(number) * sign, slot, approximation, unit_code="C62", unit_text=unit_text, rate=rate
    )


def read_rate(stated: str) -> str:
    """'annually' -> 'P1Y'; an xsd:duration is kept as written."""
    text = stated.strip()
    if re.fullmatch(r"P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?", text) and text != "P":
        return text
    rate = RATES.get(text.lower())
    if rate is None:
        raise UnreadableValue(f"'{stated}' is not a rate (write 'annually', 'monthly' or 'P1Y')")
    return rate


def read_boolean(stated: str) -> bool:
    text = stated.strip().lower()
    if text in ("yes", "true", "y"):
        return True
    if text in ("no", "false", "n"):
        return False
    raise UnreadableValue(f"'{stated}' is not yes or no")
