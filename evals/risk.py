"""Risk against coverage: how right the asserted answers are as the confidence threshold moves.

For every question we keep the model's confidence in its best answer, whether that answer
is right, and whether the question is answerable at all. Sweeping the threshold from the top:

- *precision* is the share of asserted answers that are right (on unseen prose, with the
  questions weighted to the product's share of answerable questions: SQuAD 2.0 is half
  unanswerable by design, readers' questions are not);
- *coverage* is the share of answerable questions answered right.

A curve that lies higher is better everywhere; its area (precision integrated over
coverage) sums it up. The operating point is the model's own threshold, chosen on the
unseen folds by ``assistant train``, never on the seed cases.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .unseen.metrics import prior_weights

BEFORE = Path(__file__).resolve().parent / "results" / "risk_before.json"


@dataclass(frozen=True)
class Point:
    confidence: float
    right: bool  # the best answer is right (an unanswerable question's never is)
    answerable: bool
    asserted: bool  # answered at the operating point


@dataclass
class Curve:
    coverage: list[float]
    precision: list[float]
    area: float
    operating: tuple[float, float] | None  # (coverage, precision) where the product answers

    def precision_at(self, coverage: float) -> float | None:
        """The best precision reached at this coverage or more (None: never reached)."""
        got = [p for c, p in zip(self.coverage, self.precision) if c >= coverage - 1e-12]
        return max(got) if got else None

    def to_dict(self) -> dict:
        return asdict(self)


def curve(points: list[Point], share: float | None = None) -> Curve:
    """``share``: weight the questions to this share of answerable ones (None: as they are)."""
    if not points:
        return Curve([], [], 0.0, None)
    conf = np.array([p.confidence for p in points])
    right = np.array([p.right for p in points])
    answerable = np.array([p.answerable for p in points])
    w = prior_weights(answerable, share) if share is not None else np.ones(len(points))
    n_answerable = max(int(answerable.sum()), 1)
    order = np.argsort(-conf, kind="stable")
    coverage, precision = [0.0], [1.0]
    asserted_w = right_w = 0.0
    right_n = 0
    for rank, i in enumerate(order):
        asserted_w += w[i]
        right_w += w[i] * right[i]
        right_n += int(right[i])
        if rank + 1 < len(order) and conf[order[rank + 1]] == conf[i]:
            continue  # ties are one threshold
        coverage.append(right_n / n_answerable)
        precision.append(right_w / asserted_w)
    area = float(sum((c1 - c0) * p1 for c0, c1, p1 in zip(coverage, coverage[1:], precision[1:])))
    asserted = np.array([p.asserted for p in points])
    operating = None
    if asserted.any():
        operating = (float((asserted & right).sum() / n_answerable),
                     float((w * (asserted & right)).sum() / (w * asserted).sum()))
    return Curve(coverage, precision, area, operating)


def save_before(curves: dict[str, Curve], note: str) -> None:
    """Keep the curves of the engine as it was, for the report to draw beside today's."""
    BEFORE.write_text(json.dumps({"note": note, **{k: v.to_dict() for k, v in curves.items()}}) + "\n", encoding="utf-8")


def load_before() -> tuple[dict[str, Curve], str]:
    if not BEFORE.exists():
        return {}, ""
    d = json.loads(BEFORE.read_text(encoding="utf-8"))
    note = d.pop("note", "")
    return {k: Curve(v["coverage"], v["precision"], v["area"], tuple(v["operating"]) if v["operating"] else None)
            for k, v in d.items()}, note


def png(curves: dict[str, Curve], before: dict[str, Curve], path: Path, titles: dict[str, str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(5.2 * len(curves), 4.2), squeeze=False)
    for ax, (name, c) in zip(axes[0], curves.items()):
        ax.step(c.coverage, c.precision, where="post", label=f"now (area {c.area:.3f})")
        if name in before:
            b = before[name]
            ax.step(b.coverage, b.precision, where="post", linestyle="--", color="grey",
                    label=f"before issue 13 (area {b.area:.3f})")
        if c.operating:
            ax.scatter([c.operating[0]], [c.operating[1]], color="red", zorder=3,
                       label=f"operating point: {c.operating[1]:.0%} right, covers {c.operating[0]:.0%}")
        ax.set_xlabel("coverage: answerable questions answered right")
        ax.set_ylabel("precision: asserted answers that are right")
        ax.set_xlim(0, 1.0)
        ax.set_ylim(0, 1.02)
        ax.set_title(titles.get(name, name), fontsize=9)
        ax.legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)
