"""The answer model: gradient-boosted trees (trained with LightGBM) that rank candidate
spans, and two logistic regressions that turn the best span into a calibrated confidence.

Stored as one JSON file: the trees flattened into node arrays, the regression's weights,
the decline threshold, and how and on what data it was fitted. The trees are
evaluated here with NumPy rather than by LightGBM itself because importing lightgbm pulls
in scikit-learn and pandas (about 2 s of cold start on the query path) for what is a few
array look-ups.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from ..questions.answer_type import TypeModel
from .features import ANSWER_NAMES, LABELS, NAMES, answer_features, fill_types

DEFAULT_PATH = Path(__file__).resolve().parent / "models" / "answer_model.json"


@dataclass(frozen=True)
class OperatingPoint:
    """Where ``share`` of the questions are answerable: the map from the prior-shifted
    probability to the confidence shown (``AnswerModel.shown``) and the decline threshold on it,
    both fitted on out-of-fold picks weighted to that share."""

    share: float
    shown: tuple[float, float]
    decline_below: float


@dataclass(frozen=True)
class AnswerModel:
    feature: np.ndarray  # per node: feature index (internal nodes)
    threshold: np.ndarray  # go left when x <= threshold
    left: np.ndarray  # child node index; a leaf is a node with left == -1
    right: np.ndarray
    value: np.ndarray  # leaf values (0 for internal nodes)
    roots: np.ndarray  # root node of each tree
    # Two logistic regressions over ``answer_features`` (standardised): P(the question is
    # answerable) (``weights``, ``bias``) and P(the span is right | it is) (``right_*``); the
    # span is right with their product. Two kinds of wrong answer, each learned on its own:
    # out of fold, one regression for "right" asserted 1.5% of the questions about a subject
    # their article never names, the product 0.85%, at the same curve (five seeds).
    # Each feature is first clipped to the range it had in training: a regression must not
    # extrapolate (a fact three news reports repeat is off the scale of an encyclopaedia).
    lo: np.ndarray
    hi: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    right_weights: np.ndarray
    right_bias: float
    # Answer only when the confidence shown at the product's share reaches this (at another
    # share: ``operating(share).decline_below``). Above 1: never answer.
    decline_below: float
    card: dict = field(default_factory=dict)
    answerable_share: float = 0.5  # share of answerable questions in the training data
    types: TypeModel | None = None  # the expected answer type, an input of the span features
    # Below this best-passage score nothing retrieved is relevant ("no_match"); above it a
    # declined question still shows its closest passages ("not_stated"). Measured on the folds.
    relevant_from: float = 0.0
    # The confidence shown is the prior-shifted probability's log-odds through a logistic map
    # (a, b) fitted on out-of-fold picks at the product's prior. Why: the prior shift moves the
    # odds of "right" as if every wrong answer were to an unanswerable question, but a wrong
    # span to an answerable one stays wrong however many are answerable; unmapped, answers
    # shown at 77% were right 52% of the time on the folds. The map is monotone: it changes
    # the number shown, never which answers are asserted.
    shown: tuple[float, float] = (1.0, 0.0)
    # The same map and threshold fitted at other shares (``shown`` and ``decline_below`` are
    # the product's): a reader who sets NEWSQA_ANSWERABLE_SHARE gets a confidence that is
    # measured there too, interpolated between the shares fitted. Sorted by share.
    by_share: tuple[OperatingPoint, ...] = ()

    @cached_property
    def walk(self) -> Walk:
        return walk_of(self)

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Sigmoid of the summed leaf values: a ranking score, not yet a probability."""
        return tree_scores(self.walk, X)

    def confidence(self, X: np.ndarray, raw: np.ndarray, i: int, answerable_share: float | None = None,
                   same: np.ndarray | None = None) -> float:
        """Calibrated probability that span ``i`` answers the question (``probability``);
        ``same``: the spans giving the same answer (``answer_features``)."""
        return self.probability(answer_features(X, raw, i, same), answerable_share)

    def probability(self, z: np.ndarray, answerable_share: float | None = None) -> float:
        """The confidence for a best span's ``answer_features`` ``z``.

        ``answerable_share``: the share of answerable questions where the model is used.
        The training data were written half unanswerable on purpose; where most questions
        are answerable, the odds are shifted by the ratio of the two priors (the standard
        correction for a change of class prior), then mapped to the confidence shown
        (``shown``, fitted at that share: ``operating``). None: the regression's own probability."""
        p = regressions(self, z)
        if answerable_share is None:
            return p
        return shown_confidence(p, self.answerable_share, answerable_share, self.operating(answerable_share).shown)

    def operating(self, share: float) -> OperatingPoint:
        """The shown map and decline threshold where ``share`` of the questions are answerable:
        linear between the two fitted shares around it, the nearest one's beyond them (the
        prior shift still follows ``share`` there)."""
        points = self.by_share or (OperatingPoint(share, self.shown, self.decline_below),)
        shares = [pt.share for pt in points]
        if share <= shares[0] or share >= shares[-1]:
            pt = points[0] if share <= shares[0] else points[-1]
            return OperatingPoint(share, pt.shown, pt.decline_below)
        j = next(i for i, s in enumerate(shares) if s >= share)
        lo, hi = points[j - 1], points[j]
        w = (share - lo.share) / (hi.share - lo.share)

        def mix(a: float, b: float) -> float:
            return (1 - w) * a + w * b

        # Where a neighbour never answers (no threshold kept the precision target there), nothing
        # between them was measured to: never answer either (precision first).
        never = max(lo.decline_below, hi.decline_below)
        threshold = never if never > 1 else mix(lo.decline_below, hi.decline_below)
        return OperatingPoint(share, (mix(lo.shown[0], hi.shown[0]), mix(lo.shown[1], hi.shown[1])), threshold)

    def typed(self, X: np.ndarray, labels: list[str], type_input: np.ndarray) -> np.ndarray:
        """``X`` with its answer-type columns filled: P(span's label | question) from the
        model's answer-type model (left at 0 for a model without one)."""
        return X if self.types is None else fill_types(X, labels, self.types.probs(type_input))

    # -- (de)serialisation --------------------------------------------------
    def to_json(self) -> dict:
        return {"features": NAMES, "trees": {k: getattr(self, k).tolist() for k in
                                             ("feature", "threshold", "left", "right", "value", "roots")},
                "answer_features": ANSWER_NAMES,
                "calibration": {**{k: getattr(self, k).tolist() for k in ("lo", "hi", "mean", "scale", "weights", "right_weights")},
                                "bias": self.bias, "right_bias": self.right_bias},
                "decline_below": self.decline_below, "answerable_share": self.answerable_share,
                "relevant_from": self.relevant_from, "shown": list(self.shown),
                "by_share": [[pt.share, *pt.shown, pt.decline_below] for pt in self.by_share],
                "types": self.types.to_json() if self.types else None, "card": self.card}

    @classmethod
    def from_json(cls, d: dict) -> AnswerModel:
        types = d.get("types")
        if d.get("features") != NAMES or d.get("answer_features") != ANSWER_NAMES or (types and types["labels"] != LABELS):
            raise ValueError("the model was trained on other features than this code computes: run `assistant train`")
        t = d["trees"]
        return cls(np.asarray(t["feature"], np.int32), np.asarray(t["threshold"], np.float64),
                   np.asarray(t["left"], np.int32), np.asarray(t["right"], np.int32),
                   np.asarray(t["value"], np.float64), np.asarray(t["roots"], np.int32),
                   *(np.asarray(d["calibration"][k], np.float64) for k in ("lo", "hi", "mean", "scale", "weights")),
                   float(d["calibration"]["bias"]), np.asarray(d["calibration"]["right_weights"], np.float64),
                   float(d["calibration"]["right_bias"]), float(d["decline_below"]), d.get("card", {}),
                   float(d.get("answerable_share", 0.5)), TypeModel.from_json(d["types"]) if d.get("types") else None,
                   float(d.get("relevant_from", 0.0)), tuple(d.get("shown", (1.0, 0.0))),
                   tuple(OperatingPoint(s, (a, b), t) for s, a, b, t in sorted(d.get("by_share", []))))


