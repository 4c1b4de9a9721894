"""The article store on PostgreSQL, shared by several app servers (issue 15).

Real servers, started here: PostgreSQL (initdb + pg_ctl, tests/servers.py) and, for the
multi-server tests, `chroma run`. The store's contract is checked on both engines; the
app servers are separate processes, each with a data dir of its own (as on separate
machines), sharing one Chroma server and one PostgreSQL.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, run_cli
from servers import PostgresServer
from test_crash import check_consistent, generated_corpus, ingest_and_kill
from test_scale_server import FERRY
from test_scale_server import SEED as BRIDGE

from assistant import api
from vectorstore.articles import ArticleStore, ArticleStoreUnavailable, StoredArticle, open_store

pytestmark = pytest.mark.postgres

FERRY_Q = "How many berths does the ferry Morning Lark have?"
BRIDGE_Q = "How many trucks an hour does the Tumen river bridge carry?"


def _one_seed(tmp_path: Path) -> str:
    """A seeds dir of one short article (the bridge): a new store indexes it in seconds."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "bridge.jsonl").write_text(json.dumps(BRIDGE) + "\n")
    return str(seeds)


def _article(doc_id: str, content: str) -> StoredArticle:
    return StoredArticle(doc_id, f"Title {doc_id}", "Outlet", "May 1, 2025", "2025-05-01", None, f"f#{doc_id}",
                         f"hash-{content}", f"text {content}")


@pytest.fixture(params=["sqlite", "postgres"])
def store_opener(request, tmp_path):
    """A function opening the same store again (as another process would), on each engine."""
    if request.param == "sqlite":
        return lambda: open_store(tmp_path)
    url = request.getfixturevalue("articles_url")
    return lambda: open_store(tmp_path, url)


def test_both_engines_keep_the_same_contract(store_opener):
    db = store_opener()
    assert db.created and db.count() == 0 and not db.index_dirty
    start = db.state()
    db.put_many([_article("a", "1"), _article("b", "1")])
    first = db.get("a")
    assert first.ingested_at == first.updated_at and first.text == "text 1" and first.date_iso == "2025-05-01"
    time.sleep(1.1)
    db.put_many([_article("a", "1"), _article("b", "2")])  # a unchanged, b changed
    assert db.get("a").updated_at == first.updated_at
    b = db.get("b")
    assert b.updated_at > b.ingested_at == first.ingested_at and b.text == "text 2"
    assert db.hashes() == {"a": "hash-1", "b": "hash-2"} and db.count() == 2
    assert [(s.doc_id, s.text, n) for s, n in db.listing()] == [("a", "", 6), ("b", "", 6)]
    assert [s.doc_id for s in db.all()] == ["a", "b"]
    # Article writes move the generation; only a completed index write moves the version.
    assert db.state().generation == start.generation + 2 and db.state().version == start.version
    assert db.delete(["b", "missing"]) == ["b"] and db.delete(["b"]) == []
    assert db.set_meta_once("initialised", "x") and not db.set_meta_once("initialised", "y")
    assert db.get_meta("initialised") == "x"

    other = store_opener()  # another process on the same store
    assert not other.created and other.hashes() == {"a": "hash-1"}
    db.mark_index_dirty(True)
    other.mark_index_dirty(True)
    assert list(db.other_writers().values()) == [True] and list(other.other_writers().values()) == [True]
    db.mark_index_dirty(False)  # one writer finishing never clears the other's mark
    assert other.index_dirty and db.index_dirty and db.state().version != start.version
    other.mark_index_dirty(False)
    assert not db.index_dirty
    db.close()
    other.close()


WRITER = """
import sys, time
from vectorstore.articles import open_store
db = open_store(sys.argv[1], sys.argv[2] or None)
db.mark_index_dirty(True)
print("writing", flush=True)
time.sleep(600)
"""


def test_a_writer_killed_mid_write_is_seen_dead_by_the_others(store_opener, tmp_path):
    """Writer identity is not a bare pid: on PostgreSQL it is the writer's session (its
    advisory lock), which ends with the process, whatever machine it ran on."""
    db = store_opener()
    url = getattr(db, "url", "")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), url], stdout=subprocess.PIPE, text=True,
                            cwd=PROJECT_ROOT)
    try:
        assert proc.stdout.readline().strip() == "writing"
        assert list(db.other_writers().values()) == [True] and db.index_dirty
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    deadline = time.time() + 10
    while any(db.other_writers().values()) and time.time() < deadline:
        time.sleep(0.1)  # PostgreSQL notices the closed session at once, or nearly
    dead = list(db.other_writers())
    assert dead and not any(db.other_writers().values()) and db.index_dirty  # dead, and its mark stays
    with db.writing(swept=dead):
        pass  # what a reconcile does once it has swept the dead writer's rows
    assert not db.index_dirty and db.other_writers() == {}
    db.close()


