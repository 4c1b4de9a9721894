"""Ingestion of later articles: formats, incremental by content hash, broken input."""
import json

import pytest

from assistant import api, ask, get_article, list_articles
from assistant.corpus import read_paths

FERRY_MD = """---
title: Ferry Morning Lark enters service
outlet: Wonsan Gazette
date: July 3, 2025
---
# Ferry Morning Lark enters service

The passenger ferry Morning Lark was launched in Wonsan on 3 July with 412 berths.
Its captain, Ri Song Hui, said the vessel would sail to Rason twice a week.
"""

PAGE_HTML = """<html><head><title>Orchard harvest doubles | Example Post</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> Subscribe now!</nav>
<article><h1>Orchard harvest doubles</h1>
<p>The Kaesong apple orchard harvested 870 tonnes of apples this autumn, double last year's yield.</p>
<p>Farm manager Pak Un Ha credited a new irrigation canal finished in March for the growth.</p>
<p>Officials said the surplus would be sold at markets in Pyongyang and Sinuiju during the winter.</p>
</article>
<footer>Copyright Example Post. Cookie settings. Advertise with us.</footer></body></html>"""


def test_markdown_front_matter(tmp_path):
    f = tmp_path / "ferry.md"
    f.write_text(FERRY_MD)
    (a,), failed = read_paths([f])
    assert failed == []
    assert (a.title, a.outlet, a.date_iso) == ("Ferry Morning Lark enters service", "Wonsan Gazette", "2025-07-03")
    assert a.text.startswith("The passenger ferry") and "---" not in a.text


def test_html_keeps_the_article_not_the_page_chrome(tmp_path):
    f = tmp_path / "orchard.html"
    f.write_text(PAGE_HTML)
    (a,), failed = read_paths([f])
    assert failed == []
    assert "870 tonnes" in a.text and "irrigation canal" in a.text
    assert "Subscribe" not in a.text and "Cookie" not in a.text


def test_jsonl_bad_line_is_reported_and_the_rest_loads(tmp_path):
    f = tmp_path / "batch.jsonl"
    f.write_text("\n".join([
        json.dumps({"title": "Bridge opens", "text": "The Tumen river bridge opened on Friday after 14 months of work.", "outlet": "Test Wire"}),
        '{"title": "broken", "text": ',
        json.dumps({"title": "No text"}),
        json.dumps({"title": "Rail link", "text": "A rail link to Khasan carried 300 tonnes of freight in its first week."}),
    ]))
    arts, failed = read_paths([f])
    assert [a.title for a in arts] == ["Bridge opens", "Rail link"]
    assert [where for where, _ in failed] == [f"{f.name} line 2", f"{f.name} line 3"]
    assert "not valid JSON" in failed[0][1]


@pytest.mark.parametrize("name, content, reason", [
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    ("empty.md", b"   \n", "empty"),
    ("slides.pdf", b"%PDF-1.7", "unsupported file type"),
])
def test_unreadable_files_get_a_clear_reason(tmp_path, name, content, reason):
    f = tmp_path / name
    f.write_bytes(content)
    arts, failed = read_paths([f])
    assert arts == [] and len(failed) == 1 and reason in failed[0][1]


def test_incremental_ingest_skips_replaces_and_never_duplicates(fresh_env, tmp_path):
    before = {a.doc_id for a in list_articles()}
    assert len(before) == 9
    f = tmp_path / "ferry.md"
    f.write_text(FERRY_MD)
    first = api.ingest([f])
    assert len(first.added) == 1 and not first.failed
    again = api.ingest([f])
    assert again.added == [] and again.updated == [] and again.skipped == first.added
    a = ask("How many berths does the Morning Lark have?")
    assert a.answered and "412" in a.short_answer

    f.write_text(FERRY_MD.replace("412 berths", "450 berths"))
    changed = api.ingest([f])
    assert changed.updated == first.added
    eng = api.engine()
    doc_id = first.added[0]
    assert sum(r.doc_id == doc_id for r in eng.rows.values()) == len(eng.by_doc[doc_id])
    assert eng.store.sentences.count() == len(eng.rows)  # old sentences are gone
    a = ask("How many berths does the Morning Lark have?")
    assert "450" in a.short_answer and "412" not in a.text
    assert len(list_articles()) == 10
    assert get_article(doc_id).text[a.citations[0].start:a.citations[0].end] == a.citations[0].quote


