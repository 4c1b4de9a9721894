"""`assistant train`: fit the answer model on SQuAD 2.0 folds split by article.

1. The eight articles are ingested as one corpus; every question goes through the
   assistant's own candidate path (``collect``): spans, features, F1 against gold.
2. Four folds of two articles. For each fold k, a model is trained on the other three
   folds; its calibration (logistic regressions on the top span's answer features for
   P(answerable) and P(right | answerable)) and
   its decline threshold (the lowest at which PRECISION_TARGET of the asserted answers are
   right) come from inner folds of those three folds only. Fold k is never seen: these
   fold models answer the unseen-prose eval (``fold_models``).
3. The shipped model is trained on all four folds, calibrated on the out-of-fold
   predictions of the fold models.

Writes assistant/answering/models/answer_model.json, evals/unseen/models/fold{k}.json
and the model card (assistant/answering/models/MODEL_CARD.md).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import numpy as np

from assistant.answering.extract import answers
from assistant.answering.features import LABELS, NAMES, answer_features, fill_types
from assistant.answering.model import (
    DEFAULT_PATH,
    AnswerModel,
    OperatingPoint,
    Walk,
    flatten_lightgbm,
    log_odds,
    regressions,
    save,
    shown_confidence,
    tree_scores,
    walk_of,
)
from assistant.answering.spans import span_key
from assistant.questions.answer_type import TypeModel, fit_types
from assistant.settings import Settings

from .augment import ELSEWHERE, FITS_CALIBRATION, IN_ARTICLE, NUMBER, synthetic_questions
from .collect import QuestionRows, collect, read_table, squad_snapshot, write_table
from .dataset import N_FOLDS, load
from .metrics import CORRECT_F1, is_right, prior_weights, weighted_precision

FOLD_DIR = Path(__file__).resolve().parent / "models"
# The span model ranks the spans of one question (LambdaRank on answerable questions, graded
# by F1 against the gold answer): it chose the right span more often than a per-span binary
# model in a cross-validated comparison (fold 0 held out: top-span F1 42.9 against 39.4).
PARAMS = {"objective": "lambdarank", "lambdarank_truncation_level": 5, "learning_rate": 0.08, "num_leaves": 15,
          "min_data_in_leaf": 40,
          "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
          "verbose": -1, "num_threads": 2, "seed": 7, "deterministic": True}
ROUNDS = 150
# Rankers trained with seeds PARAMS["seed"], +1, ... and averaged (their trees merged, each
# leaf weighted 1/BAGS): one ranker's bagging and feature sampling moved the cross-validated
# area by up to 0.014 from seed to seed; five averaged, the spread halves (HISTORY, 2026-11-30).
BAGS = 5
GRADES = 3  # relevance 0-3 from a span's F1
# The operating point: the model answers when its confidence reaches the lowest threshold at
# which, on out-of-fold picks weighted to the product's share of answerable questions, at
# least this share of the answers it asserts are right. Precision first: a wrong answer
# with a citation misleads more than a decline with the closest passages.
PRECISION_TARGET = 0.65
# "no_match" below the best-passage score that this share of the answerable questions whose
# closest passages hold the answer reach: those passages are still shown. A no_match tells
# the user that no article answers, so it may hide an answer-holding passage only rarely (at
# 0.95 the floor was 0.465, and four answerable seed paraphrases fell under it; HISTORY, 2026-11-30).
PASSAGES_KEPT = 0.99
# The product's default share of answerable questions (not the environment's: an eval run in
# the same process sets NEWSQA_ANSWERABLE_SHARE, and the operating point must not follow it).
PRODUCT_SHARE = Settings.__dataclass_fields__["answerable_share"].default
# Shares of answerable questions the shown map and the threshold are also fitted at, for a
# reader who sets NEWSQA_ANSWERABLE_SHARE (``AnswerModel.operating`` interpolates between them).
SHARES = tuple(sorted({0.3, 0.5, 0.65, PRODUCT_SHARE, 0.9, 0.95}))


@dataclass
class Fitted:
    trees: dict

    @cached_property
    def walk(self) -> Walk:
        from types import SimpleNamespace

        return walk_of(SimpleNamespace(**self.trees))

    def raw(self, X: np.ndarray) -> np.ndarray:
        return tree_scores(self.walk, X)


def fit(table: list[QuestionRows]) -> Fitted:
    import lightgbm as lgb

    rows = [t for t in table if len(t.X) and t.question.answerable]
    X = np.vstack([t.X for t in rows])
    relevance = np.concatenate([np.round(GRADES * t.f1) for t in rows]).astype(int)
    group = [len(t.X) for t in rows]
    bags = [flatten_lightgbm(lgb.train({**PARAMS, "seed": PARAMS["seed"] + i},
                                       lgb.Dataset(X, relevance, group=group, feature_name=NAMES),
                                       num_boost_round=ROUNDS).dump_model()) for i in range(BAGS)]
    return Fitted(averaged(bags))


def averaged(bags: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Several flattened tree sets as one whose margin is their mean: the same node arrays
    ``AnswerModel`` stores, so a bagged ranker needs no other format."""
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("feature", "threshold", "left", "right", "value", "roots")}
    offset = 0
    for trees in bags:
        n = len(trees["feature"])
        for k in ("feature", "threshold"):
            out[k].append(trees[k])
        for k in ("left", "right"):
            out[k].append(np.where(trees[k] >= 0, trees[k] + offset, -1).astype(np.int32))
        out["roots"].append((trees["roots"] + offset).astype(np.int32))
        out["value"].append(trees["value"] / len(bags))
        offset += n
    return {k: np.concatenate(v) for k, v in out.items()}


