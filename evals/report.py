"""Writing the run to disk: report.md for people, figures.json for tools, accuracy.png.

The failures section is grouped by cause because that is how the engine gets tuned:
one cause, one fix, then re-run.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .figures import FIGURE_LABELS, Figures, ratios
from .floors import FLOORS, TARGETS
from .runner import EvalRun, SystemRun
from .scoring import CAUSE_ORDER, CaseResult

CLIP = 240


def _fmt(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if name.endswith("_s"):
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    return f"{100 * value:.1f}%"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"×{value:.2f}"


def _clip(text: str | None, n: int = CLIP) -> str:
    if text is None:
        return "—"
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def _verdict(v: bool | None) -> str:
    return {True: "pass", False: "**FAIL**", None: "n/a"}[v]


def _floors_word(run) -> str:
    word = "PASS" if run.passed else "FAIL"
    if all(v is None for v in run.verdicts.values()):  # another cases file (``runner.verdicts_for``)
        word = ("n/a" if run.unseen is None else f"unseen prose {word}") + " (the seed suite's floors don't judge this cases file)"
    return word


def _figure_table(ours: Figures, base: Figures | None, verdicts: dict[str, bool | None] | None) -> list[str]:
    head = ["figure", "ours"] + (["baseline", "ours/baseline"] if base else []) + (["floor", "verdict"] if verdicts else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rat = ratios(ours, base) if base else {}
    for name, label, _ in FIGURE_LABELS:
        if name == "first_answer_s" and ours.first_answer_s is None:
            continue  # a per-kind table: only the run as a whole has a first answer
        row = [label, _fmt(name, getattr(ours, name))]
        if base:
            row += [_fmt(name, getattr(base, name)), _ratio(rat[name])]
        if verdicts is not None:
            floor = FLOORS.get(name)
            row += [_fmt(name, floor) if floor is not None else "", _verdict(verdicts[name]) if name in verdicts else ""]
        lines.append("| " + " | ".join(row) + " |")
    counts = f"{ours.cases} cases ({ours.answerable} answerable, {ours.unanswerable} unanswerable), {ours.citations} citations"
    if ours.errors:
        counts += f", **{ours.errors} errors**"
    if base:
        counts += f"; baseline: {base.citations} citations"
    return [*lines, "", counts]


def _group_failures(results: list[CaseResult]) -> dict[str, list[CaseResult]]:
    """Each failing case once, under its primary cause, biggest group first."""
    groups: dict[str, list[CaseResult]] = {}
    for r in results:
        if r.primary_cause:
            groups.setdefault(r.primary_cause, []).append(r)
    order = {c: i for i, c in enumerate(CAUSE_ORDER)}
    return dict(sorted(groups.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def _cause_counts(results: list[CaseResult]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        for c in r.causes:
            key = "error" if c.startswith("error:") else c
            counts[key] = counts.get(key, 0) + 1
    return counts


CAUSE_HELP = {
    "wrong-answer": "answered, but no acceptable form in the short answer (or text, for answer_in=text)",
    "answer-only-in-text": "the short answer misses it, though the quotes/text contain an acceptable form",
    "declined-answerable": "declined a question the articles answer",
    "answered-unanswerable": "answered a question the articles do not answer",
    "conflict-not-flagged": "sources disagree but Answer.conflict is False",
    "conflict-side-missing": "a side of the disagreement has no form in Answer.text",
    "no-citation": "answered without any citation",
    "no-gold-citation": "no citation comes from a gold article (or its near-duplicates)",
    "gold-quote-lacks-answer": "gold-article quotes cited, none containing an acceptable form",
    "supporting-quote-not-verbatim": "the only supporting quote is not verbatim",
    "non-verbatim-quote": "a quote differs from get_article(doc_id).text[start:end] (bug)",
    "retrieval-miss@5": "no gold article in retrieve_articles(question, history, k=10)[:5]",
    "error": "ask() or retrieve raised",
}


def _failures(run: SystemRun) -> list[str]:
    groups = _group_failures(run.results)
    if not groups:
        return ["None."]
    counts = _cause_counts(run.results)
    lines = ["| cause | cases (primary) | cases (any) | meaning |", "|---|---|---|---|"]
    for cause in sorted(counts, key=lambda c: CAUSE_ORDER.index(c) if c in CAUSE_ORDER else 99):
        lines.append(f"| {cause} | {len(groups.get(cause, []))} | {counts[cause]} | {CAUSE_HELP.get(cause, '')} |")
    lines.append("")
    for cause, items in groups.items():
        lines += [f"### {cause} ({len(items)})", "", f"_{CAUSE_HELP.get(cause, '')}_", ""]
        for r in items:
            lines.append(f"- **{r.case_id}** ({r.kind}) {_clip(r.question, 200)}")
            lines.append(f"  - expected: {_clip(' / '.join(r.expected), 200) if r.expected else '(decline)'}")
            lines.append(f"  - got: answered={r.answered}, conflict={r.conflict}, short answer: {_clip(r.short_answer)}")
            lines.append(f"  - first quote: {_clip(r.first_quote)}")
            if r.resolved_question:
                lines.append(f"  - resolved question: {_clip(r.resolved_question, 200)}")
            if r.reason and not r.answered:
                lines.append(f"  - engine's reason: {_clip(r.reason, 200)}")
            extra = f"gold citations {r.citations_gold}/{r.citations_total}, gold rank {r.gold_rank or '—'}"
            others = [c for c in r.causes if c != cause and not c.startswith("error:")]
            if others:
                extra += f"; also: {', '.join(others)}"
            if r.error:
                extra += f"; error: {_clip(r.error, 300)}"
            lines.append(f"  - {extra}")
        lines.append("")
    return lines


def _offenders(run: SystemRun) -> list[str]:
    offenders = [o for r in run.results for o in r.offenders]
    if not offenders:
        return []
    lines = [f"## Non-verbatim citations: {run.name} ({len(offenders)})", ""]
    for o in offenders:
        lines.append(f"- {o.case_id}: `{o.doc_id}` [{o.start}:{o.end}]")
        lines.append(f"  - quote:  {_clip(o.quote, 400)}")
        lines.append(f"  - source: {_clip(o.actual, 400) if o.actual is not None else '(unknown doc id or no offsets)'}")
    return [*lines, ""]


def risk_curves(run: EvalRun) -> dict[str, Any]:
    """Risk against coverage for each suite run: seeds as they are, unseen prose weighted
    to the product's share of answerable questions."""
    from .risk import Point, curve

    out = {"seeds": curve([Point(r.confidence or 0.0, r.best_right, r.cited_support is not None, r.answered)
                           for r in run.ours.results])}
    if run.unseen is not None:
        from .unseen.suite import risk_points

        out["unseen"] = curve(risk_points(run.unseen.outcomes), run.unseen.share)
    return out


