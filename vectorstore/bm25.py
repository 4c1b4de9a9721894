"""The lexical index beside Chroma: BM25 scored exactly as bm25s scores it for
llama-index's BM25Retriever, kept so that a few articles more or fewer cost a few
articles' work, saved on disk and memory-mapped.

Chroma has no BM25 of its own, so the index is built from the sentences of one corpus
version and saved in its own directory, named by that version's key; it is never changed
in place, so a reader that has it mapped is never disturbed by a writer.

**Why not bm25s's own index.** bm25s precomputes every (sentence, term) score, and each
score depends on the corpus's size and average sentence length: one article more changes
all of them, and bm25s has no incremental add, so every write re-indexed the whole corpus
(1.3 s at 20k sentences, ~6.5 s at 100k). Here the index keeps what does not change when
other sentences come and go: each sentence's term frequencies (a sparse matrix, one column
per stemmed term, built with scipy) and its length. Document frequencies are the columns'
lengths and the average length one mean, so a query computes the scores of its own terms
only, with bm25s's formulas (the "lucene" variant, its defaults k1 1.5 and b 0.75, in its
dtypes and order of operations), sums them as bm25s does and picks the top k as bm25s's
numpy selection does: the same scores to the bit and the same order, ties included.
Sentences are tokenised by bm25s.tokenize (PyStemmer's English stemmer, English stop
words, bm25s's token pattern). A new version is the previous one's matrix with the
removed articles' rows dropped and the new articles' rows (the only texts tokenised)
placed at their positions: no sentence of the rest is read.

**Why the query side is written out.** Importing bm25s imports scipy.sparse: 0.15-0.2 s
of every cold ``assistant ask``, for a query that needs only bm25s's tokeniser (a regular
expression, its stop-word list, PyStemmer), two formulas and a top-k over a NumPy array.
Those few lines are below, each named after the bm25s function it mirrors;
tests/test_tables.py checks them against bm25s itself (tokens, scores and order).

The corpus itself is not saved: ``LexicalRetriever`` maps document positions to node ids
through a caller-given lookup (the sentence table), so start-up reads no per-sentence data.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

NodeIds = Callable[[Sequence[int]], list[str]]

# What BM25Retriever.from_defaults indexes with (language "en", PyStemmer's English
# Snowball stemmer, this token pattern); queries go through its own tokenisation (below).
LANGUAGE = "en"
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
# bm25s.BM25()'s defaults, as BM25Retriever uses them.
K1, B = 1.5, 0.75
FORMAT = 1
PARAMS = "lexical.json"
ARRAYS = ("indptr", "rows", "tf", "doc_len")


class LexicalIndex:
    """Term frequencies of one version's sentences, CSC: column ``t`` of term ``t`` lists
    the sentences holding it (``rows[indptr[t]:indptr[t + 1]]``) and how often (``tf``)."""

    def __init__(self, vocab: dict[str, int], indptr: np.ndarray, rows: np.ndarray, tf: np.ndarray,
                 doc_len: np.ndarray, avg_doc_len: float):
        self.vocab, self.indptr, self.rows, self.tf, self.doc_len = vocab, indptr, rows, tf, doc_len
        self.num_docs = len(doc_len)
        self.avg_doc_len = np.float64(avg_doc_len)

    def term_scores(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """(sentence positions, float32 BM25 weight of ``term`` in each), as bm25s's
        index holds them: its idf in float32 (``scoring._score_idf_lucene`` of Python
        ints), times its lucene term-frequency part (``scoring._score_tfc_lucene``: float32
        frequencies, the length a Python int, the average a NumPy float64, so float64),
        stored as float32."""
        start, end = int(self.indptr[term]), int(self.indptr[term + 1])
        rows = np.asarray(self.rows[start:end])
        df, n = end - start, self.num_docs
        idf = np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5)))
        tf = np.asarray(self.tf[start:end])
        length = np.asarray(self.doc_len[rows], dtype=np.int64)
        tfc = tf / (K1 * ((1 - B) + B * length / self.avg_doc_len) + tf)
        return rows, (idf * tfc).astype(np.float32)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """Every sentence's score for a tokenised query: the query's known terms' weights
        added in float32 in the query's order, repeats included (bm25s's get_scores)."""
        out = np.zeros(self.num_docs, dtype=np.float32)
        cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for token in tokens:
            term = self.vocab.get(token)
            if term is None:
                continue
            if term not in cache:
                cache[term] = self.term_scores(term)
            rows, weights = cache[term]
            out[rows] += weights  # one entry per sentence in a column: np.add.at's sums, faster
        return out


class LexicalRetriever:
    """BM25 over a saved index whose corpus lives elsewhere, queried exactly as
    llama-index's ``BM25Retriever`` queries (its English stemmer and token pattern, the
    tokeniser's default stop words; tests/test_tables.py compares the scores). Not a
    subclass: importing llama-index costs a cold ``assistant ask`` over a second."""

    def __init__(self, index: LexicalIndex, top_k: int, node_ids: NodeIds):
        import Stemmer

        self.index = index
        self.similarity_top_k = top_k
        self.node_ids = node_ids
        self.stemmer = Stemmer.Stemmer("english")

    def retrieve(self, query: str) -> list[tuple[str, float]]:
        """(node id, BM25 score), best first."""
        words = self.tokenize(query)
        if not words:  # no word of the question is indexable
            return []
        scores, positions = top_k(self.index.scores(words), self.similarity_top_k)
        ids = self.node_ids([int(i) for i in positions])
        return [(node_id, float(score)) for node_id, score in zip(ids, scores)]

    def tokenize(self, query: str) -> list[str]:
        """``bm25s.tokenize(query, stemmer=..., token_pattern=...)`` as BM25Retriever calls
        it (lower case, the pattern, its default English stop words, stemmed), as a list
        of stems in the query's order."""
        return self.stemmer.stemWords([w for w in _SPLIT(query.lower()) if w not in STOPWORDS])


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``bm25s.selection.topk(scores, k, sorted=True)`` with its numpy backend: the same
    partition and sort, so ties come out in the same order."""
    part = np.argpartition(scores, -k).take(indices=range(-k, 0))
    values = np.take(scores, part)
    order = np.flip(np.argsort(values))
    return values[order], part[order]


# bm25s.stopwords.STOPWORDS_EN, its "english" and "en" list (a test compares them).
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with"))
_SPLIT = re.compile(TOKEN_PATTERN).findall


def index_dir(root: Path, key: str) -> Path:
    return Path(root) / key


def _tokenize(texts: list[str]) -> tuple[list[list[int]], dict[str, int]]:
    import bm25s
    import Stemmer

    tokens = bm25s.tokenize(texts, stopwords=LANGUAGE, stemmer=Stemmer.Stemmer("english"), token_pattern=TOKEN_PATTERN,
                            show_progress=False)
    return tokens.ids, tokens.vocab


def _matrix(doc_of_token: np.ndarray, term_of_token: np.ndarray, shape: tuple[int, int],
            tf: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSC (indptr, rows, tf) of (sentence, term) pairs; repeated pairs are summed."""
    import scipy.sparse as sp

    data = np.ones(len(doc_of_token), dtype=np.float32) if tf is None else tf
    m = sp.csc_matrix((data, (doc_of_token, term_of_token)), shape=shape, dtype=np.float32)
    m.sum_duplicates()
    m.sort_indices()
    return m.indptr.astype(np.int64), m.indices.astype(np.int32), m.data.astype(np.float32)


