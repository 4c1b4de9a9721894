"""Build one version's tables from the index (Chroma) and the article store.

Only citable sentences go in: those of articles that are both stored and indexed with
the stored content hash, of exactly that revision. Rows are numbered in (doc_id, idx)
order; the BM25 index is built from the same rows in the same order, so BM25 document
positions are the table's ``pos``.

**Incremental when it can be.** When a complete earlier version of this data dir exists
and few articles differ from it (added, removed, or of another revision), the new version
is that one's rows and counts, minus the removed articles' and plus the new articles'
sentences, read from Chroma by article: adding one article to 100k sentences reads its
sentences, not all of them (a full build read every sentence back: 58 s there). Counts
are additive (``vocabulary.Tally``), so the result is the same file a full build writes
(tests/test_tables.py compares them). The BM25 index is the previous one's term
frequencies less the removed articles' rows plus the new articles' (vectorstore/bm25.py:
only the new sentences are tokenised; scores are computed at query time from the current
counts, so they equal a full build's); the word vectors embed only new words.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

from ...wordforms import stored_forms
from ..stories import fingerprint
from .sentences import COLUMNS, SentenceRow, _row
from .store import FORMAT, complete_keys, latest_matrix
from .synonyms import build_matrix
from .vocabulary import Tally, first_key, majority_names, name_surface

STORED = f"{COLUMNS}, words"  # every column of a row but its position

# More changed articles than this share of the corpus (and more than MIN_FULL): a full
# build reads little more than the incremental one would.
FULL_SHARE = 0.25
MIN_FULL = 50


def bm25_text(meta: dict, text: str) -> str:
    """What BM25 indexes for a sentence: its node's content in llama-index's EMBED mode
    (title, previous sentence, sentence; see ingestion.sentence_nodes), written out here:
    rebuilding 100k nodes from their JSON only to read it back took 8 s. A test checks
    it against the nodes' own ``get_content``, and ``_bm25_texts`` against this."""
    head = "\n".join(v for v in (str(meta.get("title", "")), str(meta.get("prev", ""))) if v)
    return f"{head}\n{text}" if head else text


def build_tables(conn: sqlite3.Connection, matrix_tmp: Path, bm25_root: Path, key: str, *, store, articles: dict[str, dict],
                 texts: Mapping[str, str], revision: Callable[[str], str], embed, data_dir: Path, collection: str,
                 incremental: bool = True) -> None:
    """``articles``: doc_id → citation metadata (with ``content_hash``) of the stored and
    indexed articles, ``texts`` their texts (of that hash); ``revision(content_hash)`` is
    the sentence revision to keep; ``incremental=False`` reads every sentence from the
    index even when it need not."""
    from vectorstore import bm25

    wanted = {d: revision(a["content_hash"]) for d, a in articles.items()}
    tally = Tally()
    conn.execute("CREATE TEMP TABLE staged (node_id TEXT, doc_id TEXT, idx INTEGER, start INTEGER, end_ INTEGER, "
                 "text TEXT, ents TEXT, words TEXT)")
    previous = _previous(conn, data_dir, collection, key, wanted) if incremental else None
    if previous is None:
        added, removed = sorted(wanted), []
        rows = _rows(store.iter_sentences(), wanted)
    else:
        added, removed, previous_key = previous
        rows = _rows(store.sentences_of(added), wanted) if added else []
    tally.add_rows(rows)
    tally.add_heads(_head(articles[d]) for d in added)
    conn.executemany("INSERT INTO staged VALUES (?,?,?,?,?,?,?,?)",
                     ((r.node_id, r.doc_id, r.idx, r.start, r.end, r.text, json.dumps(r.entities), stored_forms(r.text))
                      for r in rows))
    kept: dict[str, bytes] = {}  # story fingerprints of the articles the previous version had as they are
    if previous is None:
        _number_rows(conn, f"SELECT {STORED} FROM staged")
    else:
        removed_positions, kept = _copy_previous(conn, removed, tally)
    conn.execute("DROP TABLE staged")
    _index_rows(conn)
    conn.executemany("INSERT INTO articles VALUES (?,?,?)",
                     ((d, json.dumps(a), kept[d] if d in kept else fingerprint(texts[d])) for d, a in articles.items()))
    conn.executemany("INSERT INTO revisions VALUES (?,?)", wanted.items())
    _apply(conn, tally, removed)
    names = majority_names(conn.execute("SELECT key, label, n, first FROM name_counts"))
    conn.executemany("INSERT INTO names VALUES (?,?)", names.items())
    words = [w for (w,) in conn.execute("SELECT word FROM word_counts ORDER BY word")]
    conn.executemany("INSERT INTO words VALUES (?,?)", enumerate(words))
    n_rows = conn.execute("SELECT count(*) FROM sentences").fetchone()[0]
    conn.executemany("INSERT INTO meta VALUES (?,?)", [
        ("sentences", str(n_rows)), ("articles", str(len(articles))),
        ("longest_name", str(max(map(len, names), default=0)))])
    np.save(matrix_tmp, build_matrix(words, embed, latest_matrix(data_dir, collection) if words else None))
    if previous is not None:
        fresh = _bm25_texts(conn, docs=added, with_positions=True)
        if bm25.build_incremental(bm25_root, key, previous_key, removed_positions, [p for p, _ in fresh],
                                  [t for _, t in fresh]) is not None:
            return
    bm25.build(bm25_root, key, _bm25_texts(conn))  # no previous index (or another format): whole


