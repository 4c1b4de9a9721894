"""The candidate spans of a question and their features: the one path shared by
``ask()`` (which then applies the model) and `assistant train` (which fits it)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..index.snapshot import Snapshot
from ..questions.answer_type import question_vector
from ..questions.preparation import prepare
from ..questions.question import Question
from .features import featurize
from .scoring import Scored, score_hits
from .spans import Span, gather

CLOSEST = 3  # passages a "not stated" answer quotes


@dataclass
class Candidates:
    q: Question
    query: str  # the question as searched (a follow-up resolved against the history)
    scored: list[Scored]  # retrieved sentences, best first (empty: the question has nothing to match)
    spans: list[Span]
    X: np.ndarray  # features, with the answer-type columns left at 0 (filled from ``type_input`` by the model's user)
    type_input: np.ndarray  # what the answer-type model reads of the question (empty when no span)
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def searchable(self) -> bool:
        """Does the question have words the articles could match (not only stop words or figures)?"""
        return bool(self.q.focus) and not all(f.isdigit() for f in self.q.focus)

    @property
    def passages(self) -> list[str]:
        """The best sentences, best first: what a decline shows as the closest passages."""
        return [s.row.text for s in self.scored[:CLOSEST]]

    @property
    def best_score(self) -> float:
        """Relevance of the best sentence (0: nothing retrieved)."""
        return self.scored[0].score if self.scored else 0.0


def candidates_for(snap: Snapshot, text: str, history=None) -> Candidates:
    """``text``: a question already checked and whitespace-collapsed (``api._check``)."""
    from vectorstore.embedder import DIMENSIONS

    t0 = time.perf_counter()
    query, q, expansion = prepare(snap, text, history)
    c = Candidates(q, query, [], [], np.zeros((0, 0), np.float32), np.zeros(0, np.float32))
    if not c.searchable:
        return c
    hits = snap.retriever.retrieve(query, q.vector, lexical_extra=expansion)
    t1 = time.perf_counter()
    c.timings_ms["retrieve"] = elapsed_ms(t0, t1)
    c.scored = score_hits(snap, q, hits)
    c.spans = gather(q, c.scored) if c.scored else []
    if c.spans:
        # Only now: embedding the focus noun is wasted on a question with nothing to rank.
        c.type_input = question_vector(snap.embed, q, DIMENSIONS)
        c.X = featurize(snap, q, c.scored, c.spans)
    c.timings_ms["features"] = elapsed_ms(t1)  # sentence scores, spans, answer type, features
    return c


def elapsed_ms(start: float, end: float | None = None) -> float:
    """Milliseconds from ``start`` to ``end`` (now), as ``timings_ms`` reports them."""
    return round(((time.perf_counter() if end is None else end) - start) * 1000, 2)
