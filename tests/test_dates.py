"""Relative dates in a short answer, placed on the calendar from their article's date."""
from datetime import date

import pytest

from assistant.answering.dates import Published, day_of, published_on, resolve

THURSDAY = Published(6, 19, 2025)
NO_YEAR = Published(6, 19)  # "SEOUL, June 19 (UPI)"


@pytest.mark.parametrize("value, expected", [
    ("on Tuesday", "Tuesday, June 17, 2025"),  # the latest Tuesday on or before publication
    ("Thursday", "Thursday, June 19, 2025"),  # the day itself
    ("last Thursday", "Thursday, June 12, 2025"),
    ("next Monday", "Monday, June 23, 2025"),
    ("Monday morning", "Monday, June 16, 2025"),
    ("yesterday", "Wednesday, June 18, 2025"),
    ("3 days ago", "Monday, June 16, 2025"),
    ("two weeks ago", "Thursday, June 5, 2025"),
    ("Last month", "May 2025"),
    ("this month", "June 2025"),
    ("last year", "2024"),
    ("June 17", "June 17, 2025"),
    ("in April", "April 2025"),
    ("December 30", "December 30, 2024"),  # the nearer of the two
])
def test_a_relative_date_is_counted_from_the_article(value, expected):
    assert resolve(value, THURSDAY) == expected


def test_a_new_year_is_crossed_both_ways():
    assert resolve("last month", Published(1, 10, 2025)) == "December 2024"
    assert resolve("December 30", Published(1, 2, 2026)) == "December 30, 2025"
    assert resolve("January 3", Published(12, 30, 2025)) == "January 3, 2026"
    assert resolve("yesterday", Published(1, 1)) == "December 31"
    assert resolve("yesterday", Published(3, 1)) is None  # February 28 or 29: it depends on the year


@pytest.mark.parametrize("value, expected", [
    ("yesterday", "June 18"), ("3 days ago", "June 16"), ("last month", "May"), ("this month", "June"),
    ("on Tuesday", None), ("last year", None), ("June 17", None),  # these need the year
])
def test_a_dateline_without_its_year_places_only_what_month_and_day_decide(value, expected):
    assert resolve(value, NO_YEAR) == expected


@pytest.mark.parametrize("value", ["June 17, 2025", "2024", "February 30", "this week", "the past two years", "Kim"])
def test_what_is_already_a_date_or_no_date_is_left_alone(value):
    assert resolve(value, THURSDAY) is None


def test_an_article_date_is_read_from_its_iso_date_or_its_dateline():
    assert published_on("2025-06-19") == THURSDAY
    assert published_on("2025-06-19T08:00:00+00:00", "SEOUL, June 30 (UPI)") == THURSDAY
    assert published_on(None, "SEOUL, June 19 (UPI)") == NO_YEAR
    assert published_on(None, "19 June") == NO_YEAR
    assert published_on(None, "3 days ago, as printed on the page") is None
    assert published_on(None, "June 31") is None
    assert published_on(None, None) is None


FERRY_MD = """---
title: New ferry Morning Lark launched in Wonsan
outlet: Harbour Gazette
date: 2025-07-04
---
WONSAN, July 4 (Harbour Gazette) — A passenger ferry named Morning Lark was launched in Wonsan on Tuesday, port officials said.

The ferry can carry 412 passengers and will sail twice a week along the east coast, the officials added.
"""


def test_an_answer_on_tuesday_shows_which_tuesday(seeded_copy, tmp_path):
    from assistant import api, ask, get_article

    path = tmp_path / "ferry.md"
    path.write_text(FERRY_MD, encoding="utf-8")
    assert api.ingest([path]).added
    a = ask("When was the ferry Morning Lark launched in Wonsan?")
    assert a.status == "answered" and a.short_answer == "Tuesday", (a.status, a.short_answer, a.reason)
    (d,) = a.dates
    assert (d.text, d.date) == ("Tuesday", "Tuesday, July 1, 2025")  # the article came out on Friday, July 4
    cite = next(c for c in a.citations if c.marker == d.marker)
    assert "on Tuesday" in cite.quote and get_article(cite.doc_id).text[cite.start:cite.end] == cite.quote
    assert "Tuesday is Tuesday, July 1, 2025 (counted from the date of [1])" in a.text
    assert a.to_dict()["dates"] == [{"text": "Tuesday", "date": "Tuesday, July 1, 2025", "marker": d.marker}]


