"""The training protocol's mechanics on a small table the test makes: fold models learn
what the features say, each fold is scored by models that never saw it, and the seed
spread tool reads the same fold models. (The real table takes minutes to collect from
SQuAD; the span model's learning on it is tested by the unseen-prose eval.)"""
from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest

from assistant.answering.features import LABELS, NAMES
from evals.unseen import spread
from evals.unseen import train as T
from evals.unseen.augment import ELSEWHERE, IN_ARTICLE, _figure_in, swap_numbers, swap_within
from evals.unseen.collect import QuestionRows, read_table, write_table
from evals.unseen.dataset import SquadQuestion


@pytest.fixture(autouse=True)
def _small_fits(monkeypatch):
    """Fewer boosting rounds, one thread: the mechanics, not the model, are under test."""
    monkeypatch.setattr(T, "ROUNDS", 20)
    monkeypatch.setattr(T, "PARAMS", {**T.PARAMS, "num_threads": 1})


def _table(seed: int = 0) -> list[QuestionRows]:
    """Questions whose right span is the one with the highest s_coverage, when it is high
    enough; otherwise the question is unanswerable. A learnable, noisy signal."""
    rng = np.random.default_rng(seed)
    cov = NAMES.index("s_coverage")
    rows = []
    for i in range(4 * 60):
        X = rng.random((12, len(NAMES))).astype(np.float32)
        best = int(X[:, cov].argmax())
        answerable = X[best, cov] > 0.75 or rng.random() < 0.3
        f1 = np.zeros(12)
        if answerable:
            f1[best if rng.random() < 0.8 else rng.integers(12)] = 1.0
        labels = [LABELS[j % 5] for j in range(12)]
        q = SquadQuestion(f"q{i}", f"article{i % 8}", "What?", ("x",) if answerable else ())
        rows.append(QuestionRows(q, (i % 8) // 2, [f"v{j}" for j in range(12)], labels, X, f1,
                                 rng.random(8).astype(np.float32), answerable, 1.0))
    return rows


def _with_swapped(rows: list[QuestionRows], seed: int = 0) -> list[QuestionRows]:
    """Plus a synthetic unanswerable copy of every answerable question whose passages lose
    what made it answerable (as ``augment``'s swapped subject does to grounding)."""
    rng = np.random.default_rng(seed)
    cov = NAMES.index("s_coverage")
    out = list(rows)
    for t in rows:
        if t.question.answerable:
            X = t.X.copy()
            X[:, cov] = rng.random(len(X)) * 0.5
            q = SquadQuestion(t.question.qid + "-swapped", t.question.title, "What?", ())
            out.append(QuestionRows(q, t.fold, t.values, t.labels, X, np.zeros(len(X)), t.type_input, False, 1.0,
                                    synthetic=ELSEWHERE))
    return out


def test_no_model_behind_a_calibration_pick_saw_its_fold(monkeypatch):
    """The inner picks that calibrate a fold model: for each left-out fold k', the span model
    and every answer-type model (those typing its training rows and the one typing k'
    itself) are fitted without k'. Before the leak was closed, the training rows' types came
    from type models fitted with k'."""
    table = _table()
    events: list[tuple[str, set[int]]] = []
    real_fit, real_types = T.fit, T.fit_type_model
    monkeypatch.setattr(T, "fit", lambda rows: events.append(("span", {t.fold for t in rows})) or real_fit(rows))
    monkeypatch.setattr(T, "fit_type_model",
                        lambda rows: events.append(("type", {t.fold for t in rows})) or real_types(rows))
    folds = [0, 1, 2]
    _, picks = T.cross_fitted(table, folds)
    # per left-out fold: a type model per inner fold (2), the span model, the type model for k'
    per_split = 4
    assert len(events) == len(folds) * per_split + len(folds) + 1  # then the model on all three
    for i, left_out in enumerate(folds):
        split = events[i * per_split:(i + 1) * per_split]
        assert [kind for kind, _ in split] == ["type", "type", "span", "type"]
        assert all(left_out not in seen for _, seen in split)
    assert len(picks) == sum(t.fold in folds for t in table)


def test_fold_models_learn_and_each_fold_is_scored_by_models_that_never_saw_it(monkeypatch):
    table = _table()
    seen = []
    real_fit = T.fit

    def fit(rows):
        seen.append({t.fold for t in rows})
        return real_fit(rows)

    monkeypatch.setattr(T, "fit", fit)
    held = list(T.fold_models(table))
    assert [h.fold for h in held] == [0, 1, 2, 3]
    assert len(seen) == 4 * 4  # per held-out fold: three inner span models and the fold model
    for k in range(4):
        assert all(k not in folds for folds in seen[k * 4:(k + 1) * 4])
    right = np.array([p.answerable and p.f1 >= 0.5 for h in held for p in h.real])
    conf = np.concatenate([h.product for h in held])
    # the confidence ranks right answers above the rest on folds it never saw
    assert conf[right].mean() > conf[~right].mean() + 0.1


