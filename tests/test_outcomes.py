"""Three outcomes (issue 13): an answer, the closest passages when none is sure enough
(``not_stated``), or nothing relevant (``no_match``), through ``ask()`` and the CLI, on
the real seeds index; and the pieces that decide between them: grounding of the
question's names, candidate hygiene, the answer-type model, risk against coverage."""
import json

import numpy as np
import pytest
from conftest import run_cli

from assistant import ask, get_article
from assistant.answering.grounding import ABSENT, anchors_of, far_names, levels
from assistant.answering.spans import _unusable
from assistant.corpus.boilerplate import credit_ranges, is_credit_line
from assistant.models import Answer
from assistant.questions.answer_type import fit_types, focus_noun
from assistant.questions.question import analyse
from assistant.text import content_stems
from evals.risk import Point, curve
from evals.unseen.metrics import weighted_precision

ANSWERED = "How many soldiers has Russia lost in the Kursk operation?"
# The seeds report North Korea's troops in Russia; no article ties Belarus to any figure.
NOT_STATED = "How many troops has Belarus sent to Russia?"
NO_MATCH = "What is the capital of France?"


def _verbatim(a: Answer) -> None:
    for c in a.citations:
        assert get_article(c.doc_id).text[c.start:c.end] == c.quote


def test_answered_is_a_short_answer_with_its_quotes(seeded_env):
    a = ask(ANSWERED)
    assert a.status == "answered" and a.answered
    assert "62,000" in a.short_answer
    assert a.citations and a.text.startswith(f"**{a.short_answer}**")
    _verbatim(a)


def test_not_stated_quotes_the_closest_passages_without_an_answer(seeded_env):
    a = ask(NOT_STATED)
    assert a.status == "not_stated" and not a.answered
    assert a.short_answer is None
    assert a.not_about == ["Belarus"]
    assert 1 <= len(a.citations) <= 3
    _verbatim(a)
    assert a.text.startswith("**Not stated in the articles.** They don't tie Belarus to what you asked.")
    assert "closest passages (context, not an answer)" in a.text
    assert all(f"[{c.marker}]" in a.text for c in a.citations)


FLOODS_MD = """---
title: Floods displace thousands in northern Bangladesh
outlet: Dhaka Daily Report
date: 2025-07-08
---
DHAKA, July 8 — Heavy monsoon rains have displaced more than 45,000 people in the northern districts of \
Sylhet and Sunamganj, disaster officials said on Monday.

The Surma river rose 1.2 metres above the danger mark overnight, flooding at least 300 villages.

Disaster Management Minister Faruk Hossain said the government had opened 520 shelters and sent 80 tonnes of rice to the affected areas.
"""


def test_a_name_in_the_title_is_not_said_to_be_untied(seeded_copy, tmp_path):
    # "They don't tie Bangladesh to what you asked" was said of an article titled "Floods ... Bangladesh"
    from assistant import api

    path = tmp_path / "floods.md"
    path.write_text(FLOODS_MD, encoding="utf-8")
    assert api.ingest([path]).added
    for question in ("How many people were displaced by the floods in Bangladesh?",
                     "How many shelters did Bangladesh open for flood victims?"):
        a = ask(question)
        assert "Bangladesh" not in a.not_about and "tie Bangladesh" not in a.text, a.text
        assert a.citations and a.citations[0].title.endswith("Bangladesh"), a.text


def test_no_match_quotes_nothing(seeded_env):
    a = ask(NO_MATCH)
    assert a.status == "no_match" and not a.answered
    assert a.citations == [] and a.short_answer is None
    assert a.text.startswith("**The articles don't say.**")


# Questions about nothing the seeds report; the suite's own off-topic cases are two more.
OFF_TOPIC = ("What is the capital of France?", "How do I bake sourdough bread?", "Who painted the Mona Lisa?",
             "What is the boiling point of water?", "Which team won the Super Bowl in 2024?", "How tall is Mount Everest?")