WEATHER_MD = """---
title: Storms expected along the east coast
outlet: Coast Times
date: 2025-07-03
---
Forecasters said heavy rain would hit the east coast this week.

Meteorologists expect the rains over Wonsan to continue until Tuesday, the weather office said.
"""


def test_the_same_word_in_an_unrelated_passage_is_no_second_source(monkeypatch, tmp_path):
    # the answer's value ("Tuesday") merges its mentions across articles; a weather report's
    # "until Tuesday" is not a report of the launch and was quoted as [2] beside the answer.
    # A corpus of these two articles alone: among the seeds the weather passage is not retrieved.
    from assistant import api, ask

    monkeypatch.setenv("NEWSQA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSQA_SEEDS_DIR", str(tmp_path / "no-seeds"))
    paths = [tmp_path / "a.md", tmp_path / "b.md"]
    for path, text in zip(paths, (FERRY_MD, WEATHER_MD)):
        path.write_text(text, encoding="utf-8")
    api.reset()
    try:
        assert len(api.ingest(paths).added) == 2
        a = ask("When was the ferry Morning Lark launched in Wonsan?")
    finally:
        monkeypatch.undo()
        api.reset()
    assert a.status == "answered" and a.short_answer == "Tuesday", (a.status, a.short_answer, a.reason)
    assert [c.outlet for c in a.citations] == ["Harbour Gazette"], a.text


SECOND_REPORT_MD = """---
title: North Korea launches Morning Lark passenger ferry at Wonsan
outlet: Coast Times
date: 2025-07-02
---
North Korea launched the passenger ferry Morning Lark in Wonsan on July 1, state media said.

The vessel, built at a local shipyard, is meant for tourists visiting the Kalma resort, the report said.
"""


def test_two_reports_naming_one_day_differently_do_not_disagree(seeded_copy, tmp_path):
    # "on Tuesday" in a report of Friday, July 4 and "on July 1" in one of July 2 are the same
    # day: before dates were placed, this was "July 1 or Tuesday (sources disagree)"
    from assistant import api, ask, get_article

    paths = [tmp_path / "a.md", tmp_path / "b.md"]
    for path, text in zip(paths, (FERRY_MD, SECOND_REPORT_MD)):
        path.write_text(text, encoding="utf-8")
    assert len(api.ingest(paths).added) == 2
    a = ask("When was the ferry Morning Lark launched in Wonsan?")
    assert a.status == "answered" and not a.conflict, (a.short_answer, a.reason)
    assert a.short_answer in ("July 1", "Tuesday"), a.short_answer
    # the other wording is a second source, quoted with the day it names worked out
    assert {c.outlet for c in a.citations} == {"Harbour Gazette", "Coast Times"}, a.text
    assert {d.text for d in a.dates} == {"July 1", "Tuesday"} and all(d.date.endswith("July 1, 2025") for d in a.dates)
    for d in a.dates:
        cite = next(c for c in a.citations if c.marker == d.marker)
        assert d.text in cite.quote and get_article(cite.doc_id).text[cite.start:cite.end] == cite.quote
        assert cite.outlet == ("Harbour Gazette" if d.text == "Tuesday" else "Coast Times")


def test_one_wording_placed_on_two_days_is_a_disagreement(seeded_copy, tmp_path):
    # two reports a week apart both say "launched on Tuesday": July 1 and July 8. Before, this
    # was answered "Tuesday" with both quotes, as if they agreed, and no day shown.
    from assistant import api, ask, get_article

    later = """---
title: Morning Lark ferry enters service on the east coast
outlet: Coast Times
date: 2025-07-11
---
The passenger ferry Morning Lark was launched in Wonsan on Tuesday, the state news agency reported.

Officials said the ship would carry tourists to the Kalma resort from next month.
"""
    paths = [tmp_path / "a.md", tmp_path / "c.md"]
    for path, text in zip(paths, (FERRY_MD, later)):
        path.write_text(text, encoding="utf-8")
    assert len(api.ingest(paths).added) == 2
    a = ask("When was the ferry Morning Lark launched in Wonsan?")
    assert a.status == "answered" and a.conflict, (a.short_answer, a.reason)
    assert a.short_answer == "Tuesday (sources disagree on which day)"
    placed = {}
    for d in a.dates:
        cite = next(c for c in a.citations if c.marker == d.marker)
        assert get_article(cite.doc_id).text[cite.start:cite.end] == cite.quote and "on Tuesday" in cite.quote
        placed[cite.outlet] = d.date
    assert placed == {"Harbour Gazette": "Tuesday, July 1, 2025", "Coast Times": "Tuesday, July 8, 2025"}
    assert "The sources disagree on the day" in a.text and a.to_dict()["conflict"] is True


