"""The article store: the user's articles, in SQLite, apart from any index.

This is the source of truth. Chroma, the BM25 index and the vocabulary caches are all
derived from it and can be rebuilt from it at any time; losing them loses nothing.

- WAL mode: readers (another ``assistant ask``) never wait for a writer.
- A batch of articles is one transaction: after a crash each article is either fully
  stored or not at all.
- Opening runs ``PRAGMA quick_check``. A damaged file is reported and never written to,
  moved or replaced: it may be the only copy of someone's articles.
- ``index_dirty`` is set while the derived index is being written, so the next open
  knows to look for half-written index rows.

Like the rest of ``vectorstore``, this module knows nothing of how articles are parsed
or answered: it stores plain values.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import UserFacingError

FILE_NAME = "articles.sqlite3"
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    doc_id       TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    outlet       TEXT NOT NULL,
    date_text    TEXT NOT NULL,
    date_iso     TEXT,
    url          TEXT,
    source       TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    text         TEXT NOT NULL,
    ingested_at  TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
COLUMNS = ("doc_id", "title", "outlet", "date_text", "date_iso", "url", "source", "content_hash", "text",
           "ingested_at", "updated_at")


class ArticleStoreCorrupt(UserFacingError):
    """The SQLite article store fails its integrity check or is not a database."""


@dataclass(frozen=True)
class StoredArticle:
    """One article as stored: everything needed to re-index it without its file."""

    doc_id: str
    title: str
    outlet: str
    date_text: str
    date_iso: str | None
    url: str | None
    source: str
    content_hash: str
    text: str
    ingested_at: str = ""  # UTC, ISO 8601: first time this doc_id was stored
    updated_at: str = ""  # UTC, ISO 8601: last time its content changed

    def to_dict(self) -> dict:
        return asdict(self)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class ArticleStore:
    """``ArticleStore.open(data_dir)``; thread-safe (one connection behind a lock)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, created: bool):
        self.path = path
        self.created = created  # True when this open made a new, empty store
        self._conn = conn
        self._lock = threading.RLock()

    # -- opening -------------------------------------------------------------
    @classmethod
    def open(cls, data_dir: Path) -> ArticleStore:
        path = Path(data_dir) / FILE_NAME
        created = not path.exists()
        if not created and not path.is_file():
            raise ArticleStoreCorrupt(f"{path} is not a file. Move it away; nothing else was changed.")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise ArticleStoreCorrupt(f"The article store {path} cannot be opened ({exc}).") from exc
        if not created:
            _check_integrity(conn, path)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process crashes
            conn.executescript(SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _corrupt(path, exc) from exc
        return cls(path, conn, created)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- reading -------------------------------------------------------------
    def hashes(self) -> dict[str, str]:
        """doc_id -> content hash of every stored article."""
        return dict(self._query("SELECT doc_id, content_hash FROM articles"))

    def get(self, doc_id: str) -> StoredArticle | None:
        rows = self._query(f"SELECT {', '.join(COLUMNS)} FROM articles WHERE doc_id = ?", (doc_id,))
        return StoredArticle(*rows[0]) if rows else None

    def all(self) -> list[StoredArticle]:
        """Every article with its text, in a stable order."""
        return [StoredArticle(*r) for r in self._query(f"SELECT {', '.join(COLUMNS)} FROM articles ORDER BY doc_id")]

    def listing(self) -> list[tuple[StoredArticle, int]]:
        """Every article without its text, with its length in characters (for listings)."""
        cols = ", ".join("'' AS text" if c == "text" else c for c in COLUMNS)
        return [(StoredArticle(*r[:-1]), int(r[-1]))
                for r in self._query(f"SELECT {cols}, length(text) FROM articles ORDER BY doc_id")]

    def count(self) -> int:
        return int(self._query("SELECT count(*) FROM articles")[0][0])

    # -- writing -------------------------------------------------------------
    def put_many(self, articles: Iterable[StoredArticle]) -> None:
        """Insert or replace articles in one transaction. ``ingested_at`` of an existing
        doc_id is kept; ``updated_at`` changes only when the content does."""
        now = _now()
        rows = [(a.doc_id, a.title, a.outlet, a.date_text, a.date_iso, a.url, a.source, a.content_hash, a.text,
                 a.ingested_at or now, a.updated_at or now) for a in articles]
        with self._transaction() as conn:
            conn.executemany(
                f"INSERT INTO articles ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
                "ON CONFLICT(doc_id) DO UPDATE SET title=excluded.title, outlet=excluded.outlet, "
                "date_text=excluded.date_text, date_iso=excluded.date_iso, url=excluded.url, source=excluded.source, "
                "updated_at=CASE WHEN articles.content_hash = excluded.content_hash THEN articles.updated_at "
                "ELSE excluded.updated_at END, content_hash=excluded.content_hash, text=excluded.text", rows)
            self._bump_generation(conn)

    def delete(self, doc_ids: Iterable[str]) -> list[str]:
        """Remove articles; returns the ids that were there."""
        ids = list(dict.fromkeys(doc_ids))
        with self._transaction() as conn:
            found = [i for i in ids if conn.execute("SELECT 1 FROM articles WHERE doc_id = ?", (i,)).fetchone()]
            conn.executemany("DELETE FROM articles WHERE doc_id = ?", [(i,) for i in found])
            if found:
                self._bump_generation(conn)
        return found

    # -- bookkeeping ---------------------------------------------------------
    def generation(self) -> int:
        """Changes on every write, from any process: cheap to poll."""
        return int(self.get_meta("generation") or 0)

    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        with self._transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                conn.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                             (key, value))

    @property
    def index_dirty(self) -> bool:
        return self.get_meta("index_dirty") is not None

    def mark_index_dirty(self, dirty: bool) -> None:
        self.set_meta("index_dirty", json.dumps({"since": _now(), "pid": os.getpid()}) if dirty else None)

    # -- internals -----------------------------------------------------------
    def _bump_generation(self, conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO meta VALUES ('generation', '1') "
                     "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                raise _corrupt(self.path, exc) from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise UserFacingError(f"The article store {self.path} is busy or read-only ({exc}).") from exc
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self._conn.execute("ROLLBACK")
                raise _corrupt(self.path, exc) from exc


def _check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    try:
        result = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise _corrupt(path, exc) from exc
    if result != ["ok"]:
        conn.close()
        raise _corrupt(path, "; ".join(result[:3]))


def _corrupt(path: Path, detail: object) -> ArticleStoreCorrupt:
    return ArticleStoreCorrupt(
        f"The article store {path} is damaged ({detail}). It has been left exactly as it is: "
        "nothing was overwritten. Copy it somewhere safe, then try `sqlite3 "
        f"{path.name} .recover` on the copy, or move it aside and re-ingest your files "
        "(`assistant ingest PATH`); the seeds are indexed again automatically.")
