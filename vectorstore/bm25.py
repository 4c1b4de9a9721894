"""The lexical index beside Chroma: llama-index's BM25Retriever (bm25s), cached on disk.

Chroma has no BM25 of its own, so the index is built from the sentence nodes and saved
under the data directory with the corpus version it was built from. A stale or missing
cache (new articles, another machine writing to the same Chroma server) is rebuilt.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path


def bm25_dir(data_dir: Path, collection: str) -> Path:
    return Path(data_dir) / "bm25" / collection


def load_or_build(data_dir: Path, collection: str, version: str, nodes: Callable[[], list], top_k: int):
    """Return a BM25Retriever for ``version`` of the corpus, building it if needed."""
    from llama_index.retrievers.bm25 import BM25Retriever

    path = bm25_dir(data_dir, collection)
    stamp = path / "version.json"
    if version and stamp.exists():
        try:
            if json.loads(stamp.read_text()).get("version") == version:
                retriever = BM25Retriever.from_persist_dir(str(path), show_progress=False)
                retriever.similarity_top_k = min(top_k, len(retriever.corpus))
                return retriever
        except Exception:  # a damaged cache is only a cache: rebuild it
            pass
    all_nodes = nodes()
    if not all_nodes:
        return None
    retriever = BM25Retriever.from_defaults(nodes=all_nodes, similarity_top_k=min(top_k, len(all_nodes)))
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    retriever.persist(str(tmp), show_progress=False)
    (tmp / "version.json").write_text(json.dumps({"version": version}))
    shutil.rmtree(path, ignore_errors=True)
    tmp.rename(path)
    return retriever
