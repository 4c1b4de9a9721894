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


def test_a_store_that_cannot_take_the_setting_still_opens(tmp_path, monkeypatch, caplog):
    """The setting is a speed-up: an open that can't write it (a full disk, a server login
    without write rights) must not report the index as broken, which would move it aside
    and rebuild it. Double: Collection.modify made to fail, since root here writes through
    a read-only directory and the embedded Chroma has no logins."""
    from chromadb.api.models.Collection import Collection

    open_client(tmp_path).get_or_create_collection("ro_articles", metadata=SPACE)
    forget_clients()

    def refuse(self, *args, **kwargs):
        raise RuntimeError("database or disk is full")

    monkeypatch.setattr(Collection, "modify", refuse)
    store = ChromaStore(tmp_path, "ro")
    assert _hnsw(store.articles)["sync_threshold"] == 1000 and store.article_count() == 0
    assert "sync threshold" in caplog.text and "disk is full" in caplog.text
