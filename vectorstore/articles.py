"""The article store: the user's articles, apart from any index. Two engines, one interface.

This is the source of truth. Chroma, the BM25 index and the read tables are all derived
from it and can be rebuilt from it at any time; losing them loses nothing.

- **SQLite** (``ArticleStore``, the embedded default): ``articles.sqlite3`` in the data
  dir, WAL mode, so readers (another ``assistant ask``) never wait for a writer. Opening
  runs ``PRAGMA quick_check``: a damaged file is reported and never written to, moved or
  replaced (it may be the only copy of someone's articles).
- **PostgreSQL** (``articles_pg.PostgresArticleStore``, ``NEWSQA_ARTICLES_URL``): one store
  for several app servers on several machines.

Both run the same SQL (written once, below; the PostgreSQL engine only swaps the
placeholder style) and give the same guarantees:

- a batch of articles is one transaction: after a crash each article is either fully
  stored or not at all;
- a versioned schema, migrated on open (``MIGRATIONS``);
- **the corpus version** (``state()``): one row, read by every question with one indexed
  read. Its ``version`` changes when a write to the index completes, so a reader never
  loads a version while a writer is half-way; its ``generation`` counts article writes;
- **writers** (``mark_index_dirty``): each writer registers a row while it writes the
  derived index, so the next open knows to look for half-written index rows. Whether a
  registered writer is still alive is answered by the engine: a live process on this host
  (SQLite), or a live database session holding the writer's advisory lock (PostgreSQL,
  from any machine). Two writers each keep their own mark: one finishing never clears
  the other's.

Like the rest of ``vectorstore``, this module knows nothing of how articles are parsed
or answered: it stores plain values.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import StoreUnavailable, UserFacingError

FILE_NAME = "articles.sqlite3"
COLUMNS = ("doc_id", "title", "outlet", "date_text", "date_iso", "url", "source", "content_hash", "text",
           "ingested_at", "updated_at")


def _v1(tx) -> None:
    tx.execute("""CREATE TABLE IF NOT EXISTS articles (
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
        updated_at   TEXT NOT NULL)""")


def _v2(tx) -> None:
    """The corpus version and the writers move out of ``meta`` into their own tables.
    A store of schema 1 kept one ``index_dirty`` mark with a pid: it becomes a writer row
    of this host."""
    tx.execute("CREATE TABLE corpus (id INTEGER PRIMARY KEY, version TEXT NOT NULL, generation INTEGER NOT NULL)")
    tx.execute("CREATE TABLE writers (id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, "
               "started TEXT NOT NULL, lock_key INTEGER NOT NULL, since TEXT NOT NULL)")
    got = tx.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    tx.execute("INSERT INTO corpus VALUES (1, ?, ?)", (_nonce(), int(got[0]) if got else 0))
    got = tx.execute("SELECT value FROM meta WHERE key = 'index_dirty'").fetchone()
    if got:
        try:
            old = json.loads(got[0])
            pid, since = int(old.get("pid", 0)), str(old.get("since", _now()))
        except (ValueError, TypeError, AttributeError):
            pid, since = 0, _now()
        tx.execute("INSERT INTO writers VALUES (?, ?, ?, '', 0, ?)", ("schema-1", socket.gethostname(), pid, since))
    tx.execute("DELETE FROM meta WHERE key IN ('generation', 'index_dirty')")


# Schema version N is reached by applying MIGRATIONS[N-1]; the steps a store lacks run in one transaction.
MIGRATIONS: list[Callable] = [_v1, _v2]
SCHEMA_VERSION = len(MIGRATIONS)


class ArticleStoreCorrupt(UserFacingError):
    """The SQLite article store fails its integrity check or is not a database."""


class ArticleStoreUnavailable(StoreUnavailable):
    """The article store's server cannot be reached, refuses the login, or went away."""


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


@dataclass(frozen=True)
class CorpusState:
    """The shared corpus version: ``version`` changes when an index write completes,
    ``generation`` on every article write. Read together, in one query."""

    version: str
    generation: int


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _nonce() -> str:
    return secrets.token_hex(8)


def open_store(data_dir: Path, url: str | None = None) -> BaseArticleStore:
    """The article store of these settings: PostgreSQL at ``url``, else SQLite in ``data_dir``."""
    if url:
        from .articles_pg import PostgresArticleStore  # psycopg is imported only for it

        return PostgresArticleStore.open(url)
    return ArticleStore.open(data_dir)


