"""What the corpus knows: word document-frequencies and a gazetteer of named entities.

Counted from the sentence rows at build time (``Tally``: additive, so a version with a few
more articles adds their counts to the previous version's) and stored in the tables file;
a question looks up only its own words and names. The gazetteer lets a follow-up's "he" resolve to a person the corpus names, and lets a
refusal say "the articles mention Hong Min but not that".
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...text import STOP, answer_key, content_stems, stem

if TYPE_CHECKING:
    from .sentences import SentenceRow
    from .store import TablesFile

NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
_WORD = re.compile(r"\w")


def first_key(doc_id: str, idx: int, k: int) -> str:
    """Sorts as (doc_id, idx, k), the order rows and their entities are counted in."""
    return f"{doc_id}\x1f{idx:09d}\x1f{k:04d}"


def name_surface(text: str, a: int, b: int) -> str:
    return text[a:b].strip().removeprefix("the ").removesuffix("’s").removesuffix("'s")


@dataclass
class Tally:
    """Additive counts of a set of rows and article heads: a version's counts are the
    previous version's plus the added articles' tally minus the removed ones' (``sign``),
    so a few new articles are counted without reading the rest of the corpus."""
    df: Counter = field(default_factory=Counter)  # stem -> sentences (and article heads) containing it
    entity_df: Counter = field(default_factory=Counter)  # answer key -> sentences that mention it
    labels: Counter = field(default_factory=Counter)  # (surface, label) -> mentions
    first: dict[tuple[str, str], str] = field(default_factory=dict)  # (surface, label) -> first_key of its first mention
    words: Counter = field(default_factory=Counter)  # vocabulary word -> sentences containing it

    def add_rows(self, rows: Iterable[SentenceRow], sign: int = 1) -> None:
        from .synonyms import row_words

        for row in rows:
            for s in set(content_stems(row.text)):
                self.df[s] += sign
            for key in {answer_key(row.text[a:b], label) for a, b, label, *_ in row.entities}:
                self.entity_df[key] += sign
            for w in row_words(row.text):
                self.words[w] += sign
            for k, (a, b, label, *_) in enumerate(row.entities):
                if label in NAME_LABELS:
                    surface = name_surface(row.text, a, b)
                    if len(surface) > 2:
                        self.labels[surface, label] += sign
                        if sign > 0:
                            here = first_key(row.doc_id, row.idx, k)
                            if here < self.first.get((surface, label), "\x7f"):
                                self.first[surface, label] = here

    def add_heads(self, heads: Iterable[str], sign: int = 1) -> None:
        """Each article's title and outlet count once in the stems' frequencies."""
        for head in heads:
            for s in set(content_stems(head)):
                self.df[s] += sign


def majority_names(labels: Iterable[tuple[str, str, int, str]]) -> dict[str, str]:
    """surface -> label from (surface, label, mentions, first_key): the most mentioned
    label, ties to the first seen; then a person's surname alone ("Shoigu", "Lyubimova")
    takes the person's label."""
    best: dict[str, tuple[int, str, str]] = {}
    for surface, label, n, first in labels:
        if n <= 0:
            continue
        got = best.get(surface)
        if got is None or (n, got[1]) > (got[0], first):
            best[surface] = (n, first, label)
    names = {s: b[2] for s, b in best.items()}
    for s, label in list(names.items()):
        if label == "PERSON" and " " in s:
            for part in s.split()[1:]:
                if len(part) > 3 and part in names:
                    names[part] = "PERSON"
    return names


class Vocabulary:
    """Lookups into one version's counts (memoised: a question asks for few words)."""

    def __init__(self, db: TablesFile):
        self._db = db
        self.n = max(1, int(db.meta("sentences") or 0))
        self._longest_name = int(db.meta("longest_name") or 0)
        self._df: dict[str, int] = {}
        self._entity_df: dict[str, int] = {}

    def _lookup(self, memo: dict[str, int], table: str, key: str) -> int:
        got = memo.get(key)
        if got is None:
            rows = self._db.query(f"SELECT n FROM {table} WHERE key = ?", (key,))
            got = memo[key] = int(rows[0][0]) if rows else 0
        return got

    def df(self, stem: str) -> int:
        return self._lookup(self._df, "stems", stem)

    def idf(self, stem: str) -> float:
        return math.log(1 + self.n / (1 + self.df(stem)))

    def rarity(self, key: str) -> float:
        """Near 1 for a value few sentences mention; lower for the corpus's constant
        topics ("North Korea", "Kim"), which are seldom what a question asks for."""
        return 1.0 / (1.0 + 2.0 * self._lookup(self._entity_df, "entities", key) / self.n)

    def unknown_names(self, question: str) -> list[str]:
        """Capitalised words of the question that no article uses, in the position of
        what is asked about: "Syria" in "... send to Syria?", "Cup" in "the World Cup".
        A name used only to describe something else ("the Hague-based court", "the
        Kremlin chief") is a paraphrase the passages may still answer."""
        q = question.strip()
        out = []
        for m in re.finditer(r"(?<![.?!]\s)(?<!^)\b[A-Z][a-zA-Z]+\b", q):
            w = m.group()
            if self.known(stem(w.lower())) or w.lower() in STOP:
                continue
            if re.match(r"(?:-based|-led|-backed|['’]s)?\s+[a-z]", q[m.end():]) or re.match(r"-\w", q[m.end():]):
                continue  # a modifier
            out.append(w)
        return out

    def max_idf(self) -> float:
        return math.log(1 + self.n)

    def known(self, stem: str) -> bool:
        return self.df(stem) > 0

    def names(self) -> list[tuple[str, str]]:
        """Every (name, label) of the gazetteer (the trainer draws substitute subjects from it)."""
        return [(k, lab) for k, lab in self._db.query("SELECT key, label FROM names ORDER BY key")]

    def find_names(self, text: str) -> list[tuple[str, str]]:
        """(surface, label) of corpus names in ``text``, in order of appearance: at each
        position the longest name bounded by non-word characters, scanning on after it
        (what one regex alternation of every name, longest first, would find; that regex
        took seconds to compile at 100k sentences, so the candidates are looked up)."""
        if not self._longest_name or not text:
            return []
        starts = [i for i in range(len(text)) if not text[i].isspace() and (i == 0 or not _WORD.match(text[i - 1]))]
        ends = [j for j in range(1, len(text) + 1) if j == len(text) or not _WORD.match(text[j])]
        spans = {text[i:j] for i in starts for j in ends if 0 < j - i <= self._longest_name}
        labels = dict(self._db.query_in("SELECT key, label FROM names WHERE key IN ({})", sorted(spans)))
        out, pos, start_set = [], 0, set(starts)
        while pos < len(text):
            if pos in start_set:
                best = next((text[pos:j] for j in reversed(ends) if pos < j <= pos + self._longest_name
                             and text[pos:j] in labels), None)
                if best is not None:
                    out.append((best, labels[best]))
                    pos += len(best)
                    continue
            pos += 1
        return out
