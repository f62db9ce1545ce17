"""Reading a time as a source states it, resolved against the publication date.

kgtool's rules cover what news writes most ("May", "Last January", "this
year", "in the first half of this year", "in 2012", "in the late 1980s or
early 1990s", "previously", "over the last decade"); dateparser reads the
rest ("on March 3, 2014", "yesterday"). Every reading yields the stated
words, an EDTF value, earliest / latest bounds, whether the text gave the
time in full or it was worked out from context, and for the latter a note
that says how, so the interpretation is visible in the graph.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
_MONTH = "|".join(MONTHS)
_LEAD = r"(?:in|during|since|by|on|over|for)\s+"


class UnreadableTime(Exception):
    """A stated time that cannot be read; the message says why."""


@dataclass
class TimeValue:
    stated: str
    edtf: str
    earliest: date | None
    latest: date | None
    explicit: bool
    note: str | None = None
    #: the bounds of a vague period ("late 1980s", "about 2004") were chosen by a rule
    chosen_bounds: bool = False

    @property
    def year(self) -> str | None:
        """The xsd:gYear when the time is exactly one year."""
        if re.fullmatch(r"\d{4}", self.edtf):
            return self.edtf
        return None

    @property
    def year_month(self) -> str | None:
        if re.fullmatch(r"\d{4}-\d{2}", self.edtf):
            return self.edtf
        return None


def spoken(day: date) -> str:
    """27 July 2014: how notes name a day."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _part_bounds(part: str) -> tuple[date | None, date | None]:
    """Bounds of one side of an EDTF value: 2014, 2014-05, 2014-05-03, 198X, with ~ or ?."""
    core = part.rstrip("~?%")
    if core in ("", ".."):
        return None, None
    if re.fullmatch(r"\d{3}X", core):
        start = int(core[:3]) * 10
        return date(start, 1, 1), date(start + 9, 12, 31)
    if re.fullmatch(r"\d{4}", core):
        return date(int(core), 1, 1), date(int(core), 12, 31)
    if re.fullmatch(r"\d{4}-\d{2}", core):
        year, month = int(core[:4]), int(core[5:])
        if 1 <= month <= 12:
            return date(year, month, 1), _month_end(year, month)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", core):
        day = date.fromisoformat(core)
        return day, day
    raise UnreadableTime(f"'{part}' is not an EDTF date (write 2014, 2014-05, 2014-05-03, 198X)")


def edtf_bounds(value: str) -> tuple[date | None, date | None]:
    """(earliest, latest) of an EDTF value or interval."""
    try:
        if "/" in value:
            start, end = value.split("/", 1)
            return _part_bounds(start)[0], _part_bounds(end)[1]
        return _part_bounds(value)
    except ValueError as error:
        raise UnreadableTime(f"'{value}': {error}") from None


def _decade(qualifier: str | None, decade: int) -> tuple[int, int]:
    spans = {"early": (0, 3), "mid": (3, 6), "late": (5, 9), None: (0, 9)}
    low, high = spans[qualifier]
    return decade + low, decade + high


def read_time(stated: str, published: date | None) -> TimeValue:
    """Read a stated time; ``published`` is needed for anything relative."""
    text = " ".join(stated.split())
    lowered = text.lower()
    bare = re.sub(rf"^{_LEAD}", "", lowered)
    bare = re.sub(r"^the\s+", "", bare)

    if re.fullmatch(r"\d{4}", bare):
        year = int(bare)
        return TimeValue(text, bare, date(year, 1, 1), date(year, 12, 31), True)
    match = re.fullmatch(rf"({_MONTH})\s+(?:of\s+)?(\d{{4}})", bare)
    if match:
        month, year = MONTHS[match.group(1)], int(match.group(2))
        return TimeValue(
            text, f"{year}-{month:02d}", date(year, month, 1), _month_end(year, month), True
        )
    decades = re.findall(r"(early|mid|late)?[\s-]*(\d{3})0s", bare)
    if decades and re.fullmatch(r"[\w\s-]*\d{3}0s(?:\s+(?:or|and|to)\s+[\w\s-]*\d{3}0s)?", bare):
        return _decades(text, decades)
    if published is None:
        raise UnreadableTime(
            f"'{stated}' is relative, and the source has no publication date to resolve it "
            "against (give the time explicitly, or the source's date with add source --published)"
        )
    return _relative(text, bare, published)


