"""The loaded index: Chroma store, embedder, retrievers and the in-memory sentence table.

Opened once per process (``api`` caches it). Opening builds the index from the seeds
when the store is empty, and the BM25 cache when it is missing or stale.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from .errors import ArticleNotFound
from .models import Article, ArticleSummary, IngestReport
from .settings import Settings, apply_offline_env

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentenceRow:
    node_id: str
    doc_id: str
    idx: int
    start: int
    end: int
    text: str
    entities: tuple[tuple, ...]  # (start, end, label, governor) within the sentence


class Engine:
    def __init__(self, settings: Settings, progress=None):
        apply_offline_env()
        from vectorstore.embedder import MiniLMEmbedding
        from vectorstore.store import ChromaStore

        self.settings = settings
        self.store = ChromaStore(settings.data_dir, settings.collection, settings.chroma_host, settings.chroma_port)
        self.embed = MiniLMEmbedding(settings.embed_backend)
        self.built_from_seeds: IngestReport | None = None
        from .ingestion import PIPELINE_VERSION

        hashes = self.store.article_hashes(PIPELINE_VERSION)
        if self.store.count() == 0 and not hashes:
            self.built_from_seeds = self.ingest([settings.seeds_dir], progress)
        elif not all(hashes.values()):  # written by an older pipeline: re-split in place
            log.warning("re-indexing articles written by an older version of the pipeline")
            self._reprocess(progress)
        self._load_tables()

    # -- tables -------------------------------------------------------------
    def _load_tables(self) -> None:
        """(Re)load what the query path reads. Built in locals and swapped in at the end,
        so a reader never sees half a table."""
        from vectorstore.bm25 import load_or_build

        from .ingestion import revision
        from .retrieval import HybridRetriever
        from .synonyms import Synonyms
        from .vocabulary import Vocabulary

        version = self.store.version() or self.store.bump_version()
        bm25 = load_or_build(self.settings.data_dir, self.settings.collection, version, self.store.all_nodes, self.settings.top_k)
        articles: dict[str, dict] = {a["doc_id"]: a for a in self.store.list_articles(with_text=True)}
        found: dict[str, list[tuple[str, SentenceRow]]] = {}
        for entry in (bm25.corpus if bm25 else []):
            node = json.loads(entry["_node_content"]) if "_node_content" in entry else {"metadata": entry}
            meta = node["metadata"]
            article = articles.get(meta["doc_id"])
            if article is None or meta.get("content_hash") != article.get("content_hash"):
                continue  # a sentence of a missing or older article (an interrupted write): never cite it
            row = SentenceRow(entry["node_id"], meta["doc_id"], int(meta["idx"]), int(meta["start"]), int(meta["end"]),
                              node.get("text", ""), tuple(tuple(e) for e in json.loads(meta.get("ents") or "[]")))
            found.setdefault(row.doc_id, []).append((meta.get("revision", ""), row))
        by_doc: dict[str, list[SentenceRow]] = {}
        for doc_id, revs in found.items():
            # An interrupted re-index can leave two revisions of one article: keep the newest.
            current = revision(articles[doc_id]["content_hash"])
            keep = current if any(r == current for r, _ in revs) else max(r for r, _ in revs)
            by_doc[doc_id] = sorted((row for r, row in revs if r == keep), key=lambda row: row.idx)
        self.bm25, self.articles, self.by_doc, self.version = bm25, articles, by_doc, version
        self.rows = {row.node_id: row for rows in by_doc.values() for row in rows}
        self.vocab = Vocabulary.build(self)
        self.retriever = HybridRetriever(self)
        self.synonyms = Synonyms(self)

    def refresh_if_changed(self) -> None:
        """Another process (or a server client) may have ingested since we loaded."""
        if self.store.version() != self.version:
            self._load_tables()

    # -- articles -----------------------------------------------------------
    def article(self, doc_id: str) -> Article:
        row = self.articles.get(doc_id) or self.store.get_article(doc_id)
        if row is None:
            raise ArticleNotFound(f"No article with id {doc_id!r}. `assistant ask` cites ids; list them in the UI's Corpus tab.")
        return self.article_from_row({**row, "doc_id": doc_id})

    @staticmethod
    def article_from_row(row: dict) -> Article:
        return Article(doc_id=row["doc_id"], title=row["title"], outlet=row["outlet"], date_text=row["date_text"],
                       date_iso=row.get("date_iso") or None, text=row["text"], source=row["source"],
                       url=row.get("url") or None, content_hash=row["content_hash"])

    def summaries(self) -> list[ArticleSummary]:
        out = [ArticleSummary(doc_id=d, title=r["title"], outlet=r["outlet"], date_text=r["date_text"],
                              date_iso=r.get("date_iso") or None, chars=int(r.get("chars") or len(r["text"])),
                              source=r["source"]) for d, r in self.articles.items()]
        return sorted(out, key=lambda s: (s.source, s.title))

    # -- writing ------------------------------------------------------------
    def ingest(self, paths: list[Path], progress=None) -> IngestReport:
        from .ingestion import ingest_paths

        report = ingest_paths(self.store, self.embed, [Path(p) for p in paths], progress)
        if report.changed and hasattr(self, "version"):
            self._load_tables()
        return report

    def _reprocess(self, progress=None) -> IngestReport:
        """Re-split and re-embed every stored article (their text is kept in Chroma).
        Each article is replaced in place, so an interrupted run loses nothing."""
        from .ingestion import ingest_articles

        stored = [self.article_from_row(r) for r in self.store.list_articles(with_text=True)]
        report = IngestReport()
        ingest_articles(self.store, self.embed, stored, report, progress, force=True)
        return report

    def restore(self, articles: list[Article], progress=None) -> IngestReport:
        """Put back articles saved from an index being rebuilt (unchanged ones are skipped)."""
        from .ingestion import ingest_articles

        report = IngestReport()
        ingest_articles(self.store, self.embed, articles, report, progress)
        if report.changed:
            self._load_tables()
        return report

    def reindex(self, progress=None) -> IngestReport:
        """Rebuild sentences, embeddings and BM25 from the stored articles (or the seeds)."""
        from .ingestion import ingest_paths

        report = self._reprocess(progress)
        if not report.changed:  # nothing stored yet
            report = ingest_paths(self.store, self.embed, [self.settings.seeds_dir], progress)
        self._load_tables()
        return report

