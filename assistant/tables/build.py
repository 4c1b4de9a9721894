"""Build one version's tables from the index (Chroma) and the article store.

Only citable sentences go in: those of articles that are both stored and indexed with
the stored content hash, of exactly that revision. One pass over Chroma's sentences,
a page at a time; the BM25 index is built from the same rows in the same order, so
BM25 document positions are the table's ``pos``.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .sentences import SentenceRow
from .store import latest_matrix
from .synonyms import build_matrix, words_of
from .vocabulary import count


def bm25_text(meta: dict, text: str) -> str:
    """What BM25 indexes for a sentence: its node's content in llama-index's EMBED mode
    (title, previous sentence, sentence; see ingestion.sentence_nodes), written out here:
    rebuilding 100k nodes from their JSON only to read it back took 8 s. A test checks
    it against the nodes' own ``get_content``."""
    head = "\n".join(v for v in (str(meta.get("title", "")), str(meta.get("prev", ""))) if v)
    return f"{head}\n{text}" if head else text


def build_tables(conn: sqlite3.Connection, matrix_tmp: Path, bm25_root: Path, key: str, *, store, articles: dict[str, dict],
                 revision: Callable[[str], str], embed, data_dir: Path, collection: str) -> None:
    """``articles``: doc_id → citation metadata (with ``content_hash``) of the stored and
    indexed articles; ``revision(content_hash)`` is the sentence revision to keep."""
    from vectorstore import bm25

    wanted = {d: revision(a["content_hash"]) for d, a in articles.items()}
    found: list[tuple[str, int, SentenceRow, str]] = []
    for node_id, meta, text in store.iter_sentences():
        doc_id = str(meta.get("doc_id", ""))
        if wanted.get(doc_id) is None or meta.get("revision") != wanted[doc_id]:
            continue  # a sentence of a removed article, of an older revision or of another client
        row = SentenceRow(node_id, doc_id, int(meta["idx"]), int(meta["start"]), int(meta["end"]), text or "",
                          tuple(tuple(e) for e in json.loads(meta.get("ents") or "[]")))
        found.append((doc_id, row.idx, row, bm25_text(meta, row.text)))
    found.sort(key=lambda f: (f[0], f[1]))
    rows = [f[2] for f in found]
    conn.executemany("INSERT INTO sentences VALUES (?,?,?,?,?,?,?,?)",
                     ((pos, r.node_id, r.doc_id, r.idx, r.start, r.end, r.text, json.dumps(r.entities))
                      for pos, r in enumerate(rows)))
    conn.executemany("INSERT INTO articles VALUES (?,?)", ((d, json.dumps(a)) for d, a in articles.items()))
    counts = count(rows, (a["title"] + " " + a["outlet"] for a in articles.values()))
    conn.executemany("INSERT INTO stems VALUES (?,?)", counts.df.items())
    conn.executemany("INSERT INTO entities VALUES (?,?)", counts.entity_df.items())
    conn.executemany("INSERT INTO names VALUES (?,?)", counts.names.items())
    words = words_of(r.text for r in rows)
    conn.executemany("INSERT INTO words VALUES (?,?)", enumerate(words))
    conn.executemany("INSERT INTO meta VALUES (?,?)", [
        ("sentences", str(len(rows))), ("articles", str(len(articles))),
        ("longest_name", str(max(map(len, counts.names), default=0)))])
    np.save(matrix_tmp, build_matrix(words, embed, latest_matrix(data_dir, collection) if words else None))
    bm25.build(bm25_root, key, [f[3] for f in found])
