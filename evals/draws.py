"""Every suite under several draws of the answer model: how much of a figure is the draw's.

One model draw is one set of LightGBM seeds (``train.seeded``); everything else trains as
`assistant train` does, on the same candidate table. For each draw the shipped model and
its four fold models are written to a folder of their own (the repository's models are not
touched), then the seed suite, the development set and the unseen prose are asked through
``ask()``. The seed cases move by several answers from one draw to the next, so one draw
can't tell a change from the noise, and a floor set from one draw can fail the next:
compare means over draws, and read a floor against the spread (`evals/results/draws.json`).

    python -m evals.draws [--table TABLE.pkl] [--seeds 7 12 17 22 27] [--out FILE]   (make draws)

``TABLE.pkl``: the candidate table ``assistant train --table`` writes (collected, and written
there when given, if missing: about 3 minutes). Each draw takes about 7 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest.mock import patch

from .cases import DEFAULT_CASES, load_cases
from .unseen import train as T
from .unseen.spread import SEEDS, rounded, spread_of

DEV_CASES = DEFAULT_CASES.with_name("dev_cases.jsonl")
OUT = Path(__file__).resolve().parent / "results" / "draws.json"
SEED_FIGURES = ("asserted_precision", "answerable_right", "accuracy", "refusal_recall", "citation_recall")
UNSEEN_FIGURES = ("precision_at_prior", "answerable_right", "has_ans_f1", "overall_f1", "passages_hold_answer",
                  "quote_holds_answer", "calibration_gap")


def cases_under(model: Path, cases_path: Path) -> dict[str, Any]:
    """The cases of ``cases_path`` asked through ``ask()`` with ``model``: their figures, the
    answers asserted, and the area under their risk-coverage curve."""
    from assistant import api

    from .report import risk_curves
    from .runner import run_suite

    with patch.dict(os.environ, {"NEWSQA_ANSWER_MODEL": str(model)}):
        api.reset()
        try:
            run = run_suite(load_cases(cases_path), progress=False, cases_path=cases_path)
        finally:
            api.reset()
    o = run.ours.overall
    return {**{k: rounded(getattr(o, k)) for k in SEED_FIGURES},
            "asserted": sum(r.answered for r in run.ours.results),
            "area": rounded(risk_curves(run)["seeds"].area)}


def unseen_under(folder: Path, data_dir: Path) -> dict[str, Any]:
    """The unseen prose through ``ask()``, each fold by its model in ``folder`` (the SQuAD
    articles indexed in ``data_dir`` once, for every draw)."""
    from .risk import curve
    from .unseen.suite import risk_points, run_unseen

    run = run_unseen(baseline=False, progress=False, data_dir=data_dir, fold_dir=folder)
    o = run.ours
    return {**{k: rounded(getattr(o, k)) for k in UNSEEN_FIGURES},
            "area": rounded(curve(risk_points(run.outcomes), run.share).area)}


def one_draw(table, articles, seed: int, folder: Path, squad_dir: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    with T.seeded(seed):
        T.train(table, articles, log=lambda m: None, out=folder)
    trained = time.perf_counter() - t0
    model = folder / T.DEFAULT_PATH.name
    return {"seed": seed, "decline_below": rounded(json.loads(model.read_text())["decline_below"]),
            "seeds": cases_under(model, DEFAULT_CASES), "dev": cases_under(model, DEV_CASES),
            "unseen": unseen_under(folder, squad_dir),
            "minutes": {"train": round(trained / 60, 1), "all": round((time.perf_counter() - t0) / 60, 1)}}


def summarise(draws: list[dict[str, Any]]) -> dict[str, dict[str, dict]]:
    """Mean, standard deviation, min and max of every figure of every suite over the draws."""
    out: dict[str, dict[str, dict]] = {}
    for suite in ("seeds", "dev", "unseen"):
        names = [k for k in draws[0][suite] if all(d[suite][k] is None or isinstance(d[suite][k], (int, float)) for d in draws)]
        out[suite] = {k: spread_of([d[suite][k] for d in draws]) for k in names}
    return out


def main(argv: list[str] | None = None) -> int:
    from assistant.settings import apply_offline_env

    from .unseen.dataset import load

    p = argparse.ArgumentParser(prog="python -m evals.draws", description=__doc__.splitlines()[0])
    p.add_argument("--table", type=Path, help="candidate table (`assistant train --table`); default: collect it")
    p.add_argument("--seeds", type=int, nargs="+", default=SEEDS)  # spaced by the bags, as in spread
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    apply_offline_env()
    try:
        table = T.table_at(args.table)
    except ValueError as exc:
        p.error(str(exc))
    articles, _ = load()
    draws = []
    with tempfile.TemporaryDirectory(prefix="draws-") as tmp:
        for seed in args.seeds:
            draws.append(one_draw(table, articles, seed, Path(tmp) / f"seed{seed}", Path(tmp) / "squad"))
            print(json.dumps(draws[-1]), file=sys.stderr, flush=True)
    result = {"data": "each draw trained on the SQuAD 2.0 table with its own LightGBM seeds; seeds: the 112 seed "
                      "cases, dev: evals/dev_cases.jsonl, unseen: 2,805 SQuAD 2.0 questions through ask(), each fold "
                      "by the draw's model trained without it, at the product's prior",
              "shipped_seed": T.PARAMS["seed"], "draws": draws, "summary": summarise(draws)}
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["summary"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
