"""Values and times as stated: kgtool's rules, and what the libraries alone get wrong."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kgtool.authoring.times import UnreadableTime, edtf_bounds, given_time, read_time
from kgtool.authoring.values import (
    UnreadableValue,
    read_boolean,
    read_money,
    read_quantity,
    read_rate,
)

POSTED = date(2014, 7, 27)


@pytest.mark.parametrize(
    ("stated", "number", "slot", "approximation", "currency"),
    [
        ("$550,000", 550000, "value", "Exact", "USD"),
        ("$1.33 million", 1330000, "value", "Exact", "USD"),
        ("nearly $25,000", 25000, "maxValue", "Below", "USD"),
        ("more than US$2 billion", 2000000000, "minValue", "Above", "USD"),
        ("about 3.5 billion won", 3500000000, "value", "Approximately", "KRW"),
        ("€40m", 40000000, "value", "Exact", "EUR"),
    ],
)
def test_money_as_stated(stated: str, number: int, slot: str, approximation: str,
                         currency: str) -> None:  # fmt: skip
    value = read_money(stated)
    assert (value.number, value.slot, value.approximation, value.currency) == (
        Decimal(number),
        slot,
        approximation,
        currency,
    )


def test_price_parser_alone_misses_the_scale_word() -> None:
    """The reason for kgtool's scale rule: price-parser reads '$1.33 million' as 1.33."""
    from price_parser import Price

    assert Price.fromstring("$1.33 million").amount == Decimal("1.33")
    assert read_money("$1.33 million").number == Decimal(1330000)


@pytest.mark.parametrize(
    ("stated", "number", "unit", "text", "approximation", "rate"),
    [
        ("an estimated 20 million tons", 20000000, "TNE", "tons", "Approximately", None),
        ("decreased 23 percent", -23, "P1", "percent", "Exact", None),
        ("23 percent", 23, "P1", "percent", "Exact", None),
        ("5%", 5, "P1", "percent", "Exact", None),
        ("17 elements", 17, "C62", "elements", "Exact", None),
        ("11 million tons annually", 11000000, "TNE", "tons", "Exact", "P1Y"),
        ("rose 4.5 percent", Decimal("4.5"), "P1", "percent", "Exact", None),
    ],
)
def test_quantities_as_stated(stated: str, number: int | Decimal, unit: str, text: str,
                              approximation: str, rate: str | None) -> None:  # fmt: skip
    value = read_quantity(stated)
    assert (value.number, value.unit_code, value.unit_text, value.approximation, value.rate) == (
        Decimal(number),
        unit,
        text,
        approximation,
        rate,
    )


@pytest.mark.parametrize("stated", ["goods", "many tons", "$", ""])
def test_unreadable_values_say_why(stated: str) -> None:
    with pytest.raises(UnreadableValue):
        read_money(stated)
    with pytest.raises(UnreadableValue):
        read_quantity(stated)


def test_rates_and_booleans() -> None:
    assert read_rate("annually") == read_rate("P1Y") == "P1Y"
    assert read_boolean("yes") is True and read_boolean("No") is False
    with pytest.raises(UnreadableValue):
        read_rate("sometimes")


@pytest.mark.parametrize(
    ("stated", "edtf", "earliest", "latest", "explicit"),
    [
        ("May", "2014-05", "2014-05-01", "2014-05-31", False),
        ("June", "2014-06", "2014-06-01", "2014-06-30", False),
        ("September", "2013-09", "2013-09-01", "2013-09-30", False),  # not yet this year
        ("Last January", "2014-01", "2014-01-01", "2014-01-31", False),
        ("this year", "2014", "2014-01-01", "2014-12-31", False),
        ("last year", "2013", "2013-01-01", "2013-12-31", False),
        ("In the first half of this year", "2014-01/2014-06", "2014-01-01", "2014-06-30", False),
        ("in the second half of 2012", "2012-07/2012-12", "2012-07-01", "2012-12-31", True),
        ("in 2012", "2012", "2012-01-01", "2012-12-31", True),
        ("in March 2011", "2011-03", "2011-03-01", "2011-03-31", True),
        ("In the late 1980s or early 1990s", "1985~/1993~", "1985-01-01", "1993-12-31", True),
        ("in the 1990s", "199X", "1990-01-01", "1999-12-31", True),
        ("previously", "../2014-07-27", None, "2014-07-27", False),
        ("over the last recent decade", "2004~/2014", "2004-01-01", "2014-07-27", False),
        ("on March 3, 2014", "2014-03-03", "2014-03-03", "2014-03-03", True),
        ("yesterday", "2014-07-26", "2014-07-26", "2014-07-26", False),
    ],
)
def test_times_as_stated(stated: str, edtf: str, earliest: str | None, latest: str,
                         explicit: bool) -> None:  # fmt: skip
    time = read_time(stated, POSTED)
    assert time.edtf == edtf
    assert (time.earliest.isoformat() if time.earliest else None) == earliest
    assert time.latest is not None and time.latest.isoformat() == latest
    assert time.explicit is explicit
    assert explicit or time.note, "a time read from context says how"


def test_shipped_notes_are_generated_word_for_word() -> None:
    assert read_time("May", POSTED).note == (
        "The month is named without a year; read as May 2014, the most recent May before the "
        "posting date, 27 July 2014."
    )
    assert read_time("In the late 1980s or early 1990s", POSTED).note == (
        "The decades are stated; 'late 1980s' is taken as about 1985-1989 and 'early 1990s' as "
        "about 1990-1993, which gives the bounds."
    )


def test_relative_time_needs_a_date_and_nonsense_is_refused() -> None:
    with pytest.raises(UnreadableTime, match="no publication date"):
        read_time("this year", None)
    assert read_time("in 2012", None).edtf == "2012"  # explicit times need none
    with pytest.raises(UnreadableTime):
        read_time("when pigs fly", POSTED)


def test_given_times_keep_the_stated_words() -> None:
    time = given_time("Last January", "2013-01", "read from context")
    assert (time.edtf, time.explicit, time.note) == ("2013-01", False, "read from context")
    assert edtf_bounds("1985~/1993~") == (date(1985, 1, 1), date(1993, 12, 31))
    assert edtf_bounds("../2014-07-27") == (None, date(2014, 7, 27))
    with pytest.raises(UnreadableTime):
        edtf_bounds("2014-13")