def _flat(ids: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(d) for d in ids), dtype=np.int64, count=len(ids))
    terms = np.fromiter((t for d in ids for t in d), dtype=np.int64, count=int(lengths.sum()))
    return lengths, terms


def build(root: Path, key: str, texts: list[str]) -> None:
    """Index ``texts`` (position i is document i) and save under ``root/key``."""
    if not texts:
        return
    ids, vocab = _tokenize(texts)
    lengths, terms = _flat(ids)
    docs = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    _save(root, key, vocab, *_matrix(docs, terms, (len(texts), len(vocab))), lengths)


def build_incremental(root: Path, key: str, previous: str, removed: Sequence[int], added: Sequence[int],
                      texts: list[str]) -> int | None:
    """Save under ``root/key`` the index of ``previous`` less its documents at positions
    ``removed``, plus ``texts`` at the new positions ``added`` (ascending, one per text);
    the other documents keep their order. Only ``texts`` are tokenised: returns how many
    texts that was. None (nothing written) when ``previous`` is missing or unreadable:
    build it whole then."""
    old = _load_arrays(root, previous)
    if old is None:
        return None
    vocab, indptr, rows, tf, doc_len, _ = old
    n_old = len(doc_len)
    keep = np.ones(n_old, dtype=bool)
    keep[np.asarray(removed, dtype=np.int64)] = False
    added = np.asarray(added, dtype=np.int64)
    n = int(keep.sum()) + len(added)
    is_new = np.zeros(n, dtype=bool)
    is_new[added] = True
    moved = np.full(n_old, -1, dtype=np.int64)  # old position -> new position
    moved[keep] = np.flatnonzero(~is_new)

    ids, local = _tokenize(texts) if texts else ([], {})
    vocab = dict(vocab)
    to_global = np.zeros(len(local), dtype=np.int64)
    for token, i in local.items():
        to_global[i] = vocab.setdefault(token, len(vocab))
    lengths, terms = _flat(ids)

    cols = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))
    new_rows = moved[np.asarray(rows)]
    kept = new_rows >= 0
    docs = np.concatenate([new_rows[kept], np.repeat(added, lengths)])
    all_terms = np.concatenate([cols[kept], to_global[terms]])
    all_tf = np.concatenate([np.asarray(tf)[kept], np.ones(len(terms), dtype=np.float32)])
    lens = np.zeros(n, dtype=np.int64)
    lens[moved[keep]] = np.asarray(doc_len)[keep]
    lens[added] = lengths
    if n:  # an empty corpus has no index, as from build()
        _save(root, key, vocab, *_matrix(docs, all_terms, (n, len(vocab)), all_tf), lens)
    return len(texts)


