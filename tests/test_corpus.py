"""The seed files parse into the nine articles, each a verbatim slice of its file."""

import pytest
from conftest import SEEDS

from assistant.corpus import read_paths
from assistant.corpus.article import iso_date
from assistant.index.stories import fingerprint, same_story

EXPECTED = [
    ("Kim Jong Un meets Russian Culture Minister amid growing ties", "UPI", "SEOUL. June 30 (UPI)"),
    ("North Korea launches multiple rockets, Seoul says", "UPI", "SEOUL, June 19 (UPI)"),
    ("North Korea raises capsized warship after failed launch", "UPI", "SEOUL, June 6 (UPI)"),
    ("Kim Jong Un vows to ‘unconditionally support’ Russia’s war against Ukraine", "UPI", "June 4 (UPI)"),
    ("North Korean: We Support Russia Unconditionally", "Saba Yemen", "3 days ago, as printed on the page"),
    ("Why Putin's top aide Shoigu keeps meeting Kim Jong-un", "Korea Herald", "3 days ago, as printed on the page"),
    ("Top Russian security official holds talks with N.Korea's Kim for second time in two weeks", "The Star",
     "4 days ago, as printed on the page"),
    ("Top Russian security official holds talks with North Korea's Kim for second time in two weeks", "Straits Times",
     "4 days ago, as printed on the page"),
    ("Ex-ICC president urges Ukraine to file ICC case against North Korea", "Yahoo", "19-05-2025"),
]


@pytest.fixture(scope="module")
def articles():
    arts, failed = read_paths([SEEDS])
    assert failed == []
    return arts


def test_nine_articles_with_title_outlet_and_printed_date(articles):
    assert [(a.title, a.outlet, a.date_text) for a in articles] == EXPECTED


def test_iso_date_only_where_the_text_states_one(articles):
    dates = {a.outlet: a.date_iso for a in articles}
    assert dates["Yahoo"] == "2025-05-19"
    # Not a file photo's date ("FILE PHOTO: ... June 4, 2025") nor a treaty's ("on June 19, 2024").
    assert dates["The Star"] is None and dates["Korea Herald"] is None
    assert all(a.date_iso is None for a in articles if a.outlet != "Yahoo")
    assert iso_date("3 days ago") is None and iso_date("June 30") is None
    assert iso_date("June 19, 2024") == "2024-06-19"


def test_article_text_is_a_slice_of_its_source_file_without_page_chrome(articles):
    for a in articles:
        source = (SEEDS / a.source.split("#")[0]).read_text()
        assert a.text in source
        assert "Source link" not in a.text and "Whatsapp Telegram" not in a.text
        assert "Patreon" not in a.text and "Join ST's Telegram" not in a.text
    first = articles[0]
    assert first.text.startswith("Russian Culture Minister Olga Lyubimova")
    assert not first.text.startswith("Sergei Shoigu")  # the tag page header is not an article


def test_ids_are_stable_and_unique(articles):
    again, _ = read_paths([SEEDS])
    assert [a.doc_id for a in articles] == [a.doc_id for a in again]
    assert len({a.doc_id for a in articles}) == 9


def test_the_reuters_story_run_twice_is_recognised_as_one(articles):
    by_outlet = {a.outlet: fingerprint(a.text) for a in articles}
    assert same_story(by_outlet["The Star"], by_outlet["Straits Times"])
    assert not same_story(by_outlet["The Star"], by_outlet["Korea Herald"])
    upi = [fingerprint(a.text) for a in articles if a.outlet == "UPI"]
    assert not same_story(upi[0], upi[1])


def test_story_fingerprints_give_the_shingles_jaccard(articles):
    """The stored fingerprints decide exactly as the shingle sets they hash: every pair of
    seed articles, and near the threshold (a story with a share of its sentences cut)."""
    from assistant.index.stories import ARTICLE_JACCARD, shingles

    def exact(a: str, b: str) -> bool:
        x, y = shingles(a), shingles(b)
        return len(x & y) / len(x | y) >= ARTICLE_JACCARD

    texts = [a.text for a in articles]
    for cut in (0.2, 0.3, 0.4, 0.5):  # the first share of a story only: Jaccard ~ the share kept
        texts += [t[: int(len(t) * cut)] for t in texts[:9]]
    decided = [(exact(a, b), same_story(fingerprint(a), fingerprint(b))) for a in texts for b in texts]
    assert all(e == f for e, f in decided)
    assert {e for e, _ in decided} == {True, False}
    assert sum(e for e, _ in decided) > len(texts)  # some pairs other than an article with itself


@pytest.mark.parametrize("printed, text, expected", [
    ("3 days ago", "Officials met on June 17, 2025, in Pyongyang.", ("3 days ago, as printed on the page", None)),
    ("3 days ago", "SEOUL, June 17, 2025 (Reuters) — Officials met.",
     ("June 17, 2025 (stated in the article; the page printed “3 days ago”)", "2025-06-17")),
    ("yesterday", "17 June 2025 - The talks began.",
     ("17 June 2025 (stated in the article; the page printed “yesterday”)", "2025-06-17")),
    ("19-05-2025", "Anything.", ("19-05-2025", None)),
    ("3 days ago, as printed on the page", "Anything.", ("3 days ago, as printed on the page", None)),
])
def test_relative_dates_are_labelled_and_a_dateline_date_preferred(printed, text, expected):
    from assistant.corpus.article import printed_date

    assert printed_date(printed, text) == expected