def test_swapped_subject_questions_asserted_are_counted_out_of_fold():
    held = list(T.fold_models(_with_swapped(_table())))
    for h in held:
        swapped = h.swapped_asserted()
        asserted_answerable = np.mean([c >= h.model.decline_below for c, p in zip(h.product, h.real) if p.answerable])
        # they lost what made them answerable: asserted far less often than the real ones
        assert swapped is not None and 0.0 <= swapped < asserted_answerable / 2
        assert h.swapped_asserted(IN_ARTICLE) is None  # none of that kind in this table
    assert T.HeldOut(0, held[0].model, held[0].real, held[0].product, held[0].real).swapped_asserted() is None


def test_in_article_swaps_are_measured_but_never_fit_the_confidence():
    base = _with_swapped(_table())
    near = [replace(t, question=replace(t.question, qid=t.question.qid + "~near"), synthetic=IN_ARTICLE)
            for t in base if t.synthetic == ELSEWHERE]
    plain, measured = list(T.fold_models(base)), list(T.fold_models(base + near))
    for a, b in zip(plain, measured):
        assert np.array_equal(a.model.weights, b.model.weights) and a.model.decline_below == b.model.decline_below
        assert a.model.answerable_share == b.model.answerable_share  # the share it was fitted at, not diluted
        assert b.swapped_asserted(IN_ARTICLE) == b.swapped_asserted(ELSEWHERE)  # the same rows, measured as both


def test_seed_spread_reports_each_seed_and_their_summary(tmp_path, monkeypatch):
    path = tmp_path / "table.pkl"
    write_table(path, _with_swapped(_table(1)))
    out = tmp_path / "spread.json"
    params = T.PARAMS
    used = []
    real_fit = T.fit
    monkeypatch.setattr(T, "fit", lambda rows: used.append(T.PARAMS["seed"]) or real_fit(rows))
    assert spread.main(["--table", str(path), "--seeds", "3", "4", "--out", str(out)]) == 0
    assert set(used) == {3, 4}  # each seed reached the span models
    got = json.loads(out.read_text())
    assert [r["seed"] for r in got["runs"]] == [3, 4]
    area = got["summary"]["area"]
    assert 0.0 < area["min"] <= area["mean"] <= area["max"] <= 1.0 and area["runs"] == 2
    assert got["summary"]["swapped_asserted"]["runs"] == 2
    assert got["summary"]["swapped_in_article_asserted"]["runs"] == 0  # the table has none of that kind
    assert T.PARAMS is params  # the tool leaves the training parameters as it found them


