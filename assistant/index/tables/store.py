"""Where a version's tables live, and opening them (building first if they are missing).

    DATA_DIR/tables/COLLECTION/KEY.sqlite      sentences, articles, stems, entities, names, words
    DATA_DIR/tables/COLLECTION/KEY.words.npy   the vocabulary's word vectors (memory-mapped)
    DATA_DIR/bm25/COLLECTION/KEY/              the BM25 index (memory-mapped)

Files of a key are written under temporary names and renamed, the SQLite file last: its
presence means the key is complete. Files of other keys are removed after a build (a
process still reading one keeps its open files on POSIX).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

# Bump when the layout or the content of the tables changes: old files are then rebuilt.
# That includes how stored values are derived (``text``, ``wordforms``, ``index/stories``, the
# stemmer): an incremental build copies them forward, while questions derive theirs with the
# current code. tests/test_tables.py fingerprints them on the seeds to catch a change.
# 2: revisions, name_counts and word_counts, so the next version can be built incrementally.
# 3: each sentence's grounding words (``words``), derived once here instead of at a question.
# 4: each article's story fingerprint (``story``), likewise.
FORMAT = 4
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE sentences (pos INTEGER PRIMARY KEY, node_id TEXT NOT NULL, doc_id TEXT NOT NULL, idx INTEGER,
                        start INTEGER, end_ INTEGER, text TEXT, ents TEXT, words TEXT NOT NULL);
CREATE TABLE articles (doc_id TEXT PRIMARY KEY, meta TEXT NOT NULL, story BLOB NOT NULL);
CREATE TABLE stems (key TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
CREATE TABLE entities (key TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
CREATE TABLE names (key TEXT PRIMARY KEY, label TEXT) WITHOUT ROWID;
CREATE TABLE words (pos INTEGER PRIMARY KEY, word TEXT UNIQUE NOT NULL);
CREATE TABLE revisions (doc_id TEXT PRIMARY KEY, revision TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE name_counts (key TEXT, label TEXT, n INTEGER, first TEXT, PRIMARY KEY (key, label)) WITHOUT ROWID;
CREATE TABLE word_counts (word TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
"""
# The sentences' indexes (unique node_id; doc_id, idx) are made by the build once its rows are in.
SQL_VARIABLES = 900  # per IN (...) query, well under SQLite's limit
# Pages are read through a memory map rather than a read() call each: an article's rows that
# SQLite's own page cache does not hold came 0.3-0.4 ms → 0.07 ms at 100k sentences. Safe
# because a key's file is never written once renamed into place (a removed one stays mapped).
# As with the memory-mapped BM25 index and word vectors, a file truncated in place by another
# tool, or a disk read error, ends the process (SIGBUS) instead of raising DatabaseError.
MMAP_BYTES = 1 << 30


def tables_dir(data_dir: Path, collection: str) -> Path:
    return Path(data_dir) / "tables" / collection


def bm25_root(data_dir: Path, collection: str) -> Path:
    return Path(data_dir) / "bm25" / collection


def key_of(version: str, generation: int) -> str:
    return f"v{FORMAT}-{version or 'none'}-g{generation}"


class TablesFile:
    """One version's SQLite file, opened read-only and immutable (it never changes once
    renamed into place, so SQLite may skip locking). One connection shared by the
    reader threads behind a lock: each lookup is a few microseconds."""

    def __init__(self, path: Path):
        self.path = path
        self._conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        self._lock = threading.Lock()
        self._meta = dict(self.query("SELECT key, value FROM meta"))

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def query_in(self, sql: str, values: Sequence) -> list[tuple]:
        """``sql`` with one ``IN ({})`` filled with ``values``, in chunks."""
        out: list[tuple] = []
        values = list(values)
        for i in range(0, len(values), SQL_VARIABLES):
            chunk = values[i:i + SQL_VARIABLES]
            out += self.query(sql.format(",".join("?" * len(chunk))), chunk)
        return out

    def meta(self, key: str) -> str | None:
        return self._meta.get(key)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class Lookup(Mapping):
    """A read-only mapping over one table of a ``TablesFile``: values are read one key at a
    time by ``_fetch`` (None when absent) and the most recent ``size`` are kept."""

    def __init__(self, db: TablesFile, size: int, count_key: str | None = None):
        self._db = db
        self._n = int(db.meta(count_key) or 0) if count_key else None
        self._get = lru_cache(maxsize=size)(self._fetch)

    def _fetch(self, key: str):
        raise NotImplementedError

    def __getitem__(self, key: str):
        value = self._get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._get(key) is not None

    def __len__(self) -> int:
        return self._n if self._n is not None else sum(1 for _ in self)


