"""Ingestion: articles go into the article store first, then into the derived index.

Order of writes, per batch of articles (what makes a SIGKILL at any point harmless):

1. the batch is committed to the SQLite article store in one transaction: from here on
   the articles are safe, whatever happens to the index;
2. their sentences are split, embedded and upserted to Chroma, then each article's index
   record (written after its sentences: a record means "fully indexed"), then older
   revisions of their sentences are deleted.

An article spaCy cannot split is not written to the index. When this ingest brought it,
the store is put back as it was (a new article deleted, a changed one restored) and the
report says why; when it was stored already (a run killed before its index write, a
re-split), it stays stored and is reported: one article never stops the others, nor the
opening of the engine (``Engine.reconcile``).

Only CPU work runs ahead of that order: a worker thread splits sentences (spaCy) at most
about one batch ahead, while the calling thread embeds what is already split (ONNX) and
makes every write, batch after batch. spaCy keeps about one core busy, and ONNX Runtime
(and much of spaCy) runs without the GIL, so on 2 cores the two stages overlap (when other
processes leave a core free). A failure in the worker is raised in the caller; a failure in the caller stops
the worker before ``ingest_articles`` returns.

The article store's ``index_dirty`` mark is held from the first index write to the last.
On open the engine reconciles: any stored article whose index record is missing or older
is indexed again, index rows of articles no longer stored are deleted, and after an
interrupted run stray sentence revisions are swept. Unchanged articles (same content hash
in the store and the index) are skipped; nothing is ever duplicated.
"""
from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from vectorstore.articles import ArticleStore, StoredArticle

from ..corpus import read_paths
from ..models import Article, IngestReport
from .sentences import Sentence, Unsplittable, iter_split

Progress = Callable[[int, int, str], None]
SentencesOf = Callable[[str], "list[Sentence] | Unsplittable"]
# Bump when sentence splitting or tagging changes: stored articles are then re-split.
PIPELINE_VERSION = 7  # 7: noun phrases (NP) stored as answer candidates
# Articles per store transaction and per index write. Large enough that embedding and
# Chroma upserts run on big lists; small enough that progress moves and a crash costs little.
BATCH_ARTICLES = 48
# Sentences per ``encode`` while the worker thread is still splitting the batch: large
# enough for the embedder's length-sorted batches, small enough that little of the batch
# is left to embed after spaCy has parsed its last article (64 measured the same).
# ONNX Runtime keeps its 2 intra-op threads alongside spaCy: 1 thread was slower on a quiet
# or half-loaded machine and only slightly faster at load average 4 (benchmarks/scale_profile.py).
EMBED_CHUNK = 256


def article_metadata(a: Article) -> dict:
    return {"title": a.title, "outlet": a.outlet, "date_text": a.date_text, "date_iso": a.date_iso or "",
            "source": a.source, "url": a.url or "", "content_hash": a.content_hash, "chars": len(a.text),
            "pipeline": PIPELINE_VERSION}


def revision(content_hash: str) -> str:
    """Content and pipeline together: re-splitting an unchanged article is a new revision."""
    return f"{content_hash[:8]}p{PIPELINE_VERSION}"


def to_stored(a: Article) -> StoredArticle:
    return StoredArticle(doc_id=a.doc_id, title=a.title, outlet=a.outlet, date_text=a.date_text, date_iso=a.date_iso,
                         url=a.url, source=a.source, content_hash=a.content_hash, text=a.text)


def from_stored(s: StoredArticle) -> Article:
    return Article(doc_id=s.doc_id, title=s.title, outlet=s.outlet, date_text=s.date_text, date_iso=s.date_iso or None,
                   text=s.text, source=s.source, url=s.url or None, content_hash=s.content_hash)