def _rows(records: Iterable[tuple[str, dict, str]], wanted: dict[str, str]) -> list[SentenceRow]:
    rows = []
    for node_id, meta, text in records:
        doc_id = str(meta.get("doc_id", ""))
        if wanted.get(doc_id) is None or meta.get("revision") != wanted[doc_id]:
            continue  # a sentence of a removed article, of an older revision or of another client
        rows.append(SentenceRow(node_id, doc_id, int(meta["idx"]), int(meta["start"]), int(meta["end"]), text or "",
                                meta.get("ents") or "[]"))
    return rows


def _head(article: dict) -> str:
    return article["title"] + " " + article["outlet"]


def _previous(conn: sqlite3.Connection, data_dir: Path, collection: str, key: str,
              wanted: dict[str, str]) -> tuple[list[str], list[str], str] | None:
    """Attach the newest complete earlier version as ``prev`` and return (added, removed)
    article ids against it, and its key; None (nothing attached) when a full build is the way."""
    for path in [p for p in complete_keys(data_dir, collection) if p.name != f"{key}.sqlite"][:1]:
        if not path.name.startswith(f"v{FORMAT}-"):
            return None
        try:
            conn.execute("ATTACH DATABASE ? AS prev", (str(path),))  # only read (immutable once renamed)
        except sqlite3.DatabaseError:  # damaged: this version is built whole
            return None
        try:
            before = dict(conn.execute("SELECT doc_id, revision FROM prev.revisions"))
        except sqlite3.DatabaseError:
            before = {}
        added = sorted(d for d, r in wanted.items() if before.get(d) != r)
        removed = sorted(d for d, r in before.items() if wanted.get(d) != r)
        if before and len(added) + len(removed) <= max(MIN_FULL, FULL_SHARE * len(wanted)):
            return added, removed, path.name[:-len(".sqlite")]
        conn.execute("DETACH DATABASE prev")
    return None


def _copy_previous(conn: sqlite3.Connection, removed: list[str], tally: Tally) -> tuple[list[int], dict[str, bytes]]:
    """The previous version's rows and counts, less what the removed articles contributed;
    returns the removed rows' positions in the previous version and the kept articles'
    story fingerprints."""
    conn.execute("CREATE TEMP TABLE gone (doc_id TEXT PRIMARY KEY)")
    conn.executemany("INSERT INTO gone VALUES (?)", ((d,) for d in removed))
    positions = [p for (p,) in conn.execute("SELECT pos FROM prev.sentences WHERE doc_id IN (SELECT doc_id FROM gone) "
                                            "ORDER BY pos")]
    # Straight from the previous version's rows and the new ones (``staged``): copying them into
    # ``staged`` first, then out again, was a third of a one-article build at 100k sentences.
    _number_rows(conn, f"SELECT {STORED} FROM prev.sentences WHERE doc_id NOT IN (SELECT doc_id FROM gone) "
                       f"UNION ALL SELECT {STORED} FROM staged")
    old = [_row(r) for r in conn.execute(f"SELECT {COLUMNS} FROM prev.sentences WHERE doc_id IN (SELECT doc_id FROM gone)")]
    tally.add_rows(old, sign=-1)
    heads = conn.execute("SELECT meta FROM prev.articles WHERE doc_id IN (SELECT doc_id FROM gone)")
    tally.add_heads((_head(json.loads(m)) for (m,) in heads), sign=-1)
    for table in ("stems", "entities", "name_counts", "word_counts"):
        conn.execute(f"INSERT INTO {table} SELECT * FROM prev.{table}")
    stories = dict(conn.execute("SELECT doc_id, story FROM prev.articles WHERE doc_id NOT IN (SELECT doc_id FROM gone)"))
    conn.commit()  # a database cannot be detached inside a transaction
    conn.execute("DETACH DATABASE prev")
    conn.execute("DROP TABLE gone")
    return positions, stories


