"""The unseen-prose suite: SQuAD 2.0 questions on Wikipedia articles, through ``ask()``.

The eight articles are ingested as one corpus into a temporary data dir; no gold
paragraph is given. Each fold's questions are answered with the answer model trained
without that fold (``evals/unseen/models/foldK.json``), so every figure is
cross-validated by article. Two baselines sit beside ours: always declining, and plain
llama-index (top sentence).
"""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .collect import squad_snapshot
from .dataset import N_FOLDS, SquadArticle, SquadQuestion, load
from .metrics import answers, best, exact, f1, holds_answer, weighted_precision
from .train import FOLD_DIR


@dataclass
class Outcome:
    qid: str
    fold: int
    question: str
    golds: tuple[str, ...]
    prediction: str | None  # None: declined
    quote: str | None  # the first cited passage
    confidence: float | None = None
    latency_s: float | None = None
    status: str = "no_match"
    quotes: tuple[str, ...] = ()  # every passage shown: an answer's quotes, or a not_stated answer's closest passages
    candidate: str | None = None  # a declined answer's best span (for the risk-coverage curve)

    @property
    def answerable(self) -> bool:
        return bool(self.golds)


@dataclass
class UnseenFigures:
    questions: int
    answerable: int
    has_ans_em: float  # on answerable questions (a decline scores 0)
    has_ans_f1: float
    quote_holds_answer: float | None  # answered answerable questions whose first quote holds a gold answer
    answered: float  # share of all questions answered
    unanswerable_declined: float
    overall_f1: float  # SQuAD 2.0: declining an unanswerable question scores 1
    # Precision first (issue 13): asserted answers that are right, as they come and with the
    # questions weighted to the product's share of answerable ones; answerable questions
    # answered right; answerable questions whose shown passages (asserted or not_stated) hold the answer.
    precision: float | None = None
    precision_at_prior: float | None = None
    answerable_right: float = 0.0
    passages_hold_answer: float | None = None
    not_stated: float = 0.0  # share of all questions
    no_match: float = 0.0
    # Is the confidence shown honest? For each fold model (what a user runs): the absolute gap
    # between the mean confidence shown and the share right, over ten bins of confidence
    # weighted by their questions (expected calibration error, in points), for every question
    # with a candidate (an asserted answer, or the one behind a decline), at the run's share
    # of answerable questions; then the mean over folds. Pooled, one fold's over-confidence
    # would cancel another's under-confidence.
    calibration_gap: float | None = None

    @classmethod
    def of(cls, outcomes: list[Outcome], share: float | None = None) -> UnseenFigures:
        has = [o for o in outcomes if o.answerable]
        no = [o for o in outcomes if not o.answerable]
        quoted = [holds_answer(o.quote, o.golds) for o in has if o.prediction is not None and o.quote]
        asserted = np.array([o.prediction is not None for o in outcomes])
        right = np.array([answers(o.prediction, o.golds) for o in outcomes])
        answerable = np.array([o.answerable for o in outcomes])
        return cls(
            questions=len(outcomes), answerable=len(has),
            has_ans_em=100 * _mean(best(exact, o.prediction, o.golds) for o in has),
            has_ans_f1=100 * _mean(best(f1, o.prediction, o.golds) for o in has),
            quote_holds_answer=100 * _mean(quoted) if quoted else None,
            answered=100 * _mean(o.prediction is not None for o in outcomes),
            unanswerable_declined=100 * _mean(o.prediction is None for o in no),
            overall_f1=100 * _mean(best(f1, o.prediction, o.golds) for o in outcomes),
            precision=100 * float(right[asserted].mean()) if asserted.any() else None,
            precision_at_prior=100 * weighted_precision(asserted, right, answerable, share) if asserted.any() and share else None,
            answerable_right=100 * float(right.sum() / max(answerable.sum(), 1)),
            passages_hold_answer=100 * _mean(any(holds_answer(p, o.golds) for p in o.quotes) for o in has) if has else None,
            not_stated=100 * _mean(o.status == "not_stated" for o in outcomes),
            no_match=100 * _mean(o.status == "no_match" for o in outcomes),
            calibration_gap=_calibration_gap(outcomes, share) if share else None,
        )