class BaseArticleStore:
    """The interface and its SQL, shared by both engines; thread-safe (one connection
    behind a lock). An engine supplies the connection, transactions, error mapping and
    writer liveness (``_connection``, ``_begin``, ``_fail``, ``_alive``)."""

    shared = False  # True: app servers on other machines may use the same store
    location = ""  # what messages name: a path, or a URL without its password
    created = False  # True when this open made a new, empty store

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._writer: tuple[str, int] | None = None  # (id, lock key) while this process writes the index
        self._held = 0  # depth of ``writing()`` blocks

    # -- engine hooks ----------------------------------------------------------
    def _connection(self) -> Any:
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql

    def _begin(self, conn) -> None:
        conn.execute("BEGIN")

    def _fail(self, exc: Exception) -> Exception | None:
        """The user-facing error for a driver error (None: re-raise it as it is)."""
        return None

    def _alive(self, writers: list[tuple]) -> list[bool]:
        """Whether each (id, host, pid, started, lock_key) writer is still running."""
        raise NotImplementedError

    def _hold(self, lock_key: int, held: bool) -> None:
        """Take (or release) whatever proves to others that this writer is alive."""

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """One process at a time among those sharing the store (PostgreSQL: the first app
        server initialises a new store while the others wait). SQLite: nothing to do."""
        yield

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _ready(self):
        """This store, migrated; its connection closed if that fails (the open fails)."""
        try:
            self._migrate()
        except BaseException:
            self._conn.close()
            raise
        return self

    # -- schema ----------------------------------------------------------------
    def _migrate(self) -> None:
        """Apply the migrations this store lacks, all in one transaction, serialised
        between processes by the write lock (a read first: an up-to-date store is not
        locked on every open). A store of a newer schema is refused, never changed."""
        if self._schema() == SCHEMA_VERSION:
            return
        with self._transaction() as tx:
            self._lock_schema(tx)
            tx.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            got = tx.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            current = int(got[0]) if got else 0
            if current > SCHEMA_VERSION:
                raise UserFacingError(f"The article store {self.location} has schema {current}, written by a newer "
                                      f"version of the assistant (this one knows up to {SCHEMA_VERSION}). Upgrade it.")
            for step in MIGRATIONS[current:]:
                step(tx)
            tx.execute("INSERT INTO meta VALUES ('schema', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       (str(SCHEMA_VERSION),))

    def _schema(self) -> int | None:
        raise NotImplementedError

    def _lock_schema(self, tx) -> None:
        """Serialise migrations between processes (SQLite's write lock already does)."""

    # -- reading ---------------------------------------------------------------
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

    # -- writing ---------------------------------------------------------------
    def put_many(self, articles: Iterable[StoredArticle]) -> None:
        """Insert or replace articles in one transaction. ``ingested_at`` of an existing
        doc_id is kept; ``updated_at`` changes only when the content does."""
        now = _now()
        rows = [(a.doc_id, a.title, a.outlet, a.date_text, a.date_iso, a.url, a.source, a.content_hash, a.text,
                 a.ingested_at or now, a.updated_at or now) for a in articles]
        with self._transaction() as tx:
            tx.executemany(
                f"INSERT INTO articles ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
                "ON CONFLICT(doc_id) DO UPDATE SET title=excluded.title, outlet=excluded.outlet, "
                "date_text=excluded.date_text, date_iso=excluded.date_iso, url=excluded.url, source=excluded.source, "
                "updated_at=CASE WHEN articles.content_hash = excluded.content_hash THEN articles.updated_at "
                "ELSE excluded.updated_at END, content_hash=excluded.content_hash, text=excluded.text", rows)
            tx.execute("UPDATE corpus SET generation = generation + 1 WHERE id = 1")

    def delete(self, doc_ids: Iterable[str]) -> list[str]:
        """Remove articles; returns the ids that were there."""
        ids = list(dict.fromkeys(doc_ids))
        with self._transaction() as tx:
            found = [i for i in ids if tx.execute("SELECT 1 FROM articles WHERE doc_id = ?", (i,)).fetchone()]
            if found:
                tx.executemany("DELETE FROM articles WHERE doc_id = ?", [(i,) for i in found])
                tx.execute("UPDATE corpus SET generation = generation + 1 WHERE id = 1")
        return found

    # -- the corpus version ------------------------------------------------------
    def state(self) -> CorpusState:
        """The shared corpus version: one indexed read, cheap enough for every question."""
        version, generation = self._query("SELECT version, generation FROM corpus WHERE id = 1")[0]
        return CorpusState(str(version), int(generation))

    def generation(self) -> int:
        """Changes on every write of articles, from any process."""
        return self.state().generation

    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        with self._transaction() as tx:
            if value is None:
                tx.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                tx.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))

    def set_meta_once(self, key: str, value: str) -> bool:
        """Set ``key`` unless it is set; True when this call set it (one process wins a race)."""
        with self._transaction() as tx:
            return tx.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO NOTHING", (key, value)).rowcount == 1

    # -- writers -----------------------------------------------------------------
    @property
    def index_dirty(self) -> bool:
        """Some writer (this process or another, alive or dead) has not finished its index write."""
        return bool(self._query("SELECT count(*) FROM writers")[0][0])

    def mark_index_dirty(self, dirty: bool, swept: Iterable[str] = ()) -> None:
        """Register this process as a writer of the index (``True``), or finish its write
        (``False``): its mark goes, with the marks of the dead writers whose half-written
        rows the caller has ``swept``, and the corpus version changes."""
        if dirty:
            if self._writer is None:
                writer = (f"{socket.gethostname()}:{os.getpid()}:{_nonce()}", secrets.randbelow(2**31 - 2) + 2)  # 1: ``exclusive``
                self._hold(writer[1], True)
                try:
                    with self._transaction() as tx:
                        tx.execute("INSERT INTO writers VALUES (?, ?, ?, ?, ?, ?)",
                                   (writer[0], socket.gethostname(), os.getpid(), _process_start(os.getpid()), writer[1], _now()))
                except BaseException:
                    self._release(writer[1])
                    raise
                self._writer = writer
            return
        if self._held:
            return  # inside ``writing()``: the enclosing write finishes it
        gone = [*swept, *([self._writer[0]] if self._writer else [])]
        with self._transaction() as tx:
            tx.executemany("DELETE FROM writers WHERE id = ?", [(w,) for w in gone])
            tx.execute("UPDATE corpus SET version = ? WHERE id = 1", (_nonce(),))
        if self._writer:
            self._release(self._writer[1])
            self._writer = None

    def _release(self, lock_key: int) -> None:
        try:
            self._hold(lock_key, False)
        except UserFacingError:
            pass  # the connection is gone, and the lock with it

    @contextmanager
    def writing(self, swept: Iterable[str] = ()) -> Iterator[None]:
        """One index write made of several (a reconcile re-indexes, then sweeps): marked
        from the start to the end, the inner writes' own ends do not finish it. Left
        marked if it fails, so the next open finishes the job."""
        self.mark_index_dirty(True)
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
        self.mark_index_dirty(False, swept)

    def other_writers(self) -> dict[str, bool]:
        """Writer id -> alive, for every registered writer but this process's own."""
        rows = [r for r in self._query("SELECT id, host, pid, started, lock_key FROM writers")
                if not self._writer or r[0] != self._writer[0]]
        return {r[0]: alive for r, alive in zip(rows, self._alive(rows))}

    # -- internals -----------------------------------------------------------------
    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._connection().execute(self._sql(sql), params).fetchall()
            except Exception as exc:
                raise (self._fail(exc) or exc) from exc

    @contextmanager
    def _transaction(self) -> Iterator[_Tx]:
        with self._lock:
            conn = self._connection()
            try:
                self._begin(conn)
            except Exception as exc:
                raise (self._fail(exc) or exc) from exc
            try:
                yield _Tx(conn, self._sql)
            except BaseException as exc:
                try:
                    conn.execute("ROLLBACK")
                except Exception:
                    pass  # the connection itself failed: nothing was committed
                if isinstance(exc, Exception) and self._fail(exc):
                    raise self._fail(exc) from exc
                raise
            try:
                conn.execute("COMMIT")
            except Exception as exc:
                try:
                    conn.execute("ROLLBACK")
                except Exception:
                    pass
                raise (self._fail(exc) or exc) from exc


