"""The kind of span a question wants, learned: "Which fighter jets ..." wants a product name,
"Where will ..." a place, "What is the name of the destroyer ..." a name.

A multinomial logistic regression from the question (its wh-word, the MiniLM embedding of
the whole question, and that of its focus noun: "jets", "destroyer") to the label of the
gold answer span (spaCy's entity labels, NP, PROPN, CLAUSE). Trained by `assistant train`
on the SQuAD folds; its probability of each candidate's label is a feature of the answer
model. No table of rules: the question patterns in ``question`` stay only as features.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..text import STOP

WH = ["what", "which", "who", "whom", "whose", "when", "where", "why", "how many", "how much", "how long", "how"]


def wh_word(text: str) -> str:
    low = text.lower()
    for w in ("how many", "how much", "how long"):
        if w in low:
            return w
    first = re.findall(r"\b(what|which|who|whom|whose|when|where|why|how)\b", low)
    return first[0] if first else "other"


_GENERIC = {"name", "kind", "kinds", "type", "types", "sort", "sorts", "form", "forms"}


def focus_noun(q) -> str | None:
    """The noun that names the kind of answer: "country" in "What country is ...",
    "soldiers" in "how many soldiers", "jets" in "Which fighter jets"."""
    if q.head_word and q.head_word.lower() not in _GENERIC:
        return q.head_word
    of = re.search(r"\b(?:kinds?|types?|sorts?|forms?|name)\s+of\s+(?:the\s+|a\s+|an\s+)?(?:[A-Z]\w+\s+)*([a-z-]+)", q.text)
    if of:
        return of.group(1)
    m = re.search(r"\b(?:[Ww]hat|[Ww]hich)\s+(?:[A-Z]\w+\s+)*((?:[a-z-]+\s+){0,2}?[a-z-]+)\s+"
                  r"(?:is|was|are|were|did|do|does|has|have|had|will|would|can|could|of|in|on|at|to|for|by|that"
                  r"|[a-z]+ed|took|won|led|held|met|made|sent|built|saw|became|began|came|went|left|gave|got|carry|carries)\b", q.text)
    if m and m.group(1).split()[-1] not in STOP:
        return m.group(1).split()[-1]
    m = re.search(r"\b(?:[Ww]hat|[Ww]hich)\s+(?:[A-Z]\w+\s+)*([a-z]+)\b", q.text)
    return m.group(1) if m and m.group(1) not in STOP else None


_VECTORS: dict[str, np.ndarray] = {}  # one embedding model per process: its word vectors never change


def _word_vector(embed, word: str) -> np.ndarray:
    v = _VECTORS.get(word)
    if v is None:
        if len(_VECTORS) > 50_000:
            _VECTORS.clear()
        v = _VECTORS[word] = np.asarray(embed.encode([word])[0], np.float32)
    return v


def question_vector(embed, q, dims: int) -> np.ndarray:
    """[wh one-hot, question embedding, focus-noun embedding] of a question."""
    wh = wh_word(q.text)
    onehot = np.asarray([float(wh == w) for w in WH] + [float(wh not in WH)], np.float32)
    qv = np.asarray(q.vector, np.float32) if getattr(q, "vector", None) is not None else np.zeros(dims, np.float32)
    noun = focus_noun(q)
    nv = _word_vector(embed, noun.lower()) if noun else np.zeros(dims, np.float32)
    return np.concatenate([onehot, qv, nv])


@dataclass(frozen=True)
class TypeModel:
    """P(gold span label | question) over ``labels``."""

    labels: tuple[str, ...]
    weights: np.ndarray  # (n_labels, n_inputs)
    bias: np.ndarray  # (n_labels,)

    def probs(self, x: np.ndarray) -> np.ndarray:
        z = self.weights @ x + self.bias
        z = np.exp(z - z.max())
        return z / z.sum()

    def to_json(self) -> dict:
        return {"labels": list(self.labels), "weights": np.round(self.weights, 5).tolist(), "bias": self.bias.tolist()}

    @classmethod
    def from_json(cls, d: dict) -> TypeModel:
        return cls(tuple(d["labels"]), np.asarray(d["weights"], np.float64), np.asarray(d["bias"], np.float64))


def fit_types(X: np.ndarray, y: list[str], labels: list[str], C: float = 0.5) -> TypeModel:
    """Fit on questions whose gold answer has a candidate span (its label is ``y``).
    Labels never seen as gold keep a large negative bias: they are never wanted."""
    from sklearn.linear_model import LogisticRegression

    seen = sorted(set(y))
    lr = LogisticRegression(C=C, max_iter=3000).fit(X, [seen.index(v) for v in y])
    W = np.zeros((len(labels), X.shape[1]))
    b = np.full(len(labels), -20.0)
    if len(seen) == 2:  # scikit-learn keeps one row for two classes: the second's log-odds
        W[labels.index(seen[1])], b[labels.index(seen[1])] = lr.coef_[0], lr.intercept_[0]
        b[labels.index(seen[0])] = 0.0
    else:
        for i, lab in enumerate(seen):
            W[labels.index(lab)], b[labels.index(lab)] = lr.coef_[i], lr.intercept_[i]
    return TypeModel(tuple(labels), W, b)
