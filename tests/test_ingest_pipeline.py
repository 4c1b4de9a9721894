"""Ingest's sentence splitter runs in a worker thread ahead of the writes: a failure on
either side propagates, the worker never outlives the call, and what was committed stays
consistent (a re-run completes).

Real components throughout: spaCy, the ONNX embedder, an embedded Chroma store and the
SQLite article store in a temporary dir. ``monkeypatch`` is used only to inject the
failures (a splitter that raises part-way through the second batch; an index write that
raises).
"""
from __future__ import annotations

import json
import random
import re
import threading

import numpy as np
import pytest
from conftest import SEEDS

from assistant.corpus.article import make_article
from assistant.index import ingestion
from assistant.index.ingestion import BATCH_ARTICLES, EMBED_CHUNK, PIPELINE_VERSION, ingest_articles, revision
from assistant.models import IngestReport
from vectorstore.articles import ArticleStore
from vectorstore.client import forget_clients
from vectorstore.embedder import MiniLMEmbedding
from vectorstore.store import ChromaStore


class Injected(RuntimeError):
    pass


def generated(n: int) -> list:
    """``n`` short articles of seed sentences (three paragraphs of two sentences each)."""
    text = " ".join(f.read_text(encoding="utf-8") for f in sorted(SEEDS.glob("*.txt")))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if 40 <= len(s.strip()) <= 300]
    rng = random.Random(9)
    return [make_article(title=f"Pipeline report {i:03d}", outlet="Pipeline Wire", date_text="", source=f"gen#{i}",
                         text="\n".join(" ".join(rng.sample(sentences, 2)) for _ in range(3))) for i in range(n)]


@pytest.fixture
def stores(tmp_path):
    db = ArticleStore.open(tmp_path)
    index = ChromaStore(tmp_path, "pipeline")
    yield db, index, MiniLMEmbedding()
    db.close()
    forget_clients()


def splitter_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ingest-split"]


def test_a_split_failure_in_a_later_batch_propagates_and_a_rerun_completes(stores, monkeypatch):
    db, index, embed = stores
    articles = generated(BATCH_ARTICLES + 4)  # two batches
    first = {a.doc_id: a.content_hash for a in articles[:BATCH_ARTICLES]}
    doomed = articles[BATCH_ARTICLES + 2].doc_id  # the third article of the second batch
    real_split = ingestion.iter_split

    def failing_split(batch):  # the real splitter, until it reaches the doomed article
        for doc_id, sentences in real_split(batch):
            if doc_id == doomed:
                raise Injected("spaCy failed on the second batch")
            yield doc_id, sentences

    monkeypatch.setattr(ingestion, "iter_split", failing_split)
    calls = []
    with pytest.raises(Injected):
        ingest_articles(index, db, embed, articles, IngestReport(), lambda *c: calls.append(c))
    assert not splitter_threads(), "the worker outlived the failed ingest"
    assert calls == [(0, len(articles), "splitting sentences"), (BATCH_ARTICLES, len(articles), articles[BATCH_ARTICLES - 1].title)]
    # The first batch is stored and fully indexed; the second is stored (its transaction
    # comes before its split) but has nothing in the index; the dirty mark says so.
    assert set(db.hashes()) == {a.doc_id for a in articles}
    assert index.article_hashes(PIPELINE_VERSION) == first
    owners = index.sentence_owners()
    assert len(owners) > EMBED_CHUNK  # the batch was embedded in more than one chunk
    assert {doc for doc, _ in owners.values()} == set(first)
    assert all(rev == revision(first[doc]) for doc, rev in owners.values())
    assert db.index_dirty

    monkeypatch.undo()  # the splitter works again: the same ingest completes
    report = IngestReport()
    ingest_articles(index, db, embed, articles, report)
    assert sorted(report.skipped) == sorted(a.doc_id for a in articles) and not report.failed
    assert index.article_hashes(PIPELINE_VERSION) == {a.doc_id: a.content_hash for a in articles}
    assert not db.index_dirty
    # Each stored vector belongs to its own sentence (a batch is embedded in chunks of
    # EMBED_CHUNK sentences as the worker hands them over).
    got = index.sentences.get(include=["documents", "embeddings"])
    stored = np.asarray(got["embeddings"], dtype=np.float32)
    fresh = embed.encode(list(got["documents"]))
    assert float((stored * fresh).sum(1).min()) > 0.999


def test_a_failing_index_write_stops_the_worker(stores, monkeypatch):
    db, index, embed = stores
    # More articles after the first batch than the worker may hold ready: left running,
    # it would block on its full queue for ever.
    articles = generated(2 * BATCH_ARTICLES + 4)

    def failing_add_nodes(nodes):
        raise Injected("Chroma refused the first batch")

    monkeypatch.setattr(index, "add_nodes", failing_add_nodes)
    with pytest.raises(Injected):
        ingest_articles(index, db, embed, articles, IngestReport())
    assert not splitter_threads(), "the worker outlived the failed ingest"
    assert len(db.hashes()) == BATCH_ARTICLES and not index.article_hashes() and db.index_dirty


