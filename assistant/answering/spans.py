"""Candidate answer spans: every entity, noun phrase and proper-noun run that spaCy
tagged at ingest in the best sentences, plus a clause for questions a phrase can't answer.

Nothing is filtered by hand-set weights here: the model learns which spans answer.
Dropped are only spans that can never be an answer: those that merely repeat the
question, those that touch a photo credit, byline, agency tag or dateline, and fragments
of a name ("North" out of the place "North Korea").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..corpus.boilerplate import credit_ranges
from ..questions.question import Question
from ..text import answer_key, content_stems
from .extract import _clean, clause_answer
from .scoring import Scored

SENTENCES = 8  # best sentences whose spans are candidates
CLAUSE_SENTENCES = 3
# Entity labels that name one thing: a span strictly inside one of these is a fragment of a name.
NAME_LABELS = frozenset({"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "PROPN"})


def _unusable(entities, a: int, b: int, label: str, credits: list[tuple[int, int]]) -> bool:
    """Does ``[a, b)`` touch a credit, or is it a piece of a longer name: an untagged run or
    a name of the same kind strictly inside it ("North" in "North Korea", "Kim" in "Kim Jong
    Un"; not "Russia" in "Russia's Security Council", a name of its own)?"""
    if any(a < y and x < b for x, y in credits):
        return True
    return any(outer in NAME_LABELS and outer != "PROPN" and x <= a and b <= y and (x, y) != (a, b)
               and (label in ("PROPN", "NP") or label == outer) for x, y, outer, *_ in entities)


@dataclass
class Span:
    value: str  # verbatim text of the span (or the clause)
    key: str  # normalised, for grouping the same value across sentences
    label: str  # spaCy label, "NP", "PROPN" or "CLAUSE"
    sentence: Scored
    rank: int  # the sentence's rank among the scored sentences
    start: int  # offsets within the sentence
    end: int
    governor: str = ""


def span_key(value: str, label: str) -> str:
    """The value normalised, for grouping the same answer across sentences."""
    return "clause:" + re.sub(r"\W+", " ", value.lower()).strip() if label == "CLAUSE" else answer_key(value, label)


def gather(q: Question, scored: list[Scored]) -> list[Span]:
    out: list[Span] = []
    seen: set[tuple[str, int, int]] = set()
    for rank, s in enumerate(scored[:SENTENCES]):
        text = s.row.text
        credits = credit_ranges(text)
        for a, b, label, *rest in s.row.entities:
            value = _clean(text[a:b])
            if not value or (s.row.node_id, a, b) in seen or "[" in value or _unusable(s.row.entities, a, b, label, credits):
                continue  # "[" : a reference mark caught in the span ("this day.[citation")
            seen.add((s.row.node_id, a, b))
            stems = content_stems(value)
            if not stems or all(st in q.excluded for st in stems):
                continue
            out.append(Span(value, span_key(value, label), label, s, rank, a, b, rest[0] if rest else ""))
        if rank < CLAUSE_SENTENCES:
            clause = clause_answer(q, s)
            at = text.find(clause.removesuffix(" …")[:40])
            if clause and at >= 0:
                out.append(Span(clause, span_key(clause, "CLAUSE"), "CLAUSE", s, rank,
                                at, at + len(clause.removesuffix(" …"))))
    return out
