"""The candidate spans of a question and their features: the one path shared by
``ask()`` (which then applies the model) and `assistant train` (which fits it)."""
from __future__ import annotations

import numpy as np

from ..scoring import score_hits
from .features import featurize
from .spans import Span, gather


def candidates_for(eng, text: str, history=None) -> tuple[list[Span], np.ndarray]:
    from ..api import _prepare

    query, q, expansion = _prepare(eng, text, history)
    hits = eng.retriever.retrieve(query, lexical_extra=expansion)
    scored = score_hits(eng, q, hits)
    if not scored:
        return [], np.zeros((0, 0), np.float32)
    spans = gather(q, scored)
    return spans, featurize(eng, q, scored, spans)
