"""A paragraph longer than spaCy parses at once (``nlp.max_length``, 1,000,000 characters)
is ingested in pieces, with exact offsets; and an article that cannot be indexed at all is
that article's failure: reported, the rest of its batch indexed, the data dir still opens.

Real components throughout (spaCy, the ONNX embedder, Chroma, the SQLite store). The failing
article is made by lowering the real spaCy pipeline's ``max_length`` (``monkeypatch``, undone
after the test), so that spaCy refuses a 3,000-character paragraph exactly as it refused a
1,000,000-character one before paragraphs were cut.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from conftest import SEEDS

from assistant import api, ask, get_article, list_articles, remove_article
from assistant.corpus.article import make_article
from assistant.index.ingestion import to_stored
from assistant.index.sentences import MAX_SENTENCE_CHARS, PIECE_CHARS, SENTENCE_END, nlp, pieces, split_articles

FACTS = {  # at the start, just after the first cut (amid seed prose), past 1,000,000; LAST ends it
    0: "The harbour master of Wonsan, Kang Yong Su, logged 37 fishing boats on Monday.",
    PIECE_CHARS - 40: "Engineers at the Sinpo yard fitted 14 new cranes to the eastern pier in May.",
    1_000_010: "The lighthouse keeper Ro Chol Min counted 4,312 seabirds on Sorae Island in June.",
}
LAST = "Divers recovered 96 crates of porcelain from the wreck off Nampo."


def seed_prose(chars: int) -> str:
    text = " ".join(f.read_text(encoding="utf-8") for f in sorted(SEEDS.glob("*.txt")))
    sentences = [" ".join(s.split()) for s in re.split(r"(?<=[.!?])\s+", text) if 40 <= len(s.strip()) <= 300]
    out = ""  # one line: a paragraph
    while len(out) < chars:
        out += " ".join(sentences) + " "
    return out[:chars].rsplit(". ", 1)[0] + "."


def huge_paragraph() -> str:
    """One line of 1,050,000+ characters: the facts, seed prose around the first piece's
    end, and between them records of long tokens (spaCy's time and memory go with tokens,
    and this test must stay fast: about 7,000 tokens)."""
    record = "Record " + " ".join(f"{i:02d}" + "c0ffee" * 40 for i in range(6)) + "."
    parts: list[str] = []
    size = 0
    for at, fact in [*sorted(FACTS.items()), (1_050_000, LAST)]:
        while size < at:
            parts.append(seed_prose(6_000) if abs(size - PIECE_CHARS) < 6_000 else record)
            size += len(parts[-1]) + 1
        parts.append(fact)
        size += len(fact) + 1
    return " ".join(parts)


def test_pieces_are_exact_and_end_at_sentence_ends():
    prose = seed_prose(50_000)
    cuts = list(pieces(prose, 5_000))
    assert cuts[0][0] == 0 and cuts[-1][1] == len(prose)
    assert all(a < b <= a + 5_000 for a, b in cuts) and all(b == c for (_, b), (c, _) in zip(cuts, cuts[1:]))
    for _, b in cuts[:-1]:  # each cut follows a sentence's end and its space
        m = SENTENCE_END.search(prose, b - 4, b + 2)
        assert m and m.end() == b and prose[b - 2] in ".!?”’\"'" and prose[b - 1] == " ", prose[b - 60:b + 20]
    words = "word " * 3_000
    assert all(words[b - 1] == " " for _, b in list(pieces(words, 1_000))[:-1])  # no sentence end: at a space
    blob = "x" * 2_500
    assert list(pieces(blob, 1_000)) == [(0, 1_000), (1_000, 2_000), (2_000, 2_500)]  # no space either


def test_a_sentence_without_an_end_is_cut_with_its_entities_in_place():
    """spaCy finds no sentence end in a run of words: one 8,000-character "sentence" would
    be compared pairwise, noun phrase by noun phrase, at every question that retrieves it."""
    text = "Intro line.\n" + "Kim Jong Un met 40 officials in Pyongyang and " * 180 + "the talks ended."
    a = make_article(title="Run-on", outlet="Coast Wire", date_text="", text=text, source="run-on")
    rows = split_articles([a])[a.doc_id]
    assert len(rows) > 4 and max(r.end - r.start for r in rows) <= MAX_SENTENCE_CHARS
    assert all(text[r.start:r.end] == r.text for r in rows)
    assert sum(len(r.text.split()) for r in rows) == len(text.split())
    assert all(0 <= e[0] < e[1] <= len(r.text) for r in rows for e in r.entities)
    assert sum(r.text[e[0]:e[1]] == "Pyongyang" for r in rows for e in r.entities if e[2] == "GPE") > 100


def test_a_paragraph_over_a_million_characters_is_ingested_and_quoted_verbatim(seeded_copy, tmp_path):
    text = huge_paragraph()
    assert "\n" not in text and len(text) > nlp().max_length
    f = tmp_path / "lighthouse.jsonl"
    f.write_text(json.dumps({"title": "Sorae Island log", "outlet": "Coast Wire", "text": text}) + "\n")
    report = api.ingest([f])
    assert len(report.added) == 1 and not report.failed, report
    doc_id = report.added[0]
    assert get_article(doc_id).text == text

    rows = api.engine().by_doc[doc_id]
    assert all(text[r.start:r.end] == r.text for r in rows)  # every offset indexes the article exactly
    assert all(a.end <= b.start for a, b in zip(rows, rows[1:]))
    assert sum(len(r.text.split()) for r in rows) == len(text.split())  # no word lost at a cut
    assert max(r.end - r.start for r in rows) < MAX_SENTENCE_CHARS + 12
    for fact in [*FACTS.values(), LAST]:  # cuts fall between sentences: each fact is one
        assert any(r.text.endswith(fact) for r in rows), fact

    a = ask("How many seabirds did Ro Chol Min count on Sorae Island?")
    assert a.answered and "4,312" in a.short_answer
    c = next(c for c in a.citations if c.doc_id == doc_id)
    assert c.start > 1_000_000 and text[c.start:c.end] == c.quote and "4,312 seabirds" in c.quote

    api.reset()  # the data dir opens as any other: nothing left to index
    eng = api.engine()
    assert not eng.unindexed and doc_id in eng.articles
    assert ask("How many new cranes were fitted at the Sinpo yard?").answered


def write_jsonl(path: Path, title: str, text: str) -> Path:
    path.write_text(json.dumps({"title": title, "outlet": "Coast Wire", "text": text}) + "\n")
    return path


GOOD = ("Ferry timetable", "The ferry Morning Lark now sails from Wonsan to Rason every Tuesday.\n"
                           "Its captain, Ri Song Hui, said the crossing takes nine hours.")
LONG_LINE = seed_prose(3_000)  # one paragraph spaCy refuses once max_length is 1,000


@pytest.fixture
def strict_spacy(monkeypatch):
    monkeypatch.setattr(nlp(), "max_length", 1_000)


def test_an_article_that_cannot_be_indexed_is_refused_and_the_rest_of_the_batch_is_ingested(seeded_copy, tmp_path,
                                                                                          strict_spacy):
    n = len(list_articles())
    good = write_jsonl(tmp_path / "good.jsonl", *GOOD)
    bad = write_jsonl(tmp_path / "bad.jsonl", "Harbour report", LONG_LINE)
    report = api.ingest([good, bad])
    assert len(report.added) == 1 and len(report.failed) == 1, report
    good_id = report.added[0]
    where, why = report.failed[0]
    assert where == "bad.jsonl#1" and "'Harbour report' was not ingested" in why and "E088" in why
    assert len(list_articles()) == n + 1 and {s.doc_id for s in list_articles()} == set(api.engine().articles)
    assert any(c.doc_id == good_id for c in ask("How long does the Morning Lark take to cross?").citations)

    # A changed version that cannot be indexed leaves the stored one as it was, still cited.
    changed = write_jsonl(tmp_path / "good-v2.jsonl", GOOD[0], GOOD[1] + "\n" + LONG_LINE)
    report = api.ingest([changed])
    assert not report.changed and "was not updated, the stored version is kept" in report.failed[0][1]
    assert get_article(good_id).text == GOOD[1]
    api.reset()
    eng = api.engine()
    assert not eng.unindexed and set(eng.articles) == {s.doc_id for s in list_articles()}
    assert any(c.doc_id == good_id for c in ask("How long does the Morning Lark take to cross?").citations)


def test_a_stored_article_that_cannot_be_indexed_does_not_stop_the_engine(seeded_copy, strict_spacy, caplog):
    """An ingest that died between the store and the index (as the 1,000,000-character one
    did) left an article every open must index: each command crashed on it, `remove` too."""
    eng = api.engine()
    bad = make_article(title="Harbour report", outlet="Coast Wire", date_text="", text=LONG_LINE, source="bad.jsonl#1")
    eng.db.put_many([to_stored(bad)])
    api.reset()
    with caplog.at_level(logging.WARNING):
        eng = api.engine()
    assert [where for where, _ in eng.unindexed] == ["bad.jsonl#1"]
    why = eng.unindexed[0][1]
    assert bad.doc_id in why and "E088" in why and f"`assistant remove {bad.doc_id}`" in why
    assert any(why in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert bad.doc_id in {s.doc_id for s in list_articles()} and bad.doc_id not in eng.articles
    assert ask("How many soldiers has Russia lost in the Kursk operation?").answered

    remove_article(bad.doc_id)  # the way out
    api.reset()
    eng = api.engine()
    assert not eng.unindexed and set(eng.articles) == {s.doc_id for s in list_articles()}
