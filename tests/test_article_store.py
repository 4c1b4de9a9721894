"""The article store is the source of truth: corpus management, export round trip,
migration of the older layout, and a damaged store that is reported, never overwritten."""
from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import run_cli

from assistant import api, ask, export_articles, get_article, list_articles, remove_article
from assistant.errors import ArticleNotFound, AssistantError
from vectorstore.articles import ArticleStore, ArticleStoreCorrupt

FERRY = {"title": "Ferry Morning Lark enters service", "outlet": "Wonsan Gazette", "date": "July 3, 2025",
         "text": "The passenger ferry Morning Lark was launched in Wonsan on 3 July with 412 berths. "
                 "Its captain, Ri Song Hui, said the vessel would sail to Rason twice a week."}
FERRY_Q = "How many berths does the Morning Lark have?"


def _ingest_ferry(tmp_path) -> str:
    f = tmp_path / "ferry.jsonl"
    f.write_text(json.dumps(FERRY) + "\n")
    report = api.ingest([f])
    assert len(report.added) == 1, report
    return report.added[0]


def test_store_is_wal_sqlite_with_full_records(seeded_copy, tmp_path):
    doc_id = _ingest_ferry(tmp_path)
    con = sqlite3.connect(seeded_copy / "articles.sqlite3")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    row = con.execute("SELECT title, outlet, date_text, date_iso, source, content_hash, text, ingested_at "
                      "FROM articles WHERE doc_id = ?", (doc_id,)).fetchone()
    assert row[:5] == (FERRY["title"], "Wonsan Gazette", "July 3, 2025", "2025-07-03", "ferry.jsonl#1")
    assert row[5] and row[6] == FERRY["text"] and row[7].endswith("Z")
    assert [a.doc_id for a in list_articles()].count(doc_id) == 1


def test_remove_article_stops_citing_it_everywhere(seeded_copy, tmp_path):
    doc_id = _ingest_ferry(tmp_path)
    assert "412" in ask(FERRY_Q).short_answer
    removed = remove_article(doc_id)
    assert removed.title == FERRY["title"]
    eng = api.engine()
    assert doc_id not in eng.articles and doc_id not in {r.doc_id for r in eng.rows.values()}
    assert eng.store.sentences.get(where={"doc_id": doc_id})["ids"] == []
    assert eng.store.articles.get(ids=[doc_id])["ids"] == []
    a = ask(FERRY_Q)
    assert all(c.doc_id != doc_id for c in a.citations) and "412" not in a.text
    with pytest.raises(ArticleNotFound):
        get_article(doc_id)
    with pytest.raises(ArticleNotFound):
        remove_article(doc_id)
    api.reset()  # and it stays removed: the seeds are not re-added on the next open
    assert len(list_articles()) == 9


def test_cli_verbs_and_export_round_trip(seeded_copy, tmp_path):
    doc_id = _ingest_ferry(tmp_path)
    env = {"NEWSQA_DATA_DIR": str(seeded_copy)}
    r = run_cli("articles", "--json", env=env)
    assert r.returncode == 0, r.stderr
    listed = {a["doc_id"]: a for a in json.loads(r.stdout)}
    assert len(listed) == 10 and listed[doc_id]["title"] == FERRY["title"] and listed[doc_id]["ingested_at"]
    r = run_cli("show", doc_id, env=env)
    assert r.returncode == 0 and FERRY["text"] in r.stdout and "Wonsan Gazette" in r.stdout

    out = tmp_path / "corpus.jsonl"
    r = run_cli("export", str(out), env=env)
    assert r.returncode == 0 and "Exported 10 articles" in r.stdout
    before = {a.doc_id: a.content_hash for a in list_articles()}
    r = run_cli("remove", doc_id, "no-such-id", env=env)
    assert r.returncode == 1 and f"Removed {doc_id}" in r.stdout and "no-such-id" in r.stderr

    # Into an empty store: the export comes back with the same ids, hashes and texts.
    api.reset()
    other = tmp_path / "other"
    import os

    os.environ["NEWSQA_DATA_DIR"] = str(other)
    os.environ["NEWSQA_SEEDS_DIR"] = str(tmp_path / "no-seeds")
    try:
        api.reset()
        report = api.ingest([out])
        assert not report.failed and len(report.added) == 10
        assert {a.doc_id: a.content_hash for a in list_articles()} == before
        assert get_article(doc_id).text == FERRY["text"]
        assert "412" in ask(FERRY_Q).short_answer
        again = api.ingest([out])  # and an export ingested twice changes nothing
        assert again.added == [] and again.updated == [] and len(again.skipped) == 10
    finally:
        os.environ.pop("NEWSQA_SEEDS_DIR")
        os.environ["NEWSQA_DATA_DIR"] = str(seeded_copy)
        api.reset()


def test_export_refuses_other_formats(seeded_copy, tmp_path):
    with pytest.raises(AssistantError, match=".jsonl"):
        export_articles(tmp_path / "out.csv")


def test_an_older_chroma_only_data_dir_migrates_without_losing_articles(seeded_copy, tmp_path):
    doc_id = _ingest_ferry(tmp_path)
    hashes = {a.doc_id: a.content_hash for a in list_articles()}
    api.reset()
    for f in seeded_copy.glob("articles.sqlite3*"):
        f.unlink()  # the layout before the article store: articles only in Chroma
    assert {a.doc_id: a.content_hash for a in list_articles()} == hashes
    assert ArticleStore.open(seeded_copy).get(doc_id).text == FERRY["text"]
    assert "412" in ask(FERRY_Q).short_answer


def test_a_damaged_article_store_is_reported_and_left_untouched(seeded_copy):
    api.engine().db.close()  # checkpointed and closed: nothing of this process writes to it later
    api.reset()
    path = seeded_copy / "articles.sqlite3"
    for f in seeded_copy.glob("articles.sqlite3-*"):
        f.unlink()
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\xde\xad" * 2048  # a damaged page: the header still says SQLite
    path.write_bytes(bytes(data))
    with pytest.raises(ArticleStoreCorrupt, match="damaged"):
        api.engine()
    r = run_cli("index", "--rebuild", env={"NEWSQA_DATA_DIR": str(seeded_copy)})
    assert r.returncode == 1 and "is damaged" in r.stderr and "nothing was overwritten" in r.stderr
    assert "Traceback" not in r.stderr
    assert path.read_bytes() == bytes(data)  # not repaired, replaced or moved
    path.write_bytes(b"not a database at all" * 300)
    with pytest.raises(ArticleStoreCorrupt):
        api.engine()
    assert path.read_bytes() == b"not a database at all" * 300


def test_a_bare_relative_date_stored_earlier_is_shown_labelled(seeded_copy):
    eng = api.engine()
    saba = next(d for d, a in eng.articles.items() if a["outlet"] == "Saba Yemen")
    eng.db._conn.execute("UPDATE articles SET date_text = '3 days ago' WHERE doc_id = ?", (saba,))
    api.reset()
    assert get_article(saba).date_text == "3 days ago, as printed on the page"
    assert next(a for a in list_articles() if a.doc_id == saba).date_text == "3 days ago, as printed on the page"
    a = ask("What did Kim Jong Un affirm, according to Saba?")
    assert all(c.date == "3 days ago, as printed on the page" for c in a.citations if c.doc_id == saba)
