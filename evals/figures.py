"""Aggregating per-case results into the reported figures.

Every figure is computed by one function over any subset of results, so the
overall row and the per-kind rows can never be computed by different rules.
A figure with no cases to count is None ("n/a"), never a misleading 0 or 1.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

from .scoring import CaseResult

# (field, label, higher_is_better) in report order.
FIGURE_LABELS: tuple[tuple[str, str, bool], ...] = (
    ("accuracy", "answer accuracy", True),
    ("asserted_precision", "precision of asserted answers", True),
    ("answerable_right", "answerable questions answered right", True),
    ("not_stated_quoted", "not_stated answers that quote a passage", True),
    ("citation_recall", "citation recall", True),
    ("citation_precision", "citation precision", True),
    ("verbatim_rate", "verbatim rate", True),
    ("refusal_precision", "refusal precision", True),
    ("refusal_recall", "refusal recall", True),
    ("recall_at_5", "retrieval recall@5", True),
    ("mrr", "retrieval MRR@10", True),
    ("latency_median_s", "latency median (s)", False),
    ("latency_p95_s", "latency p95 (s)", False),
    ("first_answer_s", "time to first answer (s)", False),
)


@dataclass
class Figures:
    cases: int
    answerable: int
    unanswerable: int
    citations: int
    errors: int
    accuracy: float | None
    citation_recall: float | None
    citation_precision: float | None
    verbatim_rate: float | None
    refusal_precision: float | None
    refusal_recall: float | None
    recall_at_5: float | None
    mrr: float | None
    latency_median_s: float | None
    latency_p95_s: float | None
    first_answer_s: float | None = None
    asserted_precision: float | None = None  # answered cases that are right
    answerable_right: float | None = None  # answerable cases answered right
    not_stated_quoted: float | None = None  # not_stated answers with at least one quoted passage
    statuses: dict | None = None  # cases per Answer.status

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def _share(num: int, den: int) -> float | None:
    return num / den if den else None


def p95(values: Sequence[float]) -> float | None:
    """Nearest-rank-interpolated 95th percentile; with one value, that value."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def aggregate(results: Sequence[CaseResult], first_answer_s: float | None = None) -> Figures:
    answerable = [r for r in results if r.cited_support is not None]
    unanswerable = [r for r in results if r.cited_support is None]
    declined = [r for r in results if not r.answered]
    true_refusals = [r for r in declined if r.cited_support is None]
    with_gold = [r for r in results if r.retrieval_counted]
    # The cold first ask() (index loading) is the time to first answer, not a sample.
    latencies = [r.latency_s for r in results if r.error is None and not r.cold]
    cites = sum(r.citations_total for r in results)
    return Figures(
        cases=len(results), answerable=len(answerable), unanswerable=len(unanswerable), citations=cites,
        errors=sum(r.error is not None for r in results),
        accuracy=_share(sum(r.correct for r in results), len(results)),
        citation_recall=_share(sum(bool(r.cited_support) for r in answerable), len(answerable)),
        citation_precision=_share(sum(r.citations_gold for r in answerable),
                                  sum(r.citations_total for r in answerable)),
        verbatim_rate=_share(sum(r.citations_verbatim for r in results), cites),
        refusal_precision=_share(len(true_refusals), len(declined)),
        refusal_recall=_share(len(true_refusals), len(unanswerable)),
        recall_at_5=_share(sum(r.gold_rank is not None and r.gold_rank <= 5 for r in with_gold), len(with_gold)),
        mrr=(sum(1.0 / r.gold_rank for r in with_gold if r.gold_rank) / len(with_gold)) if with_gold else None,
        latency_median_s=statistics.median(latencies) if latencies else None,
        latency_p95_s=p95(latencies),
        first_answer_s=first_answer_s,
        asserted_precision=_share(sum(r.correct for r in results if r.answered), sum(r.answered for r in results)),
        answerable_right=_share(sum(r.correct for r in answerable), len(answerable)),
        not_stated_quoted=_share(sum(r.citations_total > 0 for r in results if r.status == "not_stated"),
                                 sum(r.status == "not_stated" for r in results)),
        statuses={s: sum(r.status == s for r in results) for s in ("answered", "not_stated", "no_match")},
    )


def per_kind(results: Sequence[CaseResult]) -> dict[str, Figures]:
    kinds = list(dict.fromkeys(r.kind for r in results))
    return {k: aggregate([r for r in results if r.kind == k]) for k in kinds}


def ratio(ours: float | None, baseline: float | None) -> float | None:
    """ours / baseline; None when either is missing or the baseline is 0."""
    if ours is None or baseline is None or baseline == 0:
        return None
    return ours / baseline


def ratios(ours: Figures, baseline: Figures) -> dict[str, float | None]:
    return {name: ratio(getattr(ours, name), getattr(baseline, name)) for name, _, _ in FIGURE_LABELS}
