"""A relative date in a short answer ("on Tuesday", "last month", "yesterday") as the
calendar date it names, counted from its article's own date.

News writes dates relative to the day of publication; a quote read on its own, weeks
later or beside another outlet's report, does not say which Tuesday. The short answer and
its quotes stay verbatim: the calendar date is shown beside them, marked as worked out.
A bare weekday is the latest such day on or before the publication date, unless its
sentence speaks of the future ("will sail on Tuesday"): then it is left unplaced rather
than guessed, since tense decides it (as temporal taggers such as HeidelTime read it).

An article's date may lack its year ("SEOUL, June 19 (UPI)"): then only what the month and
day decide is placed ("yesterday" is June 18, "last month" May), never a weekday, which
needs the year. Nothing here raises on odd input: a date that can't be placed is None.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..corpus.article import MONTHS as MONTH_NUMBER
from ..text import MONTH_NAME

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = tuple(MONTH_NUMBER)  # the month names ingest reads full dates with, in order
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10}
_MAX_DAYS_AGO = 3660
_MON = MONTH_NAME.lower()
_WEEKDAY = re.compile(rf"^(?:(on|last|next|this|early|late)\s+)?({'|'.join(WEEKDAYS)})(?:\s+(?:morning|afternoon|evening|night))?$")
_DAY = re.compile(r"^(yesterday|today|tomorrow)(?:\s+(?:morning|afternoon|evening|night))?$")
_AGO = re.compile(rf"^(\d{{1,4}}|{'|'.join(_NUMBERS)})\s+(day|week)s?\s+ago$")
_PERIOD = re.compile(r"^(?:early|late|earlier|later)?\s*(last|this|next)\s+(month|year)$")
_MONTH_DAY = re.compile(rf"^(?:(?:on|in|early|late|mid)(?:\s+|-))?(?:({_MON})(?:\s+(\d{{1,2}})(?:st|nd|rd|th)?)?"
                        rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MON}))$")
_FULL = re.compile(rf"^(?:on\s+)?(?:(?:{'|'.join(WEEKDAYS)}),?\s+)?"
                   rf"(?:({_MON})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MON}))\s+(\d{{4}})$")
# Case-sensitive: a dateline's month is capitalised ("may" in running text is no month).
_DATELINE = re.compile(rf"\b({MONTH_NAME})\s+(\d{{1,2}})\b|\b(\d{{1,2}})\s+({MONTH_NAME})")
# A sentence about what is to come: its bare weekday may lie after the publication date.
FUTURE = re.compile(r"\b(?:will|shall|is due|are due|is to|are to|plans? to|is expected to|are expected to|scheduled)\b", re.I)


@dataclass(frozen=True)
class Published:
    """The day an article came out; ``year`` is None when its dateline omits it."""

    month: int
    day: int
    year: int | None = None


def _month(name: str) -> int:
    """1-12 for a month's name or abbreviation ("Sept.", "aug")."""
    return next(i for m, i in MONTH_NUMBER.items() if m.startswith(name.lower().rstrip(".")[:3]))


def published_on(date_iso: str | None, date_text: str | None = None) -> Published | None:
    """The article's date: in full from ``date_iso``, else month and day from its dateline."""
    try:
        d = date.fromisoformat((date_iso or "")[:10])
        return Published(d.month, d.day, d.year)
    except ValueError:
        pass
    m = _DATELINE.search(date_text or "")
    if not m:
        return None
    month, day = (_month(m.group(1)), int(m.group(2))) if m.group(1) else (_month(m.group(4)), int(m.group(3)))
    try:
        date(2000, month, day)  # a leap year: February 29 is a day
    except ValueError:
        return None
    return Published(month, day)


def _full(d: date) -> tuple[str, date]:
    # written from the tables, not strftime: the shown date must not follow the server's locale
    return f"{WEEKDAYS[d.weekday()].title()}, {MONTHS[d.month - 1].title()} {d.day}, {d.year}", d


