"""The official SQuAD 2.0 scoring (normalised exact match and token F1).

An unanswerable question scores 1 when the system declines and 0 when it answers; an
answerable one scores 0 when declined. This is how "SQuAD 2.0 overall F1" is defined.
"""
from __future__ import annotations

import re
import string
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)


def normalize_answer(s: str) -> str:
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCT)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def exact(pred: str, gold: str) -> float:
    return float(normalize_answer(pred) == normalize_answer(gold))


def f1(pred: str, gold: str) -> float:
    p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
    if not p or not g:
        return float(p == g)
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def best(fn, pred: str | None, golds: tuple[str, ...]) -> float:
    """Score of a prediction (None = declined) against the gold answers."""
    if not golds:
        return float(pred is None)
    if pred is None:
        return 0.0
    return max(fn(pred, g) for g in golds)


CORRECT_F1 = 0.5  # a span "answers" when its F1 against a gold answer reaches this


def is_right(answerable: bool, f1_score: float) -> bool:
    """What every figure here counts as a right answer: to an answerable question, F1 >= 0.5."""
    return answerable and f1_score >= CORRECT_F1


def answers(pred: str | None, golds: tuple[str, ...]) -> bool:
    """Is ``pred`` a right answer to a question with these gold answers (none: unanswerable)?"""
    return pred is not None and is_right(bool(golds), best(f1, pred, golds))


def holds_answer(quote: str, golds: tuple[str, ...]) -> bool:
    """Does a cited passage contain one of the gold answers (normalised)?"""
    text = f" {normalize_answer(quote)} "
    return any(f" {normalize_answer(g)} " in text for g in golds if normalize_answer(g))


def prior_weights(answerable, share: float):
    """Per-question weights that move a set of questions to ``share`` answerable (the
    product's prior): SQuAD 2.0 is half unanswerable by design, readers' questions are not."""
    import numpy as np

    a = np.asarray(answerable, bool)
    have = a.mean() if len(a) else 0.0
    if have in (0.0, 1.0):
        return np.ones(len(a))
    return np.where(a, share / have, (1 - share) / (1 - have))


def weighted_precision(asserted, right, answerable, share: float) -> float | None:
    """Share of asserted answers that are right, with questions weighted to ``share``
    answerable (None when nothing is asserted)."""
    import numpy as np

    w = prior_weights(answerable, share)
    asserted = np.asarray(asserted, bool)
    total = float(w[asserted].sum())
    return float(w[asserted & np.asarray(right, bool)].sum() / total) if total else None