# -- the splitter as a child process (large ingests) ---------------------------------
def seed_articles() -> list:
    from assistant.corpus import read_paths

    articles, failed = read_paths([SEEDS])
    assert articles and not failed
    return articles


def test_the_split_process_gives_the_threads_sentences_byte_for_byte():
    """Large ingests split in a child process: the same sentences, offsets, entities,
    noun phrases and governors as the thread, over real articles (the seeds, whose
    datelines, quotes and figures exercise every rule) and generated ones."""
    articles = seed_articles() + generated(BATCH_ARTICLES + 5)
    batches = [articles[i:i + BATCH_ARTICLES] for i in range(0, len(articles), BATCH_ARTICLES)]
    with ingestion._Splitter(batches) as thread:
        by_thread = [(a.doc_id, thread.sentences_of(a.doc_id)) for batch in batches for a in batch]
    with ingestion._SplitProcess(batches) as process:
        by_process = [(a.doc_id, process.sentences_of(a.doc_id)) for batch in batches for a in batch]
    assert sum(len(s) for _, s in by_thread) > 300
    assert any(e[2] == "NP" for _, ss in by_thread for s in ss for e in s.entities)
    assert by_process == by_thread
    assert repr(by_process) == repr(by_thread)  # the same types too (tuples stay tuples, ints ints)


def test_an_ingest_through_the_split_process_stores_what_the_thread_does(tmp_path, monkeypatch):
    """The whole ingest (store, split, embed, index) with each worker: the same sentence
    records, metadata and vectors in Chroma."""
    articles = seed_articles() + generated(BATCH_ARTICLES + 5)
    words = sum(a.text.count(" ") for a in articles)
    got = {}
    for kind, threshold in (("thread", words + 1), ("process", 0)):
        monkeypatch.setattr(ingestion, "SPLIT_PROCESS_WORDS", threshold)
        assert isinstance(ingestion.splitter([articles]), ingestion._SplitProcess if kind == "process" else ingestion._Splitter)
        db = ArticleStore.open(tmp_path / kind)
        index = ChromaStore(tmp_path / kind, "pipeline")
        report = IngestReport()
        ingest_articles(index, db, MiniLMEmbedding(), articles, report)
        assert len(report.added) == len(articles) and not report.failed
        rows = index.sentences.get(include=["documents", "metadatas", "embeddings"])
        got[kind] = sorted(zip(rows["ids"], rows["documents"], (json.dumps(m, sort_keys=True) for m in rows["metadatas"]),
                               (np.asarray(e, dtype=np.float32).tobytes() for e in rows["embeddings"])))
        db.close()
        forget_clients()
    assert len(got["thread"]) > 300 and got["process"] == got["thread"]


def test_a_dead_split_process_fails_the_ingest_and_a_failed_caller_stops_it(stores, monkeypatch):
    """The child dying mid-way is an error in the caller (never a silent short ingest); a
    failing index write leaves no child behind."""
    db, index, embed = stores
    monkeypatch.setattr(ingestion, "SPLIT_PROCESS_WORDS", 0)
    articles = generated(2 * BATCH_ARTICLES + 4)
    batches = [articles[i:i + BATCH_ARTICLES] for i in range(0, len(articles), BATCH_ARTICLES)]
    with ingestion._SplitProcess(batches) as split:
        assert split.sentences_of(articles[0].doc_id)
        split._proc.kill()
        split._proc.wait()
        with pytest.raises(RuntimeError, match="splitter process"):
            for a in articles[1:]:
                split.sentences_of(a.doc_id)

    started = []
    real_enter = ingestion._SplitProcess.__enter__

    def remember(self):  # records the child it starts; the split itself is untouched
        started.append(self)
        return real_enter(self)

    def failing_add_nodes(nodes):
        raise Injected("Chroma refused the first batch")

    monkeypatch.setattr(ingestion._SplitProcess, "__enter__", remember)
    monkeypatch.setattr(index, "add_nodes", failing_add_nodes)
    procs = []
    real_close = ingestion._SplitProcess.close

    def close(self):
        if self._proc is not None:
            procs.append(self._proc)
        real_close(self)

    monkeypatch.setattr(ingestion._SplitProcess, "close", close)
    with pytest.raises(Injected):
        ingest_articles(index, db, embed, articles, IngestReport())
    assert started and procs and all(p.poll() is not None for p in procs), "the child outlived the failed ingest"