RISK_TITLES = {"seeds": "Seed suite (112 cases; never tuned on)",
               "unseen": "Unseen prose (SQuAD 2.0 folds), weighted to the product's prior"}


def _risk_section(run: EvalRun) -> list[str]:
    from .risk import load_before

    curves, (before, note) = risk_curves(run), load_before()
    lines = ["## Precision first: risk against coverage", "",
             "Precision: asserted answers that are right. Coverage: answerable questions answered right. "
             "Each curve sweeps the confidence threshold; the dot is the operating point, chosen on the unseen "
             "folds by `assistant train` (never on the seed cases). ![Risk against coverage](risk_coverage.png)", "",
             "| suite | operating point: precision | coverage | area now | area before | precision at 20% coverage, now / before |",
             "|---|---|---|---|---|---|"]
    for name, c in curves.items():
        b = before.get(name)
        op = (f"{100 * c.operating[1]:.1f}% | {100 * c.operating[0]:.1f}%") if c.operating else "n/a (nothing asserted) | 0.0%"
        now20, before20 = c.precision_at(0.2), b.precision_at(0.2) if b else None
        lines.append(f"| {name} | {op} | {c.area:.3f} | {f'{b.area:.3f}' if b else 'n/a'} | "
                     f"{'n/a' if now20 is None else f'{100 * now20:.1f}%'} / {'n/a' if before20 is None else f'{100 * before20:.1f}%'} |")
    if note:
        lines += ["", f"Before: {note}"]
    statuses = run.ours.overall.statuses or {}
    lines += ["", "Seed outcomes: " + ", ".join(f"{k} {v}" for k, v in statuses.items()) + ".", ""]
    return lines


def render_markdown(run: EvalRun) -> str:
    env = run.environment
    base = run.baseline
    lines = [
        "# Eval report", "",
        f"{env['date']} · {env['cases']} cases from `{env['cases_file']}`"
        + (f" · kind={env['kind_filter']}" if env.get("kind_filter") else "")
        + (f" · limit={env['limit']}" if env.get("limit") else "")
        + f" · {env['machine_cores']} cores · run took {env.get('total_run_s', 0):.0f} s", "",
        f"**Floors: {_floors_word(run)}** "
        + ", ".join(f"{k} ≥ {v:g}: {_verdict(run.verdicts[k])}" for k, v in FLOORS.items()), "",
        "Targets (issues #3, #13): " + ", ".join(f"{k} ≥ {v:g}" for k, v in TARGETS.items())
        + ". The floors ratchet up towards them; where one ever moved down, `evals/floors.py` says why.", "",
        *_risk_section(run),
        "## Seed suite (cases written from the seed articles)", "",
        *_figure_table(run.ours.overall, base.overall if base else None, run.verdicts), "",
        f"Setup (import, before the first ask): ours {run.ours.setup_s:.1f} s"
        + (f", baseline {base.setup_s:.1f} s (load model, read, chunk, embed)" if base else "") + ".",
        "Ratios are ours/baseline for every figure: above 1 is better for rates, below 1 is better for times.", "",
    ]
    for note in (base.notes if base else []):
        lines += [f"Baseline: {note}", ""]
    if run.unseen is not None:
        from .unseen.report import markdown

        lines += markdown(run.unseen)
    lines += ["## Per kind", ""]
    for kind, figs in run.ours.kinds.items():
        lines += [f"### {kind}", "", *_figure_table(figs, base.kinds.get(kind) if base else None, None), ""]
    if run.case_problems:
        lines += ["## Problems in the case file", "", *[f"- {p}" for p in run.case_problems], ""]
    lines += _offenders(run.ours) + (_offenders(base) if base else [])
    lines += ["## Failures (ours), by cause", "",
              ("Each case is listed once, under its most fundamental cause; the table counts every cause. "
               "retrieval-miss@5 alone does not fail accuracy."), "",
              *_failures(run.ours)]
    return "\n".join(lines).rstrip() + "\n"