def load_stack() -> None:
    """Import and load what an ingest needs beyond the engine: llama-index's node types,
    spaCy's pipeline and the HTML reader. A process's first ingest otherwise spends about
    5 s on them before its first sentence (the second one, of the same article, 0.2 s)."""
    import trafilatura  # noqa: F401
    from llama_index.core.schema import TextNode  # noqa: F401

    from .sentences import nlp

    nlp()


def sentence_nodes(a: Article, sentences: list[Sentence], embeddings: np.ndarray) -> list:
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    nodes = []
    rev = revision(a.content_hash)
    for s, emb in zip(sentences, embeddings):
        prev = sentences[s.idx - 1].text if s.idx > 0 else ""
        node = TextNode(
            id_=f"{a.doc_id}:{rev}:{s.idx}", text=s.text, embedding=emb.tolist(),
            start_char_idx=s.start, end_char_idx=s.end,
            metadata={"doc_id": a.doc_id, "idx": s.idx, "start": s.start, "end": s.end, "title": a.title,
                      "outlet": a.outlet, "content_hash": a.content_hash, "revision": rev, "prev": prev,
                      "ents": json.dumps(s.entities, separators=(",", ":"))},
            # BM25 reads title + previous sentence as context ("The meeting took place..."
            # needs the sentence before to say whose meeting); the rest is bookkeeping.
            excluded_embed_metadata_keys=["doc_id", "idx", "start", "end", "outlet", "content_hash", "revision", "ents"],
            excluded_llm_metadata_keys=["doc_id", "idx", "start", "end", "content_hash", "revision", "ents", "prev"],
            metadata_template="{value}", text_template="{metadata_str}\n{content}",
        )
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=a.doc_id)
        nodes.append(node)
    return nodes


