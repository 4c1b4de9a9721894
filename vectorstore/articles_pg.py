"""The article store on PostgreSQL (psycopg 3): one store for several app servers.

Selected by ``NEWSQA_ARTICLES_URL=postgresql://user:password@host:5432/db``. The SQL and
the guarantees are ``articles.BaseArticleStore``'s; this engine adds what a server needs:

- an autocommit connection with explicit transactions, so a reader never holds one open;
- a broken connection (server restarted) is reopened at the next call; the call that
  found it broken fails with a message that names the server, never a traceback;
- migrations serialised between app servers by a transaction-level advisory lock;
- writer liveness that works across machines: a writer holds a session-level advisory
  lock while it writes the index. When its process dies (SIGKILL, machine lost), its
  session ends and PostgreSQL releases the lock, which any other server sees in
  ``pg_locks``.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import conninfo_to_dict

from .articles import ArticleStoreUnavailable, BaseArticleStore
from .errors import UserFacingError

LOCK_SPACE = 0x4E51  # the first key of every advisory lock this store takes ("NQ")
CONNECT_TIMEOUT_S = 10


class PostgresArticleStore(BaseArticleStore):
    shared = True

    def __init__(self, url: str, conn: psycopg.Connection, location: str):
        super().__init__()
        self.url = url
        self.location = location
        self._conn = conn

    @classmethod
    def open(cls, url: str) -> PostgresArticleStore:
        location = redact(url)
        conn = _connect(url, location)
        store = cls(url, conn, location)
        try:
            store.created = store._schema() is None
        except BaseException:
            conn.close()
            raise
        return store._ready()

    # -- engine hooks ------------------------------------------------------------
    def _connection(self) -> psycopg.Connection:
        if self._conn.closed or self._conn.broken:  # the server went away since: try again
            self._conn = _connect(self.url, self.location)
            if self._writer is not None:  # this process is still writing: prove it again
                self._conn.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_SPACE, self._writer[1]))
        return self._conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def _fail(self, exc: Exception) -> Exception | None:
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
            return ArticleStoreUnavailable(
                f"The article store at {self.location} stopped answering ({_reason(exc)}). Nothing of the "
                "interrupted write was kept. Is PostgreSQL up? Try again once it is.")
        return None

    def _schema(self) -> int | None:
        if self._query("SELECT to_regclass('meta')")[0][0] is None:
            return None
        got = self.get_meta("schema")
        return int(got) if got else None

    def _lock_schema(self, tx) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?, 0)", (LOCK_SPACE,))

    def _hold(self, lock_key: int, held: bool) -> None:
        fn = "pg_advisory_lock" if held else "pg_advisory_unlock"
        self._query(f"SELECT {fn}(?, ?)", (LOCK_SPACE, lock_key))

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        self._query("SELECT pg_advisory_lock(?, 1)", (LOCK_SPACE,))
        try:
            yield
        finally:
            self._query("SELECT pg_advisory_unlock(?, 1)", (LOCK_SPACE,))

    def _alive(self, writers: list[tuple]) -> list[bool]:
        """A writer is alive while some session of this database holds its lock."""
        if not writers:
            return []
        held = {int(k) for (k,) in self._query(
            "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
            "AND classid = CAST(? AS oid) AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (LOCK_SPACE,))}
        return [int(w[4]) in held for w in writers]


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise UserFacingError(f"NEWSQA_ARTICLES_URL is not a valid PostgreSQL URL ({exc}). "
                              "Write it as postgresql://USER:PASSWORD@HOST:5432/DATABASE.") from exc
    user = f"{info['user']}@" if info.get("user") else ""
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{info.get('host', 'localhost')}{port}/{info.get('dbname', '')}"


def _connect(url: str, location: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name="newsqa")
    except psycopg.Error as exc:
        reason = _reason(exc)
        if "password authentication failed" in reason or "no password supplied" in reason:
            hint = "Check the user and password in NEWSQA_ARTICLES_URL."
        elif "does not exist" in reason:
            hint = "Create it first (e.g. `createdb -O USER DATABASE` on the server) or fix NEWSQA_ARTICLES_URL."
        else:
            hint = "Is PostgreSQL running there and accepting TCP connections? Or unset NEWSQA_ARTICLES_URL to use the embedded store."
        raise ArticleStoreUnavailable(f"Cannot open the article store at {location}: {reason}. {hint} Nothing was changed.") from exc


def _reason(exc: BaseException) -> str:
    """The server's own words, without psycopg's "connection to server at ... failed:" prefix."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    text = text.rsplit("failed: ", 1)[-1]
    return text.removeprefix("FATAL:").strip() or type(exc).__name__