class _Tx:
    """A transaction's cursor: the store's SQL in the engine's placeholder style."""

    def __init__(self, conn, sql: Callable[[str], str]):
        self._conn, self._sql = conn, sql

    def execute(self, sql: str, params: tuple = ()):
        return self._conn.execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            self._conn.cursor().executemany(self._sql(sql), rows)


def _process_start(pid: int) -> str:
    """When the process started (clock ticks since boot, /proc), so that a reused pid
    is not taken for a writer that died; '' where /proc is missing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _pid_alive(pid: int, started: str) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not started or _process_start(pid) in ("", started)


class ArticleStore(BaseArticleStore):
    """The SQLite engine: ``ArticleStore.open(data_dir)``."""

    def __init__(self, path: Path, conn: sqlite3.Connection, created: bool):
        super().__init__()
        self.path = path
        self.location = str(path)
        self.created = created
        self._conn = conn

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
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _corrupt(path, exc) from exc
        return cls(path, conn, created)._ready()

    def _connection(self) -> sqlite3.Connection:
        return self._conn

    def _begin(self, conn) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise UserFacingError(f"The article store {self.path} is busy or read-only ({exc}).") from exc

    def _fail(self, exc: Exception) -> Exception | None:
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError | sqlite3.IntegrityError):
            return _corrupt(self.path, exc)
        return None

    def _schema(self) -> int | None:
        if not self._query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"):
            return None
        got = self.get_meta("schema")
        return int(got) if got else None

    def _alive(self, writers: list[tuple]) -> list[bool]:
        """A process on this host (SQLite is not shared across machines); a writer
        registered by another host cannot be checked from here and counts as alive."""
        here = socket.gethostname()
        return [_pid_alive(int(pid), str(started)) if host == here else True for _, host, pid, started, _ in writers]


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