class OnceEach:
    """An embedder that encodes each distinct text once per ingest. Wire copies of one story
    (a Reuters report run by The Star and by The Straits Times) repeat most of their
    sentences, and a sentence's vector does not depend on the article it sits in: like
    simonw/llm, which keys embeddings by content, we reuse it. Bounded: the oldest texts go
    first past ``limit`` (50k vectors are 77 MB)."""

    def __init__(self, embed, limit: int = 50_000) -> None:
        self._embed = embed
        self._limit = limit
        self._vectors: dict[str, np.ndarray] = {}
        self.encoded = 0  # texts actually sent to the model

    def encode(self, texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if new:
            self._vectors.update(zip(new, self._embed.encode(new)))
            self.encoded += len(new)
        out = np.stack([self._vectors[t] for t in texts]) if texts else self._embed.encode(texts)
        while len(self._vectors) > self._limit:
            self._vectors.pop(next(iter(self._vectors)))
        return out


def embed_batch(embed, batch: list[Article], sentences_of: SentencesOf
                ) -> tuple[dict[str, list[Sentence]], np.ndarray, dict[str, str]]:
    """Sentences of each article of ``batch`` (from ``sentences_of``, in batch order) and
    their vectors, row for row, then one per article without sentences (its title); and
    the articles that could not be split (doc_id -> why), which have neither.
    Embeds every ``EMBED_CHUNK`` sentences as they come, so the embedding of the first
    articles overlaps the splitting of the later ones."""
    split: dict[str, list[Sentence]] = {}
    failed: dict[str, str] = {}
    texts: list[str] = []
    parts: list[np.ndarray] = []
    embedded = 0
    for a in batch:
        got = sentences_of(a.doc_id)
        if isinstance(got, Unsplittable):
            failed[a.doc_id] = got.reason
            continue
        split[a.doc_id] = got
        texts += [s.text for s in got]
        if len(texts) - embedded >= EMBED_CHUNK:
            parts.append(embed.encode(texts[embedded:]))
            embedded = len(texts)
    rest = texts[embedded:] + [a.title for a in batch if a.doc_id in split and not split[a.doc_id]]
    if rest:
        parts.append(embed.encode(rest))
    return split, np.concatenate(parts) if parts else np.zeros((0, 1), np.float32), failed


def index_batch(index, embed, batch: list[Article], sentences_of: SentencesOf) -> dict[str, str]:
    """Embed and write one batch of (already stored) articles to the index; their
    sentences come from ``sentences_of`` (the ingest's splitter). Returns the articles
    that could not be split (doc_id -> why): nothing of theirs is written or deleted."""
    split, vectors, failed = embed_batch(embed, batch, sentences_of)
    batch = [a for a in batch if a.doc_id in split]
    if not batch:
        return failed
    texts = sum(len(v) for v in split.values())
    bare = [a for a in batch if not split[a.doc_id]]
    nodes, records, pos = [], [], 0
    title_vectors = {a.doc_id: vectors[texts + i] for i, a in enumerate(bare)}
    for a in batch:
        sentences = split[a.doc_id]
        own = vectors[pos:pos + len(sentences)]
        pos += len(sentences)
        nodes += sentence_nodes(a, sentences, own)
        centroid = own.mean(0) if len(own) else title_vectors[a.doc_id]
        records.append((a.doc_id, a.text, article_metadata(a), centroid / (np.linalg.norm(centroid) or 1.0)))
    index.add_nodes(nodes)
    index.upsert_articles(records)  # after the sentences: a record means "fully indexed"
    index.delete_stale_sentences_of({a.doc_id: revision(a.content_hash) for a in batch})
    return failed


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _Splitter:
    """Sentence splitting of ``batches`` (in order) in a worker thread.

    The worker hands over one article at a time through a queue of ``BATCH_ARTICLES``
    places: it runs at most about one batch ahead of the caller, whose thread makes every
    write. An exception in the worker is raised by ``sentences_of``; ``close`` (always
    called by ``with``) stops the worker and waits for it, so it never outlives a failed
    caller and never writes anything.
    """

    def __init__(self, batches: list[list[Article]]) -> None:
        self._batches = batches
        self._stop = threading.Event()
        self._queue: queue.Queue = queue.Queue(maxsize=BATCH_ARTICLES)
        self._thread = threading.Thread(target=self._run, name="ingest-split", daemon=True)

    def __enter__(self) -> _Splitter:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            for batch in self._batches:
                for item in iter_split(batch):
                    if not self._put(item):
                        return
        except BaseException as exc:  # handed to the caller, raised there
            self._put(_Failed(exc))

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def sentences_of(self, doc_id: str) -> list[Sentence] | Unsplittable:
        """The next article's sentences (articles come in batch order), or why it has none."""
        while True:
            alive = self._thread.is_alive()  # before the get: a last item put just before it ended is still read
            try:
                item = self._queue.get(timeout=0.1 if alive else 0)
                break
            except queue.Empty:
                if not alive:
                    raise RuntimeError("the sentence splitter stopped without a result") from None
        if isinstance(item, _Failed):
            raise item.exc
        got, sentences = item
        if got != doc_id:
            raise RuntimeError(f"sentence splitter out of step: expected {doc_id!r}, got {got!r}")
        return sentences


def _latest(articles: Iterable[Article], report: IngestReport) -> dict[str, Article]:
    latest: dict[str, Article] = {}
    for a in articles:  # the same article twice in one batch: the later copy wins, and we say so
        if a.doc_id in latest and latest[a.doc_id].content_hash != a.content_hash:
            report.failed.append((latest[a.doc_id].source, f"replaced by {a.source}, which has the same outlet and title"))
        latest[a.doc_id] = a
    return latest


def ingest_articles(index, db: ArticleStore, embed, articles: list[Article], report: IngestReport,
                    progress: Progress | None = None, force: bool = False) -> None:
    """Store and index ``articles``. ``force``: re-index even unchanged ones."""
    stored = db.hashes()
    latest = _latest(articles, report)
    indexed = index.article_hashes_of(list(latest), PIPELINE_VERSION)
    todo = []
    for a in latest.values():
        if not force and stored.get(a.doc_id) == a.content_hash == indexed.get(a.doc_id):
            report.skipped.append(a.doc_id)
        else:
            todo.append(a)
    if not todo:
        return
    embed = embed if isinstance(embed, OnceEach) else OnceEach(embed)
    db.mark_index_dirty(True)
    index.bump_version()  # before writing too: a run killed half-way leaves no cache claiming to be current
    if progress:
        progress(0, len(todo), "splitting sentences")
    done = 0
    batches = [todo[i:i + BATCH_ARTICLES] for i in range(0, len(todo), BATCH_ARTICLES)]
    with _Splitter(batches) as splitter:  # spaCy runs ahead in a worker; writes stay here, in order
        for batch in batches:
            written = [a for a in batch if stored.get(a.doc_id) != a.content_hash]
            previous = {a.doc_id: db.get(a.doc_id) for a in written if a.doc_id in stored}
            db.put_many(to_stored(a) for a in written)
            failed = index_batch(index, embed, batch, splitter.sentences_of)
            if failed:
                report.failed += _unindexed(db, [a for a in batch if a.doc_id in failed], failed, written, previous)
            for a in batch:
                if a.doc_id in failed:
                    continue
                if stored.get(a.doc_id) == a.content_hash:
                    report.skipped.append(a.doc_id)  # stored already, only (re-)indexed
                else:
                    (report.updated if a.doc_id in stored else report.added).append(a.doc_id)
            done += len(batch)
            if progress:
                progress(done, len(todo), batch[-1].title)
    index.bump_version()
    db.mark_index_dirty(False)


def _unindexed(db: ArticleStore, articles: list[Article], why: dict[str, str], written: list[Article],
               previous: dict[str, StoredArticle | None]) -> list[tuple[str, str]]:
    """Articles that could not be split: refused when this ingest brought them (the store
    is put back as it was: bad input loses nothing and leaves nothing half-done), kept
    when they were stored already (the store is the truth; the user may remove them).
    Returns what the report says of each."""
    mine = {a.doc_id for a in written}
    new = [a.doc_id for a in articles if a.doc_id in mine and previous.get(a.doc_id) is None]
    older = [p for d, p in previous.items() if d in why and p is not None]
    if new:
        db.delete(new)
    if older:
        db.put_many(older)  # the index still holds this version's rows, if it had any: nothing to undo there
    out = []
    for a in articles:
        cause = f"it could not be split into sentences ({why[a.doc_id]})"
        if a.doc_id not in mine:
            out.append((a.source, f"article {a.doc_id} ({a.title!r}) is stored but cannot be indexed: {cause}. "
                                  "It is not searchable and is retried whenever the data dir is opened; "
                                  f"`assistant remove {a.doc_id}` removes it."))
        elif previous.get(a.doc_id) is not None:
            out.append((a.source, f"{a.title!r} was not updated, the stored version is kept: {cause}"))
        else:
            out.append((a.source, f"{a.title!r} was not ingested: {cause}"))
    return out


def reindex_stored(index, db: ArticleStore, embed, doc_ids: list[str] | None, progress: Progress | None = None,
                   report: IngestReport | None = None) -> int:
    """Index stored articles (all, or ``doc_ids``) from the article store; returns how many.
    Those that cannot be indexed stay stored and are listed in ``report.failed``."""
    wanted = None if doc_ids is None else set(doc_ids)
    articles = [from_stored(s) for s in db.all() if wanted is None or s.doc_id in wanted]
    if articles:
        ingest_articles(index, db, embed, articles, IngestReport() if report is None else report, progress, force=True)
    return len(articles)


def ingest_paths(index, db: ArticleStore, embed, paths: list[Path], progress: Progress | None = None,
                 max_bytes: int | None = None) -> IngestReport:
    report = IngestReport()
    articles, failed = read_paths([Path(p) for p in paths], max_bytes=max_bytes)
    report.failed.extend(failed)
    ingest_articles(index, db, embed, articles, report, progress)
    return report
