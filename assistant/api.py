"""The Python API: ``ask``, ``get_article``, ``list_articles``, ``remove_article``,
``export_articles``, ``ingest``.

The engine is opened on first use and kept for the process; ``reset()`` drops it so a
changed environment (another data dir, a server address) takes effect. Questions run
in parallel, each on the snapshot current when it started; writes are serialised by
the engine and swap in a new snapshot when done.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from .errors import ArticleNotFound, ExportError, IndexEmpty, InvalidQuestion
from .models import Answer, Article, ArticleSummary, IngestReport
from .questions.preparation import prepare
from .settings import Settings

_engine = None
_lock = threading.RLock()
_preload: threading.Thread | None = None  # prepare_ingest's thread


def engine(settings: Settings | None = None, progress=None):
    global _engine
    current = _engine
    if current is not None and (settings is None or settings == current.settings):
        return current
    with _lock:
        if _engine is None or (settings is not None and settings != _engine.settings):
            from .engine import Engine

            _engine = Engine(settings or Settings.from_env(), progress)
        return _engine


def adopt(eng) -> None:
    """Make an engine opened by the caller (``index --rebuild``) the process's engine."""
    global _engine
    with _lock:
        _engine = eng


def prepare_ingest() -> threading.Thread:
    """Load the ingest stack (``index.ingestion.load_stack``) in a background thread, so that
    an app's first upload is not the one that waits for it; returns the thread. The writes
    below wait for it rather than import the same packages at the same time from two threads
    (each can then see the other's half-initialised modules)."""
    import logging

    from .index.ingestion import load_stack

    global _preload

    def run() -> None:
        try:
            load_stack()
        except Exception:  # noqa: BLE001  (a warm-up: the ingest itself will report the problem)
            logging.getLogger(__name__).warning("Could not preload the ingest stack.", exc_info=True)

    with _lock:
        if _preload is None:
            _preload = threading.Thread(target=run, name="ingest-preload", daemon=True)
            _preload.start()
        return _preload


def _preloaded() -> None:
    if _preload is not None:
        _preload.join()


def reset() -> None:
    global _engine
    with _lock:
        _engine = None


def _check(question: Any, settings: Settings) -> str:
    if not isinstance(question, str):
        raise InvalidQuestion(f"The question must be text, not {type(question).__name__}.")
    if len(question) > settings.max_question_chars:
        raise InvalidQuestion(f"The question is {len(question):,} characters long; the limit is "
                              f"{settings.max_question_chars:,}. Ask one short question at a time.")
    q = " ".join(question.split())
    if not q:
        raise InvalidQuestion("The question is empty. Ask something about the articles, e.g. "
                              "“Where did Kim Jong Un meet the Russian culture minister?”")
    letters = [ch for ch in q if ch.isalpha()]
    if letters and sum(ch.isascii() for ch in letters) < 0.5 * len(letters):
        raise InvalidQuestion("The articles are in English and so is the search model: please ask in English.")
    return q


def ask(question: str, history: Any = None) -> Answer:
    """Answer ``question`` from the articles, with verbatim, cited quotes, or decline."""
    from .answering.answer import compose, decline
    from .answering.pipeline import candidates_for, elapsed_ms

    t0 = time.perf_counter()
    q_text = _check(question, Settings.from_env() if _engine is None else _engine.settings)
    snap = engine().snapshot()  # one snapshot for the whole question: an ingest cannot change it under us
    if not snap.articles:
        raise IndexEmpty(f"No articles are indexed: {snap.settings.seeds_dir} holds none. "
                         "Add some with `assistant ingest PATH` (or set NEWSQA_SEEDS_DIR).")
    c = candidates_for(snap, q_text, history)
    if not c.searchable:
        answer = decline(snap, c.q, "the question has no words the articles could match")
    else:
        t1 = time.perf_counter()
        answer = compose(snap, c)
        answer.timings_ms.update(c.timings_ms)
        answer.timings_ms["answer"] = elapsed_ms(t1)  # model, grounding, quotes
    answer.question = q_text
    answer.resolved_question = c.query if c.query != q_text else None
    answer.timings_ms["total"] = elapsed_ms(t0)
    return answer


def retrieve_articles(question: str, history: Any = None, k: int = 5) -> list[str]:
    """Doc ids ranked by their best sentence, retrieved exactly as ``ask`` retrieves
    (for retrieval recall/MRR in the evals)."""
    snap = engine().snapshot()
    query, q, expansion = prepare(snap, _check(question, snap.settings), history)
    hits = snap.retriever.retrieve(query, q.vector, lexical_extra=expansion)
    ranked: list[str] = []
    for hit in hits:
        doc = snap.rows[hit.node_id].doc_id
        if doc not in ranked:
            ranked.append(doc)
    return ranked[:k]


def get_article(doc_id: str) -> Article:
    return engine().article(doc_id)


def list_articles() -> list[ArticleSummary]:
    """Every stored article (without its text), ordered by source and title. The articles
    live in the article store: with the Chroma server down they are still listed."""
    from .errors import StoreUnavailable

    try:
        return engine().summaries()
    except StoreUnavailable:
        from vectorstore.articles import open_store

        from .engine import summaries_of

        settings = Settings.from_env()
        db = open_store(settings.data_dir, settings.articles_url)  # unreachable or damaged: its own error says so
        try:
            return summaries_of(db)
        finally:
            db.close()


def remove_article(doc_id: str) -> ArticleSummary:
    """Remove one article from the store and its sentences from the index; answers stop
    citing it at once. Raises ArticleNotFound for an unknown id."""
    eng = engine()
    summary = next((s for s in eng.summaries() if s.doc_id == doc_id), None)
    if summary is None or not eng.remove([doc_id]):
        raise ArticleNotFound(f"No article with id {doc_id!r}. List them with `assistant articles`.")
    return summary


def export_articles(path: str | Path) -> int:
    """Write every stored article to ``path`` as JSON Lines that ``ingest`` reads back
    unchanged (same ids, same content hashes). Written to a temporary file and renamed,
    so an interrupted export never leaves half a file. Returns the number of articles."""
    import json
    import os

    target = Path(path)
    if target.suffix.lower() != ".jsonl":
        raise ExportError(f"Export to a .jsonl file (got {target.name!r}), so that `assistant ingest` can read it back.")
    articles = engine().stored_articles()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as out:
            for a in articles:
                out.write(json.dumps({"id": a.doc_id, "title": a.title, "outlet": a.outlet, "date": a.date_text,
                                      "date_iso": a.date_iso, "url": a.url, "source": a.source, "text": a.text},
                                     ensure_ascii=False) + "\n")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"Cannot write {target}: {exc.strerror or exc}") from exc
    return len(articles)


def ingest(paths: list[str | Path], progress=None) -> IngestReport:
    """Add or update articles from files or folders; bad files are reported, not raised."""
    _preloaded()
    return engine().ingest([Path(p) for p in paths], progress)


def rebuild_index(progress=None) -> IngestReport:
    """Re-split and re-embed every stored article."""
    _preloaded()
    return engine().reindex(progress)


def restore_articles(articles: list[Article], progress=None) -> IngestReport:
    """Store and index these articles (unchanged ones are skipped)."""
    _preloaded()
    return engine().ingest_articles(articles, progress)
