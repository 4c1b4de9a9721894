"""The words a text is grounded by: every word's forms, its figures and its names' initials.

Grounding (``answering/grounding``) asks whether a question's names, numbers and content
words sit in a passage. A sentence's side of that is derived once, when a version's
tables are built (``index/tables``), and read back with its article's rows: deriving it
at a question's first look at an article was a third of that question's time at 100k
sentences. Both sides use these functions, so they compare like with like.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .text import FIGURE_OF_WORD, STOP, TOKEN, digits, meaning_stems, norm, stem

# A figure with its separators, read the same way in questions and passages ("6,000", "2.5").
FIGURE = re.compile(r"\d[\d,.]*\d|\d")
FIGURE_MARK = "#"  # marks a figure among a text's words: a question's "6" is not the "6" piece of "6,000"


@lru_cache(maxsize=1 << 12)
def figures(text: str) -> frozenset[str]:
    """Every figure of a text as grounding compares them: thousands commas dropped, decimals
    kept ("6,000" → "6000"; "2.5" is not "25"), and number words as their figure ("four
    parties" → "4")."""
    found = {digits(x) for x in FIGURE.findall(text)}
    found.update(FIGURE_OF_WORD[w] for w in map(str.lower, TOKEN.findall(text)) if w in FIGURE_OF_WORD)
    return frozenset(found)


@lru_cache(maxsize=1 << 12)
def text_forms(text: str) -> frozenset[str]:
    """Lower-cased words, their stems and bare figures ("11,000" → "#11000") of a text, and
    the initials of its names. None holds a space: a row stores them space-joined."""
    out: set[str] = set()
    for t in TOKEN.findall(text):
        out.update(word_forms(t))
    # Figures whole and apart: the word pattern splits "6,000" at its comma, and a question's
    # "6,000" must find the passage's.
    out.update(FIGURE_MARK + f for f in figures(text))
    return frozenset(out | acronyms(text))


@lru_cache(maxsize=1 << 16)
def word_forms(token: str) -> tuple[str, ...]:
    """A word as grounding matches it: lower-cased, stemmed, its hyphen parts, and the stems
    of the parts that carry meaning (what ``content_stems`` gives a text)."""
    w = norm(token)
    return (w, stem(w), *w.split("-"), *meaning_stems(w))


# A run of capitalised words, with the small words names keep inside them.
_NAME_RUN = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:of|for|and|the|on|de|du|la)?\s*[A-Z][\w'’-]*)+")


def acronyms(text: str) -> frozenset[str]:
    """The initials of each multi-word name in ``text``, as news abbreviates it on second
    mention: "Multilateral Sanctions Monitoring Team" → "msmt", "Group of Seven" → "g7"
    (a number word as its figure). A question that says "G7" is then grounded in a passage
    that spells it out."""
    out = set()
    for m in _NAME_RUN.finditer(text):
        caps = [w for w in re.findall(r"[\w'’-]+", m.group()) if w[:1].isupper()]
        while caps and caps[0].lower() in STOP:  # "The" opening a sentence is not the name's
            caps.pop(0)
        out.add("".join(w[0] for w in caps).lower())
        out.add("".join(FIGURE_OF_WORD.get(w.lower(), w[0].lower()) for w in caps))
    return frozenset(a for a in out if len(a) >= 2)


def stored_forms(text: str) -> str:
    """``text_forms`` as a sentence row stores them (sorted, so builds are reproducible)."""
    return " ".join(sorted(text_forms(text)))