@dataclass
class TopPick:
    """The top span of one question under some span model: its answer features and F1."""

    z: np.ndarray  # answer_features of the top span (empty: no candidate at all)
    f1: float
    answerable: bool
    synthetic: str = ""  # its ``augment`` kind ("": real): fits the calibration only


def fit_type_model(rows: list[QuestionRows]) -> TypeModel:
    usable = [t for t in rows if t.gold_label]
    return fit_types(np.vstack([t.type_input for t in usable]), [t.gold_label for t in usable], LABELS)


def with_types(rows: list[QuestionRows], types: TypeModel) -> list[QuestionRows]:
    """Copies of ``rows`` whose answer-type columns are ``types``' probabilities."""
    out = []
    for t in rows:
        if len(t.X):
            t = replace(t, X=fill_types(t.X, t.labels, types.probs(t.type_input)))
        out.append(t)
    return out


def typed(table: list[QuestionRows], folds: list[int]) -> list[QuestionRows]:
    """The rows of ``folds`` with cross-fitted answer types: each fold's from a type model
    that never saw that fold, so the span model learns how far the type model can be trusted
    on questions it did not train on."""
    out = []
    for j in folds:
        out += with_types([t for t in table if t.fold == j], fit_type_model([t for t in table if t.fold in folds and t.fold != j]))
    return out


def top_picks(model: Fitted, table: list[QuestionRows]) -> list[TopPick]:
    out = []
    for t in table:
        if len(t.X) == 0:
            out.append(TopPick(np.zeros(0), 0.0, t.question.answerable, t.synthetic))
            continue
        p = model.raw(t.X)
        top = answers(t.values, [span_key(v, lab) for v, lab in zip(t.values, t.labels)], t.labels, p)[0]
        i = top.best_index
        out.append(TopPick(answer_features(t.X, p, i, top.mask(len(p))), float(t.f1[i]), t.question.answerable, t.synthetic))
    return out


@dataclass
class Calibration:
    lo: np.ndarray  # the 1st and 99th percentiles of each feature in training: values are clipped to them
    hi: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # P(answerable)
    bias: float
    right_weights: np.ndarray  # P(right | answerable)
    right_bias: float

    def __call__(self, picks: list[TopPick]) -> np.ndarray:
        """P(right) of each pick (0 with no candidate), at the training share."""
        return np.array([regressions(self, p.z) if len(p.z) else 0.0 for p in picks])


def _logistic(Z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1.0, max_iter=2000).fit(Z, y.astype(int))
    return lr.coef_[0].astype(float), float(lr.intercept_[0])


def calibrate(picks: list[TopPick]) -> Calibration:
    """P(answerable) from the top span's answer features on every pick, P(its F1 >= 0.5)
    on the answerable ones: fitted on out-of-fold picks, so the probabilities are those of
    unseen articles."""
    usable = [p for p in picks if len(p.z)]
    Z = np.vstack([p.z for p in usable])
    answerable = np.array([p.answerable for p in usable])
    right = np.array([is_right(p.answerable, p.f1) for p in usable])
    lo, hi = np.percentile(Z, 1, axis=0), np.percentile(Z, 99, axis=0)
    Z = np.clip(Z, lo, hi)
    mean, scale = Z.mean(0), Z.std(0)
    scale[scale == 0] = 1.0
    Z = (Z - mean) / scale
    return Calibration(lo, hi, mean, scale, *_logistic(Z, answerable), *_logistic(Z[answerable], right[answerable]))


