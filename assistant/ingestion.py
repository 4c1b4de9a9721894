"""Incremental ingestion: unchanged articles (same content hash) are skipped, changed
ones replaced, nothing duplicated. New sentences are written, then the article, then the
old sentences are deleted: a crash half-way never leaves an article without sentences."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vectorstore.embedder import DIMENSIONS

from .corpus import read_paths
from .models import Article, IngestReport
from .sentences import Sentence, split_articles

Progress = Callable[[int, int, str], None]
# Bump when sentence splitting or tagging changes: stored articles are then re-split.
PIPELINE_VERSION = 7


def article_metadata(a: Article) -> dict:
    return {"title": a.title, "outlet": a.outlet, "date_text": a.date_text, "date_iso": a.date_iso or "",
            "source": a.source, "url": a.url or "", "content_hash": a.content_hash, "chars": len(a.text),
            "pipeline": PIPELINE_VERSION}


def revision(content_hash: str) -> str:
    """Content and pipeline together: re-splitting an unchanged article is a new revision."""
    return f"{content_hash[:8]}p{PIPELINE_VERSION}"


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


def ingest_articles(store, embed, articles: list[Article], report: IngestReport, progress: Progress | None = None,
                    force: bool = False) -> None:
    """``force``: process even unchanged articles (re-indexing)."""
    existing = store.article_hashes(PIPELINE_VERSION)
    if force:
        existing = dict.fromkeys(existing, "")
    latest: dict[str, Article] = {}
    for a in articles:  # the same article twice in one batch: the later copy wins, and we say so
        if a.doc_id in latest and latest[a.doc_id].content_hash != a.content_hash:
            report.failed.append((latest[a.doc_id].source, f"replaced by {a.source}, which has the same outlet and title"))
        latest[a.doc_id] = a
    todo = []
    for a in latest.values():
        if existing.get(a.doc_id) == a.content_hash:
            report.skipped.append(a.doc_id)
        else:
            todo.append(a)
    if not todo:
        return
    store.bump_version()  # before writing too: a run killed half-way leaves no cache claiming to be current
    if progress:
        progress(0, len(todo), "splitting sentences")
    split = split_articles(todo)
    for n, a in enumerate(todo, 1):
        sentences = split[a.doc_id]
        vectors = embed.encode([s.text for s in sentences]) if sentences else np.zeros((0, DIMENSIONS), np.float32)
        store.add_nodes(sentence_nodes(a, sentences, vectors))
        centroid = vectors.mean(0) if len(vectors) else embed.encode([a.title])[0]
        store.upsert_article(a.doc_id, a.text, article_metadata(a), centroid / (np.linalg.norm(centroid) or 1.0))
        store.delete_stale_sentences(a.doc_id, revision(a.content_hash))
        (report.updated if a.doc_id in existing else report.added).append(a.doc_id)
        if progress:
            progress(n, len(todo), a.title)
    store.bump_version()


def ingest_paths(store, embed, paths: list[Path], progress: Progress | None = None) -> IngestReport:
    report = IngestReport()
    articles, failed = read_paths([Path(p) for p in paths])
    report.failed.extend(failed)
    ingest_articles(store, embed, articles, report, progress)
    return report