def shift(p: float, from_share: float, to_share: float) -> float:
    """A probability calibrated where ``from_share`` of questions are answerable, moved to
    where ``to_share`` are: the odds change by the ratio of the two priors (the standard
    correction for a change of class prior)."""
    p = min(max(p, 1e-9), 1 - 1e-9)
    logit = float(np.log(p / (1 - p))) + log_odds(to_share) - log_odds(from_share)
    return 1.0 / (1.0 + float(np.exp(-logit)))


@dataclass(frozen=True)
class Walk:
    """Flattened trees laid out to walk every (span, tree) pair in step: a leaf is its own
    child with an infinite threshold, so each level is the same four look-ups for every pair
    and never a test for leaves. Three times faster than branching on leaves, which the 750
    trees of a bagged ranker need. The trees are walked shallowest first, and each step down
    only takes those not yet at a leaf (``starts``): the shipped ranker's trees have 8.6 levels
    on average, its deepest 13. On the questions of a 10k-sentence corpus (23-199 spans) that
    took the median from 5.3 ms to 3.3 ms, with the same scores to the last bit."""

    roots: np.ndarray  # shallowest tree first
    feature: np.ndarray
    threshold: np.ndarray
    children: np.ndarray  # node n's left child at 2n, its right at 2n + 1
    value: np.ndarray
    starts: tuple[int, ...]  # per step down: the first tree (in ``roots``) not yet at a leaf
    restore: np.ndarray  # the trees back in their stored order, so leaf values sum as stored


