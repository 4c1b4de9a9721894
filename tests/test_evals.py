"""The eval runner: its scorer on hand-made answers, and the whole suite against the engine.

The unit tests pin the scoring rules (what counts as a correct answer, a supporting
citation, a refusal) so a change to the engine can never be hidden by a change to
the yardstick. The slow test runs every case and fails below ``evals.floors.FLOORS``.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.models import Answer, Citation
from evals.cases import DEFAULT_CASES, Case, load_cases
from evals.figures import aggregate, p95, per_kind, ratios
from evals.floors import FLOORS, all_pass, check_floors
from evals.normalize import answer_body, contains_form, normalise
from evals.scoring import Ref, score_case
from evals.systems import EngineGrounding

DEV_CASES = DEFAULT_CASES.parent / "dev_cases.jsonl"

# -- a tiny corpus ------------------------------------------------------------

UPI_TEXT = "North Korea sent over 11,000 troops to Russia in 2024, a report said. Kim called it “sacred”."
STAR_TEXT = "British intelligence said North Korean troops suffered more than 6,000 casualties in Kursk."
ST_TEXT = "British military intelligence said North Korean troops had suffered more than 6,000 casualties in Kursk."
HERALD_TEXT = "South Korea said around 11,000 troops went last year, with over 3,000 more in early 2025."


@dataclass(frozen=True)
class _Summary:
    doc_id: str
    title: str
    outlet: str


@dataclass(frozen=True)
class _Article:
    text: str


ARTICLES = {
    "upi-1": (_Summary("upi-1", "Kim vows support", "UPI"), UPI_TEXT),
    "upi-2": (_Summary("upi-2", "Kim fires rockets", "UPI"), "Rockets were fired near Pyongyang."),
    "star-1": (_Summary("star-1", "Shoigu meets Kim again", "The Star"), STAR_TEXT),
    "st-1": (_Summary("st-1", "Shoigu meets Kim, again", "Straits Times"), ST_TEXT),
    "kh-1": (_Summary("kh-1", "Why Shoigu keeps meeting Kim", "Korea Herald"), HERALD_TEXT),
}


@pytest.fixture
def grounding() -> EngineGrounding:
    def get_article(doc_id: str) -> _Article:
        return _Article(ARTICLES[doc_id][1])  # KeyError for an unknown id, as the engine raises

    return EngineGrounding(lambda: [s for s, _ in ARTICLES.values()], get_article)


def cite(doc_id: str, quote: str, marker: int = 1, also_in: tuple[str, ...] = (), shift: int = 0) -> Citation:
    summary, text = ARTICLES[doc_id]
    start = text.find(quote) + shift
    return Citation(marker=marker, quote=quote, doc_id=doc_id, title=summary.title, outlet=summary.outlet,
                    date="", start=start, end=start + len(quote), also_in=also_in)


def answer(short: str | None, citations: list[Citation] = (), *, answered: bool = True, conflict: bool = False,
           text: str | None = None) -> Answer:
    citations = list(citations)
    if text is None:
        quotes = "\n\n".join(f"> {c.quote} [{c.marker}]" for c in citations)
        sources = "\n\n".join(f"[{c.marker}] *{c.title}* — {c.outlet} · characters {c.start}–{c.end}" for c in citations)
        text = f"**{short}**\n\n{quotes}\n\n**Sources**\n\n{sources}" if answered else "**The articles don't say.**"
    return Answer(question="q", answered=answered, short_answer=short if answered else None, text=text,
                  citations=citations, conflict=conflict)


def case(kind: str = "single", answers=("11,000",), articles=("Kim vows support",), **kw) -> Case:
    return Case(id=kw.pop("id", f"c-{kind}"), kind=kind, question="q?", answers=tuple(answers),
                articles=tuple(articles), **kw)


# -- normalisation --------------------------------------------------------------

@pytest.mark.parametrize(("haystack", "form"), [
    ("more than 11,000 troops", "11000"),
    ("more than 11000 troops", "11,000"),
    ("over 10,000km", "10000"),
    ("KIM called it “sacred”", 'it "sacred"'),
    ("Kim’s  visit\n to Pyongyang", "kim's visit to pyongyang"),
    ("1,000 sappers and 5,000 workers", "1000 sappers"),
])
def test_forms_match_across_typography(haystack, form):
    assert contains_form(haystack, form)


@pytest.mark.parametrize(("haystack", "form"), [
    ("more than 16,000 troops", "6,000"),  # not inside a longer number
    ("6,0001 rounds", "6,000"),
    ("in 2024", "202"),
    ("", "anything"),
    ("some text", ""),
])
def test_forms_do_not_match_inside_other_numbers(haystack, form):
    assert not contains_form(haystack, form)


def test_normalise_is_idempotent_and_flat():
    once = normalise("  “The  11,000”\t‘troops’ ")
    assert once == "\"the 11000\" 'troops'"
    assert normalise(once) == once


def test_answer_body_drops_sources_and_markers():
    text = "**June 18**\n\n> On June 18, Shoigu said so. [2]\n\n**Sources**\n\n[2] *T* — UPI, June 30 · characters 5–9"
    body = answer_body(text)
    assert "June 18" in body and "June 30" not in body and "[2]" not in body


# -- answer accuracy ------------------------------------------------------------

def test_short_answer_with_thousands_separator_variants(grounding):
    c = case(answers=("11000",))
    a = answer("over 11,000 troops", [cite("upi-1", "North Korea sent over 11,000 troops to Russia in 2024, a report said.")])
    r = score_case(c, a, grounding, [Ref("upi-1")], 0.01)
    assert r.correct and r.cited_support and r.causes == []


def test_answer_only_in_quotes_is_wrong_for_short_cases_but_right_for_text_cases(grounding):
    quote = "North Korea sent over 11,000 troops to Russia in 2024, a report said."
    a = answer("in 2024", [cite("upi-1", quote)])
    short = score_case(case(), a, grounding, None, 0.01)
    assert not short.correct and short.causes == ["answer-only-in-text"]
    assert short.cited_support  # the quote itself supports the answer
    assert score_case(case(answer_in="text"), a, grounding, None, 0.01).correct


def test_a_form_in_the_sources_block_does_not_count(grounding):
    a = answer("Kim", [cite("upi-1", "Kim called it “sacred”.")])  # "Kim vows support" is the title
    assert not score_case(case(answers=("vows support",), answer_in="text"), a, grounding, None, 0.0).correct


def test_declining_an_answerable_question_fails(grounding):
    r = score_case(case(), answer(None, answered=False), grounding, None, 0.0)
    assert not r.correct and r.causes[0] == "declined-answerable" and r.cited_support is False


def test_unanswerable_is_correct_only_when_declined(grounding):
    c = case("unanswerable", answers=(), articles=())
    assert score_case(c, answer(None, answered=False), grounding, None, 0.0).correct
    wrong = score_case(c, answer("Kim", [cite("upi-1", "Kim called it “sacred”.")]), grounding, None, 0.0)
    assert not wrong.correct and wrong.causes == ["answered-unanswerable"]
    assert wrong.cited_support is None  # not counted in citation recall


# -- conflicts --------------------------------------------------------------------

CONFLICT = {"kind": "conflict", "answers": (), "articles": ("Kim vows support", "Why Shoigu keeps meeting Kim"),
            "conflict_sides": (("over 11,000",), ("around 11000", "11,000 troops went"))}


def _conflict_answer(conflict: bool, both: bool = True) -> Answer:
    cites = [cite("upi-1", "North Korea sent over 11,000 troops to Russia in 2024, a report said.", 1)]
    if both:
        cites.append(cite("kh-1", "South Korea said around 11,000 troops went last year, with over 3,000 more in early 2025.", 2))
    return answer("over 11,000 or around 11,000 (sources disagree)", cites, conflict=conflict)


def test_conflict_correct_when_flagged_and_every_side_is_in_the_text(grounding):
    r = score_case(case(**CONFLICT), _conflict_answer(True), grounding, None, 0.0)
    assert r.correct and r.cited_support and r.citations_gold == 2


def test_conflict_not_flagged_fails(grounding):
    r = score_case(case(**CONFLICT), _conflict_answer(False), grounding, None, 0.0)
    assert not r.correct and r.causes == ["conflict-not-flagged"]


def test_conflict_with_one_side_missing_fails(grounding):
    c = case(**{**CONFLICT, "conflict_sides": (("over 11,000",), ("around 11,000 troops went",))})
    a = _conflict_answer(True, both=False)
    a.short_answer, a.text = "over 11,000", a.text.replace("around 11,000", "")
    r = score_case(c, a, grounding, None, 0.0)
    assert not r.correct and "conflict-side-missing" in r.causes


# -- citations ----------------------------------------------------------------------

def test_citation_from_a_non_gold_article_does_not_support(grounding):
    a = answer("over 11,000", [cite("kh-1", "South Korea said around 11,000 troops went last year, with over 3,000 more in early 2025.")])
    r = score_case(case(), a, grounding, None, 0.0)
    assert r.correct and r.cited_support is False and r.causes == ["no-gold-citation"]
    assert r.citations_gold == 0


def test_near_duplicate_named_in_also_in_counts_as_gold(grounding):
    quote = "British intelligence said North Korean troops suffered more than 6,000 casualties in Kursk."
    c = case(answers=("6,000",), articles=("Shoigu meets Kim, again",))  # the Straits Times copy
    assert score_case(c, answer("more than 6,000", [cite("star-1", quote)]), grounding, None, 0.0).cited_support is False
    a = answer("more than 6,000", [cite("star-1", quote, also_in=("Straits Times",))])
    assert score_case(c, a, grounding, None, 0.0).cited_support


def test_also_in_outlet_with_several_articles_resolves_to_the_copy_with_the_sentence(grounding):
    quote = "British intelligence said North Korean troops suffered more than 6,000 casualties in Kursk."
    span = cite("star-1", quote, also_in=("UPI",))
    assert grounding.is_gold(span, ["Shoigu meets Kim again"])
    assert not grounding.is_gold(span, ["Kim fires rockets"])


def test_non_verbatim_quote_is_an_offender_and_never_supports(grounding):
    quote = "North Korea sent over 11,000 troops to Russia in 2024, a report said."
    a = answer("over 11,000", [cite("upi-1", quote, shift=1)])
    r = score_case(case(), a, grounding, None, 0.0)
    assert r.citations_verbatim == 0 and len(r.offenders) == 1
    assert r.offenders[0].actual != quote and not r.cited_support
    assert "non-verbatim-quote" in r.causes and "supporting-quote-not-verbatim" in r.causes


def test_unknown_doc_id_is_an_offender(grounding):
    bad = Citation(marker=1, quote="x", doc_id="nope", title="Kim vows support", outlet="UPI", date="", start=0, end=1)
    r = score_case(case(), answer("11,000", [bad]), grounding, None, 0.0)
    assert r.offenders and r.offenders[0].actual is None


def test_gold_rank_and_retrieval_miss(grounding):
    c = case()
    hit = score_case(c, answer(None, answered=False), grounding, [Ref("kh-1"), Ref("upi-2"), Ref("upi-1")], 0.0)
    assert hit.gold_rank == 3 and "retrieval-miss@5" not in hit.causes
    miss = score_case(c, answer(None, answered=False), grounding, [Ref("kh-1")] * 6 + [Ref("upi-1")], 0.0)
    assert miss.gold_rank == 7 and "retrieval-miss@5" in miss.causes
    none = score_case(c, answer(None, answered=False), grounding, None, 0.0)
    assert not none.retrieval_counted


# -- aggregation ---------------------------------------------------------------------

def _refusal_results(grounding, declines: list[tuple[str, bool]]):
    """(kind, declined) pairs -> scored results."""
    quote = "North Korea sent over 11,000 troops to Russia in 2024, a report said."
    out = []
    for n, (kind, declined) in enumerate(declines):
        c = case(kind, id=f"c{n}", **({"answers": (), "articles": ()} if kind == "unanswerable" else {}))
        a = answer(None, answered=False) if declined else answer("over 11,000", [cite("upi-1", quote)])
        out.append(score_case(c, a, grounding, [Ref("upi-1")], 0.01 * (n + 1), cold=n == 0))
    return out


def test_refusal_precision_and_recall(grounding):
    results = _refusal_results(grounding, [
        ("unanswerable", True), ("unanswerable", True), ("unanswerable", False),  # 2 of 3 declined
        ("single", True), ("single", False), ("single", False),  # 1 wrong refusal
    ])
    f = aggregate(results)
    assert f.refusal_recall == pytest.approx(2 / 3)
    assert f.refusal_precision == pytest.approx(2 / 3)
    assert f.accuracy == pytest.approx(4 / 6)
    assert f.citation_recall == pytest.approx(2 / 3)  # the declined single case has no support
    assert f.citation_precision == 1.0 and f.verbatim_rate == 1.0
    assert f.recall_at_5 == 1.0 and f.mrr == 1.0


def test_no_refusals_means_precision_na_and_recall_zero(grounding):
    f = aggregate(_refusal_results(grounding, [("unanswerable", False), ("single", False)]))
    assert f.refusal_precision is None and f.refusal_recall == 0.0


def test_latency_excludes_the_cold_first_call(grounding):
    results = _refusal_results(grounding, [("single", False)] * 5)
    results[0].latency_s = 30.0
    f = aggregate(results, first_answer_s=31.0)
    assert f.latency_median_s == pytest.approx(0.035) and f.first_answer_s == 31.0
    assert f.latency_p95_s is not None and f.latency_p95_s < 0.06
    assert p95([1.0]) == 1.0 and p95([]) is None


def test_per_kind_and_ratios(grounding):
    results = _refusal_results(grounding, [("unanswerable", True), ("single", False)])
    kinds = per_kind(results)
    assert set(kinds) == {"unanswerable", "single"}
    assert kinds["unanswerable"].citation_recall is None and kinds["single"].refusal_recall is None
    r = ratios(kinds["single"], kinds["unanswerable"])
    assert r["accuracy"] == 1.0 and r["citation_recall"] is None


def test_floors():
    good = {name: floor for name, floor in FLOORS.items()}
    assert all_pass(check_floors(good))
    assert check_floors({**good, "verbatim_rate": 0.999})["verbatim_rate"] is False
    assert check_floors({**good, "refusal_recall": None})["refusal_recall"] is None  # n/a, not failed
    assert all_pass(check_floors({**good, "refusal_recall": None}))


# -- cases and report ----------------------------------------------------------------

def test_case_file_errors_name_the_line(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "a", "kind": "single", "question": "q"}\n{"id": "b", "kind": "nope", "question": "q"}\n')
    with pytest.raises(ValueError, match=r"cases.jsonl:2"):
        load_cases(path)
    path.write_text('{"id": "a", "kind": "single", "question": "q"}\n{"id": "a", "kind": "single", "question": "r"}\n')
    with pytest.raises(ValueError, match="duplicate"):
        load_cases(path)


def test_the_development_set_is_measured_not_judged():
    """evals/dev_cases.jsonl loads, repeats no seed case, and the seed floors don't judge it."""
    from evals.runner import verdicts_for

    dev = load_cases(DEV_CASES)
    assert len(dev) >= 60 and not {c.question.lower() for c in dev} & {c.question.lower() for c in load_cases()}
    below = dict.fromkeys(FLOORS, 0.0)
    assert all(v is None for v in verdicts_for(below, DEV_CASES).values())
    assert not any(verdicts_for(below, DEFAULT_CASES).values())