def _calibration_gap(outcomes: list[Outcome], share: float) -> float | None:
    gaps = [g for k in sorted({o.fold for o in outcomes})
            if (g := expected_calibration_error([o for o in outcomes if o.fold == k], share)) is not None]
    return float(np.mean(gaps)) if gaps else None


def expected_calibration_error(outcomes: list[Outcome], share: float, bins: int = 10) -> float | None:
    """Points between the confidence shown and the share right, over ``bins`` bins of
    confidence, questions weighted to ``share`` answerable (None: no question has a candidate)."""
    from .metrics import prior_weights

    scored = [o for o in outcomes if o.confidence is not None and (o.prediction or o.candidate) is not None]
    if not scored:
        return None
    conf = np.array([o.confidence for o in scored])
    right = np.array([answers(o.prediction if o.prediction is not None else o.candidate, o.golds) for o in scored])
    w = prior_weights(np.array([o.answerable for o in scored]), share)
    slot = np.minimum((conf * bins).astype(int), bins - 1)
    gap = sum(abs(np.average(conf[slot == b], weights=w[slot == b]) - np.average(right[slot == b], weights=w[slot == b]))
              * w[slot == b].sum() for b in np.unique(slot))
    return 100 * float(gap / w.sum())


def _mean(values) -> float:
    v = list(values)
    return float(np.mean(v)) if v else 0.0


@dataclass
class UnseenRun:
    ours: UnseenFigures
    always_decline: UnseenFigures
    llama_index: UnseenFigures | None
    folds: dict[int, UnseenFigures]
    thresholds: dict[int, float]
    outcomes: list[Outcome]
    notes: list[str] = field(default_factory=list)
    run_s: float = 0.0
    share: float = 0.8  # the product's share of answerable questions the run was made at

    def to_dict(self) -> dict:
        return {"ours": asdict(self.ours), "always_decline": asdict(self.always_decline),
                "llama_index": asdict(self.llama_index) if self.llama_index else None,
                "folds": {str(k): asdict(v) for k, v in self.folds.items()},
                "thresholds": {str(k): v for k, v in self.thresholds.items()}, "notes": self.notes,
                "run_s": round(self.run_s, 1)}


def _ask_fold(questions: list[SquadQuestion], fold: int, share: float, progress: bool,
              fold_dir: Path = FOLD_DIR) -> list[Outcome]:
    from tqdm import tqdm

    from assistant import api

    os.environ["NEWSQA_ANSWER_MODEL"] = str(fold_dir / f"fold{fold}.json")
    os.environ["NEWSQA_ANSWERABLE_SHARE"] = str(share)
    api.reset()
    out = []
    for sq in tqdm(questions, desc=f"unseen fold {fold}", unit="q", disable=not progress):
        t0 = time.perf_counter()
        try:
            a = api.ask(sq.question)
        except api.InvalidQuestion:
            out.append(Outcome(sq.qid, fold, sq.question, sq.answers, None, None, 0.0, time.perf_counter() - t0))
            continue
        quote = a.citations[0].quote if a.citations else None
        out.append(Outcome(sq.qid, fold, sq.question, sq.answers, a.short_answer if a.answered else None, quote,
                           a.confidence, time.perf_counter() - t0, a.status, tuple(c.quote for c in a.citations),
                           a.candidate))
    return out


def risk_points(outcomes: list[Outcome]):
    """Each question's confidence, whether its best answer (asserted or not) is right."""
    from ..risk import Point

    return [Point(o.confidence or 0.0, answers(o.prediction or o.candidate, o.golds),
                  o.answerable, o.prediction is not None) for o in outcomes]


