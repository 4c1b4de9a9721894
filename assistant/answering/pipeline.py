"""The candidate spans of a question and their features: the one path shared by
``ask()`` (which then applies the model) and `assistant train` (which fits it)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .answer_type import question_vector
from .features import featurize
from .preparation import prepare
from .scoring import score_hits
from .spans import Span, gather

CLOSEST = 3  # passages a "not stated" answer quotes


@dataclass
class Candidates:
    spans: list[Span]
    X: np.ndarray  # features, with the answer-type columns left at 0 (the trainer fills them per fold)
    type_input: np.ndarray  # what the answer-type model reads of the question
    passages: list[str]  # the best sentences, best first (what a decline shows as the closest passages)
    best_score: float  # relevance of the best sentence (0: nothing retrieved)


def candidates_for(eng, text: str, history=None) -> Candidates:
    from vectorstore.embedder import DIMENSIONS

    query, q, expansion = prepare(eng, text, history)
    hits = eng.retriever.retrieve(query, q.vector, lexical_extra=expansion)
    scored = score_hits(eng, q, hits)
    type_input = question_vector(eng.embed, q, DIMENSIONS)
    passages = [s.row.text for s in scored[:CLOSEST]]
    best = scored[0].score if scored else 0.0
    spans = gather(q, scored) if scored else []
    X = featurize(eng, q, scored, spans) if spans else np.zeros((0, 0), np.float32)
    return Candidates(spans, X, type_input, passages, best)
