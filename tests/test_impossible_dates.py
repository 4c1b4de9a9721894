"""A date that cannot exist ("2025-13-45") is kept as the article printed it, labelled,
and never becomes the article's ISO date: as for any other date that can't be placed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.corpus import read_paths
from assistant.corpus.article import printed_date

BODY = "The harbour of Nampo reopened after repairs on the quay, port officials said on Monday."


def _jsonl(tmp_path: Path, **row: str) -> Path:
    f = tmp_path / "rows.jsonl"
    f.write_text(json.dumps({"title": "Nampo harbour reopens", "outlet": "Test Wire", "text": BODY, **row}) + "\n",
                 encoding="utf-8")
    return f


@pytest.mark.parametrize("row", [{"date": "2025-13-45"}, {"date": "2025-02-30"}, {"date": "June 31, 2025"},
                                 {"date": "45/13/2025"},
                                 {"date": "2025-13-45", "date_iso": "2025-13-45"},  # as if exported
                                 {"date_iso": "not a date"}])
def test_an_impossible_date_is_not_an_iso_date(tmp_path, row):
    articles, failed = read_paths([_jsonl(tmp_path, **row)])
    assert not failed and len(articles) == 1  # the article itself is fine: it loads
    a = articles[0]
    assert a.date_iso is None
    if "date" in row:
        assert a.date_text == f"{row['date']} (not a valid date)"


@pytest.mark.parametrize("row, date_text, date_iso", [
    ({"date": "2025-06-19"}, "2025-06-19", "2025-06-19"),
    ({"date": "June 19, 2025"}, "June 19, 2025", "2025-06-19"),
    ({"date": "05/19/2025"}, "05/19/2025", None),  # month first: a real day, just not placed
    ({"date": "June 19", "date_iso": "2025-06-19"}, "June 19", "2025-06-19"),
    ({"date": "2025-06-19", "date_iso": "2025-06-19T08:00:00+00:00"}, "2025-06-19", "2025-06-19"),
])
def test_possible_dates_are_as_before(tmp_path, row, date_text, date_iso):
    [a], _ = read_paths([_jsonl(tmp_path, **row)])
    assert (a.date_text, a.date_iso) == (date_text, date_iso)


def test_the_label_is_added_once():
    """Stored articles go through printed_date again when they are listed."""
    once = printed_date("2025-13-45", BODY)
    assert once == ("2025-13-45 (not a valid date)", None)
    assert printed_date(once[0], "") == once


def test_markdown_front_matter_too(tmp_path):
    f = tmp_path / "a.md"
    f.write_text(f"---\ntitle: Nampo harbour reopens\noutlet: Test Wire\ndate: 2025-13-45\n---\n{BODY}\n",
                 encoding="utf-8")
    [a], failed = read_paths([f])
    assert not failed and (a.date_text, a.date_iso) == ("2025-13-45 (not a valid date)", None)


def test_the_corpus_lists_it_as_not_a_date(seeded_copy, tmp_path):
    from assistant import api

    report = api.ingest([str(_jsonl(tmp_path, date="2025-13-45"))])
    [doc_id] = report.added
    [listed] = [a for a in api.list_articles() if a.doc_id == doc_id]
    assert (listed.date_text, listed.date_iso) == ("2025-13-45 (not a valid date)", None)
    assert api.get_article(doc_id).date_iso is None
