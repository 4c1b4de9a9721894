"""The Chroma side of the index: an ``articles`` and a ``sentences`` collection.

Articles keep their full text (the ground truth every citation is sliced from) and
metadata; sentences are llama-index nodes written through ``ChromaVectorStore`` so the
llama-index retrievers read them back. The store knows nothing of how articles are
parsed or answered: it stores plain dicts and nodes.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .client import open_client
from .errors import StoreUnavailable

log = logging.getLogger(__name__)

SPACE = {"hnsw:space": "cosine"}
VERSION_KEY = "corpus_version"
# Chroma persists a collection's HNSW index every ``sync_threshold`` writes and replays the
# writes since from its log in every process that first touches the collection. Articles
# carry their full text: a tail of up to 999 of them cost each cold `assistant ask` 0.17-0.25 s
# at 5,600 articles (the sync check counts them), 0.03 s with 100. Sentences keep Chroma's
# 1000: their index is 166 MB at 100k sentences, written whole at every sync, and their
# tail of short records costs a first query about 0.05 s.
ARTICLES_SYNC_THRESHOLD = 100


class ChromaStore:
    def __init__(self, data_dir: Path, collection: str, host: str | None = None, port: int = 8000):
        self.data_dir = Path(data_dir)
        self.name = collection
        self.client = open_client(self.data_dir, host, port)
        try:
            self.articles = self.client.get_or_create_collection(f"{collection}_articles", metadata=SPACE)
            self.sentences = self.client.get_or_create_collection(f"{collection}_sentences", metadata=SPACE)
        except Exception as exc:
            raise StoreUnavailable(f"Cannot open the Chroma collections of {collection!r}: {exc}") from exc
        self._tune_articles()
        self._vector_store = None

    def _tune_articles(self) -> None:
        """Give the articles collection ``ARTICLES_SYNC_THRESHOLD`` (once: a store made
        before it gets it here, and its log tail is persisted at its next write). Only a
        speed-up: a store that can't take the write (read-only, a full disk, a server login
        without write rights) is opened as it is, never reported as broken."""
        try:
            hnsw = (self.articles.configuration or {}).get("hnsw") or {}
            if hnsw.get("sync_threshold") != ARTICLES_SYNC_THRESHOLD:
                self.articles.modify(configuration={"hnsw": {"sync_threshold": ARTICLES_SYNC_THRESHOLD}})
        except Exception as exc:  # noqa: BLE001
            log.warning("Could not set the articles collection's sync threshold (%s: %s); opening it as it is.",
                        type(exc).__name__, exc)

    # -- llama-index bridge -------------------------------------------------
    @property
    def vector_store(self) -> Any:
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vector_store = ChromaVectorStore(chroma_collection=self.sentences)
        return self._vector_store

    # -- articles ----------------------------------------------------------
    def article_hashes(self, pipeline: int | None = None) -> dict[str, str]:
        """doc_id -> content hash; an article processed by another pipeline version
        reports an empty hash, so ingestion treats it as changed."""
        got = self._get_all(self.articles, ["metadatas"])
        out = {}
        for i, m in zip(got["ids"], got["metadatas"]):
            m = m or {}
            stale = pipeline is not None and m.get("pipeline") != pipeline
            out[i] = "" if stale else m.get("content_hash", "")
        return out

    def article_hashes_of(self, doc_ids: list[str], pipeline: int | None = None) -> dict[str, str]:
        """``article_hashes`` of these articles only (those indexed): an ingest of a few
        articles into a large corpus reads their records, not all of them (0.4 s at 5,600)."""
        out = {}
        for i in range(0, len(doc_ids), 5000):  # one SQL variable per id: see _pages
            got = self._call(self.articles.get, ids=doc_ids[i:i + 5000], include=["metadatas"])
            for doc_id, m in zip(got["ids"], got["metadatas"]):
                m = m or {}
                stale = pipeline is not None and m.get("pipeline") != pipeline
                out[doc_id] = "" if stale else m.get("content_hash", "")
        return out

    def get_article(self, doc_id: str) -> dict | None:
        got = self._call(self.articles.get, ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return {**(got["metadatas"][0] or {}), "doc_id": doc_id, "text": got["documents"][0]}

    def list_articles(self, with_text: bool = False) -> list[dict]:
        include = ["metadatas", "documents"] if with_text else ["metadatas"]
        got = self._get_all(self.articles, include)
        rows = []
        for n, (doc_id, meta) in enumerate(zip(got["ids"], got["metadatas"])):
            row = {**(meta or {}), "doc_id": doc_id}
            if with_text:
                row["text"] = got["documents"][n]
            rows.append(row)
        return rows

    def upsert_article(self, doc_id: str, text: str, metadata: dict, embedding: np.ndarray) -> None:
        self.upsert_articles([(doc_id, text, metadata, embedding)])

    def upsert_articles(self, records: list[tuple[str, str, dict, np.ndarray]]) -> None:
        """(doc_id, text, metadata, centroid) per article, written in large chunks."""
        step = self._batch_size()
        for i in range(0, len(records), step):
            chunk = records[i:i + step]
            self._call(self.articles.upsert, ids=[r[0] for r in chunk], documents=[r[1] for r in chunk],
                       metadatas=[{k: ("" if v is None else v) for k, v in r[2].items()} for r in chunk],
                       embeddings=[np.asarray(r[3]).tolist() for r in chunk])

    def delete_articles(self, doc_ids: list[str]) -> None:
        """An article's index record and all its sentences (the sentences first: a record
        without sentences is re-indexed on open, sentences without a record are not cited)."""
        step = self._batch_size()
        for i in range(0, len(doc_ids), step):
            chunk = doc_ids[i:i + step]
            self._call(self.sentences.delete, where={"doc_id": {"$in": chunk}} if len(chunk) > 1 else {"doc_id": chunk[0]})
            self._call(self.articles.delete, ids=chunk)

    def reset(self) -> None:
        """Drop both collections and start empty (a rebuild from the article store)."""
        for coll in (self.articles, self.sentences):
            self._call(self.client.delete_collection, coll.name)
        self.refresh()

    def refresh(self) -> None:
        """Fetch the collections again: another process's ``reset`` (an `index --rebuild`
        on another app server) recreated them under new ids, and the old handles fail."""
        self.articles = self._call(self.client.get_or_create_collection, f"{self.name}_articles", metadata=SPACE)
        self.sentences = self._call(self.client.get_or_create_collection, f"{self.name}_sentences", metadata=SPACE)
        self._tune_articles()
        self._vector_store = None

    def _batch_size(self) -> int:
        try:
            return max(100, min(5000, int(self.client.get_max_batch_size())))
        except Exception:
            return 1000

    # -- sentences ---------------------------------------------------------
    def add_nodes(self, nodes: list) -> None:
        """Upsert sentence nodes in llama-index's Chroma layout (what ChromaVectorStore.add
        writes, but an existing id is overwritten rather than silently kept)."""
        from llama_index.core.schema import MetadataMode
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        step = self._batch_size()
        for i in range(0, len(nodes), step):
            chunk = nodes[i:i + step]
            metadatas = []
            for node in chunk:
                meta = node_to_metadata_dict(node, remove_text=True, flat_metadata=True)
                metadatas.append({k: ("" if v is None else v) for k, v in meta.items()})
            self._call(self.sentences.upsert, ids=[n.node_id for n in chunk], embeddings=[n.get_embedding() for n in chunk],
                       metadatas=metadatas, documents=[n.get_content(metadata_mode=MetadataMode.NONE) for n in chunk])

    def delete_stale_sentences(self, doc_id: str, keep_revision: str) -> None:
        """Drop a document's sentences from older revisions (written before, deleted after)."""
        self._call(self.sentences.delete, where={"$and": [{"doc_id": doc_id}, {"revision": {"$ne": keep_revision}}]})

    def delete_stale_sentences_of(self, keep: dict[str, str]) -> None:
        """``delete_stale_sentences`` for many documents (doc_id -> revision to keep) in one
        call. Revisions carry the content hash, so another document's current revision
        never matches by accident (and the snapshot ignores any row whose revision is not
        its article's)."""
        if not keep:
            return
        docs, revs = sorted(keep), sorted(set(keep.values()))
        self._call(self.sentences.delete, where={"$and": [
            {"doc_id": {"$in": docs}} if len(docs) > 1 else {"doc_id": docs[0]},
            {"revision": {"$nin": revs}} if len(revs) > 1 else {"revision": {"$ne": revs[0]}}]})

    def sentence_owners(self) -> dict[str, tuple[str, str]]:
        """node id -> (doc_id, revision) of every stored sentence (metadata only)."""
        got = self._get_all(self.sentences, ["metadatas"])
        return {i: (str((m or {}).get("doc_id", "")), str((m or {}).get("revision", "")))
                for i, m in zip(got["ids"], got["metadatas"])}

    def delete_sentences(self, node_ids: list[str]) -> None:
        step = self._batch_size()
        for i in range(0, len(node_ids), step):
            self._call(self.sentences.delete, ids=node_ids[i:i + step])

    def iter_sentences(self, page: int = 5000) -> Iterator[tuple[str, dict, str]]:
        """(node id, flat metadata, text) of every sentence, a page at a time, so building
        the read tables of a large corpus never holds all records as Chroma returns them."""
        for got in self._pages(self.sentences, ["metadatas", "documents"], page):
            yield from zip(got["ids"], (m or {} for m in got["metadatas"]), got["documents"])

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(node id, cosine distance) of the ``k`` sentences nearest ``vector``: the query
        ChromaVectorStore makes, without importing llama-index on the query path."""
        got = self._call(self.sentences.query, query_embeddings=[np.asarray(vector).tolist()], n_results=k,
                         include=["distances"])
        return list(zip(got["ids"][0], got["distances"][0]))

    def sentences_of(self, doc_ids: list[str], chunk: int = 200) -> Iterator[tuple[str, dict, str]]:
        """(node id, flat metadata, text) of these articles' sentences only: what an
        incremental build of the read tables reads, whatever the corpus size."""
        for i in range(0, len(doc_ids), chunk):
            part = doc_ids[i:i + chunk]
            where = {"doc_id": {"$in": part}} if len(part) > 1 else {"doc_id": part[0]}
            for got in self._pages(self.sentences, ["metadatas", "documents"], 5000, where):
                yield from zip(got["ids"], (m or {} for m in got["metadatas"]), got["documents"])

    def count(self) -> int:
        return self._call(self.sentences.count)

    def article_count(self) -> int:
        return self._call(self.articles.count)

    def _get_all(self, collection, include: list[str], page: int = 5000) -> dict[str, list]:
        """Every record of a collection, read a page at a time (see ``_pages``)."""
        out: dict[str, list] = {"ids": [], **{k: [] for k in include}}
        for got in self._pages(collection, include, page):
            for k in out:
                out[k] += got[k] or []
        return out

    def _pages(self, collection, include: list[str], page: int, where: dict | None = None) -> Iterator[dict]:
        """``get()`` results of ``page`` records each: an unpaged ``get()`` binds one SQL
        variable per record and fails past SQLite's 32,766 (seen at 33,000 sentences)."""
        offset = 0
        while True:
            got = self._call(collection.get, include=include, limit=page, offset=offset, **({"where": where} if where else {}))
            yield got
            if len(got["ids"]) < page:
                return
            offset += page

    # -- version stamp: changes whenever the set of articles changes --------
    def version(self) -> str:
        """Read from the store each time: the client caches collection metadata, and
        another process (or another client of the same server) may have written since."""
        fresh = self._call(self.client.get_collection, self.articles.name)
        return str((fresh.metadata or {}).get(VERSION_KEY, ""))

    def bump_version(self) -> str:
        """Called after every write: caches built from the sentences (BM25) go stale.
        A fresh nonce: re-splitting unchanged articles changes the sentences too, so the
        article hashes cannot name a version (they were hashed in with the nonce, which
        made every stamp unique anyway, and reading them took 0.4 s at 5,600 articles,
        twice per write)."""
        digest = uuid.uuid4().hex[:16]
        self._call(self.articles.modify, metadata={VERSION_KEY: digest})
        return digest

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreUnavailable:
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                raise StoreUnavailable(f"The Chroma server stopped answering ({type(exc).__name__}). Is `chroma run` still up?") from exc
            raise


def _is_connection_error(exc: BaseException) -> bool:
    names = {type(e).__name__ for e in _chain(exc)}
    return bool(names & {"ConnectError", "ConnectionError", "ConnectTimeout", "ReadTimeout", "RemoteProtocolError", "ConnectionRefusedError"})


def _chain(exc: BaseException | None) -> Iterable[BaseException]:
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__
