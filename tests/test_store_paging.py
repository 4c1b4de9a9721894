"""Reading a whole collection pages through it: an unpaged Chroma get() binds one SQL
variable per record and fails past SQLite's 32,766 (found by the scale benchmark)."""
import numpy as np

from vectorstore.store import ChromaStore


def test_every_record_is_read_across_pages(tmp_path):
    store = ChromaStore(tmp_path, "paging")
    n = 2500
    store.sentences.add(ids=[f"n{i}" for i in range(n)], embeddings=np.random.default_rng(0).random((n, 8)).tolist(),
                        metadatas=[{"doc_id": f"d{i % 7}", "revision": "r"} for i in range(n)], documents=["x"] * n)
    got = store._get_all(store.sentences, ["metadatas"], page=1000)
    assert sorted(got["ids"]) == sorted(f"n{i}" for i in range(n))
    assert len(got["metadatas"]) == n
    assert len(store.sentence_owners()) == n