def _save(root: Path, key: str, vocab: dict[str, int], indptr: np.ndarray, rows: np.ndarray, tf: np.ndarray,
          lengths: np.ndarray) -> None:
    """Written to a private temporary directory and renamed: two processes building the
    same key at once each finish with a complete index."""
    target = index_dir(root, key)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, array in zip(ARRAYS, (indptr, rows, tf, lengths.astype(np.int32))):
        np.save(tmp / f"{name}.npy", array)
    (tmp / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    # The average as bm25s computes it (the mean of an int64 array of the lengths), kept
    # exactly (repr of a float round-trips).
    avg = float(np.asarray(lengths, dtype=np.int64).mean())
    (tmp / PARAMS).write_text(json.dumps({"format": FORMAT, "num_docs": len(lengths), "avg_doc_len": avg,
                                          "k1": K1, "b": B, "method": "lucene"}))
    if target.is_dir() and not exists(root, key):  # bm25s's format, written before this one: replaced
        shutil.rmtree(target, ignore_errors=True)
    try:
        tmp.rename(target)
    except OSError:  # another process finished the same key first
        shutil.rmtree(tmp, ignore_errors=True)


def _load_arrays(root: Path, key: str):
    """(vocab, indptr, rows, tf, doc_len memory-mapped, avg_doc_len), or None."""
    path = index_dir(root, key)
    try:
        params = json.loads((path / PARAMS).read_text())
        if params.get("format") != FORMAT:
            return None
        vocab = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
        arrays = [np.load(path / f"{name}.npy", mmap_mode="r") for name in ARRAYS]
    except (OSError, ValueError):
        return None
    if not math.isfinite(params.get("avg_doc_len", math.nan)) or len(arrays[3]) != params["num_docs"]:
        return None
    return vocab, *arrays, params["avg_doc_len"]


def exists(root: Path, key: str) -> bool:
    return (index_dir(root, key) / PARAMS).exists()


def open_index(root: Path, key: str) -> LexicalIndex | None:
    got = _load_arrays(root, key)
    return None if got is None else LexicalIndex(*got)


def load(root: Path, key: str, node_ids: NodeIds, top_k: int) -> LexicalRetriever | None:
    """The saved index of ``key`` memory-mapped, or None if there is none (empty corpus)."""
    index = open_index(root, key)
    if index is None or not index.num_docs:
        return None
    return LexicalRetriever(index, min(top_k, index.num_docs), node_ids)


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
