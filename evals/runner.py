"""`python -m evals` / `assistant eval`: run the cases through the engine (and the baseline).

Each case goes through ``ask()`` with its history (timed), then through the system's
retriever for recall@5/MRR, then the scorer. The baseline runs in the same process
after the engine, so both are measured on the same machine state.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.settings import apply_offline_env

from .cases import DEFAULT_CASES, KINDS, Case, load_cases
from .figures import Figures, aggregate, per_kind
from .floors import FLOORS, all_pass, check_floors
from .normalize import normalise
from .scoring import CaseResult, score_case
from .systems import EngineSystem, System
from .unseen.suite import UnseenRun

DEFAULT_OUT = Path(__file__).resolve().parent / "results"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
RETRIEVE_K = 10  # MRR over the top 10; recall@5 reads the first 5 of the same list


@dataclass
class _Failed:
    """Stands in for an Answer when ask() raised: scored as a declined, uncited answer."""

    answered: bool = False
    short_answer: str | None = None
    text: str = ""
    conflict: bool = False
    citations: list = field(default_factory=list)


@dataclass
class SystemRun:
    name: str
    results: list[CaseResult]
    setup_s: float  # building the system (for ours: importing the package)
    first_answer_s: float | None  # setup + the first ask(), which loads the index
    overall: Figures
    kinds: dict[str, Figures]
    notes: list[str] = field(default_factory=list)


@dataclass
class EvalRun:
    ours: SystemRun
    baseline: SystemRun | None
    environment: dict[str, Any]
    verdicts: dict[str, bool | None]  # ours against evals.floors.FLOORS
    case_problems: list[str]
    unseen: UnseenRun | None = None  # the unseen-prose suite, when it was run

    @property
    def passed(self) -> bool:
        from .unseen.report import check

        return all_pass(self.verdicts) and (self.unseen is None or all_pass(check(self.unseen.ours)))


def _history(case: Case) -> list[tuple[str, str]]:
    return [(q, a) for q, a in case.history]


def run_system(make: Callable[[], System], cases: Sequence[Case], progress: bool = True) -> SystemRun:
    from tqdm import tqdm

    t0 = time.perf_counter()
    system = make()
    setup_s = time.perf_counter() - t0
    first_answer_s = None
    results: list[CaseResult] = []
    for case in tqdm(cases, desc=f"eval {system.name}", unit="case", file=sys.stderr, disable=not progress):
        error = None
        t1 = time.perf_counter()
        try:
            answer: Any = system.ask(case.question, _history(case))
        except Exception as exc:  # noqa: BLE001 - one broken case must not hide the rest
            answer, error = _Failed(), f"{type(exc).__name__}: {exc}"
        latency = time.perf_counter() - t1
        cold = first_answer_s is None
        if cold:
            first_answer_s = setup_s + latency
        try:
            retrieved = system.retrieve(case.question, _history(case), RETRIEVE_K) if case.articles else []
        except Exception as exc:  # noqa: BLE001
            retrieved, error = [], error or f"retrieve: {type(exc).__name__}: {exc}"
        results.append(score_case(case, answer, system.grounding, retrieved, latency, error, cold))
    return SystemRun(system.name, results, setup_s, first_answer_s,
                     aggregate(results, first_answer_s), per_kind(results))


def seeds_dir() -> Path:
    """The engine's seed folder (NEWSQA_SEEDS_DIR, else the repo's seeds/)."""
    return Path(os.environ.get("NEWSQA_SEEDS_DIR") or PROJECT_ROOT / "seeds").expanduser().resolve()


def case_problems(cases: Sequence[Case], known_titles: set[str]) -> list[str]:
    """Mistakes in the case file itself, so a typo is not blamed on the engine."""
    out = []
    for c in cases:
        for title in c.articles:
            if normalise(title) not in known_titles:
                out.append(f"{c.id}: article title not in the corpus: {title!r}")
        if c.answerable and not (c.answers or c.conflict_sides):
            out.append(f"{c.id}: answerable case without answers")
        if c.kind == "conflict" and len(c.conflict_sides) < 2:
            out.append(f"{c.id}: conflict case with fewer than two conflict_sides")
    return out


def environment(cases: Sequence[Case], cases_path: Path, kind: str | None, limit: int | None) -> dict[str, Any]:
    return {
        "cases": len(cases), "cases_file": str(cases_path), "kind_filter": kind, "limit": limit,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine_cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
        "data_dir": os.environ.get("NEWSQA_DATA_DIR"), "seeds_dir": str(seeds_dir()),
    }


def run_suite(cases: Sequence[Case], *, baseline: bool = False, progress: bool = True,
              cases_path: Path = DEFAULT_CASES, kind: str | None = None, limit: int | None = None) -> EvalRun:
    apply_offline_env()
    started = time.perf_counter()
    holder: dict[str, EngineSystem] = {}

    def make_ours() -> EngineSystem:
        holder["ours"] = EngineSystem()
        return holder["ours"]

    ours = run_system(make_ours, cases, progress)
    engine = holder["ours"]
    problems = case_problems(cases, engine.grounding.known_titles())
    base = None
    if baseline:
        from .baseline import BaselineSystem

        corpus = engine.corpus()  # read before the clock starts: not the baseline's cost
        box: dict[str, BaselineSystem] = {}

        def make_base() -> BaselineSystem:
            box["b"] = BaselineSystem(seeds_dir(), corpus)
            return box["b"]

        base = run_system(make_base, cases, progress)
        b = box["b"]
        base.notes.append(f"{b.chunks} chunks from {len(b.grounding.texts)} seed files (default node parser), "
                          f"top-{b.top_k} answers; retrieval figures rank chunks (top {RETRIEVE_K}).")
        if b.grounding.unlocated:
            base.notes.append("articles not found verbatim in any seed file (never gold for the baseline): "
                              + "; ".join(b.grounding.unlocated))
    env = environment(cases, cases_path, kind, limit)
    env["total_run_s"] = round(time.perf_counter() - started, 2)
    return EvalRun(ours, base, env, verdicts_for(ours.overall.to_dict(), cases_path), problems)


def verdicts_for(overall: dict, cases_path: Path) -> dict[str, bool | None]:
    """The floors are the seed suite's: another cases file (the development set,
    ``evals/dev_cases.jsonl``) is measured, not judged (every verdict n/a)."""
    if Path(cases_path).resolve() != DEFAULT_CASES.resolve():
        return dict.fromkeys(FLOORS)
    return check_floors(overall)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant eval", description=__doc__.splitlines()[0])
    p.add_argument("--baseline", action="store_true", help="also run the plain llama-index pipeline and compare")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report folder (default {DEFAULT_OUT})")
    p.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="cases file, one JSON object per line")
    p.add_argument("--kind", choices=KINDS, help="only cases of this kind")
    p.add_argument("--limit", type=int, help="only the first N cases (after --kind)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--no-unseen", action="store_true", help="skip the unseen-prose suite (SQuAD 2.0 folds)")
    p.add_argument("--unseen-per-fold", type=int, metavar="N", help="unseen prose: only N questions per fold (default all)")
    return p


def cli(argv: list[str] | None = None) -> int:
    """Exit status: 0 when every floor passes (or is n/a), 1 when one fails, 2 on bad input."""
    args = _parser().parse_args(argv)
    try:
        cases = load_cases(args.cases, args.kind, args.limit)
    except (OSError, ValueError) as exc:
        print(f"evals: {exc}", file=sys.stderr)
        return 2
    if not cases:
        print("evals: no cases selected", file=sys.stderr)
        return 2
    run = run_suite(cases, baseline=args.baseline, progress=not args.no_progress,
                    cases_path=args.cases, kind=args.kind, limit=args.limit)
    if not args.no_unseen:
        from .unseen.suite import run_unseen

        run.unseen = run_unseen(args.unseen_per_fold, baseline=args.baseline, progress=not args.no_progress)
    from .report import summary, write_report

    paths = write_report(run, args.out)
    print(summary(run))
    print("report: " + ", ".join(str(p) for p in paths.values()))
    return 0 if run.passed else 1