def test_no_match_is_kept_for_questions_off_the_corpus(seeded_env):
    """no_match claims that no article answers, so a question the articles do answer never
    gets it, however far its wording strays (four paraphrases of the suite fell under the
    relevance floor when it hid 5% of the folds' answer-holding passages; it now hides 1%),
    while questions about nothing the articles report still do."""
    from evals.cases import load_cases

    answerable = [c for c in load_cases() if c.answers and not c.history]
    assert len(answerable) > 60
    hidden = [c.question for c in answerable if ask(c.question).status == "no_match"]
    assert not hidden, f"answerable questions told that no article answers them: {hidden}"
    assert [q for q in OFF_TOPIC if ask(q).status != "no_match"] == []


def test_the_json_carries_the_status(seeded_env):
    for q, status in ((ANSWERED, "answered"), (NOT_STATED, "not_stated"), (NO_MATCH, "no_match")):
        r = run_cli("ask", "--json", q)
        assert r.returncode == 0, r.stderr
        d = json.loads(r.stdout)
        assert d["status"] == status and d["answered"] is (status == "answered")
        assert bool(d["citations"]) is (status != "no_match")
    r = run_cli("ask", NOT_STATED)
    assert r.returncode == 0 and r.stdout.startswith("**Not stated in the articles.**")


def test_the_program_ends_at_once_with_its_whole_answer_out(seeded_env, tmp_path):
    """A one-shot `assistant ask` exits as soon as it has printed (``cli._exit_now``): what it
    wrote to a file is the whole answer, and a closed stdout is no error."""
    import os
    import subprocess
    import sys

    from conftest import PROJECT_ROOT

    out = tmp_path / "answer.txt"
    with out.open("w") as f:
        r = subprocess.run([sys.executable, "-m", "assistant", "ask", ANSWERED], stdout=f, stderr=subprocess.PIPE,
                           text=True, timeout=240, cwd=PROJECT_ROOT, env=os.environ.copy())
    assert r.returncode == 0, r.stderr
    assert out.read_text() == ask(ANSWERED).text + "\n"
    r = subprocess.run([sys.executable, "-m", "assistant", "ask", ANSWERED], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, timeout=240, cwd=PROJECT_ROOT, env=os.environ.copy(), close_fds=True,
                       preexec_fn=lambda: os.close(1))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr


def test_status_and_answered_cannot_disagree():
    assert Answer("q", False, None, "", status="not_stated").status == "not_stated"
    assert Answer("q", True, "x", "").status == "answered"
    assert Answer("q", True, None, "", status="no_match").answered is False
    with pytest.raises(ValueError):
        Answer("q", False, None, "", status="maybe")


def test_a_subject_the_article_never_names_is_not_tied_to_its_figures(seeded_env):
    """Grounding reads the article around the sentence: "China" is nowhere near North
    Korea's troop figures; "North Korea" (as "North Korean", "Pyongyang's") is."""
    import assistant.api as api

    snap = api.engine().snapshot()
    hits = snap.retriever.retrieve("North Korea sent over 11,000 troops to Russia")
    row = next(snap.rows[h.node_id] for h in hits if "11,000" in snap.rows[h.node_id].text)
    china = analyse("How many troops has China sent to Russia?")
    china.names = [n for n, _ in snap.vocab.find_names(china.query)]
    assert far_names(snap, anchors_of(china), row) == ["china"]
    korea = analyse("How many troops has North Korea sent to Russia?")
    korea.names = [n for n, _ in snap.vocab.find_names(korea.query)]
    assert far_names(snap, anchors_of(korea), row) == []
    # a figure with a thousands comma is found whole in its sentence, and a year the articles
    # never give is found nowhere
    in_2024 = next(snap.rows[h.node_id] for h in hits if "11,000 troops to Russia in 2024" in snap.rows[h.node_id].text)
    for year, level in (("2024", 0), ("2019", ABSENT)):
        asked = analyse(f"How many troops did North Korea send to Russia in {year}? Was it 11,000?")
        assert levels(snap, anchors_of(asked), in_2024).numbers == (level, 0)


def test_figures_are_compared_whole():
    """A figure grounds only the same figure: "2.5" is not "25", and a question's "6" is not
    the "6" piece of "6,000"; a number in words is its figure."""
    from assistant.wordforms import figures, text_forms

    assert figures("Some 6,000 workers, 2.5 times more, in four parties") == {"6000", "2.5", "4"}
    passage = text_forms("Russia will receive 6,000 military workers, 2.5 times more.")
    for asked, found in (("6,000", True), ("6000", True), ("6", False), ("2.5", True), ("25", False)):
        anchors = anchors_of(analyse(f"Who will receive {asked} workers?"))
        assert (f"#{anchors.numbers[0]}" in passage) is found, asked


