"""Text normalisation for answer matching.

The engine quotes articles verbatim, so the same fact can arrive as "11,000" or
"11000", with curly or straight quotes, across a line break. Matching on a
normalised form keeps the scorer from failing correct answers on typography.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
})
_THOUSANDS = re.compile(r"(?<=\d)[,\u202f](?=\d{3}(?!\d))")
_SPACE = re.compile(r"\s+")
_SOURCES = re.compile(r"^\s*\**Sources\**\s*:?\s*$", re.MULTILINE | re.IGNORECASE)
_MARKER = re.compile(r"\[\d+\]")


def normalise(text: str | None) -> str:
    """Case-folded, straight-quoted, whitespace-collapsed, thousands separators dropped.

    Dropping separators on both sides is what makes "11,000" and "11000" compare equal
    in either direction.
    """
    if not text:
        return ""
    out = text.translate(_QUOTES).casefold()
    out = _THOUSANDS.sub("", out)
    return _SPACE.sub(" ", out).strip()


def answer_body(text: str | None) -> str:
    """The answer as said, without the sources list and the [n] markers.

    The rendered text ends with a sources block (titles, dates, character offsets):
    matching forms there would credit "June 30" or "2" to a dateline or a marker.
    """
    if not text:
        return ""
    m = _SOURCES.search(text)
    body = text[: m.start()] if m else text
    return _MARKER.sub(" ", body)


def _pattern(form: str) -> re.Pattern[str]:
    """A form must not sit inside a longer number: "6,000" must not match "16,000"."""
    body = re.escape(form)
    lead = r"(?<![\d.])" if form[:1].isdigit() else ""
    tail = r"(?![\d])" if form[-1:].isdigit() else ""
    return re.compile(lead + body + tail)


def contains_form(haystack: str | None, form: str) -> bool:
    """True when the normalised form occurs in the normalised haystack."""
    needle = normalise(form)
    if not needle:
        return False
    return _pattern(needle).search(normalise(haystack)) is not None


def first_form(haystack: str | None, forms: Iterable[str]) -> str | None:
    """The first acceptable form found, for failure reports ("matched 6000")."""
    for form in forms:
        if contains_form(haystack, form):
            return form
    return None
