"""The lexical index beside Chroma: bm25s as llama-index's BM25Retriever uses it, saved on
disk and memory-mapped.

Chroma has no BM25 of its own, so the index is built from the sentences of one corpus
version and saved in its own directory, named by that version's key; it is never changed
in place, so a reader that has it mapped is never disturbed by a writer.

llama-index's retriever keeps every node's JSON as its "corpus" and loads it whole at
start-up (its mmap mode shares one file position between threads, which concurrent
readers would race on). Here the corpus is not saved at all: ``LexicalRetriever`` maps
bm25s's document positions to node ids through a caller-given lookup (the sentence
table), so start-up reads no per-sentence data and memory does not grow with the corpus.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

NodeIds = Callable[[Sequence[int]], list[str]]


class LexicalRetriever:
    """BM25 over a saved index whose corpus lives elsewhere, queried exactly as
    llama-index's ``BM25Retriever`` queries (its English stemmer and token pattern, no
    stop words in the query; tests/test_tables.py compares the scores). Not a subclass:
    importing llama-index costs a cold ``assistant ask`` over a second."""

    def __init__(self, index, top_k: int, node_ids: NodeIds):
        import Stemmer

        self.bm25 = index
        self.similarity_top_k = top_k
        self.node_ids = node_ids
        self.stemmer = Stemmer.Stemmer("english")

    def retrieve(self, query: str) -> list[tuple[str, float]]:
        """(node id, BM25 score), best first."""
        import bm25s

        tokens = bm25s.tokenize(query, stemmer=self.stemmer, token_pattern=TOKEN_PATTERN, show_progress=False)
        if not tokens.vocab:  # no word of the question is indexable
            return []
        positions, scores = self.bm25.retrieve(tokens, k=self.similarity_top_k, show_progress=False)
        ids = self.node_ids([int(i) for i in positions[0]])
        return [(node_id, float(score)) for node_id, score in zip(ids, scores[0])]


def index_dir(root: Path, key: str) -> Path:
    return Path(root) / key


# What BM25Retriever.from_defaults indexes with (language "en", PyStemmer's English
# Snowball stemmer, this token pattern); queries go through the parent's own tokeniser.
LANGUAGE = "en"
TOKEN_PATTERN = r"(?u)\b\w\w+\b"


def build(root: Path, key: str, texts: list[str]) -> None:
    """Index ``texts`` (position i is document i) and save under ``root/key``.

    bm25s is called directly with BM25Retriever's defaults rather than through
    ``BM25Retriever(nodes=...)``, which wraps every text in a TextNode and serialises it
    for its corpus: at 100k sentences that is 5 s and ~1 GB spent on objects never used.
    Written to a private temporary directory and renamed: two processes building the
    same key at once each finish with a complete index."""
    if not texts:
        return
    import bm25s
    import Stemmer

    tokens = bm25s.tokenize(texts, stopwords=LANGUAGE, stemmer=Stemmer.Stemmer("english"), token_pattern=TOKEN_PATTERN,
                            show_progress=False)
    index = bm25s.BM25()
    index.index(tokens, show_progress=False)
    target = index_dir(root, key)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    index.save(str(tmp))
    try:
        tmp.rename(target)
    except OSError:  # another process finished the same key first
        shutil.rmtree(tmp, ignore_errors=True)


def exists(root: Path, key: str) -> bool:
    return (index_dir(root, key) / "params.index.json").exists()


def load(root: Path, key: str, node_ids: NodeIds, top_k: int) -> LexicalRetriever | None:
    """The saved index of ``key`` memory-mapped, or None if there is none (empty corpus)."""
    import bm25s

    path = index_dir(root, key)
    if not exists(root, key):
        return None
    bm25 = bm25s.BM25.load(str(path), load_corpus=False, mmap=True)
    n_docs = int(bm25.scores.get("num_docs") or 0)
    if not n_docs:
        return None
    return LexicalRetriever(bm25, min(top_k, n_docs), node_ids)


def drop_others(root: Path, keep: str, stale: Callable[[Path], bool] = lambda p: True) -> None:
    """Remove indexes of other keys that ``stale`` allows (a reader still mapping one
    keeps its open files)."""
    if not Path(root).is_dir():
        return
    for entry in Path(root).iterdir():
        if entry.name != keep and not entry.name.startswith(".") and stale(entry):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:  # the files of the older, single-index layout
                entry.unlink(missing_ok=True)
