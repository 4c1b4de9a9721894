"""Which articles are one wire story run by two outlets: Jaccard of their word shingles.

Word-shingle Jaccard is enough at this scale and needs no model. Each article's shingles
are hashed into a fingerprint when a version's tables are built, so an answer comparing
two articles reads two small arrays instead of fetching and shingling both texts (0.7 ms an
article, most of it at a question's first look at each). 64-bit hashes: a collision among
an article's few hundred shingles is about one in 10^14.
"""
from __future__ import annotations

from hashlib import blake2b

import numpy as np

from ..text import tokens

ARTICLE_JACCARD = 0.35
SHINGLE = 3  # words


def shingles(text: str, n: int = SHINGLE) -> frozenset[tuple[str, ...]]:
    words = [w for w in tokens(text) if w not in ("mr", "ms", "mrs")]
    if len(words) < n:
        return frozenset([tuple(words)])
    return frozenset(zip(*(words[i:] for i in range(n))))  # every run of n words


def fingerprint(text: str) -> bytes:
    """The sorted 64-bit hashes of ``text``'s shingles, as the tables store them."""
    hashes = {int.from_bytes(blake2b(" ".join(s).encode(), digest_size=8).digest(), "little") for s in shingles(text)}
    return np.array(sorted(hashes), dtype="<u8").tobytes()


def same_story(a: bytes, b: bytes) -> bool:
    """Do two articles' fingerprints share enough shingles to be one story?"""
    if a == b:
        return True
    x, y = np.frombuffer(a, dtype="<u8"), np.frombuffer(b, dtype="<u8")
    if not x.size or not y.size:
        return False
    shared = np.intersect1d(x, y, assume_unique=True).size
    return shared / (x.size + y.size - shared) >= ARTICLE_JACCARD