def _decades(text: str, decades: list[tuple[str, str]]) -> TimeValue:
    spans = [_decade(q or None, int(d) * 10) for q, d in decades]
    first, last = spans[0][0], spans[-1][1]
    named = [
        f"'{(q + ' ' if q else '')}{d}0s' as about {a}-{b}"
        for (q, d), (a, b) in zip(decades, spans, strict=True)
    ]
    approximate = any(q for q, _ in decades)
    mark = "~" if approximate else ""
    edtf = f"{first}{mark}/{last}{mark}"
    if len(spans) == 1 and not approximate:
        edtf = f"{decades[0][1]}X"
    noun = "decades are" if len(spans) > 1 else "decade is"
    named[0] = named[0].replace(" as ", " is taken as ", 1)
    note = f"The {noun} stated; " + " and ".join(named) + ", which gives the bounds."
    return TimeValue(
        text,
        edtf,
        date(first, 1, 1),
        date(last, 12, 31),
        True,
        note if approximate else None,
        approximate,
    )


def _relative(text: str, bare: str, published: date) -> TimeValue:
    when = spoken(published)
    year = published.year
    if bare in ("this year", "so far this year", "earlier this year"):
        note = f"Relative to the posting date, {when}: '{text}' is {year}."
        return TimeValue(text, str(year), date(year, 1, 1), date(year, 12, 31), False, note)
    if bare == "last year":
        note = f"Relative to the posting date, {when}: '{text}' is {year - 1}."
        return TimeValue(
            text, str(year - 1), date(year - 1, 1, 1), date(year - 1, 12, 31), False, note
        )
    match = re.fullmatch(r"(first|second) half of (this year|last year|\d{4})", bare)
    if match:
        target = {"this year": year, "last year": year - 1}.get(match.group(2))
        explicit = target is None
        target = int(match.group(2)) if target is None else target
        first = match.group(1) == "first"
        months = (1, 6) if first else (7, 12)
        edtf = f"{target}-{months[0]:02d}/{target}-{months[1]:02d}"
        span = "January to June" if first else "July to December"
        half = f"the {match.group(1)} half of {target}, {span}"
        relative = None if explicit else f"Relative to the posting date, {when}: {half}."
        return TimeValue(
            text,
            edtf,
            date(target, months[0], 1),
            _month_end(target, months[1]),
            explicit,
            relative,
        )
    match = re.fullmatch(rf"(last\s+|this\s+)?({_MONTH})", bare)
    if match:
        month = MONTHS[match.group(2)]
        name = calendar.month_name[month]
        target = year if month <= published.month else year - 1
        if match.group(1) and match.group(1).strip() == "last" and month >= published.month:
            target = year - 1
        if match.group(1):
            note = (
                f"Relative to the posting date, {when}: the most recent {name} before it, "
                f"{name} {target}."
            )
        else:
            note = (
                f"The month is named without a year; read as {name} {target}, the most "
                f"recent {name} before the posting date, {when}."
            )
        return TimeValue(
            text,
            f"{target}-{month:02d}",
            date(target, month, 1),
            _month_end(target, month),
            False,
            note,
        )
    if bare in ("previously", "before", "earlier", "in the past", "formerly"):
        note = f"'{text}' has no start in the text; it ends no later than the posting date, {when}."
        return TimeValue(text, f"../{published.isoformat()}", None, published, False, note)
    match = re.fullmatch(r"(?:last|past)(?: recent)? (decade|ten years)", bare)
    if match:
        start = year - 10
        note = (
            f"Relative to the posting date, {when}: the ten years or so before it, "
            f"about {start} to {year}."
        )
        return TimeValue(text, f"{start}~/{year}", date(start, 1, 1), published, False, note, True)
    return _parsed(text, published)


def _parsed(text: str, published: date) -> TimeValue:
    """A day, through dateparser: explicit when the words hold the year, else resolved."""
    import dateparser

    found = dateparser.parse(
        text,
        languages=["en"],
        settings={
            "RELATIVE_BASE": _midday(published),
            "PREFER_DATES_FROM": "past",
            "REQUIRE_PARTS": ["day", "month", "year"],
        },
    )
    if found is None:
        raise UnreadableTime(
            f"cannot read the time '{text}' (write it as stated, e.g. 'May', 'in 2012', "
            "'Last January', or give {stated: ..., value: 2013-01, note: ...})"
        )
    day = found.date()
    explicit = bool(re.search(r"\b\d{4}\b", text))
    note = (
        None if explicit else f"Relative to the posting date, {spoken(published)}: {spoken(day)}."
    )
    return TimeValue(text, day.isoformat(), day, day, explicit, note)


def _midday(day: date) -> object:
    from datetime import datetime

    return datetime(day.year, day.month, day.day, 12) + timedelta(0)


def given_time(stated: str, value: str, note: str | None) -> TimeValue:
    """A time whose resolved value the curator gives (EDTF), with the stated words kept."""
    earliest, latest = edtf_bounds(value)
    explicit = all(year in stated for year in re.findall(r"\d{4}", value)) and bool(
        re.search(r"\d{4}", stated)
    )
    vague = "~" in value or "X" in value
    return TimeValue(" ".join(stated.split()), value, earliest, latest, explicit, note, vague)
