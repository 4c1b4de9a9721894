"""Soft matches for question words the articles never use ("tonnage" → "ton",
"embraced" → "hugging"), from the same MiniLM model, over the corpus vocabulary.

A paraphrased question shares few words with its answer; without this, coverage
scores treat every such word as missing. No thesaurus ships offline, and the
embedding model is already loaded, so its word vectors serve. The vocabulary matrix
is built once per corpus version and cached beside the index.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from vectorstore.embedder import DIMENSIONS

from .text import STOP, stem

MIN_SIMILARITY = 0.5
NEIGHBOURS = 3


class Synonyms:
    def __init__(self, engine) -> None:
        self.engine = engine
        words: set[str] = set()
        for row in engine.rows.values():
            words.update(w.lower() for w in re.findall(r"[A-Za-z][a-z]+", row.text))
        self.words = sorted(w for w in words if len(w) > 2 and w not in STOP)
        self._positions = {w: i for i, w in enumerate(self.words)}
        self._vectors: dict[str, np.ndarray] = {}
        self._matrix: np.ndarray | None = None

    def _cache(self) -> Path:
        return Path(self.engine.settings.data_dir) / "vocab" / f"{self.engine.settings.collection}-{self.engine.version}.npy"

    @property
    def matrix(self) -> np.ndarray:
        if self._matrix is None:
            path = self._cache()
            try:
                m = np.load(path) if path.exists() else None
            except (OSError, ValueError):  # a damaged cache is only a cache
                m = None
            if m is not None and m.shape == (len(self.words), DIMENSIONS):
                self._matrix = m
            else:
                self._matrix = (self.engine.embed.encode(self.words).astype(np.float32) if self.words
                                else np.zeros((0, DIMENSIONS), np.float32))
                self._save(path, self._matrix)
        return self._matrix

    def _save(self, path: Path, matrix: np.ndarray) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob(f"{self.engine.settings.collection}-*.npy"):
                if re.fullmatch(rf"{re.escape(self.engine.settings.collection)}-[0-9a-f]+\.npy", old.name):
                    old.unlink()
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, matrix)
            os.replace(tmp, path)
        except OSError:  # a read-only data dir only costs the cache
            pass

    def neighbours(self, words: list[str]) -> dict[str, list[tuple[str, float]]]:
        """word → [(corpus stem, similarity)] for each word, closest first."""
        if not words or not self.words:
            return {}
        sims = self.engine.embed.encode(words) @ self.matrix.T
        out: dict[str, list[tuple[str, float]]] = {}
        for word, row in zip(words, sims):
            best = np.argsort(-row)[: NEIGHBOURS * 2]
            found: dict[str, float] = {}
            for i in best:
                if row[i] >= MIN_SIMILARITY and len(found) < NEIGHBOURS:
                    found.setdefault(stem(self.words[i]), float(row[i]))
            out[word] = list(found.items())
        return out

    def similarity(self, a: str, b: str) -> float:
        """Cosine of two words (corpus words are looked up, others embedded)."""
        va, vb = self._vector(a.lower()), self._vector(b.lower())
        return float(va @ vb)

    def _vector(self, word: str) -> np.ndarray:
        if word not in self._vectors:
            i = self._positions.get(word)
            self._vectors[word] = self.matrix[i] if i is not None else self.engine.embed.encode([word])[0]
        return self._vectors[word]
