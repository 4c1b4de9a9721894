"""The loaded corpus: the article store (the truth), the derived index, and the immutable
snapshot of read-side tables every question runs on.

Opened once per process (``api`` caches it). Opening:

1. opens the article store: SQLite in the data dir (integrity-checked; a damaged one
   stops everything), or PostgreSQL shared by several app servers (``articles_url``);
2. opens the Chroma index; an embedded index that cannot be opened is moved aside and
   rebuilt from the article store, with progress;
3. on a data dir of the older layout (articles only in Chroma) copies them into the
   article store; on a new one indexes the seeds;
4. reconciles the index with the store (see ``reconcile``);
5. builds the first snapshot.

Readers (``ask``) take one ``Snapshot`` reference and use only it: they never wait for
each other nor for a writer. Writers (ingest, remove, re-index) are serialised by one
lock and swap in a new snapshot when done. The corpus version lives in the article store:
every process (every app server, when the store is shared) notices another's completed
write at its next question, with one indexed read, and loads that version.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from .errors import ArticleNotFound, StoreUnavailable
from .index.snapshot import Snapshot
from .index.tables.articles import ArticleTable
from .index.tables.sentences import ByDocView, FormsView, RowsView, SentenceRow  # noqa: F401  (SentenceRow: re-exported)
from .index.tables.synonyms import Synonyms
from .index.tables.vocabulary import Vocabulary
from .models import Article, ArticleSummary, IngestReport
from .settings import Settings, apply_offline_env

log = logging.getLogger(__name__)


def article_dict(s: Any) -> dict:
    """The citation metadata of a stored article that the answering code reads (its text
    is read on demand). A bare relative date stored before dates were labelled ("3 days
    ago") is labelled here as ingest now labels it, so no citation passes it off as a date."""
    from .corpus.article import printed_date

    date_text, stated_iso = printed_date(s.date_text, s.text)
    return {"doc_id": s.doc_id, "title": s.title, "outlet": s.outlet, "date_text": date_text,
            "date_iso": s.date_iso or stated_iso or "", "source": s.source, "url": s.url or "",
            "content_hash": s.content_hash, "chars": len(s.text), "ingested_at": s.ingested_at}


class Engine:
    def __init__(self, settings: Settings, progress=None, rebuild: bool = False):
        apply_offline_env()
        from vectorstore.articles import open_store
        from vectorstore.client import prefetch
        from vectorstore.embedder import Embedder, import_backend

        import_backend(settings.embed_backend)
        prefetch(settings.data_dir, settings.chroma_host)  # overlaps loading the model, opening the article store
        self.settings = settings
        self.db = open_store(settings.data_dir, settings.articles_url)  # first: a damaged or unreachable store stops everything
        self.embed = Embedder(settings.embed_backend)
        self._write_lock = threading.RLock()
        self.built_from_seeds: IngestReport | None = None
        # Stored articles the last reconcile could not index: (source, why), also logged.
        self.unindexed: list[tuple[str, str]] = []
        self.moved_aside: Path | None = None
        self.store = self._open_index(rebuild)
        with self._write_lock:
            if self.db.get_meta("initialised") is None:
                with self.db.exclusive():  # a shared store: one app server initialises it, the others wait
                    if self.db.get_meta("initialised") is None:
                        self._initialise(progress)
            self.reconcile(progress)
            self._swap()

    # -- opening ------------------------------------------------------------
    def _open_index(self, rebuild: bool):
        from vectorstore.store import ChromaStore

        s = self.settings
        for attempt in (1, 2):
            try:
                store = ChromaStore(s.data_dir, s.collection, s.chroma_host, s.chroma_port)
            except StoreUnavailable:
                # The index is derived: an embedded one that cannot be opened is moved aside
                # (never deleted) and rebuilt from the store. Not when the store is new: in
                # the older layout that index may hold the only copy of the articles.
                fresh = self.db.get_meta("initialised") is None
                if s.server_mode or attempt == 2 or (fresh and not rebuild):
                    raise
                self.moved_aside = move_aside(Path(s.data_dir) / "chroma")
                log.warning("The index could not be opened; moved it aside to %s and rebuilding it "
                            "from the article store.", self.moved_aside)
                continue
            if rebuild and attempt == 1:
                store.reset()
            if rebuild or self.moved_aside:
                self._drop_caches()
            return store
        raise AssertionError("unreachable")

    def _drop_caches(self) -> None:
        from .index.tables.store import bm25_root, tables_dir

        s = self.settings
        for path in (bm25_root(s.data_dir, s.collection), tables_dir(s.data_dir, s.collection), Path(s.data_dir) / "vocab"):
            shutil.rmtree(path, ignore_errors=True)

    def _initialise(self, progress) -> None:
        """A new article store: adopt the articles of an older-layout index, or index the seeds."""
        from .index.ingestion import ingest_paths

        if not self._migrate():
            self.built_from_seeds = ingest_paths(self.store, self.db, self.embed, [self.settings.seeds_dir], progress)
        self.db.set_meta("initialised", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))

    def _migrate(self) -> int:
        """Copy articles that live only in the index (the layout before the article store)
        into the store, in one transaction. Their text there is what was indexed."""
        from vectorstore.articles import StoredArticle

        stored = self.db.hashes()
        rows = [r for r in self.store.list_articles(with_text=True) if r["doc_id"] not in stored and r.get("text")]
        if not rows:
            return 0
        self.db.put_many(StoredArticle(
            doc_id=r["doc_id"], title=str(r.get("title", "")), outlet=str(r.get("outlet", "")),
            date_text=str(r.get("date_text", "")), date_iso=r.get("date_iso") or None, url=r.get("url") or None,
            source=str(r.get("source", "")), content_hash=str(r.get("content_hash", "")), text=r["text"]) for r in rows)
        log.warning("Moved %d articles from the index into the article store %s.", len(rows), self.db.location)
        return len(rows)

    def reconcile(self, progress=None) -> bool:
        """Make the index match the store; True when it had to change anything.

        - a stored article whose index record is missing, older or from another pipeline
          version is (re-)indexed: this heals a crash between the store and the index;
        - index rows of articles that are not stored are deleted (they were never cited),
          except on a shared server with a store of this data dir's own, where they are
          other clients' articles;
        - after an interrupted write (a dead writer's mark), sentences of any other
          revision are swept, and the dead writers' marks go.
        Skipped while another live process is writing (its own run finishes the job).
        A stored article that cannot be indexed is logged and listed in ``unindexed``,
        never raised: it would otherwise stop every command that opens the engine,
        including ``remove``, the way out."""
        from .index.ingestion import reindex_stored, revision

        with self._write_lock:
            others = self.db.other_writers()
            if any(others.values()) or self._in_sync():
                return False
            dead = [w for w, alive in others.items() if not alive]
            stored = self.db.hashes()
            indexed = self.store.article_hashes(_pipeline())
            # On a shared `chroma run` server other clients' articles are not in this data
            # dir's SQLite store: they are theirs, never orphans to delete. A shared
            # (PostgreSQL) store holds every client's articles: what it lacks is an orphan.
            shared = self.settings.server_mode and not self.db.shared
            orphans = [] if shared else [d for d in indexed if d not in stored]
            missing = [d for d, h in stored.items() if indexed.get(d) != h]
            if not (orphans or missing or self.db.index_dirty):
                self._mark_synced()
                return False
            if missing:
                log.warning("Indexing %d stored articles missing from the index.", len(missing))
            with self.db.writing(swept=dead):
                self.store.bump_version()
                if orphans:
                    self.store.delete_articles(orphans)
                report = IngestReport()
                reindex_stored(self.store, self.db, self.embed, missing, progress, report)
                self.unindexed = report.failed
                for where, why in report.failed:
                    log.warning("%s: %s", where, why)
                current = {d: revision(h) for d, h in stored.items()}
                stray = [n for n, (d, r) in self.store.sentence_owners().items()
                         if current.get(d) != r and (d in current or not shared)]
                self.store.delete_sentences(stray)
                self.store.bump_version()
            self._mark_synced()
            return True

    def _sync_stamp(self) -> str:
        return json.dumps([self.store.version(), self.db.generation(), _pipeline()])

    def _in_sync(self) -> bool:
        """Nothing can differ since this data dir last left store and index matching: no
        write to the store (its generation), none to the index (its version, which any
        client of a shared server changes), no interrupted write, same pipeline. Then
        the comparison of every article's hash (1 s at 5,600 articles) is skipped. The
        article counts must still agree: an index that lost records some other way (a
        restored or damaged Chroma directory) is compared and healed."""
        return (not self.db.index_dirty and self.db.get_meta("synced") == self._sync_stamp()
                and self.store.article_count() == self.db.count())

    def _mark_synced(self) -> None:
        self.db.set_meta("synced", self._sync_stamp())

    # -- snapshots ----------------------------------------------------------
    def _build_snapshot(self) -> Snapshot:
        """Open (building first, if this version has none) the tables of the current
        version into a new snapshot; the caller swaps it in."""
        from vectorstore import bm25

        from .answering.retrieval import HybridRetriever
        from .index.tables.store import bm25_root, key_of, matrix_path

        s = self.settings
        state = self.db.state()
        version, generation = state.version, state.generation
        key = key_of(version, generation)
        db = self._open_tables(key)
        rows = RowsView(db)
        lexical = bm25.load(bm25_root(s.data_dir, s.collection), key, rows.at_positions, s.top_k)
        snap = Snapshot(settings=s, store=self.store, embed=self.embed, version=version, generation=generation,
                        articles=ArticleTable(db, self._text_of), by_doc=ByDocView(db), forms=FormsView(db), rows=rows, bm25=lexical,
                        vocab=Vocabulary(db), synonyms=Synonyms(db, matrix_path(s.data_dir, s.collection, key), self.embed))
        snap.retriever = HybridRetriever(snap)
        return snap

    def _open_tables(self, key: str):
        from .index.tables.store import open_or_build

        return open_or_build(self.settings.data_dir, self.settings.collection, key, self.build_tables)

    def build_tables(self, conn, matrix_tmp: Path, bm25_root: Path, key: str, incremental: bool = True) -> None:
        """Write the current version's tables into ``conn`` (see ``index/tables/build``):
        of the articles both stored and indexed at their stored revision."""
        from .index.ingestion import revision
        from .index.tables.build import build_tables

        s = self.settings
        indexed = self.store.article_hashes(_pipeline())
        current = [a for a in self.db.all() if indexed.get(a.doc_id) == a.content_hash]
        build_tables(conn, matrix_tmp, bm25_root, key, store=self.store, articles={a.doc_id: article_dict(a) for a in current},
                     texts={a.doc_id: a.text for a in current}, revision=revision, embed=self.embed,
                     data_dir=s.data_dir, collection=s.collection, incremental=incremental)

    def _text_of(self, doc_id: str, content_hash: str) -> str | None:
        """The text of exactly that revision (a snapshot's offsets refer to the text it
        split): the store's, else the index's copy; None once neither holds it (the
        article was updated or removed since)."""
        stored = self.db.get(doc_id)
        if stored is not None and stored.content_hash == content_hash:
            return stored.text
        indexed = self.store.get_article(doc_id)
        if indexed and indexed.get("content_hash") == content_hash:
            return indexed["text"]
        return None

    def _swap(self) -> None:
        """Build a new snapshot and make it current in one assignment (readers holding the
        old one finish on it). A missing version's tables are built here, by the writer:
        built lazily, every concurrent reader would build them."""
        snap = self._build_snapshot()
        if snap.rows:
            _ = snap.synonyms.matrix
        self._snapshot = snap

    def snapshot(self) -> Snapshot:
        """The current snapshot, first reloaded if another process has written since.

        A reader never waits: while a writer of this process holds the lock, the current
        snapshot is returned as it is (the writer swaps in a new one when it is done).
        The check is one indexed read of the store's corpus version, which changes only
        when a write completes: while another process is half-way through an ingest, this
        one keeps answering from the last complete version."""
        snap = self._snapshot
        if self._write_lock.acquire(blocking=False):
            try:
                snap = self._snapshot
                if self.db.state().version != snap.version:
                    self.store.refresh()  # another server may have rebuilt (recreated) the collections
                    self._swap()
                    snap = self._snapshot
            finally:
                self._write_lock.release()
        return snap

    def refresh_if_changed(self) -> None:
        self.snapshot()

    # The answering code and older callers read these off the engine: the current snapshot's.
    rows = property(lambda self: self._snapshot.rows)
    by_doc = property(lambda self: self._snapshot.by_doc)
    forms = property(lambda self: self._snapshot.forms)
    articles = property(lambda self: self._snapshot.articles)
    vocab = property(lambda self: self._snapshot.vocab)
    synonyms = property(lambda self: self._snapshot.synonyms)
    retriever = property(lambda self: self._snapshot.retriever)
    bm25 = property(lambda self: self._snapshot.bm25)
    version = property(lambda self: self._snapshot.version)

    # -- articles -----------------------------------------------------------
    def article(self, doc_id: str) -> Article:
        snap = self._snapshot
        row = snap.articles.get(doc_id)
        text = snap.articles.text(doc_id) if row is not None else None
        if text is None:  # not in this snapshot, or changed since: the stored article as it is now
            stored = self.db.get(doc_id)
            row, text = (article_dict(stored), stored.text) if stored else (None, "")
        if row is None:
            raise ArticleNotFound(f"No article with id {doc_id!r}. List them with `assistant articles`.")
        return self.article_from_row(row, text)

    @staticmethod
    def article_from_row(row: dict, text: str) -> Article:
        return Article(doc_id=row["doc_id"], title=row["title"], outlet=row["outlet"], date_text=row["date_text"],
                       date_iso=row.get("date_iso") or None, text=text, source=row["source"],
                       url=row.get("url") or None, content_hash=row["content_hash"])

    def summaries(self) -> list[ArticleSummary]:
        """Every stored article (the store, not the snapshot: an article just stored by
        another process is listed even before this process reloads)."""
        return summaries_of(self.db)

    def stored_articles(self) -> list[Article]:
        from .index.ingestion import from_stored

        return [from_stored(s) for s in self.db.all()]

    # -- writing ------------------------------------------------------------
    def ingest(self, paths: list[Path], progress=None) -> IngestReport:
        from .index.ingestion import ingest_paths

        with self._write_lock:
            self._finish_dead_writes(progress)
            before = self.store.version()
            report = ingest_paths(self.store, self.db, self.embed, [Path(p) for p in paths], progress,
                                  self.settings.max_upload_bytes)
            if self.store.version() != before:
                self._mark_synced()
                self._swap()
            return report

    def ingest_articles(self, articles: list[Article], progress=None) -> IngestReport:
        from .index.ingestion import ingest_articles

        with self._write_lock:
            self._finish_dead_writes(progress)
            report = IngestReport()
            ingest_articles(self.store, self.db, self.embed, articles, report, progress)
            if report.changed:
                self._mark_synced()
                self._swap()
            return report

    def _finish_dead_writes(self, progress=None) -> None:
        """A writer that died mid-write (on any app server) left stored articles not yet
        indexed and half-written index rows. The next write on any server finishes its
        job (``reconcile`` does nothing while that writer is alive): a long-running server
        need not be restarted for it."""
        if self.db.index_dirty and self.reconcile(progress):
            self._swap()

    def remove(self, doc_ids: list[str]) -> list[str]:
        """Remove articles from the store, then their sentences from the index; returns the
        ids that were there. A crash in between leaves index rows no snapshot cites and
        the next open deletes."""
        with self._write_lock:
            found = self.db.delete(doc_ids)
            if found:
                with self.db.writing():
                    self.store.bump_version()
                    self.store.delete_articles(found)
                    self.store.bump_version()
                self._mark_synced()
                self._swap()
            return found

    def reindex(self, progress=None) -> IngestReport:
        """Re-split and re-embed every stored article (or index the seeds into an empty store)."""
        from .index.ingestion import ingest_paths, reindex_stored

        with self._write_lock:
            report = IngestReport()
            if not reindex_stored(self.store, self.db, self.embed, None, progress, report):
                report = ingest_paths(self.store, self.db, self.embed, [self.settings.seeds_dir], progress)
            self._mark_synced()
            self._swap()
            return report


def _pipeline() -> int:
    from .index.ingestion import PIPELINE_VERSION

    return PIPELINE_VERSION


def move_aside(path: Path) -> Path | None:
    """Never delete an index in place: a broken one is kept next to the new one."""
    from vectorstore.client import forget_clients

    forget_clients()  # a cached client would keep writing to the moved files
    if not path.exists():
        return None
    target = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    path.rename(target)
    return target


def summaries_of(db) -> list[ArticleSummary]:
    """Every article of the article store ``db``, by source and title: a listing needs the
    store only, not the index (``api.list_articles`` lists with the Chroma server down)."""
    from .corpus.article import printed_date

    out = [ArticleSummary(doc_id=s.doc_id, title=s.title, outlet=s.outlet, date_text=printed_date(s.date_text, "")[0],
                          date_iso=s.date_iso or None, chars=chars, source=s.source, ingested_at=s.ingested_at,
                          content_hash=s.content_hash) for s, chars in db.listing()]
    return sorted(out, key=lambda s: (s.source, s.title))
