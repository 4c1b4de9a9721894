"""The model card: what the shipped answer model was trained on and how it scores."""
from __future__ import annotations

from assistant.answering.model import DEFAULT_PATH, load

CARD = DEFAULT_PATH.parent / "MODEL_CARD.md"


def write_card(result: dict) -> None:
    load.cache_clear()
    model = load(DEFAULT_PATH)
    c = model.card
    rows = "\n".join(f"| {k} | {', '.join(v['articles'])} | {v['has_ans_f1']} | {v['no_ans_declined']} | {v['overall_f1']} |"
                     for k, v in sorted(result["folds"].items()))
    CARD.write_text(f"""# Answer model card

**What it does.** Ranks candidate answer spans (entities, noun phrases, clauses from the
best retrieved sentences) with gradient-boosted trees, then a logistic regression turns the
best span (its score, its lead over the runner-up, how well the passage covers the question)
into a calibrated probability that it is right (F1 ≥ {c['correct_f1']} against the gold answer).
The assistant answers when that probability reaches **{model.decline_below:.3f}** and declines below it.

**Data.** SQuAD 2.0, eight Wikipedia articles, 2,805 questions (1,278 answerable, 1,527
unanswerable) — `evals/data/squad2-open-half.json`, CC BY-SA 4.0 (see `evals/data/README.md`).
Articles ingested as one corpus; questions asked without their paragraph.

**Folds.** Four folds of two articles each, by article, never by question. Each fold model
(`evals/unseen/models/foldK.json`) is trained on the other three folds, with its calibration
and threshold fitted on inner folds of those three. The shipped model is trained on all
eight articles and calibrated on the fold models' out-of-fold predictions.

**Cross-validated figures** (each fold scored by the model that never saw it; candidate
spans as `ask()` produces them; the eval suite re-measures these through `ask()` itself):

| fold | held-out articles | HasAns F1 | unanswerable declined % | overall F1 |
|---|---|---|---|---|
{rows}

**Training.** LightGBM {c['params']['objective']} on the answerable questions (relevance graded
by F1), {c['rounds']} rounds, {c['params']['num_leaves']} leaves, learning rate {c['params']['learning_rate']};
logistic-regression calibration (scikit-learn) on out-of-fold picks; threshold maximising
SQuAD 2.0 overall F1 on those picks. Trained {c['trained']}. Rebuild with `make train`
(about ten minutes on 2 cores: indexing, 2,805 questions, 17 fits).

**Limits.** Trained on encyclopaedic prose, used on news: the features are about the
question and the passage (kinds of span, proximity of the question's words, retrieval scores),
not about topics, but the calibration is only as good as that transfer. Spans come from
spaCy's small English model; an answer it does not tag as an entity or noun phrase can't be chosen.
""", encoding="utf-8")