def overall_f1(conf: np.ndarray, picks: list[TopPick], threshold: float) -> float:
    scores = [(c >= threshold) * p.f1 if p.answerable else float(c < threshold) for c, p in zip(conf, picks)]
    return float(np.mean(scores))


def product_confidence(conf: np.ndarray, share: float, shown: tuple[float, float],
                       to_share: float = PRODUCT_SHARE) -> np.ndarray:
    """The confidence shown where ``to_share`` of the questions are answerable, for
    probabilities ``conf`` calibrated at ``share``."""
    return np.array([shown_confidence(c, share, to_share, shown) for c in conf])


def fit_shown(shifted: np.ndarray, picks: list[TopPick], share: float = PRODUCT_SHARE) -> tuple[float, float]:
    """The logistic map from the prior-shifted probability's log-odds to P(right) where
    ``share`` of the questions are answerable (``AnswerModel.shown``), fitted on these
    out-of-fold picks (real ones, weighted to that share). Identity when the fit is not
    increasing: it must stay monotone."""
    from sklearn.linear_model import LogisticRegression

    real = [i for i, p in enumerate(picks) if not p.synthetic and len(p.z)]
    if not real:
        return 1.0, 0.0
    x = np.array([log_odds(v) for v in shifted[real]])[:, None]  # as shown_confidence reads it
    right = np.array([is_right(picks[i].answerable, picks[i].f1) for i in real], int)
    w = prior_weights(np.array([picks[i].answerable for i in real]), share)
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(x, right, sample_weight=w)
    a, b = float(lr.coef_[0][0]), float(lr.intercept_[0])
    return (a, b) if a > 0 else (1.0, 0.0)


def choose_threshold(conf: np.ndarray, picks: list[TopPick], share: float = PRODUCT_SHARE) -> float:
    """The lowest threshold on the confidence shown (``conf``, at ``share``) at which the
    answers asserted on these picks, weighted to that share, are right at least
    PRECISION_TARGET of the time; 1.01 (never answer) when no threshold reaches it."""
    real = [i for i, p in enumerate(picks) if not p.synthetic]
    conf, picks = conf[real], [picks[i] for i in real]
    right = np.array([is_right(p.answerable, p.f1) for p in picks])
    answerable = np.array([p.answerable for p in picks])
    grid = np.unique(conf)
    ok = [t for t in grid if (conf >= t).sum() >= 10
          and weighted_precision(conf >= t, right, answerable, share) >= PRECISION_TARGET]
    return float(min(ok)) if ok else 1.01


def relevance_floor(rows: list[QuestionRows]) -> float:
    """Best-passage score below which no question's closest passages are shown (no_match)."""
    held = [t.best_score for t in rows if t.passages_hold and not t.synthetic]
    return float(np.quantile(held, 1 - PASSAGES_KEPT)) if held else 0.0


def _model(fitted: Fitted, picks: list[TopPick], card: dict, types: TypeModel, rows: list[QuestionRows]) -> AnswerModel:
    picks = [p for p in picks if p.synthetic in ("", *FITS_CALIBRATION)]  # the rest are measured only
    cal = calibrate(picks)
    conf = cal(picks)
    share = float(np.mean([p.answerable for p in picks]))  # the share the calibration was fitted at
    points = tuple(operating_point(conf, share, picks, s) for s in SHARES)
    shown, threshold = next((pt.shown, pt.decline_below) for pt in points if pt.share == PRODUCT_SHARE)
    card = {**card, "decline_below": round(threshold, 4), "precision_target": PRECISION_TARGET,
            "passages_kept": PASSAGES_KEPT, "product_answerable_share": PRODUCT_SHARE}
    return AnswerModel(**fitted.trees, lo=cal.lo, hi=cal.hi, mean=cal.mean, scale=cal.scale, weights=cal.weights,
                       bias=cal.bias, right_weights=cal.right_weights, right_bias=cal.right_bias, decline_below=threshold,
                       card=card, answerable_share=share, types=types,
                       relevant_from=relevance_floor(rows), shown=shown, by_share=points)


