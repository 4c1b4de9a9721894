"""The quality floor: below any of these, the suite (and CI) fails.

One dict, read by the test and by the report, so the two can never disagree.

TARGETS are where the owner wants them (issue #3). FLOORS ratchet towards them and
are only ever raised; they now equal the targets.
"""
from __future__ import annotations

from collections.abc import Mapping

TARGETS: dict[str, float] = {
    "accuracy": 0.90,
    "citation_recall": 0.90,
    "verbatim_rate": 1.00,
    "refusal_recall": 0.90,
}

# Reached on 2026-11-23 (112 cases): accuracy 0.911, citation recall 0.944,
# verbatim 1.000, refusal recall 0.909 -- the targets are met, so the floors are the targets.
FLOORS: dict[str, float] = dict(TARGETS)


# The unseen-prose suite (issue #7), in points (0-100), cross-validated by article.
UNSEEN_TARGETS: dict[str, float] = {
    "has_ans_f1": 55.0,
    "quote_holds_answer": 88.0,
    "unanswerable_declined": 65.0,
    "overall_f1": 60.0,
}
UNSEEN_FLOORS: dict[str, float] = dict(UNSEEN_TARGETS)


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