def sample(questions: list[SquadQuestion], per_fold: int | None, fold_of: dict[str, int]) -> list[SquadQuestion]:
    """A fixed, evenly spread subset per fold (every n-th question), for quick runs."""
    if not per_fold:
        return questions
    out = []
    for k in range(N_FOLDS):
        qs = [q for q in questions if fold_of[q.title] == k]
        step = max(1, len(qs) // per_fold)
        out += qs[::step][:per_fold]
    return out


def run_unseen(per_fold: int | None = None, baseline: bool = True, progress: bool = True,
               data_dir: Path | None = None, fold_dir: Path = FOLD_DIR) -> UnseenRun:
    """Every question through ``ask()``, each fold by its model in ``fold_dir`` (trained without it)."""
    from assistant.answering.model import load as load_model

    started = time.perf_counter()
    articles, all_questions = load()
    fold_of = {a.title: a.fold for a in articles}
    questions = sample(all_questions, per_fold, fold_of)
    outcomes: list[Outcome] = []
    # The product's prior (NEWSQA_ANSWERABLE_SHARE, for readers' questions), as a user
    # meets it: the model's operating point is chosen for it. Precision is reported both as
    # the questions come (half unanswerable) and weighted to that share.
    from assistant.settings import Settings

    share = Settings.from_env().answerable_share
    thresholds = {k: load_model(fold_dir / f"fold{k}.json").operating(share).decline_below for k in range(N_FOLDS)}
    with tempfile.TemporaryDirectory(prefix="unseen-") as tmp:
        with squad_snapshot(articles, data_dir or Path(tmp)):
            for k in range(N_FOLDS):
                outcomes += _ask_fold([q for q in questions if fold_of[q.title] == k], k, share, progress, fold_dir)
    declined = [Outcome(o.qid, o.fold, o.question, o.golds, None, None) for o in outcomes]
    llama = _llama_index(articles, outcomes, share) if baseline else None
    folds = {k: UnseenFigures.of([o for o in outcomes if o.fold == k], share) for k in range(N_FOLDS)}
    notes = [f"{len(questions)} questions ({'all' if not per_fold else f'{per_fold} per fold'}) on "
             f"{len(articles)} articles ingested as one corpus; {N_FOLDS} folds of two articles, each answered "
             f"by the model trained on the other folds, at the product's share of answerable questions ({share:g}): "
             f"precision 'at prior' weights the questions to that share."]
    return UnseenRun(UnseenFigures.of(outcomes, share), UnseenFigures.of(declined, share), llama, folds, thresholds, outcomes,
                     notes, time.perf_counter() - started, share)


def _llama_index(articles: list[SquadArticle], outcomes: list[Outcome], share: float) -> UnseenFigures:
    from .baseline import SentenceBaseline

    base = SentenceBaseline(articles)
    answered = []
    for o in outcomes:
        top = base.answer(o.question)
        answered.append(Outcome(o.qid, o.fold, o.question, o.golds, top, top, status="answered", quotes=(top,) if top else ()))
    return UnseenFigures.of(answered, share)


def decline_curve(outcomes: list[Outcome]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall of declining (an unanswerable question is a "positive")
    as the confidence threshold sweeps: (thresholds, precision, recall)."""
    conf = np.array([o.confidence or 0.0 for o in outcomes])
    unanswerable = np.array([not o.answerable for o in outcomes])
    grid = np.unique(np.concatenate([conf, [0.0, 1.0001]]))
    precision, recall = [], []
    for t in grid:
        declined = conf < t
        precision.append(unanswerable[declined].mean() if declined.any() else 1.0)
        recall.append(unanswerable[declined].sum() / max(unanswerable.sum(), 1))
    return grid, np.array(precision), np.array(recall)


def operating_point(outcomes: list[Outcome]) -> tuple[float, float]:
    declined = np.array([o.prediction is None for o in outcomes])
    unanswerable = np.array([not o.answerable for o in outcomes])
    precision = unanswerable[declined].mean() if declined.any() else 1.0
    return float(precision), float(unanswerable[declined].sum() / max(unanswerable.sum(), 1))
