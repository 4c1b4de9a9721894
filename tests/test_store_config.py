"""The articles collection persists its HNSW index every ARTICLES_SYNC_THRESHOLD writes.

Chroma replays every write since the last persist in each process that first touches a
collection, and article records carry their full text: with Chroma's default of 1,000 that
replay took 0.17-0.25 s of every cold `assistant ask` at 5,600 articles (0.03 s with 100;
benchmarks/HISTORY.md). Real Chroma, embedded, on a temporary directory.
"""
from vectorstore.client import forget_clients, open_client
from vectorstore.store import ARTICLES_SYNC_THRESHOLD, SPACE, ChromaStore


def _hnsw(collection) -> dict:
    return collection.configuration["hnsw"]


def test_a_store_made_before_the_threshold_gets_it_and_keeps_its_space(tmp_path):
    client = open_client(tmp_path)
    made = client.get_or_create_collection("old_articles", metadata=SPACE)  # as every store was made until now
    assert _hnsw(made)["sync_threshold"] == 1000
    store = ChromaStore(tmp_path, "old")
    assert _hnsw(store.articles)["sync_threshold"] == ARTICLES_SYNC_THRESHOLD < 1000
    assert _hnsw(store.articles)["space"] == "cosine"
    assert _hnsw(store.sentences)["sync_threshold"] == 1000  # sentences keep Chroma's default
    forget_clients()  # a new process: the setting was stored, not only set on this handle
    again = open_client(tmp_path).get_collection("old_articles")
    assert _hnsw(again)["sync_threshold"] == ARTICLES_SYNC_THRESHOLD and _hnsw(again)["space"] == "cosine"


def test_a_new_store_and_a_reset_one_have_it(tmp_path):
    store = ChromaStore(tmp_path, "fresh")
    assert _hnsw(store.articles)["sync_threshold"] == ARTICLES_SYNC_THRESHOLD
    store.reset()
    assert _hnsw(store.articles)["sync_threshold"] == ARTICLES_SYNC_THRESHOLD