def test_two_reports_naming_two_days_in_other_words_disagree(seeded_copy, tmp_path):
    # "on Tuesday" in a report of Friday, July 4 is July 1; "on Wednesday" in a report of
    # Saturday, July 5 is July 2. The model is sure of the first (74%) and not of the second
    # (38%, under its threshold): before, "Tuesday" was asserted alone. Two reports of one fact
    # that name two days disagree, however unsure the model is of either as an answer.
    from assistant import api, ask, get_article

    other = """---
title: North Korea's Morning Lark ferry to serve Kalma resort
outlet: Coast Times
date: 2025-07-05
---
The passenger ferry Morning Lark, which state media said was launched in Wonsan on Wednesday, is meant for tourists visiting the Kalma resort.

The vessel was built at a local shipyard, the report said.
"""
    paths = [tmp_path / "a.md", tmp_path / "b.md"]
    for path, text in zip(paths, (FERRY_MD, other)):
        path.write_text(text, encoding="utf-8")
    assert len(api.ingest(paths).added) == 2
    a = ask("When was the ferry Morning Lark launched in Wonsan?")
    assert a.status == "answered" and a.conflict, (a.short_answer, a.reason, a.text)
    assert a.short_answer == "Tuesday or Wednesday (sources disagree)", a.short_answer
    placed = {}
    for d in a.dates:
        cite = next(c for c in a.citations if c.marker == d.marker)
        assert get_article(cite.doc_id).text[cite.start:cite.end] == cite.quote and d.text in cite.quote
        placed[cite.outlet] = d.date
    assert placed == {"Harbour Gazette": "Tuesday, July 1, 2025", "Coast Times": "Wednesday, July 2, 2025"}


def test_a_weekday_in_a_sentence_about_the_future_is_not_guessed():
    friday = Published(7, 4, 2025)
    assert resolve("on Tuesday", friday, "The ferry will make its first trip on Tuesday.") is None
    assert resolve("on Tuesday", friday, "The ferry made its first trip on Tuesday.") == "Tuesday, July 1, 2025"
    assert resolve("next Tuesday", friday, "The ferry will sail next Tuesday.") == "Tuesday, July 8, 2025"


@pytest.mark.parametrize("value, published", [
    ("yesterday", Published(1, 1, 1)), ("on Tuesday", Published(1, 1, 1)), ("tomorrow", Published(12, 31, 9999)),
    ("next Tuesday", Published(12, 31, 9999)), ("1000000 days ago", THURSDAY), ("yesterday", Published(2, 29, 2023)),
    ("June 17", Published(13, 40, 2025)),
])
def test_an_impossible_or_extreme_date_is_left_unplaced_never_raised(value, published):
    assert resolve(value, published) is None and day_of(value, published) is None


def test_abbreviations_ordinals_and_leap_days():
    assert resolve("Sept. 5", THURSDAY) == "September 5, 2025"
    assert resolve("June 17th", THURSDAY) == resolve("17 June", THURSDAY) == "June 17, 2025"
    assert resolve("February 29", Published(3, 1, 2024)) == "February 29, 2024"
    assert resolve("in January", Published(7, 10, 2025)) == "January 2025"  # nearer by its middle
    assert resolve("on Tuesday.", THURSDAY) == "Tuesday, June 17, 2025"
    assert published_on(None, "SEOUL, Sept. 5 (UPI)") == Published(9, 5)
    assert published_on(None, "we may 3 times") is None  # "may" in running text is no month


def test_a_day_is_read_whatever_way_it_is_written():
    friday = Published(7, 4, 2025)
    days = {day_of(v, friday) for v in ("on Tuesday", "July 1", "July 1, 2025", "1 July 2025", "Tuesday, July 1, 2025")}
    assert days == {date(2025, 7, 1)}
    assert day_of("last month", friday) is None  # a month, not a day
    assert day_of("on Tuesday", Published(7, 4)) is None  # no year: no weekday
    assert day_of("July 1", None) is None and day_of("31 June 2025", None) is None
