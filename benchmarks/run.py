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
TARGETS = {"warm_ask_median_ms": 100.0, "cold_cli_ask_median_s": 8.0, "index_seeds_median_s": 30.0,
           "concurrent_ask_p95_s": 1.0}
CONCURRENT_CLIENTS = 16


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


def _load_corpus(path: Path, n: int) -> None:
    """Articles unrelated to the questions, to ingest while the clients ask."""
    import random

    rng = random.Random(16)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            town = rng.choice(["Lakeview", "Brookfield", "Stonehaven", "Millbrook"])
            body = "\n".join(f"The fair in {town} drew {rng.randint(100, 9000)} visitors on day {d}, organisers of "
                             f"edition {i} said." for d in range(1, 6))
            out.write(json.dumps({"title": f"{town} fair report {i}", "outlet": "Village Courier", "text": body}) + "\n")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_concurrent(rounds: int, env: dict, ingest_articles: int = 0) -> dict:
    """16 gradio_client users asking at once on /ask of `assistant ui` (its own process, as
    in use); optionally while `assistant ingest` adds articles to the same data dir."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "assistant", "ui", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 300
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise SystemExit("`assistant ui` did not start") from None
                time.sleep(0.5)
        clients = [Client(url, verbose=False) for _ in range(CONCURRENT_CLIENTS)]

        def user(n: int) -> list[float]:
            times = []
            for r in range(rounds):
                t = time.perf_counter()
                clients[n].predict(QUESTIONS[(n + r) % len(QUESTIONS)], api_name="/ask")
                times.append(time.perf_counter() - t)
            return times

        with tempfile.TemporaryDirectory() as tmp:
            writer = None
            if ingest_articles:
                corpus = Path(tmp) / "load.jsonl"
                _load_corpus(corpus, ingest_articles)
                writer = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(corpus)], env=env, cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t0 = time.perf_counter()
            with ThreadPoolExecutor(CONCURRENT_CLIENTS) as pool:
                times = [x for batch in pool.map(user, range(CONCURRENT_CLIENTS)) for x in batch]
            wall = time.perf_counter() - t0
            writer_running = writer is not None and writer.poll() is None
            if writer is not None:
                writer.wait()
    finally:
        server.terminate()
        server.wait(30)
    out = {"clients": CONCURRENT_CLIENTS, "answers": len(times), "throughput_per_s": round(len(times) / wall, 2),
           "latency_s": summary(times)}
    if ingest_articles:
        out["ingest"] = {"articles": ingest_articles, "still_running_when_the_questions_ended": writer_running}
    return out


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
        concurrent = bench_concurrent(max(3, args.runs), env)
        concurrent_ingest = bench_concurrent(max(3, args.runs), env, ingest_articles=300)
    peak_child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak_self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "warm_ask_ms": summary(warm),
        "first_ask_in_process_s": round(first, 3),
        "cold_cli_ask_s": summary(cold),
        "index_seeds_s": summary(index),
        "concurrent_ask": concurrent,
        "concurrent_ask_while_ingesting": concurrent_ingest,
        "peak_rss_mb": {"cli_process_max": round(peak_child_mb, 1), "bench_process": round(peak_self_mb, 1)},
        "targets": TARGETS,
        "ratio_to_target": {
            "warm_ask_median_ms": round(statistics.median(warm) / TARGETS["warm_ask_median_ms"], 3),
            "cold_cli_ask_median_s": round(statistics.median(cold) / TARGETS["cold_cli_ask_median_s"], 3),
            "index_seeds_median_s": round(statistics.median(index) / TARGETS["index_seeds_median_s"], 3),
            "concurrent_ask_p95_s": round(concurrent["latency_s"]["p95"] / TARGETS["concurrent_ask_p95_s"], 3),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
