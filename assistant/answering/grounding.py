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

from dataclasses import dataclass

from ..index.snapshot import Snapshot
from ..text import TOKEN, digits, norm
from ..wordforms import FIGURE, FIGURE_MARK, text_forms

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


def _article_words(snap: Snapshot, row) -> tuple[tuple[frozenset[str], ...], frozenset[str], frozenset[str]]:
    """Each sentence's words in the article of ``row``, its title's, and all of them: read
    from the version's tables, where they were derived when it was built."""
    forms = snap.forms.get(row.doc_id)
    title = text_forms(str((snap.articles.get(row.doc_id) or {}).get("title", "")))
    return (forms.sentences, title, forms.every) if forms else ((), title, frozenset())


def levels(snap: Snapshot, anchors: Anchors, row) -> Levels:
    per, title, everything = _article_words(snap, row)
    i = row.idx
    rings = [per[i] if i < len(per) else text_forms(row.text),
             frozenset().union(*per[max(0, i - NEAR): i + NEAR + 1]) if per else frozenset(),
             frozenset().union(*per[max(0, i - CLOSE): i + CLOSE + 1], title) if per else title,
             everything]

    def level(match) -> int:
        return next((k for k, ring in enumerate(rings) if match(ring)), ABSENT)

    return Levels(tuple(level(lambda r, n=n: _has_name(r, n)) for n in anchors.names),
                  tuple(level(lambda r, x=FIGURE_MARK + x: x in r) for x in anchors.numbers),
                  tuple(level(lambda r, s=s: s in r) for s in anchors.content))


def far_names(snap: Snapshot, anchors: Anchors, row, at_least: int = 2) -> list[str]:
    """The question's name words that the article does not put near ``row``."""
    lv = levels(snap, anchors, row)
    return [n for n, k in zip(anchors.names, lv.names) if k >= at_least]
