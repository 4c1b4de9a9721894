"""Is a passage about what the question names? Where each of the question's anchors sits
relative to a candidate's sentence.

An anchor is a name, a number or a content word of the question. Its *level* is how far
from the sentence the article ties it: 0 in the sentence, 1 in a neighbouring sentence,
2 within three sentences or in the title, 3 elsewhere in the article, 4 nowhere in it.
"How many troops has China sent to Russia?" answered from a sentence about North Korea
leaves "China" at level 3 or 4: the article never ties China to the figure.

Levels are measurements, not rules: the answer model learns on the SQuAD folds how much
each one matters (``features``), and ``answer`` names the anchors left far out when it
says the articles don't state the fact for that subject.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..text import FIGURE_OF_WORD, STOP, TOKEN, digits, meaning_stems, norm, stem

ABSENT = 4
NEAR = 1  # sentences on either side that count as the sentence's own context
CLOSE = 3


@dataclass(frozen=True)
class Anchors:
    """What the question names: capitalised words and corpus names, numbers, content stems."""

    names: tuple[str, ...]  # lower-cased words of names ("china", "kim", "jong")
    numbers: tuple[str, ...]  # as ``figures`` reads them: "11,000" → "11000"
    content: tuple[str, ...]  # content stems (the question's focus)


# Capitalised, but dates, not subjects: "June 17" is anchored by its number, as a date.
CALENDAR = frozenset("january february march april may june july august september october november december "
                     "monday tuesday wednesday thursday friday saturday sunday".split())


def anchors_of(q) -> Anchors:
    names = {w.lower() for n in q.names for w in TOKEN.findall(n)} | set(q.proper)
    names = {norm(w) for w in names if len(w) > 1 and w not in ("i",) and norm(w) not in CALENDAR}
    numbers = tuple(dict.fromkeys(digits(x) for x in FIGURE.findall(q.text)))
    return Anchors(tuple(sorted(names)), numbers, tuple(q.focus))


# A figure with its separators, read the same way in questions and passages ("6,000", "2.5").
FIGURE = re.compile(r"\d[\d,.]*\d|\d")
_FIGURE = "#"  # marks a figure among a text's words: a question's "6" is not the "6" piece of "6,000"


@lru_cache(maxsize=1 << 12)
def figures(text: str) -> frozenset[str]:
    """Every figure of a text as grounding compares them: thousands commas dropped, decimals
    kept ("6,000" → "6000"; "2.5" is not "25"), and number words as their figure ("four
    parties" → "4")."""
    found = {digits(x) for x in FIGURE.findall(text)}
    found.update(FIGURE_OF_WORD[w] for w in map(str.lower, TOKEN.findall(text)) if w in FIGURE_OF_WORD)
    return frozenset(found)


@lru_cache(maxsize=1 << 15)
def _words(text: str) -> frozenset[str]:
    """Lower-cased words, their stems and bare figures ("11,000" → "11000") of a text."""
    out: set[str] = set()
    for t in TOKEN.findall(text):
        out.update(_forms(t))
    # Figures whole and apart: the word pattern splits "6,000" at its comma, and a question's
    # "6,000" must find the passage's.
    out.update(_FIGURE + f for f in figures(text))
    return frozenset(out | acronyms(text))


@lru_cache(maxsize=1 << 16)
def _forms(token: str) -> tuple[str, ...]:
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


def _has_name(words: frozenset[str], name: str) -> bool:
    """A name word matches its inflections ("Korea" / "Korean", "Russia" / "Russia's")."""
    if name in words:
        return True
    if len(name) < 4:
        return False
    return any(w.startswith(name) and len(w) - len(name) <= 2 or name.startswith(w) and len(name) - len(w) <= 1 and len(w) >= 4
               for w in words if w[:1] == name[:1])


@dataclass(frozen=True)
class Levels:
    names: tuple[int, ...]
    numbers: tuple[int, ...]
    content: tuple[int, ...]


def _article_words(engine, doc_id: str) -> tuple[tuple[frozenset[str], ...], frozenset[str], frozenset[str]]:
    rows = engine.by_doc.get(doc_id) or []
    art = engine.articles.get(doc_id) or {}
    # keyed by the article's revision (its sentences' node ids change with it)
    return _words_of(tuple(r.text for r in rows), str(art.get("title", "")), rows[0].node_id if rows else "")


@lru_cache(maxsize=4096)
def _words_of(texts: tuple[str, ...], title: str, _revision: str):
    per = tuple(_words(t) for t in texts)
    return per, _words(title), frozenset().union(*per) if per else frozenset()


def levels(engine, anchors: Anchors, row) -> Levels:
    per, title, everything = _article_words(engine, row.doc_id)
    i = row.idx
    rings = [per[i] if i < len(per) else _words(row.text),
             frozenset().union(*per[max(0, i - NEAR): i + NEAR + 1]) if per else frozenset(),
             frozenset().union(*per[max(0, i - CLOSE): i + CLOSE + 1], title) if per else title,
             everything]

    def level(match) -> int:
        return next((k for k, ring in enumerate(rings) if match(ring)), ABSENT)

    return Levels(tuple(level(lambda r, n=n: _has_name(r, n)) for n in anchors.names),
                  tuple(level(lambda r, x=_FIGURE + x: x in r) for x in anchors.numbers),
                  tuple(level(lambda r, s=s: s in r) for s in anchors.content))


def far_names(engine, anchors: Anchors, row, at_least: int = 2) -> list[str]:
    """The question's name words that the article does not put near ``row``."""
    lv = levels(engine, anchors, row)
    return [n for n, k in zip(anchors.names, lv.names) if k >= at_least]
