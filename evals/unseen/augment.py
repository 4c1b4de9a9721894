"""Questions about a subject the article never names, made from answerable ones: the
training data for "the articles don't say this about China".

SQuAD 2.0's unanswerable questions were written by people who had read the paragraph: they
swap a word or negate, and rarely ask about a subject the article never mentions. Readers
of news do ("How many troops has China sent to Russia?" of articles about North Korea), and
a span model trained on SQuAD alone answers them with the figure for another country.

Each synthetic question is an answerable one with one of its names replaced by a corpus
name of the same kind that its own article never contains (seeded, so every run draws the
same). It is labelled unanswerable and used only to fit the confidence (never the span
ranker, never the threshold or any reported figure); it belongs to its source question's
fold, so no fold model sees synthetic questions made from the articles it is scored on.
"""
from __future__ import annotations

import random

from .dataset import SquadArticle, SquadQuestion

SWAP_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"})
SEED = 13


def swap_subjects(vocab, articles: list[SquadArticle], questions: list[SquadQuestion]) -> list[SquadQuestion]:
    text_of = {a.title: a.text for a in articles}
    pool: dict[str, list[str]] = {}
    for name, label in vocab.names():
        if label in SWAP_LABELS and len(name) > 3 and name[:1].isupper():
            pool.setdefault(label, []).append(name)
    rng = random.Random(SEED)
    out = []
    for q in questions:
        if not q.answerable:
            continue
        text = text_of[q.title]
        named = [(s, lab) for s, lab in vocab.find_names(q.question) if lab in SWAP_LABELS and s in text]
        if not named:
            continue
        surface, label = rng.choice(named)
        others = [n for n in pool.get(label, []) if n not in text and n.lower() not in q.question.lower()]
        if not others:
            continue
        out.append(SquadQuestion(f"{q.qid}~swap", q.title, q.question.replace(surface, rng.choice(others), 1), ()))
    return out