def operating_point(conf: np.ndarray, share: float, picks: list[TopPick], to_share: float) -> OperatingPoint:
    """The shown map and the threshold where ``to_share`` of the questions are answerable,
    for picks whose probabilities ``conf`` are calibrated at ``share``."""
    shown = fit_shown(product_confidence(conf, share, (1.0, 0.0), to_share), picks, to_share)
    return OperatingPoint(to_share, shown, choose_threshold(product_confidence(conf, share, shown, to_share), picks, to_share))


def cross_fitted(table: list[QuestionRows], folds: list[int]) -> tuple[Fitted, list[TopPick]]:
    """A model on ``folds`` and out-of-fold top picks over the same folds (one inner
    model per fold left out), for calibrating it without looking at its own training.

    Each inner model's answer types are cross-fitted over its own folds only, and the
    left-out fold's come from a type model fitted on those folds: no model behind a
    pick, the span model's or the type model it reads, saw the pick's fold."""
    picks: list[TopPick] = []
    for k in folds:
        inner_folds = [f for f in folds if f != k]
        inner = fit(typed(table, inner_folds))
        types = fit_type_model([t for t in table if t.fold in inner_folds])
        picks += top_picks(inner, with_types([t for t in table if t.fold == k], types))
    return fit(typed(table, folds)), picks


@dataclass
class HeldOut:
    """One fold model and what it says of the fold it never saw."""
    fold: int
    model: AnswerModel
    picks: list[TopPick]  # its top span per held-out question, synthetic ones included
    product: np.ndarray  # the product's confidence of each real (not synthetic) pick
    real: list[TopPick]

    def swapped_asserted(self, kind: str = ELSEWHERE) -> float | None:
        """Share of the held-out swapped-subject questions of ``kind`` (``augment``: a name the
        article never ties to the fact) that the model would assert: the product's worst kind
        of wrong answer, measured out of fold. None: no such question in the fold."""
        asserted = self.swapped(kind)
        return float(asserted.mean()) if len(asserted) else None

    def swapped(self, kind: str) -> np.ndarray:
        """For each held-out swapped-subject question of ``kind``: would the model assert it?"""
        picks = [p for p in self.picks if p.synthetic == kind]
        return _shown(self.model, picks) >= self.model.decline_below


def _shown(model: AnswerModel, picks: list[TopPick]) -> np.ndarray:
    """The confidence ``model`` shows for each pick, at the product's prior."""
    return np.array([model.probability(p.z, PRODUCT_SHARE) if len(p.z) else 0.0 for p in picks])


def fold_models(table: list[QuestionRows], card: dict | None = None):
    """Each fold's model, trained, calibrated and thresholded on the other folds only, with
    its picks on the held-out fold (``HeldOut``), one fold at a time."""
    folds = list(range(N_FOLDS))
    for k in folds:
        train_folds = [f for f in folds if f != k]
        train_rows = [t for t in table if t.fold in train_folds]
        fitted, inner = cross_fitted(table, train_folds)
        types = fit_type_model(train_rows)
        held = with_types([t for t in table if t.fold == k], types)
        model = _model(fitted, inner, {**(card or {}), "fold": k}, types, train_rows)
        picks = top_picks(fitted, held)
        real = [p for p in picks if not p.synthetic]  # every figure is on real questions only
        yield HeldOut(k, model, picks, _shown(model, real), real)


@contextmanager
def seeded(seed: int):
    """Train as `assistant train` does, but with the rankers' seeds from ``seed``: the one
    knob that draws another model from the same data (``spread``, ``evals.draws``)."""
    global PARAMS
    shipped = PARAMS
    PARAMS = {**shipped, "seed": seed}
    try:
        yield
    finally:
        PARAMS = shipped