def test_credits_bylines_and_datelines_are_found():
    text = ("FILE PHOTO: Kim meets Shoigu in Pyongyang, in this picture released by the Korean Central News Agency. "
            "KCNA via REUTERS/ File Photo (Reuters) -Sergei Shoigu, a senior Russian security official, held talks.")
    found = [text[a:b] for a, b in credit_ranges(text)]
    assert found == ["FILE PHOTO:", "KCNA via REUTERS/ File Photo", "(Reuters) -"]
    dateline = "SEOUL, June 30 (UPI) — North Korean leader Kim Jong Un met"
    assert [dateline[a:b] for a, b in credit_ranges(dateline)] == ["SEOUL, June 30 (UPI) —"]
    outlet = "WONSAN, July 4 (Harbour Gazette) — A passenger ferry was launched in Wonsan on Tuesday."
    assert [outlet[a:b] for a, b in credit_ranges(outlet)] == ["WONSAN, July 4 (Harbour Gazette) —"]
    assert credit_ranges("The U.S. and South Korea say North Korea has shipped missiles.") == []
    # without an agency tag, as many outlets print one; a capitalised word is no month
    for lead, line in (("REYKJAVIK, July 10 —", " A volcano erupted on Wednesday night."),
                       ("LIMA, Peru, June 19, 2026 -", " The jury ruled on Friday.")):
        assert [(lead + line)[a:b] for a, b in credit_ranges(lead + line)] == [lead]
    assert credit_ranges("NASA, Artemis 2 — the crew flew on Monday.") == []
    byline = "(Reporting by Andrew Osborn; editing by Mark Heinrich)"
    assert credit_ranges(byline) == [(0, len(byline))]


def test_a_credit_line_is_never_quoted(seeded_env):
    for credit in ("Photo courtesy of Russian Defense Ministry Press Service/EPA-EFE", "File Photo by KCNA/EPA-EFE",
                   "Photo courtesy of the Ministry of National Defense of the Republic of Korea/EPA-EFE",
                   "(Reporting by Andrew Osborn; additional reporting by Mark Trevelyan; editing by Mark Heinrich)",
                   "REUTERS/Kim Hong-Ji", "Yonhap/AFP/Getty Images", "KCNA/Handout via REUTERS", "Ahn Young-joon/AP"):
        assert is_credit_line(credit), credit
    # a lead after its dateline or agency tag, a caption that says something, a sentence naming a photo: passages
    for passage in ("MOSCOW, June 4 (Reuters) - Russia's defence minister Andrei Belousov resigned on Wednesday.",
                    "(Yonhap) -- North Korea launched a destroyer.", "US/UK sanctions took effect on Monday.",
                    "KCNA via REUTERS/ File Photo (Reuters) -Sergei Shoigu held talks with Kim Jong Un.",
                    "FILE PHOTO: Kim Jong Un inspects the destroyer Choe Hyon.",
                    "Photos by KCNA showed 11,000 troops deployed to Kursk.", "The photo showed Kim Jong Un with Shoigu.",
                    "Reuters/Ipsos polling found 60% backed the treaty.", "NATO/EU leaders met in Brussels on Tuesday.",
                    # headlines: slashes and capitals, but no agency, or more than a name beside it
                    "Russia/Ukraine War Enters Fourth Year", "US/ROK DRILLS RESUME", "G7/G20 Summits",
                    "Reuters/Ipsos Poll Shows 60 Percent Support"):
        assert not is_credit_line(passage), passage
    # the seed UPI article carries the first credit line above, which shares words with this question
    # (it was quoted as a closest passage before credit lines were dropped)
    a = ask("Who is the Russian defense minister?")
    assert a.citations and not any(is_credit_line(c.quote) for c in a.citations)
    _verbatim(a)


def test_a_credit_line_is_no_context_for_the_sentence_after_it(seeded_env):
    """The UPI lead follows a photo credit; the window the features read around it (the
    sentence before it, the article's head) must not lend it the credit's words."""
    from assistant import api
    from assistant.answering.scoring import window_text

    eng = api.engine()
    rows = [r for d in eng.by_doc for r in eng.by_doc[d]]
    after = [r for r in rows if r.idx and is_credit_line(eng.by_doc[r.doc_id][r.idx - 1].text)]
    assert len(after) >= 3  # the three UPI leads after "Photo (courtesy of|by) ..."
    for r in after:
        window = window_text(eng, r)
        assert r.text in window and eng.by_doc[r.doc_id][r.idx - 1].text not in window


