"""Speed and memory benchmarks; figures go to benchmarks/results.json (and the README).

Machines here are noisy, so every figure is a median over several runs, reported with
its target and the ratio to it (below 1.0 meets the target). Not a test: it never fails.

    python benchmarks/run.py [--runs N] [--out PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Where did Kim Jong Un meet the Russian culture minister?",
    "How many soldiers has Russia lost in the Kursk operation?",
    "Who visited Pyongyang on June 17?",
    "When did Shoigu visit Pyongyang in March?",
    "How many member states does the ICC have?",
    "Where were the rockets launched from?",
    "How old is Hong Min?",
    "What did Kim say about the cultural sector?",
]
TARGETS = {"warm_ask_median_ms": 100.0, "cold_cli_ask_median_s": 8.0, "index_seeds_median_s": 30.0}


def _cli(args: list[str], env: dict) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "assistant", *args], env=env, capture_output=True, text=True, cwd=ROOT)
    return time.perf_counter() - t0, r.returncode, r.stderr[-500:]


def bench_index(runs: int, env: dict) -> list[float]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as d:
            dt, rc, err = _cli(["index"], {**env, "NEWSQA_DATA_DIR": d})
            if rc:
                raise SystemExit(f"index failed: {err}")
            times.append(dt)
    return times


def bench_cold(runs: int, env: dict) -> list[float]:
    times = []
    for i in range(runs):
        dt, rc, err = _cli(["ask", QUESTIONS[i % len(QUESTIONS)]], env)
        if rc:
            raise SystemExit(f"ask failed: {err}")
        times.append(dt)
    return times


def bench_warm(rounds: int) -> tuple[list[float], float]:
    from assistant import api

    api.reset()
    t0 = time.perf_counter()
    api.ask(QUESTIONS[0])
    first = time.perf_counter() - t0
    times = []
    for _ in range(rounds):
        for q in QUESTIONS:
            t = time.perf_counter()
            api.ask(q)
            times.append((time.perf_counter() - t) * 1000)
    return times, first


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"median": round(statistics.median(values), 4), "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 4),
            "min": round(ordered[0], 4), "max": round(ordered[-1], 4), "runs": len(values)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "NEWSQA_DATA_DIR": data}
        os.environ["NEWSQA_DATA_DIR"] = data
        index = bench_index(max(3, args.runs // 2), env)
        _cli(["index"], env)  # the store the cold and warm runs read
        cold = bench_cold(args.runs, env)
        warm, first = bench_warm(args.runs)
    peak_child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak_self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "warm_ask_ms": summary(warm),
        "first_ask_in_process_s": round(first, 3),
        "cold_cli_ask_s": summary(cold),
        "index_seeds_s": summary(index),
        "peak_rss_mb": {"cli_process_max": round(peak_child_mb, 1), "bench_process": round(peak_self_mb, 1)},
        "targets": TARGETS,
        "ratio_to_target": {
            "warm_ask_median_ms": round(statistics.median(warm) / TARGETS["warm_ask_median_ms"], 3),
            "cold_cli_ask_median_s": round(statistics.median(cold) / TARGETS["cold_cli_ask_median_s"], 3),
            "index_seeds_median_s": round(statistics.median(index) / TARGETS["index_seeds_median_s"], 3),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
