"""What the corpus knows: word document-frequencies and a gazetteer of named entities.

Both are derived from the sentence table at load time (cheap), never from spaCy at
query time. The gazetteer lets a follow-up's "he" resolve to a person the corpus
names, and lets a refusal say "the articles mention Hong Min but not that".
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from .text import STOP, content_stems, stem

NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}


@dataclass
class Vocabulary:
    df: Counter  # stem -> number of sentences containing it
    n: int
    names: dict[str, str]  # surface form -> majority label
    name_pattern: re.Pattern | None
    entity_df: Counter  # answer key -> sentences that mention it

    @classmethod
    def build(cls, engine) -> Vocabulary:
        from .extract import key_of

        df: Counter = Counter()
        entity_df: Counter = Counter()
        labels: dict[str, Counter] = defaultdict(Counter)
        for row in engine.rows.values():
            df.update(set(content_stems(row.text)))
            entity_df.update({key_of(row.text[a:b], label) for a, b, label, *_ in row.entities})
            for a, b, label, *_ in row.entities:
                if label in NAME_LABELS:
                    surface = row.text[a:b].strip().removeprefix("the ").removesuffix("’s").removesuffix("'s")
                    if len(surface) > 2:
                        labels[surface][label] += 1
        for a in engine.articles.values():
            df.update(set(content_stems(a["title"] + " " + a["outlet"])))
        names = {s: c.most_common(1)[0][0] for s, c in labels.items()}
        # A person's surname alone ("Shoigu", "Lyubimova") takes the person's label.
        for s, label in list(names.items()):
            if label == "PERSON" and " " in s:
                for part in s.split()[1:]:
                    if len(part) > 3 and part in names:
                        names[part] = "PERSON"
        pattern = None
        if names:
            alts = "|".join(re.escape(s) for s in sorted(names, key=len, reverse=True))
            pattern = re.compile(rf"(?<!\w)(?:{alts})(?!\w)")
        return cls(df=df, n=max(1, len(engine.rows)), names=names, name_pattern=pattern, entity_df=entity_df)

    def idf(self, stem: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(stem, 0)))

    def rarity(self, key: str) -> float:
        """Near 1 for a value few sentences mention; lower for the corpus's constant
        topics ("North Korea", "Kim"), which are seldom what a question asks for."""
        return 1.0 / (1.0 + 2.0 * self.entity_df.get(key, 0) / self.n)

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
        return self.df.get(stem, 0) > 0

    def find_names(self, text: str) -> list[tuple[str, str]]:
        """(surface, label) of corpus names in ``text``, in order of appearance."""
        if not self.name_pattern:
            return []
        return [(m.group(), self.names[m.group()]) for m in self.name_pattern.finditer(text)]
