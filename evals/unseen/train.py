"""`assistant train`: fit the answer model on SQuAD 2.0 folds split by article.

1. The eight articles are ingested as one corpus; every question goes through the
   assistant's own candidate path (``collect``): spans, features, F1 against gold.
2. Four folds of two articles. For each fold k, a model is trained on the other three
   folds; its calibration (isotonic, on the top span's probability) and its decline
   threshold (the one that maximises SQuAD 2.0 overall F1) come from inner folds of
   those three folds only. Fold k is never seen: these fold models answer the
   unseen-prose eval.
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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from assistant.answering.features import NAMES, answer_features
from assistant.answering.model import DEFAULT_PATH, AnswerModel, flatten_lightgbm, save

from .collect import CORRECT_F1, QuestionRows, collect, squad_engine
from .dataset import N_FOLDS, load

FOLD_DIR = Path(__file__).resolve().parent / "models"
# The span model ranks the spans of one question (LambdaRank on answerable questions, graded
# by F1 against the gold answer): it chose the right span more often than a per-span binary
# model in a cross-validated comparison (fold 0 held out: top-span F1 42.9 against 39.4).
PARAMS = {"objective": "lambdarank", "lambdarank_truncation_level": 5, "learning_rate": 0.08, "num_leaves": 15,
          "min_data_in_leaf": 40,
          "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
          "verbose": -1, "num_threads": 2, "seed": 7, "deterministic": True}
ROUNDS = 150
GRADES = 3  # relevance 0-3 from a span's F1


@dataclass
class Fitted:
    trees: dict
    depth: int

    def raw(self, X: np.ndarray) -> np.ndarray:
        return AnswerModel(**self.trees, depth=self.depth, lo=np.zeros(0), hi=np.zeros(0), mean=np.zeros(0),
                           scale=np.ones(0), weights=np.zeros(0), bias=0.0, decline_below=0.0).raw(X)


def fit(table: list[QuestionRows]) -> Fitted:
    import lightgbm as lgb

    rows = [t for t in table if len(t.X) and t.question.answerable]
    X = np.vstack([t.X for t in rows])
    relevance = np.concatenate([np.round(GRADES * t.f1) for t in rows]).astype(int)
    data = lgb.Dataset(X, relevance, group=[len(t.X) for t in rows], feature_name=NAMES, free_raw_data=True)
    booster = lgb.train(PARAMS, data, num_boost_round=ROUNDS)
    trees, depth = flatten_lightgbm(booster.dump_model())
    return Fitted(trees, depth)


@dataclass
class TopPick:
    """The top span of one question under some span model: its answer features and F1."""

    z: np.ndarray  # answer_features of the top span (empty: no candidate at all)
    f1: float
    answerable: bool


def top_picks(model: Fitted, table: list[QuestionRows]) -> list[TopPick]:
    out = []
    for t in table:
        if len(t.X) == 0:
            out.append(TopPick(np.zeros(0), 0.0, t.question.answerable))
            continue
        p = model.raw(t.X)
        i = int(np.argmax(p))
        out.append(TopPick(answer_features(t.X, p, i), float(t.f1[i]), t.question.answerable))
    return out


@dataclass
class Calibration:
    lo: np.ndarray  # the 1st and 99th percentiles of each feature in training: values are clipped to them
    hi: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def __call__(self, picks: list[TopPick]) -> np.ndarray:
        return np.array([0.0 if not len(p.z) else 1 / (1 + np.exp(-(((np.clip(p.z, self.lo, self.hi) - self.mean) / self.scale)
                                                                     @ self.weights + self.bias))) for p in picks])


def calibrate(picks: list[TopPick]) -> Calibration:
    """Logistic regression from the top span's answer features to P(its F1 >= 0.5): fitted
    on out-of-fold picks, so the probabilities are those of unseen articles."""
    from sklearn.linear_model import LogisticRegression

    usable = [p for p in picks if len(p.z)]
    Z = np.vstack([p.z for p in usable])
    y = np.array([p.f1 >= CORRECT_F1 for p in usable], int)
    lo, hi = np.percentile(Z, 1, axis=0), np.percentile(Z, 99, axis=0)
    Z = np.clip(Z, lo, hi)
    mean, scale = Z.mean(0), Z.std(0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=1.0, max_iter=2000).fit((Z - mean) / scale, y)
    return Calibration(lo, hi, mean, scale, lr.coef_[0].astype(float), float(lr.intercept_[0]))


def overall_f1(conf: np.ndarray, picks: list[TopPick], threshold: float) -> float:
    scores = [(c >= threshold) * p.f1 if p.answerable else float(c < threshold) for c, p in zip(conf, picks)]
    return float(np.mean(scores))


def choose_threshold(conf: np.ndarray, picks: list[TopPick]) -> float:
    """The decline threshold that maximises SQuAD 2.0 overall F1 on these picks."""
    grid = np.unique(np.concatenate([conf, [0.0, 1.01]]))
    return float(max(grid, key=lambda t: (overall_f1(conf, picks, t), -t)))


def _model(fitted: Fitted, picks: list[TopPick], card: dict) -> AnswerModel:
    cal = calibrate(picks)
    conf = cal(picks)
    threshold = choose_threshold(conf, picks)
    card = {**card, "decline_below": round(threshold, 4),
            "calibration_overall_f1": round(overall_f1(conf, picks, threshold), 4)}
    share = float(np.mean([p.answerable for p in picks]))
    return AnswerModel(**fitted.trees, depth=fitted.depth, lo=cal.lo, hi=cal.hi, mean=cal.mean, scale=cal.scale, weights=cal.weights,
                       bias=cal.bias, decline_below=threshold, card=card, answerable_share=share)


def cross_fitted(table: list[QuestionRows], folds: list[int]) -> tuple[Fitted, list[TopPick]]:
    """A model on ``folds`` and out-of-fold top picks over the same folds (one inner
    model per fold left out), for calibrating it without looking at its own training."""
    picks: list[TopPick] = []
    for k in folds:
        inner = fit([t for t in table if t.fold in folds and t.fold != k])
        picks += top_picks(inner, [t for t in table if t.fold == k])
    return fit([t for t in table if t.fold in folds]), picks


def train(table: list[QuestionRows], articles, log=print) -> dict:
    folds = list(range(N_FOLDS))
    base_card = {"trained": datetime.now(UTC).isoformat(timespec="seconds"), "data": "SQuAD 2.0 (CC BY-SA 4.0), "
                 "evals/data/squad2-open-half.json", "params": PARAMS, "rounds": ROUNDS, "correct_f1": CORRECT_F1}
    outer_picks: list[TopPick] = []
    figures = {}
    for k in folds:
        t0 = time.perf_counter()
        train_folds = [f for f in folds if f != k]
        fitted, inner = cross_fitted(table, train_folds)
        held = [t for t in table if t.fold == k]
        titles = sorted({a.title for a in articles if a.fold == k})
        model = _model(fitted, inner, {**base_card, "fold": k, "held_out_articles": titles,
                                       "trained_on_articles": sorted(a.title for a in articles if a.fold != k)})
        save(model, FOLD_DIR / f"fold{k}.json")
        picks = top_picks(fitted, held)
        conf = Calibration(model.lo, model.hi, model.mean, model.scale, model.weights, model.bias)(picks)
        outer_picks += picks
        figures[f"fold{k}"] = {"articles": titles, **_figures(conf, picks, model.decline_below)}
        log(f"fold {k} ({', '.join(titles)}): {figures[f'fold{k}']}  [{time.perf_counter() - t0:.0f} s]")
    final = fit(table)
    card = {**base_card, "fold": None, "trained_on_articles": sorted(a.title for a in articles),
            "cross_validated": figures}
    model = _model(final, outer_picks, card)
    save(model, DEFAULT_PATH)
    return {"folds": figures, "decline_below": model.decline_below}


def _figures(conf: np.ndarray, picks: list[TopPick], threshold: float) -> dict:
    has = [(c, p) for c, p in zip(conf, picks) if p.answerable]
    no = [(c, p) for c, p in zip(conf, picks) if not p.answerable]
    return {"overall_f1": round(100 * overall_f1(conf, picks, threshold), 1),
            "has_ans_f1": round(100 * float(np.mean([(c >= threshold) * p.f1 for c, p in has])), 1),
            "no_ans_declined": round(100 * float(np.mean([c < threshold for c, _ in no])), 1)}


def cli(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="assistant train", description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, help="keep the SQuAD index here (default: a temporary folder)")
    args = p.parse_args(argv)
    articles, questions = load()
    fold_of = {a.title: a.fold for a in articles}
    with tempfile.TemporaryDirectory() as tmp:
        with squad_engine(articles, args.data_dir or Path(tmp)) as eng:
            t0 = time.perf_counter()
            table = collect(eng, questions, fold_of)
            print(f"{sum(len(t.X) for t in table):,} candidate spans for {len(table):,} questions "
                  f"in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    result = train(table, articles, log=lambda m: print(m, file=sys.stderr))
    from .card import write_card

    write_card(result)
    print(f"wrote {DEFAULT_PATH} and {FOLD_DIR}/fold*.json; decline below {result['decline_below']:.3f}")
    return 0