def _system_json(run: SystemRun) -> dict[str, Any]:
    return {"setup_s": run.setup_s, "first_answer_s": run.first_answer_s, "overall": run.overall.to_dict(),
            "per_kind": {k: f.to_dict() for k, f in run.kinds.items()}, "notes": run.notes,
            "cases": [asdict(r) for r in run.results]}


def figures_json(run: EvalRun) -> dict[str, Any]:
    out: dict[str, Any] = {"environment": run.environment, "floors": FLOORS, "targets": TARGETS, "verdicts": run.verdicts,
                           "passed": run.passed, "case_problems": run.case_problems,
                           "systems": {"ours": _system_json(run.ours)},
                           "risk_coverage": {k: c.to_dict() for k, c in risk_curves(run).items()}}
    if run.baseline:
        out["systems"]["baseline"] = _system_json(run.baseline)
        out["ratios"] = {"overall": ratios(run.ours.overall, run.baseline.overall),
                         "per_kind": {k: ratios(f, run.baseline.kinds[k]) for k, f in run.ours.kinds.items()
                                      if k in run.baseline.kinds}}
    return out


def accuracy_png(run: EvalRun, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = ["overall", *run.ours.kinds]
    systems = [run.ours] + ([run.baseline] if run.baseline else [])
    width = 0.8 / len(systems)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(kinds)), 4.0))
    for i, sys_run in enumerate(systems):
        values = [(sys_run.overall if k == "overall" else sys_run.kinds.get(k)) for k in kinds]
        acc = [(v.accuracy or 0.0) if v else 0.0 for v in values]
        xs = [j + (i - (len(systems) - 1) / 2) * width for j in range(len(kinds))]
        bars = ax.bar(xs, acc, width, label=sys_run.name)
        ax.bar_label(bars, labels=[f"{a:.0%}" for a in acc], fontsize=7)
    ax.axhline(FLOORS["accuracy"], color="grey", linestyle="--", linewidth=1, label=f"floor {FLOORS['accuracy']:.0%}")
    if TARGETS["accuracy"] != FLOORS["accuracy"]:
        ax.axhline(TARGETS["accuracy"], color="green", linestyle=":", linewidth=1, label=f"target {TARGETS['accuracy']:.0%}")
    ax.set_xticks(range(len(kinds)), kinds)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("answer accuracy")
    ax.set_title(f"Accuracy per kind ({run.environment['cases']} cases)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write to ``<name>.tmp`` and rename: an interrupted run never leaves half a report."""
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def write_report(run: EvalRun, out_dir: Path) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"report": out_dir / "report.md", "figures": out_dir / "figures.json", "plot": out_dir / "accuracy.png",
             "risk": out_dir / "risk_coverage.png"}
    md, data = render_markdown(run), json.dumps(figures_json(run), indent=2, ensure_ascii=False) + "\n"
    _atomic(paths["report"], lambda p: p.write_text(md, encoding="utf-8"))
    _atomic(paths["figures"], lambda p: p.write_text(data, encoding="utf-8"))
    _atomic(paths["plot"], lambda p: accuracy_png(run, p))
    from .risk import load_before, png

    _atomic(paths["risk"], lambda p: png(risk_curves(run), load_before()[0], p, RISK_TITLES))
    if run.unseen is not None:
        from .unseen.report import write

        paths.update(write(run.unseen, out_dir))
    return paths


def summary(run: EvalRun) -> str:
    """A few lines for the terminal; the details are in report.md."""
    o, b = run.ours.overall, run.baseline.overall if run.baseline else None
    rows = []
    for name, label, _ in FIGURE_LABELS:
        row = f"{label:>26}: {_fmt(name, getattr(o, name)):>9}"
        if b:
            row += f"   baseline {_fmt(name, getattr(b, name)):>9}"
        if name in run.verdicts:
            row += f"   [{_verdict(run.verdicts[name]).strip('*')} ≥ {FLOORS[name]:g}]"
        rows.append(row)
    failed = sum(r.failed for r in run.ours.results)
    if run.unseen is not None:
        from .unseen.report import summary as unseen_summary

        rows.append(unseen_summary(run.unseen))
    rows.append(f"floors: {_floors_word(run)}; {failed} of {o.cases} cases with a failure cause")
    return "\n".join(rows)