def test_the_shipped_case_file_loads():
    cases = load_cases()
    assert cases and {c.kind for c in cases} <= {"single", "paraphrase", "multi", "conflict", "unanswerable", "followup"}


def test_report_files(tmp_path, grounding):
    from evals.report import write_report
    from evals.runner import EvalRun, SystemRun

    results = _refusal_results(grounding, [("unanswerable", False), ("single", True), ("single", False)])
    run_ = SystemRun("ours", results, 0.1, 1.0, aggregate(results, 1.0), per_kind(results))
    base = SystemRun("baseline", results, 0.2, 2.0, aggregate(results, 2.0), per_kind(results))
    run = EvalRun(run_, base, {"cases": 3, "cases_file": "x", "date": "d", "machine_cores": 2, "total_run_s": 1.0},
                  check_floors(run_.overall.to_dict()), ["c9: article title not in the corpus: 'X'"])
    paths = write_report(run, tmp_path / "out")
    md = paths["report"].read_text()
    assert "| answer accuracy |" in md and "×1.00" in md and "### answered-unanswerable (1)" in md
    assert "### declined-answerable (1)" in md and "article title not in the corpus" in md
    figures = json.loads(paths["figures"].read_text())
    assert figures["environment"]["machine_cores"] == 2 and "baseline" in figures["systems"]
    assert figures["ratios"]["overall"]["accuracy"] == 1.0
    assert paths["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- the whole suite against the real engine -------------------------------------------

@pytest.mark.slow
def test_suite_meets_the_floors(seeded_env, tmp_path):
    """Every case through the real engine (and the baseline), report written, floors held."""
    from evals.report import write_report
    from evals.runner import run_suite

    t0 = time.perf_counter()
    run = run_suite(load_cases(), baseline=True, progress=False)
    paths = write_report(run, tmp_path)
    elapsed = time.perf_counter() - t0
    assert all(Path(p).stat().st_size > 0 for p in paths.values())
    assert elapsed < 300, f"the --baseline run took {elapsed:.0f} s (budget 300 s)"
    assert not run.case_problems, "problems in evals/cases.jsonl:\n" + "\n".join(run.case_problems)
    overall = run.ours.overall.to_dict()
    offenders = [o for r in run.ours.results for o in r.offenders]
    assert not offenders, "non-verbatim citations:\n" + "\n".join(
        f"{o.case_id}: {o.doc_id}[{o.start}:{o.end}] {o.quote!r} != {o.actual!r}" for o in offenders)
    for name in FLOORS:
        assert overall[name] is not None, f"{name} could not be computed: the case file lacks cases for it"
    below = {name: round(overall[name], 3) for name, ok in run.verdicts.items() if ok is False}
    failing = "\n".join(f"{r.case_id} [{r.kind}]: {', '.join(r.causes)}" for r in run.ours.results
                        if r.causes and r.causes != ["retrieval-miss@5"])
    assert not below, f"below the floor {FLOORS}: {below}\nsee {paths['report']}\n{failing}"


def test_unseen_prose_is_reported_from_a_sample(tmp_path):
    """The unseen-prose suite end to end on a fixed sample (100 questions a fold, each fold
    answered by the model trained without it): report, curve, the always-decline line, and
    every quote verbatim from its article, and the figures within ``UNSEEN_SAMPLE_SLACK`` of
    the floors. The floors themselves are judged on all 2,805 questions by ``make eval``
    (which fails below them): the whole run (2.5 min) belongs with the long runs, outside
    the 15 minutes of ``make test``."""
    from evals.floors import UNSEEN_CEILINGS, UNSEEN_FLOORS, UNSEEN_SAMPLE_SLACK
    from evals.unseen.dataset import load
    from evals.unseen.report import write
    from evals.unseen.suite import run_unseen

    run = run_unseen(per_fold=100, baseline=False, progress=False)
    paths = write(run, tmp_path)
    assert paths["curve"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run.ours.questions == 400 and {o.fold for o in run.outcomes} == {0, 1, 2, 3}
    assert run.always_decline.overall_f1 == pytest.approx(100 * (1 - run.ours.answerable / run.ours.questions))
    texts = {a.title: a.text for a in load()[0]}
    quotes = [(o.qid, q) for o in run.outcomes for q in o.quotes]
    assert quotes and run.ours.answered > 0
    assert [(qid, q) for qid, q in quotes if not any(q in t for t in texts.values())] == []
    ours = run.ours
    low = {k: round(getattr(ours, k), 1) for k, floor in UNSEEN_FLOORS.items()
           if k != "overall_f1" and getattr(ours, k) < floor - UNSEEN_SAMPLE_SLACK}
    high = {k: round(getattr(ours, k), 1) for k, ceiling in UNSEEN_CEILINGS.items()
            if getattr(ours, k) > ceiling + 2 * UNSEEN_SAMPLE_SLACK}
    assert not low and not high, f"the sample is past its floors {UNSEEN_FLOORS} (less {UNSEEN_SAMPLE_SLACK}): {low} {high}"
    assert ours.overall_f1 > run.always_decline.overall_f1


def test_cases_are_asked_under_the_model_a_draw_names(seeded_env, tmp_path, monkeypatch):
    """``evals.draws`` asks the cases through ``ask()`` with the draw's model, then leaves the
    model setting as it found it (the real engine and the shipped model, three seed cases)."""
    from assistant.answering.model import DEFAULT_PATH
    from evals.draws import cases_under

    lines = DEFAULT_CASES.read_text(encoding="utf-8").splitlines()
    few = tmp_path / "few.jsonl"
    few.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    monkeypatch.setenv("NEWSQA_ANSWER_MODEL", "/nowhere/model.json")
    got = cases_under(DEFAULT_PATH, few)  # /nowhere would fail every case with a missing model
    assert got["asserted"] >= 1 and got["accuracy"] is not None and 0.0 <= got["area"] <= 1.0
    assert os.environ["NEWSQA_ANSWER_MODEL"] == "/nowhere/model.json"