def _number_rows(conn: sqlite3.Connection, source: str) -> None:
    """The rows of ``source`` as the version's sentences, numbered in (doc_id, idx) order."""
    conn.execute(f"INSERT INTO sentences SELECT row_number() OVER (ORDER BY doc_id, idx) - 1, {STORED} "
                 f"FROM ({source}) ORDER BY doc_id, idx")


def _index_rows(conn: sqlite3.Connection) -> None:
    """The sentences' indexes, made once their rows are in (faster than growing them row by row)."""
    conn.execute("CREATE UNIQUE INDEX sentences_node ON sentences (node_id)")
    conn.execute("CREATE INDEX sentences_doc ON sentences (doc_id, idx)")


def _apply(conn: sqlite3.Connection, tally: Tally, removed: list[str]) -> None:
    """Add ``tally`` to the count tables (empty for a full build) and drop what reached 0."""
    for table, column, counts in (("stems", "key", tally.df), ("entities", "key", tally.entity_df),
                                  ("word_counts", "word", tally.words)):
        conn.executemany(f"INSERT INTO {table} VALUES (?, ?) ON CONFLICT({column}) DO UPDATE SET n = n + excluded.n",
                         ((k, n) for k, n in counts.items() if n))
        conn.execute(f"DELETE FROM {table} WHERE n <= 0")
    conn.executemany("INSERT INTO name_counts VALUES (?, ?, ?, ?) ON CONFLICT(key, label) DO UPDATE SET "
                     "n = n + excluded.n, first = min(first, excluded.first)",
                     ((s, label, n, tally.first.get((s, label), "\x7f")) for (s, label), n in tally.labels.items() if n))
    conn.execute("DELETE FROM name_counts WHERE n <= 0")
    if removed:
        _refind_firsts(conn, set(removed))


def _refind_firsts(conn: sqlite3.Connection, removed: set[str]) -> None:
    """A name whose first mention was in a removed article: find its first mention now
    (it decides ties between labels). Only the rows whose text holds the name are read."""
    stale = [(s, label) for s, label, first in conn.execute("SELECT key, label, first FROM name_counts")
             if first.split("\x1f", 1)[0] in removed]
    for surface, label in stale:
        found = "\x7f"
        for r in conn.execute(f"SELECT {COLUMNS} FROM sentences WHERE instr(text, ?) > 0", (surface,)):
            row = _row(r)
            for k, (a, b, lab, *_) in enumerate(row.entities):
                if lab == label and name_surface(row.text, a, b) == surface:
                    found = min(found, first_key(row.doc_id, row.idx, k))
        conn.execute("UPDATE name_counts SET first = ? WHERE key = ? AND label = ?", (found, surface, label))


def _bm25_texts(conn: sqlite3.Connection, docs: list[str] | None = None, with_positions: bool = False) -> list:
    """``bm25_text`` of every row (of the articles ``docs`` only, when given) in ``pos``
    order, from the rows themselves (the previous sentence is the row before in its
    article; the title is the article's); (pos, text) pairs with ``with_positions``."""
    where = ""
    if docs is not None:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_docs (doc_id TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM wanted_docs")
        conn.executemany("INSERT INTO wanted_docs VALUES (?)", ((d,) for d in docs))
        where = "WHERE s.doc_id IN (SELECT doc_id FROM wanted_docs) "
    got = conn.execute("SELECT s.pos, s.text, lag(s.text, 1, '') OVER (PARTITION BY s.doc_id ORDER BY s.idx), "
                       f"json_extract(a.meta, '$.title') FROM sentences s JOIN articles a USING (doc_id) {where}ORDER BY s.pos")
    texts = [(pos, bm25_text({"title": title or "", "prev": prev}, text)) for pos, text, prev, title in got]
    if docs is not None:
        conn.execute("DROP TABLE wanted_docs")
    return texts if with_positions else [t for _, t in texts]
