"""Hybrid sentence retrieval: dense (Chroma) + lexical (BM25), fused by reciprocal rank.

llama-index writes the index (ingestion); questions query Chroma directly, and BM25 through
``vectorstore.bm25`` (bm25s's lucene scoring over an index kept incrementally), as
llama-index's ``VectorIndexRetriever`` over ``ChromaVectorStore`` and its ``BM25Retriever``
do (tests compare them), because importing llama-index was over a second of every cold
``assistant ask``. The fusion is written here rather than with ``QueryFusionRetriever``
because the answer step needs each hit's raw cosine and BM25 scores, which it replaces
with the fused score; reciprocal-rank fusion itself is a few lines.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..corpus.boilerplate import is_credit_line
from ..index.snapshot import Snapshot

RRF_K = 60


@dataclass
class Hit:
    node_id: str
    cosine: float = 0.0  # dense similarity in [-1, 1]
    bm25: float = 0.0
    fused: float = 0.0


class HybridRetriever:
    def __init__(self, snap: Snapshot):
        self.snap = snap
        self.k = snap.settings.top_k
        self.lexical = snap.bm25

    def embed_query(self, text: str) -> np.ndarray:
        return self.snap.embed.encode([text])[0]

    def retrieve(self, query: str, vector: np.ndarray | None = None, lexical_extra: str = "") -> list[Hit]:
        """``lexical_extra``: corpus words close to the question's unknown words, for BM25."""
        if vector is None:
            vector = self.embed_query(query)
        hits: dict[str, Hit] = {}
        for rank, (node_id, distance) in enumerate(self.snap.store.nearest(vector, self.k)):
            h = hits.setdefault(node_id, Hit(node_id))
            # As through ChromaVectorStore, which reports exp(-cosine distance), undone here.
            h.cosine = 1.0 + math.log(max(math.exp(-distance) or 1e-9, 1e-9))
            h.fused += 1.0 / (RRF_K + rank + 1)
        if self.lexical is not None:
            lexical = [(i, s) for i, s in self.lexical.retrieve(f"{query} {lexical_extra}".strip()) if s > 0]
            missing = []
            for rank, (node_id, score) in enumerate(lexical):
                h = hits.get(node_id)
                if h is None:
                    h = hits[node_id] = Hit(node_id)
                    missing.append(h)
                h.bm25 = score
                h.fused += 1.0 / (RRF_K + rank + 1)
            self._fill_cosines(missing, vector)
        # A credit line ("Photo courtesy of ...") is never a passage: dropped here, so that it
        # takes none of the scored places and no article is ranked by it.
        rows = self.snap.rows
        ranked = [h for h in hits.values() if h.node_id in rows and not is_credit_line(rows[h.node_id].text)]
        return sorted(ranked, key=lambda h: h.fused, reverse=True)

    def _fill_cosines(self, hits: list[Hit], vector: np.ndarray) -> None:
        """BM25-only hits have no dense score yet: fetch their stored embeddings."""
        if not hits:
            return
        got = self.snap.store._call(self.snap.store.sentences.get, ids=[h.node_id for h in hits], include=["embeddings"])
        emb = {i: np.asarray(e) for i, e in zip(got["ids"], got["embeddings"])}
        for h in hits:
            if h.node_id in emb:
                h.cosine = float(emb[h.node_id] @ vector)