def open_or_build(data_dir: Path, collection: str, key: str, build) -> TablesFile:
    """The tables of ``key``; ``build(conn, matrix_tmp, bm25_root, key)`` makes them when
    they are missing, unreadable or incomplete (they are only a cache of the index)."""
    from vectorstore import bm25

    folder = tables_dir(data_dir, collection)
    path = folder / f"{key}.sqlite"
    if path.exists():
        try:
            db = TablesFile(path)
            if not int(db.meta("sentences") or 0) or bm25.exists(bm25_root(data_dir, collection), key):
                return db
            db.close()  # its BM25 index was deleted: the key is rebuilt whole
        except sqlite3.DatabaseError:
            pass
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
    tmp_matrix = folder / f".{key}.{os.getpid()}.{threading.get_ident()}.words.npy"
    tmp.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(tmp)
        conn.executescript(SCHEMA)
        build(conn, tmp_matrix, bm25_root(data_dir, collection), key)
        conn.commit()
        conn.close()
        os.replace(tmp_matrix, folder / f"{key}.words.npy")
        os.replace(tmp, path)  # last: the SQLite file's presence means the key is complete
    finally:
        tmp.unlink(missing_ok=True)
        tmp_matrix.unlink(missing_ok=True)
    for old in folder.iterdir():
        if not old.name.startswith((key + ".", ".")) and stale(old):
            old.unlink(missing_ok=True)
    bm25.drop_others(bm25_root(data_dir, collection), keep=key, stale=stale)
    shutil.rmtree(Path(data_dir) / "vocab", ignore_errors=True)  # the older layout's word vectors
    return TablesFile(path)


# Files of other keys are removed only once this old: another process may have just built
# a newer key and not opened it yet (a reader that has opened one keeps its files anyway).
GRACE_S = 600


def stale(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime > GRACE_S
    except OSError:
        return False


def matrix_path(data_dir: Path, collection: str, key: str) -> Path:
    return tables_dir(data_dir, collection) / f"{key}.words.npy"


def complete_keys(data_dir: Path, collection: str) -> list[Path]:
    """The SQLite files of the complete keys in the folder, newest first."""
    folder = tables_dir(data_dir, collection)
    if not folder.is_dir():
        return []
    done = []
    for p in folder.glob("*.sqlite"):
        try:
            if not p.name.startswith("."):
                done.append((p.stat().st_mtime, p))
        except OSError:  # removed by another process's clean-up meanwhile
            continue
    return [p for _, p in sorted(done, reverse=True)]


def latest_matrix(data_dir: Path, collection: str) -> tuple[list[str], object] | None:
    """(words, matrix) of the newest complete key in the folder, for reuse by a new build."""
    import numpy as np

    for path in complete_keys(data_dir, collection):
        try:
            db = TablesFile(path)
            words = [w for (w,) in db.query("SELECT word FROM words ORDER BY pos")]
            db.close()
            matrix = np.load(path.with_name(path.name.removesuffix(".sqlite") + ".words.npy"))
            if matrix.shape[0] == len(words):
                return words, matrix
        except (OSError, ValueError, sqlite3.DatabaseError):
            continue
    return None
