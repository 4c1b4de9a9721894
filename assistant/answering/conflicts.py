"""Are two values claims about the same thing, so that they can disagree?

Two figures conflict only when both count the same subject over the same period:
"4,500 lost in Kursk" vs "6,000 casualties since October" may both be true, and so may a
total and one of its parts ("600 killed, including 100 officers"). What is checked:
the counted noun, the time anchors stated beside each value, and words that make a
value a part or an increment of another.
"""
from __future__ import annotations

import re

from ..text import TOKEN, content_stems
from .extract import MONTH

# Bounds ("more than", "at least") still state the figure; these make it another figure.
PART_OR_TOTAL = re.compile(r"\b(?:including|of whom|of them|among them|in total|total|overall|altogether|"
                           r"another|additional|further|so far|per|each|a year|annually)\b", re.I)
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
NEAR = 5  # tokens either side of a value read as its context


def _context(text: str, a: int, b: int) -> str:
    before = TOKEN.findall(text[:a])[-NEAR:]
    after = TOKEN.findall(text[b:])[:NEAR]
    return " ".join(before + after)


def _counted(value: str) -> str | None:
    words = [w for w in re.findall(r"[A-Za-z]+", value) if w.lower() not in ("more", "than", "about", "some", "over", "nearly")]
    stems = content_stems(words[-1]) if words else []
    return stems[-1] if stems else None


def _anchors(text: str, dates: list[str]) -> set[str]:
    """Years and months the sentence pins its facts to."""
    found = set(YEAR.findall(text))
    for d in dates:
        found |= {m.lower()[:3] for m in MONTH.findall(d)}
    return found


def comparable(lead: tuple[str, int, int, list[str]], other: tuple[str, int, int, list[str]], numeric: bool) -> bool:
    """``(sentence, start, end, dates in the sentence)`` of each value."""
    (ta, a0, a1, da), (tb, b0, b1, db) = lead, other
    if not numeric:
        return True  # two dates for one event: the dates are the claims themselves
    va, vb = ta[a0:a1], tb[b0:b1]
    ca, cb = _counted(va), _counted(vb)
    if ca and cb and ca != cb:
        return False  # "6,000 workers" and "1,000 deminers" count different things
    if PART_OR_TOTAL.search(_context(ta, a0, a1)) or PART_OR_TOTAL.search(_context(tb, b0, b1)):
        return False  # a part, an increment, or a running total
    xa, xb = _anchors(ta, da), _anchors(tb, db)
    return not (xa and xb and not (xa & xb))  # stated for different periods