def walk_of(trees) -> Walk:
    """``trees``: anything with flattened trees' node arrays."""
    leaf = trees.left < 0
    node = np.arange(len(trees.left))
    children = np.stack([np.where(leaf, node, trees.left), np.where(leaf, node, trees.right)], axis=1)
    levels = _levels(trees.roots, trees.left, trees.right)
    order = np.argsort(levels, kind="stable")
    steps = levels[order] - 1  # a tree of L levels reaches its leaf in L - 1 steps
    starts = tuple(int(np.searchsorted(steps, k, side="right")) for k in range(int(steps.max(initial=0))))
    return Walk(trees.roots[order].astype(np.intp), np.where(leaf, 0, trees.feature).astype(np.intp),
                np.where(leaf, np.inf, trees.threshold), children.ravel().astype(np.intp), trees.value,
                starts, np.argsort(order))


def _levels(roots: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """How many levels each tree has (a lone leaf: 1), one level of all trees at a time."""
    levels = np.zeros(len(roots), np.intp)
    frontier, tree = np.asarray(roots, np.intp), np.arange(len(roots))
    level = 0
    while len(frontier):
        level += 1
        if level > len(left):
            raise ValueError("the trees' nodes form a cycle")
        levels[tree] = level
        inner = left[frontier] >= 0
        frontier = np.concatenate([left[frontier[inner]], right[frontier[inner]]]).astype(np.intp)
        tree = np.tile(tree[inner], 2)
    return levels


def tree_scores(w: Walk, X: np.ndarray) -> np.ndarray:
    """Sigmoid of the summed leaf values of every row of ``X``: ``AnswerModel.raw``, and the
    trainer's before any calibration exists."""
    if len(X) == 0:
        return np.zeros(0)
    n, k = X.shape
    flat = np.ascontiguousarray(X, np.float64).ravel()
    row = np.arange(n) * k
    node = np.repeat(w.roots[:, None], n, axis=1)  # one row per tree: the trees still walking are one block
    for s in w.starts:
        at = node[s:]
        right = ~(np.take(flat, row + np.take(w.feature, at)) <= np.take(w.threshold, at))  # NaN goes right
        node[s:] = np.take(w.children, 2 * at + right)
    # summed per span over the trees in their stored order: the same sum, to the last bit
    margin = np.ascontiguousarray(np.take(np.take(w.value, node), w.restore, axis=0).T).sum(axis=1)
    return 1.0 / (1.0 + np.exp(-margin))


def regressions(c, z: np.ndarray) -> float:
    """P(answerable) x P(right | answerable) of answer features ``z``, at the training share,
    for anything with the two regressions' fields (``AnswerModel``, the trainer's ``Calibration``)."""
    x = (np.clip(z, c.lo, c.hi) - c.mean) / c.scale
    answerable = 1.0 / (1.0 + float(np.exp(-float(x @ c.weights + c.bias))))
    return answerable / (1.0 + float(np.exp(-float(x @ c.right_weights + c.right_bias))))


def shown_confidence(p: float, from_share: float, to_share: float, ab: tuple[float, float]) -> float:
    """The confidence shown for ``p`` (calibrated where ``from_share`` of questions are
    answerable) where ``to_share`` are: shifted, then mapped by ``ab`` (``AnswerModel.shown``)."""
    a, b = ab
    return 1.0 / (1.0 + float(np.exp(-(a * log_odds(shift(p, from_share, to_share)) + b))))


def log_odds(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return float(np.log(p / (1 - p)))


def flatten_lightgbm(dump: dict) -> dict[str, np.ndarray]:
    """LightGBM's ``dump_model()`` trees as flat node arrays (numerical splits only).
    The init score is folded into the first tree's leaves, as LightGBM itself does."""
    feature, threshold, left, right, value, roots = [], [], [], [], [], []

    def add(node: dict) -> int:
        i = len(feature)
        feature.append(0)
        threshold.append(0.0)
        left.append(-1)
        right.append(-1)
        value.append(0.0)
        if "leaf_value" in node or "split_feature" not in node:
            value[i] = float(node.get("leaf_value", 0.0))
            return i
        if node.get("decision_type", "<=") != "<=":
            raise ValueError("only numerical splits are supported")
        feature[i] = int(node["split_feature"])
        threshold[i] = float(node["threshold"])
        left[i] = add(node["left_child"])
        right[i] = add(node["right_child"])
        return i

    for tree in dump["tree_info"]:
        roots.append(add(tree["tree_structure"]))
    return {"feature": np.asarray(feature, np.int32), "threshold": np.asarray(threshold),
              "left": np.asarray(left, np.int32), "right": np.asarray(right, np.int32),
              "value": np.asarray(value), "roots": np.asarray(roots, np.int32)}


def save(model: AnswerModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(model.to_json(), separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)


@lru_cache(maxsize=8)
def load(path: Path | None = None) -> AnswerModel:
    from vectorstore.errors import UserFacingError

    path = Path(path or DEFAULT_PATH)
    try:
        return AnswerModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise UserFacingError(f"No answer model at {path}. Rebuild it with `assistant train`.") from exc
    except (ValueError, KeyError) as exc:
        raise UserFacingError(f"The answer model {path} cannot be read ({exc}). Rebuild it with `assistant train`.") from exc
