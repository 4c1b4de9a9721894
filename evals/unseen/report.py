"""The unseen-prose section of the report, its figures (unseen.json) and the
precision/recall-of-declining curve (decline_curve.png)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..floors import UNSEEN_CEILINGS, UNSEEN_FLOORS, UNSEEN_TARGETS
from .suite import UnseenFigures, UnseenRun, decline_curve, operating_point

ROWS = [("precision_at_prior", "precision of asserted answers % (at the product's prior)"),
        ("precision", "precision of asserted answers % (as the questions come)"),
        ("answerable_right", "answerable questions answered right %"),
        ("passages_hold_answer", "passages shown hold the answer % (answerable; asserted or not_stated)"),
        ("not_stated", "not_stated %"), ("no_match", "no_match %"),
        ("has_ans_f1", "HasAns F1"), ("has_ans_em", "HasAns exact match"),
        ("quote_holds_answer", "quote holds the answer %"), ("answered", "answered %"),
        ("unanswerable_declined", "unanswerable declined %"), ("overall_f1", "SQuAD 2.0 overall F1"),
        ("calibration_gap", "calibration gap: |confidence shown - share right|, points (per fold model; lower is better)")]


def check(figures: UnseenFigures) -> dict[str, bool | None]:
    out: dict[str, bool | None] = {}
    for name, floor in UNSEEN_FLOORS.items():
        value = getattr(figures, name)
        out[name] = None if value is None else value >= floor - 1e-9
    for name, ceiling in UNSEEN_CEILINGS.items():
        value = getattr(figures, name)
        out[name] = None if value is None else value <= ceiling + 1e-9
    return out


def _limit(name: str) -> str:
    """The floor (≥) or ceiling (≤) of a figure, as the report and the summary show it."""
    if name in UNSEEN_FLOORS:
        return f"≥ {UNSEEN_FLOORS[name]:g}"
    return f"≤ {UNSEEN_CEILINGS[name]:g}" if name in UNSEEN_CEILINGS else ""


def _f(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f}"


def markdown(run: UnseenRun) -> list[str]:
    verdicts = check(run.ours)
    head = "| figure | ours | always decline | llama-index (top sentence) | floor / ceiling | target |"
    lines = ["## Unseen prose (SQuAD 2.0, cross-validated by article)", "", *[f"{n}" for n in run.notes], "",
             head, "|---|---|---|---|---|---|"]
    for name, label in ROWS:
        base = run.llama_index
        mark = "" if verdicts.get(name) is not False else " **past its limit**"
        lines.append(f"| {label} | **{_f(getattr(run.ours, name))}**{mark} | {_f(getattr(run.always_decline, name))} | "
                     f"{_f(getattr(base, name)) if base else 'not run'} | {_limit(name)} | "
                     f"{_f(UNSEEN_TARGETS.get(name)) if name in UNSEEN_TARGETS else ''} |")
    lines += ["", "Per fold (each answered by the model trained without it):", "",
              "| fold | decline below | HasAns F1 | unanswerable declined % | overall F1 | calibration gap |",
              "|---|---|---|---|---|---|"]
    for k, f in run.folds.items():
        lines.append(f"| {k} | {run.thresholds[k]:.3f} | {_f(f.has_ans_f1)} | {_f(f.unanswerable_declined)} | "
                     f"{_f(f.overall_f1)} | {_f(f.calibration_gap)} |")
    p, r = operating_point(run.outcomes)
    lines += ["", f"Declining at the operating point: precision {100 * p:.1f}%, recall {100 * r:.1f}% "
              "(an unanswerable question is a positive). ![Precision and recall of declining](decline_curve.png)", ""]
    return lines


def curve_png(run: UnseenRun, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, precision, recall = decline_curve(run.outcomes)
    p, r = operating_point(run.outcomes)
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    ax.plot(recall, precision, label="sweeping the confidence threshold")
    ax.scatter([r], [p], color="red", zorder=3, label=f"operating point (per-fold thresholds): P {p:.0%}, R {r:.0%}")
    share = sum(not o.answerable for o in run.outcomes) / max(len(run.outcomes), 1)
    ax.axhline(share, color="grey", linestyle=":", linewidth=1, label=f"share unanswerable ({share:.0%})")
    ax.set_xlabel("recall of declining (unanswerable questions declined)")
    ax.set_ylabel("precision of declining")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title("Declining on unseen prose (SQuAD 2.0, 4 folds by article)", fontsize=9)
    ax.legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)


def write(run: UnseenRun, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"unseen": out_dir / "unseen.json", "curve": out_dir / "decline_curve.png"}
    data = {**run.to_dict(), "floors": UNSEEN_FLOORS, "ceilings": UNSEEN_CEILINGS, "targets": UNSEEN_TARGETS, "verdicts": check(run.ours)}
    tmp = paths["unseen"].with_name("unseen.json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, paths["unseen"])
    tmp = paths["curve"].with_name("decline_curve.png.tmp")
    curve_png(run, tmp)
    os.replace(tmp, paths["curve"])
    return paths


def summary(run: UnseenRun) -> str:
    verdicts = check(run.ours)
    rows = []
    for name, label in ROWS:
        v = verdicts.get(name)
        tag = "" if v is None else f"   [{'pass' if v else 'FAIL'} {_limit(name)}]"
        base = run.llama_index
        rows.append(f"{label:>26}: {_f(getattr(run.ours, name)):>6}   decline-all {_f(getattr(run.always_decline, name)):>6}"
                    f"   llama-index {_f(getattr(base, name)) if base else 'n/a':>6}{tag}")
    return "unseen prose (cross-validated):\n" + "\n".join(rows)