def test_another_draw_is_trained_into_its_own_folder(tmp_path, monkeypatch):
    """``evals.draws``: a model drawn with other seeds is written apart, never over the shipped one."""
    from types import SimpleNamespace

    shipped = T.DEFAULT_PATH.read_bytes()
    articles = [SimpleNamespace(title=f"article{i}", fold=i // 2) for i in range(8)]
    params = T.PARAMS
    with T.seeded(12):
        T.train(_with_swapped(_table()), articles, log=lambda m: None, out=tmp_path)
    assert T.PARAMS is params
    assert sorted(p.name for p in tmp_path.iterdir()) == [T.DEFAULT_PATH.name, "fold0.json", "fold1.json",
                                                          "fold2.json", "fold3.json"]
    card = json.loads((tmp_path / T.DEFAULT_PATH.name).read_text())["card"]
    assert card["params"]["seed"] == 12
    assert json.loads((tmp_path / "fold2.json").read_text())["card"]["params"]["seed"] == 12
    assert T.DEFAULT_PATH.read_bytes() == shipped


def test_draws_summarise_every_figure_of_every_suite():
    from evals.draws import summarise

    def draw(p):
        return {"seeds": {"asserted_precision": p, "asserted": 50}, "dev": {"asserted_precision": p - 0.1, "asserted": 20},
                "unseen": {"precision_at_prior": 100 * p, "calibration_gap": None}}

    got = summarise([draw(0.8), draw(0.9)])
    assert got["seeds"]["asserted_precision"] == {"mean": 0.85, "sd": 0.0707, "min": 0.8, "max": 0.9, "runs": 2}
    assert got["dev"]["asserted"]["sd"] == 0.0
    assert got["unseen"]["precision_at_prior"]["mean"] == 85.0
    assert got["unseen"]["calibration_gap"]["runs"] == 0  # not measured: no mean made up


def test_the_shown_confidence_is_fitted_to_how_often_answers_are_right():
    """Picks whose prior-shifted probability overstates how often they are right (as a shift
    of P(right) by the change of prior does): the fitted map brings the shown confidence back
    to the share right, and keeps the order of the picks."""
    rng = np.random.default_rng(3)
    shifted = rng.uniform(0.05, 0.97, 4000)
    logit = np.log(shifted / (1 - shifted))
    truth = 1 / (1 + np.exp(-(0.6 * logit - 0.8)))  # overconfident at the top, as measured
    answerable = rng.random(4000) < 0.8
    right = answerable & (rng.random(4000) < truth)
    picks = [T.TopPick(np.ones(3), float(r), bool(a)) for r, a in zip(right, answerable)]
    a, b = T.fit_shown(shifted, picks)
    assert a == pytest.approx(0.6, abs=0.1) and b < 0
    shown = T.product_confidence(shifted, T.PRODUCT_SHARE, (a, b))
    assert (np.diff(shown[np.argsort(shifted)]) >= 0).all()
    top = shifted > 0.8
    assert abs(shown[top].mean() - right[top].mean()) < 0.05 < shifted[top].mean() - right[top].mean()


def test_a_monotone_shown_map_asserts_the_same_picks():
    """The threshold is chosen on the shown scale by the same rule: mapping the confidence
    changes the number, never which picks are asserted."""
    rng = np.random.default_rng(5)
    calibrated = rng.uniform(0.01, 0.99, 3000)
    answerable = rng.random(3000) < 0.45
    right = answerable & (rng.random(3000) < calibrated)
    picks = [T.TopPick(np.ones(3), float(r), bool(a)) for r, a in zip(right, answerable)]
    plain = T.product_confidence(calibrated, 0.45, (1.0, 0.0))
    mapped = T.product_confidence(calibrated, 0.45, T.fit_shown(plain, picks))
    assert not np.allclose(plain, mapped)
    t_plain, t_mapped = T.choose_threshold(plain, picks), T.choose_threshold(mapped, picks)
    assert t_plain < 1.01 and ((plain >= t_plain) == (mapped >= t_mapped)).all()


def test_a_shown_map_that_would_reverse_the_order_is_not_used():
    rng = np.random.default_rng(6)
    shifted = rng.uniform(0.05, 0.95, 2000)
    right = rng.random(2000) < 1 - shifted  # the more confident, the less often right
    picks = [T.TopPick(np.ones(3), float(r), True) for r in right]
    assert T.fit_shown(shifted, picks) == (1.0, 0.0)


def test_the_calibration_learns_answerable_and_right_if_answerable_apart():
    """Whether a question is answerable and whether the span is right if it is are two kinds
    of wrong answer: each regression picks up its own signal."""
    rng = np.random.default_rng(7)
    z = rng.normal(size=(3000, 4))
    answerable = rng.random(3000) < 1 / (1 + np.exp(-2 * z[:, 0]))
    right = answerable & (rng.random(3000) < 1 / (1 + np.exp(-2 * z[:, 1])))
    cal = T.calibrate([T.TopPick(row, float(r), bool(a)) for row, r, a in zip(z, right, answerable)])
    assert np.argmax(np.abs(cal.weights)) == 0 and np.argmax(np.abs(cal.right_weights)) == 1
    probs = cal([T.TopPick(np.array([3.0, 3.0, 0, 0]), 0.0, True), T.TopPick(np.array([-3.0, 3.0, 0, 0]), 0.0, True),
                 T.TopPick(np.zeros(0), 0.0, True)])
    assert probs[0] > 0.8 > 0.2 > probs[1] and probs[2] == 0.0


def test_each_share_gets_its_own_map_and_threshold():
    """Where more of the questions are answerable, the same picks are right more often once
    weighted to that share: the threshold that keeps PRECISION_TARGET falls, and at each share
    the confidence shown for the confident picks is the share of them that are right there."""
    rng = np.random.default_rng(11)
    calibrated = rng.uniform(0.01, 0.99, 4000)
    answerable = rng.random(4000) < 0.9 * calibrated  # 45% answerable, more among the confident
    right = answerable & (rng.random(4000) < np.sqrt(calibrated))
    picks = [T.TopPick(np.ones(3), float(r), bool(a)) for r, a in zip(right, answerable)]
    points = [T.operating_point(calibrated, 0.45, picks, s) for s in (0.5, 0.8, 0.95)]
    assert points[0].decline_below > points[1].decline_below > points[2].decline_below
    for pt in points:
        shown = T.product_confidence(calibrated, 0.45, pt.shown, pt.share)
        top = shown >= pt.decline_below
        w = T.prior_weights(answerable, pt.share)
        assert abs(np.average(shown[top], weights=w[top]) - np.average(right[top], weights=w[top])) < 0.05


class _Names:
    """Stands in for the corpus vocabulary's name finder (``Vocabulary.names`` and
    ``find_names``, tested with the index): here only the swap is under test."""

    NAMES = [("Kim Jong Un", "PERSON"), ("Vladimir Putin", "PERSON"), ("Putin", "PERSON"), ("Olga Lyubimova", "PERSON"),
             ("Pyongyang", "GPE")]

    def names(self):
        return self.NAMES

    def find_names(self, text):
        found = [(n, lab) for n, lab in self.NAMES if n in text]
        return [(n, lab) for n, lab in found if not any(n != m and n in m for m, _ in found)]  # longest match


def test_in_article_swaps_take_a_name_the_article_has_away_from_the_fact():
    from evals.unseen.dataset import SquadArticle

    warrant = "The ICC issued a warrant for Vladimir Putin in March 2023."
    article = SquadArticle("ICC", f"{warrant}\n\nKim Jong Un met Olga Lyubimova in Pyongyang.", 0)
    q = SquadQuestion("w", "ICC", "When did the ICC issue a warrant for Vladimir Putin?", ("March 2023",), warrant)
    got = swap_within(_Names(), [article], [q, SquadQuestion("u", "ICC", "Who met Putin?", (), warrant)])
    assert len(got) == 1 and not got[0].answers and got[0].qid == "w~near"  # never from an unanswerable one
    # a name of the same kind from the article's other paragraph; never "Putin" for "Vladimir Putin"
    assert got[0].question in ("When did the ICC issue a warrant for Kim Jong Un?",
                               "When did the ICC issue a warrant for Olga Lyubimova?")
    # the same person named otherwise elsewhere in the article is no other subject
    short = "The ICC issued a warrant for Putin in March 2023."
    article = SquadArticle("ICC", f"{short}\n\nVladimir Putin denied it.", 0)
    assert swap_within(_Names(), [article], [SquadQuestion("p", "ICC", "When was Putin's warrant issued?", ("March 2023",),
                                                           short)]) == []


def test_number_swaps_take_a_figure_the_article_never_has():
    from evals.unseen.dataset import SquadArticle

    text = "North Korea sent 11,000 troops to Russia in 2024. In 2023 it launched a satellite. 22,000 shells followed."
    article = SquadArticle("KPA", text, 0)
    qs = [SquadQuestion("y", "KPA", "How many troops did North Korea send to Russia in 2024?", ("11,000",), text),
          SquadQuestion("n", "KPA", "What did North Korea send on 11,000 trucks?", ("troops",), text),
          SquadQuestion("d", "KPA", "What happened on June 19?", ("a launch",), text),  # a day of the month: never
          SquadQuestion("p", "KPA", "What rose 2.5 times in 2008-09?", ("shells",), text),  # a decimal, a range: never
          SquadQuestion("b", "KPA", "Did North Korea send troops in 2024?", ("yes",), text),  # "no" answers any year
          SquadQuestion("u", "KPA", "How many tanks were sent in 2024?", (), text),  # never from an unanswerable one
          SquadQuestion("c", "KPA", "In 2024, where did North Korea send troops?", ("Russia",), text),  # before a comma
          SquadQuestion("m", "KPA", "Where did 20 Marines land?", ("Kursk",), text),  # a count, not a day of "Mar"
          SquadQuestion("r", "KPA", "What rose by 12 per cent?", ("shells",), text)]  # a percentage: never
    got = {q.qid: q.question for q in swap_numbers([article], qs)}
    assert set(got) == {"y~number", "n~number", "c~number", "m~number"}
    year = int(re.search(r"in (\d{4})\?$", got["y~number"]).group(1))
    assert 2009 <= year <= 2039 and year not in (2023, 2024)  # near, and never a year the article has
    count = re.search(r"on ([\d,]+) trucks", got["n~number"]).group(1)
    assert count not in ("11,000", "22,000") and "," in count  # another size, written as the question writes it
    assert _figure_in(text, "22000") and _figure_in("between four parties", "4")  # without commas, in words
    assert all(not q.answers for q in swap_numbers([article], qs))


def test_a_table_collected_by_other_code_is_refused(tmp_path, monkeypatch):
    """A table collected before a change to grounding or the synthetic questions would train
    on features this code no longer computes, whatever the features are called."""
    import evals.unseen.collect as collect

    assert {p.name for p in collect.TABLE_CODE} >= {"answering", "augment.py", "wordforms.py", "text.py", "index"}
    code = tmp_path / "grounding.py"
    code.write_text("FIGURE = 1\n")
    monkeypatch.setattr(collect, "TABLE_CODE", (code,))
    path = tmp_path / "table.pkl"
    write_table(path, [])
    assert read_table(path) == []
    code.write_text("FIGURE = 2\n")
    with pytest.raises(ValueError, match="collected by other code"):
        read_table(path)
