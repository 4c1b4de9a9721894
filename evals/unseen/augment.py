"""Questions about a subject the article never names, made from answerable ones: the
training data for "the articles don't say this about China".

SQuAD 2.0's unanswerable questions were written by people who had read the paragraph: they
swap a word or negate, and rarely ask about a subject the article never mentions. Readers
of news do ("How many troops has China sent to Russia?" of articles about North Korea), and
a span model trained on SQuAD alone answers them with the figure for another country.

Each synthetic question is an answerable one with one of its names replaced by a name of the
same kind that its own article never contains: every other one a name from another article
of the corpus, the rest an invented one that no article contains (two names spliced,
"Harvard" + "Normans" → "Harmans"), as "China" is for articles about North Korea (seeded,
so every run draws the same). It is labelled unanswerable and used only to fit the confidence (never the span
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
    corpus = "\n".join(text_of.values())
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
        substitute = rng.choice(others)
        if len(out) % 2:
            substitute = _invented(rng, pool[label], corpus) or substitute
        out.append(SquadQuestion(f"{q.qid}~swap", q.title, q.question.replace(surface, substitute, 1), ()))
    return out


def _invented(rng: random.Random, names: list[str], corpus: str) -> str | None:
    """A name-like word no article contains: the start of one name and the end of another."""
    for _ in range(20):
        a, b = rng.choice(names).split()[0], rng.choice(names).split()[-1]
        if len(a) < 4 or len(b) < 4:
            continue
        name = a[: len(a) // 2] + b[len(b) // 2:]
        if name.lower() not in corpus.lower() and name[:1].isupper():
            return name
    return None