def test_a_schema_1_sqlite_store_is_migrated_on_open(tmp_path):
    con = sqlite3.connect(tmp_path / "articles.sqlite3")
    con.executescript("""
        CREATE TABLE articles (doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, outlet TEXT NOT NULL,
            date_text TEXT NOT NULL, date_iso TEXT, url TEXT, source TEXT NOT NULL, content_hash TEXT NOT NULL,
            text TEXT NOT NULL, ingested_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema', '1'), ('generation', '7'), ('index_dirty', '{"since": "x", "pid": 999999999}');
        INSERT INTO articles VALUES ('a', 't', 'o', 'd', NULL, NULL, 's', 'h', 'text', 'i', 'u');
    """)
    con.commit()
    con.close()
    db = ArticleStore.open(tmp_path)
    assert db.get_meta("schema") == "2" and db.generation() == 7 and db.hashes() == {"a": "h"}
    assert db.index_dirty and db.other_writers() == {"schema-1": False}  # the old mark, its process long gone
    assert db.get_meta("generation") is None and db.get_meta("index_dirty") is None


def test_wrong_password_is_a_clear_error(postgres_server, articles_url, tmp_path):
    bad = articles_url.replace(postgres_server.password, "not-the-password")
    with pytest.raises(ArticleStoreUnavailable, match="password authentication failed") as err:
        open_store(tmp_path, bad)
    assert "not-the-password" not in str(err.value) and "Check the user and password" in str(err.value)
    r = run_cli("articles", env={"NEWSQA_ARTICLES_URL": bad, "NEWSQA_DATA_DIR": str(tmp_path / "data")})
    assert r.returncode == 1 and "password authentication failed" in r.stderr and "Traceback" not in r.stderr
    assert "not-the-password" not in r.stderr
    assert not (tmp_path / "data").exists()  # nothing made before the store opened
    r = run_cli("articles", env={"NEWSQA_ARTICLES_URL": "mysql://x@y/z", "NEWSQA_DATA_DIR": str(tmp_path / "data")})
    assert r.returncode == 1 and "postgresql://" in r.stderr and "Traceback" not in r.stderr


@pytest.fixture
def own_postgres():
    """A PostgreSQL of its own, for a test that takes it down."""
    server = PostgresServer()
    yield server
    server.close()


