"""Near-duplicate articles (one wire story run by two outlets) and their shared sentences.

Word-shingle Jaccard is enough at this scale and needs no model; results are cached
per engine and computed lazily, only for articles that reach an answer.
"""
from __future__ import annotations

from functools import lru_cache

from ..text import tokens

ARTICLE_JACCARD = 0.35
EVENT_OVERLAP = 0.25
SENTENCE_JACCARD = 0.6


@lru_cache(maxsize=4096)
def shingles(text: str, n: int = 3) -> frozenset[tuple[str, ...]]:
    words = [w for w in tokens(text) if w not in ("mr", "ms", "mrs")]
    if len(words) < n:
        return frozenset([tuple(words)])
    return frozenset(zip(*(words[i:] for i in range(n))))  # every run of n words


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def same_story(text_a: str, text_b: str) -> bool:
    return text_a is text_b or jaccard(shingles(text_a), shingles(text_b)) >= ARTICLE_JACCARD


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
