"""How much of a cross-validated figure is the LightGBM seed's: the unseen-prose curve and
operating point of the fold models, retrained with each of several seeds on one table
(measured on the table's out-of-fold picks, as `assistant train` scores its fold models;
the eval asks the same questions through ``ask()`` and reads about 0.005 of area lower).

A change to the features or the training is worth keeping when it moves the mean over
seeds by more than their spread; one run can't tell. Beside the curve: the share of the
synthetic questions of each kind (``augment``: a name or a year swapped) the fold models
would assert, the product's worst kind of wrong answer, which a better area can hide. On the
table of 2026-11-29 the seed alone moved the area from 0.279 to 0.293; with five rankers averaged
per seed (``train.BAGS``), 0.284 to 0.297 on that of 2026-11-30 (`evals/results/seed_spread.json`).

    python -m evals.unseen.spread --table TABLE.pkl [--seeds 7 12 17 22 27]

``TABLE.pkl``: the candidate table ``assistant train --table`` writes.
"""
from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np

from ..risk import Point, curve
from . import train as T
from .augment import ELSEWHERE, IN_ARTICLE, KINDS, NUMBER
from .collect import read_table
from .metrics import is_right

SHIPPED_SEED = T.PARAMS["seed"]
# Spaced by the bags: each seed's ranker averages seeds seed .. seed + BAGS - 1, and
# overlapping bags would understate the spread.
SEEDS = [SHIPPED_SEED + T.BAGS * i for i in range(5)]
OUT = Path(__file__).resolve().parents[1] / "results" / "seed_spread.json"


def one_seed(table, seed: int) -> dict:
    """Area, operating point and precision at 20% answered right of the fold models."""
    with T.seeded(seed):
        held = list(T.fold_models(table))
    points = [Point(float(c), is_right(p.answerable, p.f1), p.answerable, bool(c >= h.model.decline_below))
              for h in held for c, p in zip(h.product, h.real)]
    swapped = {kind: np.concatenate([h.swapped(kind) for h in held]) for kind in KINDS}
    c = curve(points, T.PRODUCT_SHARE)
    at_20 = c.precision_at(0.2)
    # None: no fold model asserts anything at its threshold / the curve never reaches 20%
    op = c.operating or (None, None)
    return {"seed": seed, "area": round(c.area, 4), "operating_coverage": rounded(op[0]),
            "operating_precision": rounded(op[1]), "precision_at_20": rounded(at_20),
            # swapped-subject questions asserted, over all folds (the product's worst wrong answer)
            "swapped_asserted": _share(swapped[ELSEWHERE]), "swapped_in_article_asserted": _share(swapped[IN_ARTICLE]),
            "swapped_number_asserted": _share(swapped[NUMBER])}


def _share(asserted: np.ndarray) -> float | None:
    return rounded(asserted.mean()) if len(asserted) else None


def rounded(x) -> float | None:
    return None if x is None else round(float(x), 4)


def spread_of(values: list[float | None]) -> dict:
    """Mean, standard deviation, min and max of one figure over runs (None: not measured)."""
    got = [v for v in values if v is not None]
    if not got:
        return {"mean": None, "sd": None, "min": None, "max": None, "runs": 0}
    return {"mean": round(statistics.mean(got), 4), "sd": round(statistics.stdev(got), 4) if len(got) > 1 else 0.0,
            "min": min(got), "max": max(got), "runs": len(got)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.unseen.spread", description=__doc__.splitlines()[0])
    p.add_argument("--table", type=Path, required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=SEEDS)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    try:
        table = read_table(args.table)
    except ValueError as exc:
        p.error(str(exc))
    runs = []
    for seed in args.seeds:
        runs.append(one_seed(table, seed))
        print(runs[-1], flush=True)
    summary = {k: spread_of([r[k] for r in runs])
               for k in ("area", "operating_coverage", "operating_precision", "precision_at_20", "swapped_asserted",
                         "swapped_in_article_asserted", "swapped_number_asserted")}
    args.out.write_text(json.dumps({"data": "SQuAD 2.0 folds by article, out-of-fold picks of the training table, "
                                            "at the product's prior",
                                    "shipped_seed": SHIPPED_SEED,
                                    "runs": runs, "summary": summary}, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
