"""The training protocol's mechanics on a small table the test makes: fold models learn
what the features say, each fold is scored by models that never saw it, and the seed
spread tool reads the same fold models. (The real table takes minutes to collect from
SQuAD; the span model's learning on it is tested by the unseen-prose eval.)"""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answering.features import LABELS, NAMES
from evals.unseen import spread
from evals.unseen import train as T
from evals.unseen.collect import QuestionRows
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


def test_fold_models_learn_and_each_fold_is_scored_by_models_that_never_saw_it(tmp_path, monkeypatch):
    table = _table()
    seen = []
    real_fit = T.fit

    def fit(rows):
        seen.append({t.fold for t in rows})
        return real_fit(rows)

    monkeypatch.setattr(T, "fit", fit)
    held = list(T.fold_models(table))
    assert [h.fold for h in held] == [0, 1, 2, 3]
    # every span model fitted while fold k was held out (inner and fold model) lacks fold k
    per_fold = len(seen) // 4
    for k in range(4):
        assert all(k not in folds for folds in seen[k * per_fold:(k + 1) * per_fold])
    right = np.array([p.answerable and p.f1 >= 0.5 for h in held for p in h.real])
    conf = np.concatenate([h.product for h in held])
    # the confidence ranks right answers above the rest on folds it never saw
    assert conf[right].mean() > conf[~right].mean() + 0.1


def test_seed_spread_reports_each_seed_and_their_summary(tmp_path, monkeypatch):
    import pickle

    path = tmp_path / "table.pkl"
    path.write_bytes(pickle.dumps({"features": NAMES, "table": _table(1)}))
    out = tmp_path / "spread.json"
    assert spread.main(["--table", str(path), "--seeds", "7", "8", "--out", str(out)]) == 0
    got = json.loads(out.read_text())
    assert [r["seed"] for r in got["runs"]] == [7, 8]
    area = got["summary"]["area"]
    assert 0.0 < area["min"] <= area["mean"] <= area["max"] <= 1.0
    assert T.PARAMS["seed"] == spread.SHIPPED_SEED  # the tool leaves the training seed as it found it