def train(table: list[QuestionRows], articles, log=print, out: Path | None = None) -> dict:
    """Fold models and the shipped model; ``out``: write all of them to that folder instead
    of their places in the repository (another draw, kept apart from the shipped one)."""
    fold_dir, shipped_path = (out, out / DEFAULT_PATH.name) if out else (FOLD_DIR, DEFAULT_PATH)
    base_card = {"trained": datetime.now(UTC).isoformat(timespec="seconds"), "data": "SQuAD 2.0 (CC BY-SA 4.0), "
                 "evals/data/squad2-open-half.json", "params": PARAMS, "rounds": ROUNDS, "bags": BAGS, "correct_f1": CORRECT_F1}
    outer_picks: list[TopPick] = []
    figures = {}
    t0 = time.perf_counter()
    for h in fold_models(table, base_card):
        k = h.fold
        titles = sorted({a.title for a in articles if a.fold == k})
        h.model.card.update({"held_out_articles": titles,
                             "trained_on_articles": sorted(a.title for a in articles if a.fold != k)})
        save(h.model, fold_dir / f"fold{k}.json")
        outer_picks += h.picks  # synthetic ones too: the shipped model's calibration fits on FITS_CALIBRATION's
        figures[f"fold{k}"] = {"articles": titles, **_figures(h.product, h.real, h.model.decline_below, PRODUCT_SHARE),
                               "swapped_asserted": _pct(h.swapped_asserted()),
                               "swapped_in_article_asserted": _pct(h.swapped_asserted(IN_ARTICLE)),
                               "swapped_number_asserted": _pct(h.swapped_asserted(NUMBER))}
        log(f"fold {k} ({', '.join(titles)}): {figures[f'fold{k}']}  [{time.perf_counter() - t0:.0f} s]")
        t0 = time.perf_counter()
    final = fit(typed(table, list(range(N_FOLDS))))
    card = {**base_card, "fold": None, "trained_on_articles": sorted(a.title for a in articles),
            "cross_validated": figures}
    model = _model(final, outer_picks, card, fit_type_model(table), table)
    save(model, shipped_path)
    return {"folds": figures, "decline_below": model.decline_below}


def _pct(v: float | None) -> float | None:
    return None if v is None else round(100 * v, 1)


def _figures(conf: np.ndarray, picks: list[TopPick], threshold: float, product_share: float) -> dict:
    """Held-out figures at the operating point (``conf``: the product's confidence)."""
    has = [(c, p) for c, p in zip(conf, picks) if p.answerable]
    no = [(c, p) for c, p in zip(conf, picks) if not p.answerable]
    asserted = conf >= threshold
    right = np.array([is_right(p.answerable, p.f1) for p in picks])
    answerable = np.array([p.answerable for p in picks])
    return {"overall_f1": round(100 * overall_f1(conf, picks, threshold), 1),
            "has_ans_f1": round(100 * float(np.mean([(c >= threshold) * p.f1 for c, p in has])), 1),
            "no_ans_declined": round(100 * float(np.mean([c < threshold for c, _ in no])), 1),
            "precision_at_product_prior": _pct(weighted_precision(asserted, right, answerable, product_share)),
            "answerable_right": round(100 * float(right[answerable & asserted].sum() / max(answerable.sum(), 1)), 1)}


def table_at(path: Path | None, data_dir: Path | None = None) -> list[QuestionRows]:
    """The candidate table pickled at ``path``; collected (and written there) when missing:
    every question, real and synthetic, through the assistant's own candidate path."""
    if path and path.exists():
        return read_table(path)
    articles, questions = load()
    fold_of = {a.title: a.fold for a in articles}
    with tempfile.TemporaryDirectory() as tmp:
        with squad_snapshot(articles, data_dir or Path(tmp)) as snap:
            t0 = time.perf_counter()
            table = collect(snap, questions, fold_of)
            made = synthetic_questions(snap.vocab, articles, questions)
            for kind, swapped in made.items():
                table += collect(snap, swapped, fold_of, synthetic=kind)
            print(f"{sum(len(t.X) for t in table):,} candidate spans for {len(table):,} questions "
                  f"({sum(map(len, made.values())):,} synthetic) in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if path:
        write_table(path, table)
    return table


def cli(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="assistant train", description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, help="keep the SQuAD index here (default: a temporary folder)")
    p.add_argument("--table", type=Path, help="reuse the candidate table pickled here by an earlier run with the same "
                                              "code (written when missing): refits without re-running 2,805 questions")
    args = p.parse_args(argv)
    articles, _ = load()
    try:
        table = table_at(args.table, args.data_dir)
    except ValueError as exc:
        p.error(str(exc))
    result = train(table, articles, log=lambda m: print(m, file=sys.stderr))
    from .card import write_card

    write_card(result)
    print(f"wrote {DEFAULT_PATH} and {FOLD_DIR}/fold*.json; decline below {result['decline_below']:.3f}")
    return 0
