"""Ingest's sentence splitter runs in a worker thread ahead of the writes: a failure on
either side propagates, the worker never outlives the call, and what was committed stays
consistent (a re-run completes).

Real components throughout: spaCy, the ONNX embedder, an embedded Chroma store and the
SQLite article store in a temporary dir. ``monkeypatch`` is used only to inject the
failures (a splitter that raises part-way through the second batch; an index write that
raises).
"""
from __future__ import annotations

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


def test_a_sentence_repeated_across_articles_is_embedded_once(stores):
    """Wire copies repeat sentences: each distinct one reaches the model once per ingest,
    and every copy is stored with the vector the model gives that sentence."""
    db, index, embed = stores
    originals = generated(6)
    copies = [make_article(title=a.title + " (copy)", outlet="Other Wire", date_text="", source=a.source + "-copy",
                           text=a.text) for a in originals]
    counting = ingestion.OnceEach(embed)
    ingest_articles(index, db, counting, originals + copies, IngestReport())
    got = index.sentences.get(include=["documents", "embeddings"])
    texts = list(got["documents"])
    assert len(texts) > len(set(texts))  # the copies' sentences are stored too
    assert counting.encoded == len(set(texts))  # but each distinct one was embedded once
    stored = np.asarray(got["embeddings"], dtype=np.float32)
    fresh = embed.encode(texts)
    assert float((stored * fresh).sum(1).min()) > 0.999


_PARSE = r'''
import hashlib, json, sys
from pathlib import Path
if sys.argv[1] == "torch":
    import torch  # noqa: F401  (as in a process whose embedding backend is torch)
    from assistant.index.sentences import nlp
else:
    from assistant import api
    from assistant.index.sentences import _load_nlp, nlp
    api.prepare_ingest().join()
    assert _load_nlp.cache_info().currsize == 1 and "llama_index.core.schema" in sys.modules
import thinc.compat
h = hashlib.sha256()
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[2]).glob("*.txt"))]
for doc in nlp().pipe(texts):
    h.update(json.dumps([[(e.start_char, e.end_char, e.label_) for e in doc.ents],
                         [(s.start_char, s.end_char) for s in doc.sents]]).encode())
print(json.dumps({"torch": "torch" in sys.modules, "thinc_torch": thinc.compat.has_torch, "parse": h.hexdigest()}))
'''


def test_the_ingest_stack_preloads_without_torch_and_parses_as_with_it():
    """``api.prepare_ingest`` (what the chat UI starts once it is up) loads spaCy with torch
    hidden from thinc, which would import it for layers this pipeline never uses (1.6 s and
    about 200 MB). The entities and sentences of every seed file are the same as in a process
    that holds torch (where it is not hidden). Each side in a process of its own."""
    import json
    import subprocess
    import sys

    from assistant.settings import PROJECT_ROOT

    got = {}
    for side in ("torch", "preload"):
        r = subprocess.run([sys.executable, "-c", _PARSE, side, str(SEEDS)], capture_output=True, text=True,
                           cwd=PROJECT_ROOT, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        got[side] = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["torch"]["torch"] and got["torch"]["thinc_torch"]
    assert not got["preload"]["torch"] and not got["preload"]["thinc_torch"]
    assert got["preload"]["parse"] == got["torch"]["parse"]
