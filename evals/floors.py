"""The quality floor: below any of these, the suite (and CI) fails.

One dict, read by the test and by the report, so the two can never disagree.

TARGETS are where the owner wants them (issues #3 and #7). FLOORS are what the engine
reaches now; they ratchet towards the targets and are raised, never lowered, except once
(issue #7, explained below) when the answering method itself was replaced.
"""
from __future__ import annotations

from collections.abc import Mapping

TARGETS: dict[str, float] = {
    "accuracy": 0.90,
    "citation_recall": 0.90,
    "verbatim_rate": 1.00,
    "refusal_recall": 0.90,
}

# Issue #7 replaced the hand-written rules, fitted to these very cases (91.1% accuracy,
# 90.9% refusal recall), by an answer model trained only on SQuAD folds: the seed suite
# became an honest out-of-domain test and the floors were reset to what that model
# reaches (2026-11-23, 112 cases: accuracy 0.714, citation recall 0.833, verbatim 1.000,
# refusal recall 0.500). They ratchet up again from here; the targets stand. (A last
# "decline unknown names" rule reached 0.723 / 0.545 but gained nothing on the unseen-prose
# folds, overall F1 55.59 without it against 55.59 with it, so it was taken out.)
FLOORS: dict[str, float] = {
    "accuracy": 0.71,
    "citation_recall": 0.83,
    "verbatim_rate": 1.00,
    "refusal_recall": 0.50,
}

# The unseen-prose suite (issue #7), in points (0-100), cross-validated by article.
UNSEEN_TARGETS: dict[str, float] = {
    "has_ans_f1": 55.0,
    "quote_holds_answer": 88.0,
    "unanswerable_declined": 65.0,
    "overall_f1": 60.0,
}
# Reached 2026-11-23: all 2,805 questions HasAns F1 14.1, quote holds the answer 89.2,
# unanswerable declined 90.3, overall F1 55.6; CI's fixed subset (100 per fold) 16.3,
# 92.1, 90.0, 54.8. Each floor is the lower of the two, rounded down.
UNSEEN_FLOORS: dict[str, float] = {
    "has_ans_f1": 14.0,
    "quote_holds_answer": 89.0,
    "unanswerable_declined": 89.0,
    "overall_f1": 54.0,
}


def check_floors(overall: Mapping[str, object]) -> dict[str, bool | None]:
    """Pass/fail per floored figure.

    None means "not applicable": the figure has no cases in this run (e.g. ``--kind
    single`` has no unanswerable cases, so no refusal recall). A full run has them all.
    """
    out: dict[str, bool | None] = {}
    for name, floor in FLOORS.items():
        value = overall.get(name)
        out[name] = None if value is None else float(value) >= floor - 1e-9  # type: ignore[arg-type]
    return out


def all_pass(verdicts: Mapping[str, bool | None]) -> bool:
    return all(v is not False for v in verdicts.values())
