"""Hybrid sentence retrieval: dense (Chroma) + lexical (BM25), fused by reciprocal rank.

Both retrievers are llama-index's. The fusion is written here rather than with
``QueryFusionRetriever`` because the answer step needs each hit's raw cosine and BM25
scores (for calibrated refusals), and QueryFusionRetriever replaces them with the fused
score; reciprocal-rank fusion itself is a few lines.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RRF_K = 60


@dataclass
class Hit:
    node_id: str
    cosine: float = 0.0  # dense similarity in [-1, 1]
    bm25: float = 0.0
    fused: float = 0.0


class HybridRetriever:
    def __init__(self, engine):
        from llama_index.core import VectorStoreIndex

        self.engine = engine
        self.k = engine.settings.top_k
        # transformations=[]: the index only reads; the default node parser it would build
        # loads tiktoken's encoding, 0.3 s of every cold start for nothing.
        index = VectorStoreIndex.from_vector_store(engine.store.vector_store, embed_model=engine.embed, transformations=[])
        self.dense = index.as_retriever(similarity_top_k=self.k)
        self.lexical = engine.bm25

    def embed_query(self, text: str) -> np.ndarray:
        return self.engine.embed.encode([text])[0]

    def retrieve(self, query: str, vector: np.ndarray | None = None, lexical_extra: str = "") -> list[Hit]:
        """``lexical_extra``: corpus words close to the question's unknown words, for BM25."""
        from llama_index.core.schema import QueryBundle

        if vector is None:
            vector = self.embed_query(query)
        bundle = QueryBundle(query_str=query, embedding=vector.tolist())
        hits: dict[str, Hit] = {}
        dense = self.engine.store._call(self.dense.retrieve, bundle)
        for rank, nws in enumerate(dense):
            h = hits.setdefault(nws.node.node_id, Hit(nws.node.node_id))
            # ChromaVectorStore reports exp(-cosine distance); undo it.
            h.cosine = 1.0 + math.log(max(nws.score or 1e-9, 1e-9))
            h.fused += 1.0 / (RRF_K + rank + 1)
        if self.lexical is not None:
            lexical_bundle = QueryBundle(query_str=f"{query} {lexical_extra}".strip(), embedding=bundle.embedding)
            lexical = [n for n in self.lexical.retrieve(lexical_bundle) if (n.score or 0) > 0]
            missing = []
            for rank, nws in enumerate(lexical):
                h = hits.get(nws.node.node_id)
                if h is None:
                    h = hits[nws.node.node_id] = Hit(nws.node.node_id)
                    missing.append(h)
                h.bm25 = float(nws.score or 0.0)
                h.fused += 1.0 / (RRF_K + rank + 1)
            self._fill_cosines(missing, vector)
        ranked = [h for h in hits.values() if h.node_id in self.engine.rows]
        return sorted(ranked, key=lambda h: h.fused, reverse=True)

    def _fill_cosines(self, hits: list[Hit], vector: np.ndarray) -> None:
        """BM25-only hits have no dense score yet: fetch their stored embeddings."""
        if not hits:
            return
        got = self.engine.store._call(self.engine.store.sentences.get, ids=[h.node_id for h in hits], include=["embeddings"])
        emb = {i: np.asarray(e) for i, e in zip(got["ids"], got["embeddings"])}
        for h in hits:
            if h.node_id in emb:
                h.cosine = float(emb[h.node_id] @ vector)
