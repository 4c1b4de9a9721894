"""Hostile files: every reader (.txt, .md, .html, .jsonl) fed random bytes and random
Unicode never crashes and never hangs; a file it cannot use gets one clear reason.
Also: the upload size cap, huge or deeply nested HTML, and file names that look like paths."""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.corpus import read_paths
from assistant.corpus.reader import MAX_BYTES

FORMATS = [".txt", ".md", ".html", ".jsonl"]
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
# The generic "a parser bug" message: seeing it means a reader crashed on the input.
PARSER_BUG = "could not parse ("

html_ish = st.lists(st.sampled_from(["<div>", "</div>", "<p>", "</p>", "<html>", "<body>", "<!--", "-->", "<script>",
                                     "&amp;", "&#0;", "<title>", "</title>", "<br/>", "\x00", "\ufeff", "é", " "]),
                    max_size=60).map("".join)
jsonl_ish = st.lists(st.one_of(
    st.dictionaries(st.sampled_from(["title", "text", "outlet", "date", "url", "id", "source", "date_iso"]),
                    st.one_of(st.text(max_size=80), st.integers(), st.none(), st.lists(st.integers(), max_size=2)),
                    max_size=6).map(json.dumps),
    st.text(max_size=40)), max_size=8).map("\n".join)


def _check(suffix: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / f"fuzzed{suffix}"
        f.write_bytes(content)
        t0 = time.perf_counter()
        articles, failed = read_paths([f])  # must not raise
        assert time.perf_counter() - t0 < 30, "a reader hung"
    for where, reason in failed:
        assert isinstance(reason, str) and reason.strip(), (where, reason)
        assert PARSER_BUG not in reason, f"{suffix} reader crashed: {reason}"
    if suffix != ".jsonl":  # one file, one article or one reason
        assert (len(articles), len(failed)) in ((1, 0), (0, 1)), (articles, failed)
    for a in articles:
        assert a.text.strip() and a.title.strip() and a.doc_id


@pytest.mark.parametrize("suffix", FORMATS)
@FUZZ
@given(content=st.binary(max_size=2000))
def test_random_bytes(suffix, content):
    _check(suffix, content)


@pytest.mark.parametrize("suffix", FORMATS)
@FUZZ
@given(text=st.text(max_size=1500))
def test_random_unicode(suffix, text):
    _check(suffix, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(html=html_ish)
def test_random_html_fragments(html):
    _check(".html", html.encode("utf-8"))


@FUZZ
@given(text=jsonl_ish)
def test_random_jsonl_rows(text):
    _check(".jsonl", text.encode("utf-8", "surrogatepass"))


def test_deeply_nested_html_is_refused_with_a_reason(tmp_path):
    f = tmp_path / "nested.html"
    f.write_text("<html><body>" + "<div>" * 50_000 + "<p>" + "A sentence of the article. " * 20 + "</p>" + "</div>" * 50_000)
    t0 = time.perf_counter()
    articles, failed = read_paths([f])
    assert time.perf_counter() - t0 < 10
    assert articles == [] and len(failed) == 1 and "levels deep" in failed[0][1]


def test_huge_html_is_refused_with_a_reason(tmp_path):
    f = tmp_path / "huge.html"
    f.write_text("<html><body>" + "<p>A long page of words that goes on and on.</p>\n" * 60_000 + "</body></html>")
    t0 = time.perf_counter()
    articles, failed = read_paths([f])
    assert time.perf_counter() - t0 < 10
    assert articles == [] and "not extracted" in failed[0][1]


def test_files_over_the_upload_cap_are_refused_before_reading(tmp_path, monkeypatch):
    f = tmp_path / "big.txt"
    f.write_text("Big file\n" + "Words of a report. " * 2000)
    articles, failed = read_paths([f], max_bytes=10_000)
    assert articles == [] and "over the 0.0 MB limit" not in failed[0][1] and "limit" in failed[0][1]
    assert "NEWSQA_MAX_UPLOAD_BYTES" in failed[0][1]
    assert read_paths([f])[0]  # under the default cap of MAX_BYTES
    assert MAX_BYTES == 20_000_000


def test_ingest_applies_the_upload_cap_setting(seeded_copy, tmp_path, monkeypatch):
    from assistant import api

    f = tmp_path / "report.md"
    f.write_text("# A report\n\n" + "The harbour of Rason handled more ships this year, officials said. " * 40)
    monkeypatch.setenv("NEWSQA_MAX_UPLOAD_BYTES", "1000")
    api.reset()
    report = api.ingest([f])
    assert not report.changed and "NEWSQA_MAX_UPLOAD_BYTES" in report.failed[0][1]


def test_a_file_name_is_only_a_label_never_a_path(tmp_path):
    """Names from an upload or an export's 'source' field are stored as labels: nothing is
    read or written at the place they name."""
    trap = tmp_path / "trap"
    trap.mkdir()
    f = trap / "..%2F..%2Fetc%2Fpasswd .md"
    f.write_text("# Name test\n\nThe ferry left Wonsan at dawn with 412 passengers aboard, officials said.")
    j = trap / "rows.jsonl"
    j.write_text(json.dumps({"title": "Source test", "text": "A report with enough words to be an article here.",
                             "source": "../../../../tmp/newsqa-should-not-exist"}) + "\n")
    articles, failed = read_paths([f, j])
    assert not failed
    assert {a.source for a in articles} == {f.name, "../../../../tmp/newsqa-should-not-exist"}
    assert sorted(p.name for p in trap.iterdir()) == sorted([f.name, "rows.jsonl"])
    assert not Path("/tmp/newsqa-should-not-exist").exists()
