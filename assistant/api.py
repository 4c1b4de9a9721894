"""The Python API: ``ask``, ``get_article``, ``list_articles``, ``ingest``.

The engine is opened on first use and kept for the process; ``reset()`` drops it so a
changed environment (another data dir, a server address) takes effect.
"""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

from .errors import IndexEmpty, InvalidQuestion
from .models import Answer, Article, ArticleSummary, IngestReport
from .settings import Settings
from .text import stem, tokens

_engine = None
_lock = threading.RLock()


def engine(settings: Settings | None = None, progress=None):
    global _engine
    with _lock:
        if _engine is None or (settings is not None and settings != _engine.settings):
            from .engine import Engine

            _engine = Engine(settings or Settings.from_env(), progress)
        return _engine


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
    from .answer import compose, decline
    from .scoring import score_hits

    t0 = time.perf_counter()
    q_text = _check(question, Settings.from_env() if _engine is None else _engine.settings)
    eng = engine()
    if not eng.articles:
        raise IndexEmpty(f"No articles are indexed: {eng.settings.seeds_dir} holds none. "
                         "Add some with `assistant ingest PATH` (or set NEWSQA_SEEDS_DIR).")
    with _lock:
        eng.refresh_if_changed()
        t1 = time.perf_counter()
        query, q, expansion = _prepare(eng, q_text, history)
        if not q.focus or all(f.isdigit() for f in q.focus):
            answer = decline(eng, q, "the question has no words the articles could match")
        else:
            hits = eng.retriever.retrieve(query, lexical_extra=expansion)
            t2 = time.perf_counter()
            scored = score_hits(eng, q, hits)
            answer = compose(eng, q, scored)
            answer.timings_ms["retrieve"] = round((t2 - t1) * 1000, 2)
    answer.question = q_text
    answer.resolved_question = query if query != q_text else None
    answer.timings_ms["total"] = round((time.perf_counter() - t0) * 1000, 2)
    return answer


def _prepare(eng, q_text: str, history: Any):
    """The question as retrieval and answering see it: follow-ups resolved, its kind,
    the corpus names it mentions, and corpus neighbours for words no article uses."""
    from .followup import normalise_history, resolve
    from .question import analyse

    turns = normalise_history(history)
    if not turns and len(re.findall(r"[A-Za-z]{2,}", q_text)) < 2:
        raise InvalidQuestion(f"“{q_text}” is too short to search for: ask a full question, "
                              "e.g. “Who visited Pyongyang on June 17?”")
    query = resolve(q_text, turns, eng.vocab)
    q = analyse(q_text, query)
    q.names = [n for n, _ in eng.vocab.find_names(query)]
    unknown = {s: w for w in tokens(query) for s in [stem(w)] if s in q.focus and not eng.vocab.known(s)}
    near = eng.synonyms.neighbours(list(unknown.values()))
    q.soft = {s: dict(near.get(w, [])) for s, w in unknown.items()}
    expansion = " ".join(k for v in q.soft.values() for k in v)
    return query, q, expansion


def retrieve_articles(question: str, history: Any = None, k: int = 5) -> list[str]:
    """Doc ids ranked by their best sentence, retrieved exactly as ``ask`` retrieves
    (for retrieval recall/MRR in the evals)."""
    eng = engine()
    with _lock:
        query, _, expansion = _prepare(eng, _check(question, eng.settings), history)
        hits = eng.retriever.retrieve(query, lexical_extra=expansion)
    ranked: list[str] = []
    for hit in hits:
        doc = eng.rows[hit.node_id].doc_id
        if doc not in ranked:
            ranked.append(doc)
    return ranked[:k]


def get_article(doc_id: str) -> Article:
    return engine().article(doc_id)


def list_articles() -> list[ArticleSummary]:
    return engine().summaries()


def ingest(paths: list[str | Path], progress=None) -> IngestReport:
    """Add or update articles from files or folders; bad files are reported, not raised."""
    with _lock:
        return engine().ingest([Path(p) for p in paths], progress)


def rebuild_index(progress=None) -> IngestReport:
    with _lock:
        return engine().reindex(progress)


def restore_articles(articles: list[Article], progress=None) -> IngestReport:
    with _lock:
        return engine().restore(articles, progress)
