"""A relative date in a short answer ("on Tuesday", "last month", "yesterday") as the
calendar date it names, counted from its article's own date.

News writes dates relative to the day of publication; a quote read on its own, weeks
later or beside another outlet's report, does not say which Tuesday. The short answer and
its quotes stay verbatim: the calendar date is shown beside them, marked as worked out.
The convention is the one temporal taggers (SUTime, HeidelTime) use for news: a bare
weekday is the latest such day on or before the publication date.

An article's date may lack its year ("SEOUL, June 19 (UPI)"): then only what the month and
day decide is placed ("yesterday" is June 18, "last month" May), never a weekday, which
needs the year.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10}
_WEEKDAY = re.compile(rf"^(?:(on|last|next|this|early|late)\s+)?({'|'.join(WEEKDAYS)})(?:\s+(?:morning|afternoon|evening|night))?$")
_DAY = re.compile(r"^(yesterday|today|tomorrow)(?:\s+(?:morning|afternoon|evening|night))?$")
_AGO = re.compile(rf"^(\d+|{'|'.join(_NUMBERS)})\s+(day|week)s?\s+ago$")
_PERIOD = re.compile(r"^(?:(?:early|late|earlier|later)\s+)?(last|this|next|earlier this|later this)\s+(month|year)$")
_MONTH_DAY = re.compile(rf"^(?:(?:on|in|early|late|mid)[\s-]+)?({'|'.join(MONTHS)})(?:\s+(\d{{1,2}}))?$")
_FULL = re.compile(rf"^(?:on\s+)?(?:(?:{'|'.join(WEEKDAYS)}),?\s+)?"
                   rf"(?:({'|'.join(MONTHS)})\s+(\d{{1,2}}),?|(\d{{1,2}})\s+({'|'.join(MONTHS)}))\s+(\d{{4}})$")
_DATELINE = re.compile(rf"\b({'|'.join(MONTHS)})\.?\s+(\d{{1,2}})\b|\b(\d{{1,2}})\s+({'|'.join(MONTHS)})\b", re.I)


@dataclass(frozen=True)
class Published:
    """The day an article came out; ``year`` is None when its dateline omits it."""

    month: int
    day: int
    year: int | None = None


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
    month, day = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    try:
        date(2000, MONTHS.index(month.lower()) + 1, int(day))  # a leap year: February 29 is a day
    except ValueError:
        return None
    return Published(MONTHS.index(month.lower()) + 1, int(day))


def _full(d: date) -> tuple[str, date]:
    return f"{d:%A}, {d:%B} {d.day}, {d.year}", d


def _shifted(p: Published, days: int) -> tuple[str, date | None] | None:
    """``days`` after ``p``; without a year, only when leap years can't change the answer."""
    if p.year is not None:
        return _full(date(p.year, p.month, p.day) + timedelta(days=days))
    try:
        ends = {(d.month, d.day) for d in (date(y, p.month, p.day) + timedelta(days=days) for y in (2000, 2001))}
    except ValueError:  # February 29 in a common year
        return None
    if len(ends) != 1:
        return None
    month, day = ends.pop()
    return f"{MONTHS[month - 1].title()} {day}", None


def _place(text: str, published: Published) -> tuple[str, date | None] | None:
    """(the date written out, the day itself when it is one day of a known year)."""
    year = published.year
    if m := _WEEKDAY.match(text):
        if year is None:
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
        return _shifted(published, -n * (7 if m.group(2) == "week" else 1))
    if m := _PERIOD.match(text):
        step = {"last": -1, "next": 1}.get(m.group(1), 0)
        if m.group(2) == "year":
            return (str(year + step), None) if year is not None else None
        month = (year or 2000) * 12 + published.month - 1 + step
        name = MONTHS[month % 12].title()
        return (f"{name} {month // 12}", None) if year is not None else (name, None)
    if (m := _MONTH_DAY.match(text)) and year is not None:  # the year nearest the article's date
        month, day = MONTHS.index(m.group(1)) + 1, int(m.group(2) or 1)
        today = date(year, published.month, published.day)
        try:
            y = min((year + k for k in (-1, 0, 1)), key=lambda y: abs((date(y, month, day) - today).days))
        except ValueError:  # "February 30"
            return None
        if not m.group(2):
            return f"{m.group(1).title()} {y}", None
        return f"{m.group(1).title()} {m.group(2)}, {y}", date(y, month, day)
    return None


def _text(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip().rstrip(".,")).lower()


def resolve(value: str, published: Published) -> str | None:
    """The calendar date that ``value`` names, written out ("Tuesday, June 17, 2025"; "May
    2025"; "June 18" when the year is unknown), or None when it is no relative date that
    ``published`` can place."""
    placed = _place(_text(value), published)
    return placed[0] if placed else None


def day_of(value: str, published: Published | None) -> date | None:
    """The one day ``value`` names ("on Tuesday", "July 1", "July 1, 2025"), placed from
    ``published`` where it needs to be; None when it names no single day of a known year."""
    text = _text(value)
    if m := _FULL.match(text):
        month, day, year = (m.group(1), m.group(2), m.group(5)) if m.group(1) else (m.group(4), m.group(3), m.group(5))
        try:
            return date(int(year), MONTHS.index(month) + 1, int(day))
        except ValueError:
            return None
    placed = _place(text, published) if published else None
    return placed[1] if placed else None
