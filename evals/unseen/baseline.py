"""Plain llama-index on the same articles: one node per sentence, the same MiniLM
weights, top sentence as the answer (it never declines). The yardstick for the
unseen-prose suite."""
from __future__ import annotations

import uuid

from .dataset import SquadArticle


class SentenceBaseline:
    def __init__(self, articles: list[SquadArticle]):
        import chromadb
        from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex
        from llama_index.core.node_parser import SentenceWindowNodeParser
        from llama_index.vector_stores.chroma import ChromaVectorStore

        from vectorstore.embedder import MiniLMEmbedding

        Settings.llm = None  # the default is OpenAI's
        docs = [Document(text=a.text, metadata={"title": a.title}) for a in articles]
        nodes = SentenceWindowNodeParser.from_defaults(window_size=1).get_nodes_from_documents(docs)
        client = chromadb.EphemeralClient(chromadb.Settings(anonymized_telemetry=False))
        store = ChromaVectorStore(chroma_collection=client.create_collection(f"unseen-{uuid.uuid4().hex[:12]}"))
        index = VectorStoreIndex(nodes, storage_context=StorageContext.from_defaults(vector_store=store),
                                 embed_model=MiniLMEmbedding("onnx"))
        self._retriever = index.as_retriever(similarity_top_k=1)
        self.sentences = len(nodes)

    def answer(self, question: str) -> str | None:
        hits = self._retriever.retrieve(question)
        return hits[0].node.get_content().strip() if hits else None
