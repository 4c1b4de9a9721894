"""Near-duplicate sentences and sentences about one event. Copies of one wire story are
recognised from the fingerprints the tables hold (``index/stories``).
"""
from __future__ import annotations

from functools import lru_cache

from ..text import tokens

EVENT_OVERLAP = 0.25
SENTENCE_JACCARD = 0.6


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def same_sentence(a: str, b: str) -> bool:
    return jaccard(_words(a), _words(b)) >= SENTENCE_JACCARD


@lru_cache(maxsize=4096)
def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in tokens(text) if w not in ("mr", "ms", "mrs"))


def same_event(a: str, b: str) -> bool:
    """Two sentences describing one event: much of their content wording is shared."""
    from ..text import content_stems

    sa, sb = set(content_stems(a)), set(content_stems(b))
    return bool(sa and sb) and len(sa & sb) / min(len(sa), len(sb)) >= EVENT_OVERLAP