def test_a_headline_lends_a_sentence_its_names_not_its_predicate(seeded_env):
    """The UPI warship story's headline ("North Korea raises capsized warship after failed
    launch") names its subject for every sentence, but does not say that each sentence is
    about the capsizing: the launch date of another ship is not the capsize date."""
    from assistant import api
    from assistant.answering.scoring import context_stems, name_stems, window_text

    eng = api.engine()
    doc = next(d for d, a in eng.articles.items() if "capsized" in str(a.get("title", "")))
    q = analyse("When did North Korea's destroyer capsize?")
    q.names = [n for n, _ in eng.vocab.find_names(q.query)]
    named = name_stems(q)
    assert "korea" in named and "capsiz" not in named
    rows = [r for r in eng.by_doc[doc] if not {"korea", "capsiz"} & set(content_stems(window_text(eng, r, title=False)))]
    assert rows
    for r in rows:
        have = context_stems(eng, r, named)
        assert "korea" in have and "capsiz" not in have
    # Asked of the whole corpus, the Choe Hyon's launch date ("April 25", the headline's story)
    # was asserted at 79% while the headline lent every sentence "capsized".
    a = ask("When did the destroyer capsize?")
    assert a.short_answer != "April 25" and a.citations
    _verbatim(a)


def test_a_piece_of_a_name_is_never_a_candidate():
    entities = ((0, 11, "GPE", ""), (0, 5, "NP", ""), (16, 22, "GPE", ""), (16, 38, "ORG", ""))
    credits: list = []
    assert _unusable(entities, 0, 5, "NP", credits)  # "North" of "North Korea"
    assert not _unusable(entities, 0, 11, "GPE", credits)  # "North Korea" itself
    assert not _unusable(entities, 16, 22, "GPE", credits)  # "Russia" in "Russia's Security Council": a name of its own
    assert _unusable(entities, 16, 22, "GPE", [(10, 20)])  # touches a credit


@pytest.mark.parametrize("question, noun", [
    ("Which fighter jets took part in the trilateral air exercise?", "jets"),
    ("What kinds of missiles does the Choe Hyon carry?", "missiles"),
    ("What is the name of the destroyer launched at the Nampo Shipyard?", "destroyer"),
    ("How many soldiers has Russia lost?", "soldiers"),
])
def test_the_focus_noun_names_the_kind_of_answer(question, noun):
    assert focus_noun(analyse(question)) == noun


def test_answer_type_model_learns_labels_from_inputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    y = ["PERSON" if x[0] > 0.5 else "DATE" if x[1] > 0 else "GPE" for x in X]
    labels = ["PERSON", "DATE", "GPE", "ORG"]
    m = fit_types(X, y, labels)
    probs = np.array([m.probs(x) for x in X])
    assert (np.array(labels)[probs.argmax(1)] == np.array(y)).mean() > 0.9
    assert probs[:, labels.index("ORG")].max() < 1e-6  # never a gold label: never wanted
    np.testing.assert_allclose(probs.sum(1), 1.0)


def test_risk_coverage_curve_and_weighted_precision():
    pts = [Point(0.9, True, True, True), Point(0.8, False, False, True), Point(0.7, True, True, False),
           Point(0.2, False, True, False)]
    c = curve(pts)
    assert c.coverage == [0.0, 1 / 3, 1 / 3, 2 / 3, 2 / 3]
    assert c.precision == [1.0, 1.0, 0.5, 2 / 3, 0.5]
    assert c.operating == (1 / 3, 0.5)
    assert c.area == pytest.approx(1 / 3 * 1.0 + 1 / 3 * 2 / 3)
    # weighted to 80% answerable, the one wrong answer to an unanswerable question weighs less
    w = weighted_precision([True, True, False, False], [True, False, True, False], [True, False, True, True], 0.8)
    assert w == pytest.approx((0.8 / 0.75) / (0.8 / 0.75 + 0.2 / 0.25))
