"""Soft matches for question words the articles never use ("tonnage" → "ton",
"embraced" → "hugging"), from the same MiniLM model, over the corpus vocabulary.

A paraphrased question shares few words with its answer; without this, coverage
scores treat every such word as missing. No thesaurus ships offline, and the
embedding model is already loaded, so its word vectors serve.

The word list is in the tables file (position → word) and the matrix beside it as a
``.npy`` that is memory-mapped. A new version embeds only the words the previous
version's matrix lacks (a word's vector does not depend on the corpus).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vectorstore.embedder import DIMENSIONS

from ...text import STOP, stem

if TYPE_CHECKING:
    from .store import TablesFile

MIN_SIMILARITY = 0.5
NEIGHBOURS = 3
_WORDS = re.compile(r"[A-Za-z][a-z]+")


def row_words(text: str) -> set[str]:
    """The words of one sentence the matrix covers: lower-cased, 3+ letters, not stop words."""
    return {w for w in (m.lower() for m in _WORDS.findall(text)) if len(w) > 2 and w not in STOP}


def words_of(texts: Iterable[str]) -> list[str]:
    """The vocabulary the matrix covers, sorted."""
    words: set[str] = set()
    for text in texts:
        words |= row_words(text)
    return sorted(words)


def build_matrix(words: list[str], embed, previous: tuple[list[str], np.ndarray] | None) -> np.ndarray:
    """Vectors of ``words`` in order, reusing ``previous`` (words, matrix) where it has them."""
    matrix = np.zeros((len(words), DIMENSIONS), np.float32)
    known = {w: i for i, w in enumerate(previous[0])} if previous else {}
    missing = [i for i, w in enumerate(words) if w not in known]
    for i, w in enumerate(words):
        if w in known:
            matrix[i] = previous[1][known[w]]
    if missing:
        matrix[missing] = embed.encode([words[i] for i in missing]).astype(np.float32)
    return matrix


class Synonyms:
    def __init__(self, db: TablesFile, matrix_path: Path, embed) -> None:
        self._db = db
        self._path = matrix_path
        self.embed = embed
        self._vectors: dict[str, np.ndarray] = {}
        self._matrix: np.ndarray | None = None

    @property
    def matrix(self) -> np.ndarray:
        if self._matrix is None:
            try:
                m = np.load(self._path, mmap_mode="r")
            except (OSError, ValueError):
                m = None
            self._matrix = m if m is not None and m.ndim == 2 else np.zeros((0, DIMENSIONS), np.float32)
        return self._matrix

    def _word_at(self, positions: list[int]) -> dict[int, str]:
        return dict(self._db.query_in("SELECT pos, word FROM words WHERE pos IN ({})", positions))

    def _position(self, word: str) -> int | None:
        got = self._db.query("SELECT pos FROM words WHERE word = ?", (word,))
        return int(got[0][0]) if got else None

    def neighbours(self, words: list[str]) -> dict[str, list[tuple[str, float]]]:
        """word → [(corpus stem, similarity)] for each word, closest first."""
        if not words or not len(self.matrix):
            return {}
        sims = self.embed.encode(words) @ self.matrix.T
        best = {word: np.argsort(-row)[: NEIGHBOURS * 2] for word, row in zip(words, sims)}
        names = self._word_at(sorted({int(i) for b in best.values() for i in b}))
        out: dict[str, list[tuple[str, float]]] = {}
        for word, row in zip(words, sims):
            found: dict[str, float] = {}
            for i in best[word]:
                if row[i] >= MIN_SIMILARITY and len(found) < NEIGHBOURS:
                    found.setdefault(stem(names[int(i)]), float(row[i]))
            out[word] = list(found.items())
        return out

    def similarity(self, a: str, b: str) -> float:
        """Cosine of two words (corpus words are looked up, others embedded)."""
        va, vb = self._vector(a.lower()), self._vector(b.lower())
        return float(va @ vb)

    def _vector(self, word: str) -> np.ndarray:
        if word not in self._vectors:
            i = self._position(word)
            known = i is not None and i < len(self.matrix)  # an unreadable matrix is empty
            self._vectors[word] = np.asarray(self.matrix[i]) if known else self.embed.encode([word])[0]
        return self._vectors[word]