def test_postgres_down_is_a_clear_error_and_leaves_no_partial_state(own_postgres, tmp_path):
    url = own_postgres.database("news")
    env = {"NEWSQA_ARTICLES_URL": url, "NEWSQA_DATA_DIR": str(tmp_path / "data"), "NEWSQA_SEEDS_DIR": _one_seed(tmp_path)}
    ferry = tmp_path / "ferry.jsonl"
    ferry.write_text(json.dumps(FERRY) + "\n")

    own_postgres.stop()
    r = run_cli("ingest", str(ferry), env=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "Cannot open the article store at postgresql://news@127.0.0.1" in r.stderr and "PostgreSQL running" in r.stderr
    assert own_postgres.password not in r.stderr
    assert not (tmp_path / "data").exists()  # no index, no tables: nothing was started
    own_postgres.start()

    # Down while an app server runs: the write fails with the same kind of message and
    # leaves nothing behind; once the server is back the same process carries on.
    old = dict(os.environ)
    os.environ.update(env)
    api.reset()
    try:
        eng = api.engine()
        assert [s.title for s in eng.summaries()] == [BRIDGE["title"]]
        before_version = eng.db.state().version
        own_postgres.stop()
        with pytest.raises(ArticleStoreUnavailable, match="stopped answering"):
            api.ingest([ferry])
        assert eng.store.article_count() == 1 and {m["doc_id"] for m in eng.store.list_articles()} == set(eng.articles)
        with pytest.raises(ArticleStoreUnavailable, match="article store at postgresql:.*PostgreSQL"):
            api.ask(BRIDGE_Q)  # questions say why they cannot be answered, until it is back
        own_postgres.start()
        assert [s.title for s in eng.summaries()] == [BRIDGE["title"]]  # reconnected; the ferry was never stored
        assert eng.db.state().version == before_version and not eng.db.index_dirty
        report = api.ingest([ferry])
        assert len(report.added) == 1
        assert "412" in api.ask(FERRY_Q).short_answer
    finally:
        os.environ.clear()
        os.environ.update(old)
        api.reset()


def test_cli_verbs_rebuild_and_export_on_postgres(articles_url, tmp_path):
    """articles/show/remove/export and `index --rebuild` from the store, with the store
    on PostgreSQL and the embedded index."""
    env = {"NEWSQA_ARTICLES_URL": articles_url, "NEWSQA_DATA_DIR": str(tmp_path / "data"), "NEWSQA_SEEDS_DIR": _one_seed(tmp_path)}
    ferry = tmp_path / "ferry.jsonl"
    ferry.write_text(json.dumps(FERRY) + "\n")
    r = run_cli("ingest", str(ferry), env=env)
    assert r.returncode == 0 and "1 added" in r.stdout, r.stderr
    assert not (tmp_path / "data" / "articles.sqlite3").exists()  # the store is the server's
    listed = json.loads(run_cli("articles", "--json", env=env).stdout)
    assert sorted(a["title"] for a in listed) == [FERRY["title"], BRIDGE["title"]]
    doc_id = next(a["doc_id"] for a in listed if a["title"] == FERRY["title"])
    r = run_cli("show", doc_id, env=env)
    assert r.returncode == 0 and "412 berths" in r.stdout

    r = run_cli("index", "--rebuild", env=env)  # a new index, built from the store alone
    assert r.returncode == 0 and "Indexed 2 articles" in r.stdout, r.stderr
    r = run_cli("ask", "--json", FERRY_Q, env=env)
    assert r.returncode == 0 and "412" in json.loads(r.stdout)["short_answer"], r.stderr

    out = tmp_path / "corpus.jsonl"
    assert run_cli("export", str(out), env=env).returncode == 0
    r = run_cli("remove", doc_id, env=env)
    assert r.returncode == 0 and f"Removed {doc_id}" in r.stdout
    r = run_cli("ask", "--json", FERRY_Q, env=env)
    assert r.returncode == 0 and not any(c["doc_id"] == doc_id for c in json.loads(r.stdout)["citations"])
    r = run_cli("ingest", str(out), env=env)  # the export brings it back with the same id
    assert r.returncode == 0 and "1 added" in r.stdout, r.stdout
    assert run_cli("show", doc_id, env=env).returncode == 0


# -- several app servers: one Chroma server, one PostgreSQL ----------------------------
# A long-lived app server: one JSON command per line on stdin, one JSON reply per line
# (the engine stays open between commands, as in `assistant ui`).
APP = """
import json, sys, time
from assistant import api
from assistant.errors import ArticleNotFound
for line in sys.stdin:
    cmd = json.loads(line)
    t0 = time.perf_counter()
    if cmd["op"] == "ask":
        a = api.ask(cmd["q"])
        out = {"answered": a.answered, "short": a.short_answer or "", "docs": [c.doc_id for c in a.citations],
               "quotes": [c.quote for c in a.citations]}
    elif cmd["op"] == "ingest":
        r = api.ingest([cmd["path"]])
        out = {"added": r.added, "failed": r.failed}
    elif cmd["op"] == "remove":
        out = {"removed": api.remove_article(cmd["id"]).doc_id}
    elif cmd["op"] == "get":
        try:
            out = {"text": api.get_article(cmd["id"]).text}
        except ArticleNotFound:
            out = {"text": None}
    out["ms"] = (time.perf_counter() - t0) * 1000
    out["articles"] = len(api.engine().snapshot().articles)
    print(json.dumps(out), flush=True)
"""


class App:
    """One app server process (a data dir of its own, as on its own machine)."""

    def __init__(self, env: dict):
        self.proc = subprocess.Popen([sys.executable, "-c", APP], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env={**os.environ, **env}, cwd=PROJECT_ROOT)

    def send(self, **cmd) -> None:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def reply(self) -> dict:
        line = self.proc.stdout.readline()
        assert line, self.proc.stderr.read()[-3000:]
        return json.loads(line)

    def __call__(self, **cmd) -> dict:
        self.send(**cmd)
        return self.reply()

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def shared(chroma_server, articles_url, tmp_path):
    """Settings of two app servers on one Chroma server and one PostgreSQL."""
    _, port = chroma_server
    common = {"NEWSQA_CHROMA_HOST": "127.0.0.1", "NEWSQA_CHROMA_PORT": str(port), "NEWSQA_ARTICLES_URL": articles_url,
              "NEWSQA_SEEDS_DIR": _one_seed(tmp_path)}
    return [{**common, "NEWSQA_DATA_DIR": str(tmp_path / name)} for name in ("a", "b")]


@pytest.mark.server
def test_one_server_ingests_the_others_next_question_cites_it_and_a_removal_stops_citations_on_all(shared, tmp_path):
    apps = [App(env) for env in shared]
    try:
        a, b = apps
        for app in apps:  # both open the shared corpus: the seed article, indexed once
            got = app(op="ask", q=BRIDGE_Q)
            assert got["answered"] and "40" in got["short"] and got["articles"] == 1
            assert not any("412 berths" in q for q in app(op="ask", q=FERRY_Q)["quotes"])
        ferry = tmp_path / "ferry.jsonl"
        ferry.write_text(json.dumps(FERRY) + "\n")
        doc_id = a(op="ingest", path=str(ferry))["added"][0]

        got = b(op="ask", q=FERRY_Q)  # B's next question: B loads the new version first
        assert got["answered"] and "412" in got["short"] and doc_id in got["docs"] and got["articles"] == 2
        assert got["ms"] < 5000, f"the new version took {got['ms']:.0f} ms to load"
        assert b(op="get", id=doc_id)["text"] == FERRY["text"]

        assert b(op="remove", id=doc_id)["removed"] == doc_id
        got = a(op="ask", q=FERRY_Q)  # A's next question no longer cites it
        assert doc_id not in got["docs"] and not any("412" in q for q in got["quotes"]) and got["articles"] == 1
        assert a(op="get", id=doc_id)["text"] is None
        assert "40" in a(op="ask", q=BRIDGE_Q)["short"]

        r = run_cli("index", "--rebuild", env=shared[0])  # a new shared index, from the store
        assert r.returncode == 0 and "Indexed 1 articles" in r.stdout, r.stderr
        for app in apps:  # both pick up the recreated collections at their next question
            got = app(op="ask", q=BRIDGE_Q)
            assert got["answered"] and "40" in got["short"], got
    finally:
        for app in apps:
            app.close()


def _generated(path: Path, prefix: str, n: int) -> None:
    with path.open("w") as out:
        for i in range(n):
            out.write(json.dumps({"title": f"{prefix} report {i:03d}", "outlet": f"{prefix} Wire",
                                  "text": f"The {prefix} harbour counted {100 + i} ships in week {i}. Its pilots said the "
                                          f"season was busy.\n\nOfficials of {prefix} expect more traffic."}) + "\n")


@pytest.mark.server
def test_two_servers_ingesting_at_once_lose_nothing(shared, tmp_path):
    n = 60  # more than one batch each
    for prefix in ("Apia", "Bergen"):
        _generated(tmp_path / f"{prefix}.jsonl", prefix, n)
    apps = [App(env) for env in shared]
    try:
        for app in apps:  # both open a new store at once: one initialises it, the other waits
            app.send(op="ask", q=BRIDGE_Q)
        for app in apps:
            got = app.reply()
            assert got["answered"] and got["articles"] == 1
        for app, prefix in zip(apps, ("Apia", "Bergen")):
            app.send(op="ingest", path=str(tmp_path / f"{prefix}.jsonl"))  # both at once
        for app in apps:
            got = app.reply()
            assert len(got["added"]) == n and not got["failed"]
        for app in apps:
            for prefix, i in (("Apia", 17), ("Bergen", 42)):
                got = app(op="ask", q=f"How many ships did the {prefix} harbour count in week {i}?")
                assert str(100 + i) in got["short"], got
            assert got["articles"] == 2 * n + 1
    finally:
        for app in apps:
            app.close()
    db = open_store(tmp_path, shared[0]["NEWSQA_ARTICLES_URL"])
    assert db.count() == 2 * n + 1 and not db.index_dirty and db.other_writers() == {}
    db.close()


@pytest.mark.server
def test_sigkill_of_a_writer_mid_ingest_loses_nothing_on_postgres(shared, tmp_path):
    corpus_file = tmp_path / "generated.jsonl"
    corpus = generated_corpus(corpus_file, n=120)
    first, second = shared
    previous = dict(os.environ)
    running = App(second)  # an app server that was up all along
    try:
        assert running(op="ask", q=BRIDGE_Q)["answered"]
        # Progress lines: "splitting", then the first batch: killed a second into the second.
        ingest_and_kill(Path(first["NEWSQA_DATA_DIR"]), corpus_file, after_lines=2, delay=1.0, env=first)
        db = open_store(tmp_path, first["NEWSQA_ARTICLES_URL"])
        assert db.index_dirty and not any(db.other_writers().values())  # the writer's session died with it
        db.close()
        # The running server's next write finishes the dead writer's job before its own.
        ferry = tmp_path / "ferry.jsonl"
        ferry.write_text(json.dumps(FERRY) + "\n")
        assert len(running(op="ingest", path=str(ferry))["added"]) == 1
        running.close()
        # Another app server (its own data dir) opens the shared store and index: all consistent.
        present, healed = check_consistent(Path(second["NEWSQA_DATA_DIR"]), corpus, env=second, question=BRIDGE_Q)
        assert 48 <= present < 120 and healed == 0, (present, healed)
        r = run_cli("ingest", str(corpus_file), env=first, timeout=600)  # the re-run completes it
        assert r.returncode == 0, r.stderr[-2000:]
        api.reset()
        assert check_consistent(Path(second["NEWSQA_DATA_DIR"]), corpus, env=second, question=BRIDGE_Q) == (120, 0)
    finally:
        running.close()
        os.environ.clear()
        os.environ.update(previous)
        api.reset()
