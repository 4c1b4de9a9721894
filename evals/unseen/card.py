"""The model card: what the shipped answer model was trained on and how it scores."""
from __future__ import annotations

from assistant.answering.model import DEFAULT_PATH, load

CARD = DEFAULT_PATH.parent / "MODEL_CARD.md"


def write_card(result: dict) -> None:
    load.cache_clear()
    model = load(DEFAULT_PATH)
    c = model.card
    rows = "\n".join(f"| {k} | {', '.join(v['articles'])} | {v['precision_at_product_prior']} | {v['answerable_right']} | "
                     f"{v['has_ans_f1']} | {v['no_ans_declined']} | {v.get('swapped_asserted', 'n/a')} | "
                     f"{v.get('swapped_in_article_asserted', 'n/a')} | {v.get('swapped_number_asserted', 'n/a')} | "
                     f"{v['overall_f1']} |"
                     for k, v in sorted(result["folds"].items()))
    CARD.write_text(f"""# Answer model card

**What it does.** Ranks candidate answer spans (entities, noun phrases, clauses from the
best retrieved sentences) with gradient-boosted trees, then two logistic regressions read the
best span (its score, its lead over the best other answer, how well the passage covers the question,
how close to it the article ties the question's names, numbers and words): one for whether the
question is answerable at all, one for whether the span is right if it is (F1 ≥
{c['correct_f1']} against the gold answer). Their product is the calibrated probability that
it is right: the two kinds of wrong answer, each learned on its own. One input of
the ranker is a learned **answer type**: a multinomial logistic regression from the question
(its wh-word, its MiniLM embedding and that of its focus noun) to the label of the gold span.

**Confidence shown.** That probability is shifted to the product's share of answerable
questions ({c['product_answerable_share']}), then mapped (a logistic fit on its log-odds, slope
{model.shown[0]:.2f}, intercept {model.shown[1]:.2f}) to how often answers so scored were right on
out-of-fold picks at that share. The shift alone overstated it (measured 2026-11-29: answers
shown at 77% were right 52% of the time): a wrong span to an answerable question stays wrong however many questions
are answerable. The map is monotone, so it changes the number shown, not which answers are asserted.

**Operating point.** The assistant asserts an answer when the confidence shown reaches
**{model.decline_below:.3f}**: the lowest threshold at which, on out-of-fold picks weighted to that
share, at least {c['precision_target']:.0%} of asserted answers are right. Below it the closest
passages are shown as such (`not_stated`); below a best-passage score of {model.relevant_from:.3f}
({c['passages_kept']:.0%} of the questions whose closest passages hold the answer score above it) nothing is (`no_match`).

**Other shares.** A reader who sets `NEWSQA_ANSWERABLE_SHARE` gets a map and a threshold fitted
the same way at that share (linear between the shares fitted, the nearest beyond them; next
to a share where it never answers, it never answers):
{_shares(model)}.

**Data.** SQuAD 2.0, eight Wikipedia articles, 2,805 questions (1,278 answerable, 1,527
unanswerable) — `evals/data/squad2-open-half.json`, CC BY-SA 4.0 (see `evals/data/README.md`).
Articles ingested as one corpus; questions asked without their paragraph. Added for the
calibration only: answerable questions with one name swapped for another of its kind that
their article never contains, or one figure or year for another it never contains, labelled
unanswerable (`evals/unseen/augment.py`: questions about a subject or a year the articles never
tie to the fact, which SQuAD's own unanswerables rarely are).
Measured only, never fitted: the same with a name the article contains outside the question's
paragraph.

**Folds.** Four folds of two articles each, by article, never by question. Each fold model
(`evals/unseen/models/foldK.json`) is trained on the other three folds, with its calibration
and threshold fitted on inner folds of those three. The shipped model is trained on all
eight articles and calibrated on the fold models' out-of-fold predictions.

**Cross-validated figures** (each fold scored by the model that never saw it; candidate
spans as `ask()` produces them; the eval suite re-measures these through `ask()` itself):

| fold | held-out articles | precision asserted % (product's prior) | answerable right % | HasAns F1 \
| unanswerable declined % | swapped-subject asserted %: name not in the article | in the article, not with the fact \
| figure not in the article | overall F1 |
|---|---|---|---|---|---|---|---|---|---|
{rows}

Swapped-subject asserted: of the held-out answerable questions with one name swapped for a
name their article never ties to the fact (the product's worst kind of wrong answer: "How
many troops has China sent to Russia?"), the share the fold model would assert; for a name
the article never contains, for one it contains away from the fact, and for a figure or
year it never contains ("How many troops were sent in 2019?").

**Training.** LightGBM {c['params']['objective']} on the answerable questions (relevance graded
by F1), {c['rounds']} rounds, {c['params']['num_leaves']} leaves, learning rate {c['params']['learning_rate']},
{c.get('bags', 1)} rankers with seeds from {c['params']['seed']} averaged (bagged: one ranker's seed moved the
cross-validated area by up to 0.014);
answer-type model fitted per fold too, its probabilities for the ranker's training rows
cross-fitted (never from a model that saw that row's fold); logistic-regression calibrations
(scikit-learn) on out-of-fold picks; the threshold above on those picks. Trained {c['trained']}.
Rebuild with `make train` (about ten minutes on 2 cores: indexing, 2,805 questions and the
synthetic ones, the fits).

**Limits.** Trained on encyclopaedic prose, used on news: the features are about the
question and the passage (kinds of span, proximity of the question's words, retrieval scores),
not about topics, but the calibration is only as good as that transfer. Spans come from
spaCy's small English model; an answer it does not tag as an entity or noun phrase can't be chosen.
""", encoding="utf-8")


def _shares(model) -> str:
    return "; ".join(f"{pt.share:g}: answers from {pt.decline_below:.3f}" if pt.decline_below <= 1 else
                     f"{pt.share:g}: never answers" for pt in model.by_share) or "n/a"