def _shifted(p: Published, days: int) -> tuple[str, date | None] | None:
    """``days`` after ``p``; without a year, only when leap years can't change the answer."""
    if p.year is not None:
        return _full(date(p.year, p.month, p.day) + timedelta(days=days))
    ends = set()
    for y in (2000, 2001):
        try:
            d = date(y, p.month, p.day) + timedelta(days=days)
        except ValueError:  # February 29 in a common year
            return None
        ends.add((d.month, d.day))
    if len(ends) != 1:
        return None
    month, day = ends.pop()
    return f"{MONTHS[month - 1].title()} {day}", None


def _nearest_year(p: Published, month: int, day: int) -> int | None:
    """The year that puts ``month``/``day`` nearest the article's date (a month alone: its middle)."""
    today = date(p.year, p.month, p.day)
    years = []
    for y in (p.year - 1, p.year, p.year + 1):
        try:
            years.append((abs((date(y, month, day) - today).days), y))
        except ValueError:  # February 29 of a common year, or a year out of range
            continue
    return min(years)[1] if years else None


def _place(text: str, published: Published, future: bool) -> tuple[str, date | None] | None:
    """(the date written out, the day itself when it is one day of a known year)."""
    year = published.year
    if m := _WEEKDAY.match(text):
        if year is None or (future and m.group(1) not in ("last", "next")):
            return None
        today = date(year, published.month, published.day)
        back = (today.weekday() - WEEKDAYS.index(m.group(2))) % 7
        if m.group(1) == "next":
            return _full(today + timedelta(days=(7 - back) % 7 or 7))
        return _full(today - timedelta(days=back or (7 if m.group(1) == "last" else 0)))
    if m := _DAY.match(text):
        return _shifted(published, {"yesterday": -1, "today": 0, "tomorrow": 1}[m.group(1)])
    if m := _AGO.match(text):
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBERS[m.group(1)]
        n *= 7 if m.group(2) == "week" else 1
        return _shifted(published, -n) if n <= _MAX_DAYS_AGO else None
    if m := _PERIOD.match(text):
        step = {"last": -1, "next": 1}[m.group(1)] if m.group(1) != "this" else 0
        if m.group(2) == "year":
            return (str(year + step), None) if year is not None else None
        month = (year or 2000) * 12 + published.month - 1 + step
        name = MONTHS[month % 12].title()
        return (f"{name} {month // 12}", None) if year is not None else (name, None)
    if (m := _MONTH_DAY.match(text)) and year is not None:
        name, day = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        month = _month(name)
        y = _nearest_year(published, month, int(day) if day else 15)
        if y is None:
            return None
        if not day:
            return f"{MONTHS[month - 1].title()} {y}", None
        return f"{MONTHS[month - 1].title()} {int(day)}, {y}", date(y, month, int(day))
    return None


def _text(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip().rstrip(",")).lower()


def _safely(value: str, published: Published, sentence: str) -> tuple[str, date | None] | None:
    text, future = _text(value), bool(FUTURE.search(sentence))
    try:
        # a full stop is the sentence's, unless it ends an abbreviation ("Sept.")
        return _place(text, published, future) or (_place(text[:-1], published, future) if text.endswith(".") else None)
    except (ValueError, OverflowError):  # an impossible article date, or one at the calendar's ends
        return None


def resolve(value: str, published: Published, sentence: str = "") -> str | None:
    """The calendar date that ``value`` (said in ``sentence``) names, written out ("Tuesday,
    June 17, 2025"; "May 2025"; "June 18" when the year is unknown), or None when it is no
    relative date that ``published`` can place."""
    placed = _safely(value, published, sentence)
    return placed[0] if placed else None


def day_of(value: str, published: Published | None, sentence: str = "") -> date | None:
    """The one day ``value`` names ("on Tuesday", "July 1", "1 July 2025"), placed from
    ``published`` where it needs to be; None when it names no single day of a known year."""
    text = _text(value)
    if m := _FULL.match(text):
        name, day = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        try:
            return date(int(m.group(5)), _month(name), int(day))
        except ValueError:
            return None
    placed = _safely(value, published, sentence) if published else None
    return placed[1] if placed else None
