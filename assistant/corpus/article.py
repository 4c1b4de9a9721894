"""Building an Article from parsed parts: stable ids, content hashes, stated dates."""
from __future__ import annotations

import hashlib
import re
from datetime import date

from ..models import Article

MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}


def slug(text: str, limit: int = 24) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-") or "x"


def stable_id(outlet: str, title: str) -> str:
    """Same outlet and title → same id, so a corrected article replaces the old one."""
    norm_title = re.sub(r"\s+", " ", title.strip().lower())
    key = f"{outlet.strip().lower()}|{norm_title}"
    return f"{slug(outlet, 16)}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def _readings(text: str | None) -> list[tuple[int, int, int]]:
    """(year, month, day) that the text's full date can mean, the one ``iso_date`` takes
    first; [] when it states no day, month and year."""
    s = (text or "").strip()
    m = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", s)
    if m:
        return [(int(m[1]), int(m[2]), int(m[3]))]
    m = re.search(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b", s)  # 19-05-2025: day first; 05/19/2025 exists too
    if m:
        return [(int(m[3]), int(m[2]), int(m[1])), (int(m[3]), int(m[1]), int(m[2]))]
    m = re.search(r"\b([A-Za-z]+)\.? (\d{1,2}),? (\d{4})\b", s)
    if m and m[1].lower() in MONTHS:
        return [(int(m[3]), MONTHS[m[1].lower()], int(m[2]))]
    m = re.search(r"\b(\d{1,2}) ([A-Za-z]+),? (\d{4})\b", s)
    if m and m[2].lower() in MONTHS:
        return [(int(m[3]), MONTHS[m[2].lower()], int(m[1]))]
    return []


def iso_date(text: str | None) -> str | None:
    """An ISO date only when the text states day, month and year; never from '3 days ago'."""
    readings = _readings(text)
    return _safe(*readings[0]) if readings else None


def impossible_date(text: str | None) -> bool:
    """A day, month and year are written but no calendar has that day ('2025-13-45')."""
    readings = _readings(text)
    return bool(readings) and not any(_safe(*r) for r in readings)


def given_iso(value: str | None) -> str | None:
    """An ISO date handed in (an export's 'date_iso'), only if that day exists; a time after it is dropped."""
    m = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)", value or "")
    return _safe(int(m[1]), int(m[2]), int(m[3])) if m else None


RELATIVE = re.compile(r"^\s*(?:\d+|an?|one)\s+(?:minute|hour|day|week|month|year)s?\s+ago\s*$"
                      r"|^\s*(?:yesterday|today|just now|last (?:week|month|year|night))\s*$", re.I)
FULL_DATES = [
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), lambda m: (int(m[1]), int(m[2]), int(m[3]))),
    (re.compile(r"\b([A-Z][a-z]+)\.? (\d{1,2}),? (\d{4})\b"), lambda m: (int(m[3]), MONTHS.get(m[1].lower(), 0), int(m[2]))),
    (re.compile(r"\b(\d{1,2}) ([A-Z][a-z]+),? (\d{4})\b"), lambda m: (int(m[3]), MONTHS.get(m[2].lower(), 0), int(m[1]))),
]


def is_relative(date_text: str) -> bool:
    """'3 days ago', 'yesterday': true only on the day the page was printed."""
    return bool(RELATIVE.match(date_text or ""))


# Where an article states its own date: a dateline at the start ("SEOUL, June 17, 2025
# (Reuters) —", "17 June 2025 -"). A date further in is as likely a file photo's or a
# treaty's ("... signed on June 19, 2024") as the news's own, so it is never taken.
DATELINE_LEAD = re.compile(r"^\W{0,3}(?:[A-Z][A-Za-z .'’-]{1,40},\s*)?(?P<date>[^()—–:]{6,24}?)\s*(?:\(|[—–-]\s|:)")


def stated_date(text: str) -> tuple[str, str] | None:
    """The full date (day, month and year) of the article's dateline: (as written, ISO)."""
    m = DATELINE_LEAD.match(text[:160])
    if not m:
        return None
    for pattern, parts in FULL_DATES:
        d = pattern.fullmatch(m["date"].strip().rstrip(","))
        if d:
            y, mo, day = parts(d)
            iso = _safe(y, mo, day) if mo else None
            if iso:
                return d.group(), iso
    return None


INVALID_DATE = " (not a valid date)"


def printed_date(date_text: str, text: str) -> tuple[str, str | None]:
    """(date_text, date_iso) to store. A relative date is never passed off as a date: it is
    labelled as what the page printed, and a full date stated in the article is preferred.
    An impossible one ('2025-13-45') is labelled too, so no listing shows it as the date.
    Stored articles come through here again when listed: each label is added once."""
    if not is_relative(date_text):
        if impossible_date(date_text) and not date_text.rstrip().endswith(INVALID_DATE):
            return f"{date_text.strip()}{INVALID_DATE}", None
        return date_text, None
    when = date_text.strip()
    stated = stated_date(text)
    if stated:
        return f"{stated[0]} (stated in the article; the page printed “{when}”)", stated[1]
    return f"{when}, as printed on the page", None


def _safe(y: int, mo: int, d: int) -> str | None:
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return None


DOC_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def make_article(*, title: str, outlet: str, date_text: str, text: str, source: str,
                 url: str | None = None, date_iso: str | None = None, doc_id: str | None = None) -> Article:
    """``doc_id``: keep an id given by an export (so it round-trips through ingest)."""
    title = re.sub(r"\s+", " ", title).strip()
    # No outlet: the file stands in for it, so two outlet-less files with one title stay apart.
    id_owner = outlet.strip() or source.split("#")[0]
    outlet = outlet.strip() or "unknown outlet"
    date_text, stated_iso = printed_date(date_text, text)
    date_iso = given_iso(date_iso) or stated_iso  # a given date_iso may be any text (JSONL rows)
    digest = hashlib.sha256("\x1f".join([title, outlet, date_text, text]).encode()).hexdigest()
    return Article(
        doc_id=doc_id or stable_id(id_owner, title), title=title, outlet=outlet, date_text=date_text.strip(),
        date_iso=date_iso or iso_date(date_text), text=text, source=source, url=url or None,
        content_hash=digest[:16],
    )