def test_a_broken_file_loses_nothing_already_indexed(fresh_env, tmp_path):
    n = len(list_articles())
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json at all\n")
    report = api.ingest([bad])
    assert report.failed and not report.changed
    assert len(list_articles()) == n
    assert ask("How many member states does the ICC have?").answered


def test_index_rows_of_an_article_no_longer_stored_are_never_cited_and_are_swept(fresh_env):
    """A removal killed between the article store and the index: the store is the truth."""
    eng = api.engine()
    yahoo = next(d for d, a in eng.articles.items() if a["outlet"] == "Yahoo")
    eng.db.delete([yahoo])
    assert eng.store.sentences.get(where={"doc_id": yahoo})["ids"]
    api.reset()
    a = ask("How many soldiers has Russia lost in the Kursk operation?")
    assert all(c.doc_id != yahoo for c in a.citations)
    eng = api.engine()
    assert yahoo not in {r.doc_id for r in eng.rows.values()} and yahoo not in eng.articles
    assert eng.store.sentences.get(where={"doc_id": yahoo})["ids"] == []


def test_a_stored_article_missing_from_the_index_is_indexed_on_open(fresh_env):
    """An ingest killed after the store's commit, before the index write: healed on open."""
    eng = api.engine()
    yahoo = next(d for d, a in eng.articles.items() if a["outlet"] == "Yahoo")
    n_rows = len(eng.by_doc[yahoo])
    eng.store.delete_articles([yahoo])
    api.reset()
    eng = api.engine()
    assert len(eng.by_doc[yahoo]) == n_rows
    a = ask("How many soldiers has Russia lost in the Kursk operation?")
    assert a.answered and "62,000" in a.short_answer


def test_an_index_from_an_older_pipeline_is_resplit_in_place(fresh_env):
    eng = api.engine()
    n_sentences = eng.store.sentences.count()
    some = next(iter(eng.articles))
    eng.store.articles.update(ids=[some], metadatas=[{"pipeline": 0}])
    eng.store.bump_version()  # as the older code's write did: every write changes the version
    api.reset()
    eng = api.engine()
    assert eng.store.sentences.count() == n_sentences  # replaced, not duplicated
    from assistant.index.ingestion import PIPELINE_VERSION

    assert len(eng.articles) == 9
    assert set(eng.store.article_hashes(PIPELINE_VERSION).values()) == {a["content_hash"] for a in eng.articles.values()}
    assert ask("How many member states does the ICC have?").answered


def test_ingest_reports_what_it_could_not_use(tmp_path):
    (tmp_path / "only-pdfs").mkdir()
    (tmp_path / "only-pdfs" / "a.pdf").write_bytes(b"%PDF")
    nav = tmp_path / "nav.html"
    nav.write_text("<html><body><nav>Menu</nav><p>Menu</p></body></html>")
    md = tmp_path / "notes.md"
    md.write_text("Intro paragraph that starts the article without a heading at all.\n\n# Background\nMore text here for the second part.")
    utf16 = tmp_path / "wide.txt"
    utf16.write_bytes("Wide title\nA story stored as UTF-16 text with a byte-order mark, still readable.".encode("utf-16"))
    arts, failed = read_paths([tmp_path / "only-pdfs", nav, md, utf16])
    reasons = dict(failed)
    assert "no .txt, .md, .html or .jsonl files" in reasons[str(tmp_path / "only-pdfs")]
    assert any(where.startswith("nav.html") or where.endswith("nav.html") for where in reasons)
    by_title = {a.title: a for a in arts}
    assert by_title["notes"].text.startswith("Intro paragraph")  # a later heading is not the title
    assert "byte-order mark" in by_title["Wide title"].text


def test_same_title_twice_in_one_batch_is_reported(fresh_env, tmp_path):
    f = tmp_path / "two.jsonl"
    f.write_text('{"title": "Same", "text": "The first version of this short report has enough words."}\n'
                 '{"title": "Same", "text": "The second version of this short report has enough words too."}\n')
    report = api.ingest([f])
    assert len(report.added) == 1
    assert any("same outlet and title" in reason for _, reason in report.failed)
