"""Speed and memory benchmarks; figures go to benchmarks/results.json (and the README).

Machines here are noisy, so every figure is a median over several runs, reported with
its target and the ratio to it (below 1.0 meets the target). Not a test: it never fails.

    python benchmarks/run.py [--runs N] [--out PATH]
    python benchmarks/run.py --only cold,warm,resident,ingest   # those parts alone, merged into PATH

``--only`` re-measures some figures without the rest (the whole run takes about 15 minutes
on 2 shared cores): each part measured is written into the existing file with its own
date and load averages (``parts``), the other figures are left as they were.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
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
TARGETS = {"warm_ask_median_ms": 25.0, "cold_cli_ask_median_s": 1.5, "cold_cli_ask_with_serve_median_s": 0.3,
           "index_seeds_median_s": 30.0, "concurrent_ask_p95_s": 1.0, "ingest_ratio_over_llama_index": 1.5}
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


def bench_cold(runs: int, env: dict, options: tuple[str, ...] = ("--no-server",)) -> list[float]:
    times = []
    for i in range(runs):
        dt, rc, err = _cli(["ask", *options, QUESTIONS[i % len(QUESTIONS)]], env)
        if rc:
            raise SystemExit(f"ask failed: {err}")
        times.append(dt)
    return times


def compare_ingest(runs: int, work: Path) -> dict:
    """Ingest of the same corpus by us and by plain llama-index (benchmarks/scale.py)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from scale import compare_ingest as compare

    out = compare(runs, work / "ingest")
    print(f"ingest: ours {out['ours_words_per_s']} words/s, llama-index {out['llama_index_words_per_s']} words/s: "
          f"{out['speed_ratio_ours_over_llama_index']}x", flush=True)
    return out


def bench_resident(runs: int, env: dict) -> dict:
    """Cold `assistant ask` processes while `assistant serve` runs on the same data dir."""
    server = subprocess.Popen([sys.executable, "-m", "assistant", "serve"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready = Path(env["NEWSQA_DATA_DIR"]) / "serve.json"
        deadline = time.time() + 300
        while not ready.exists():
            if server.poll() is not None or time.time() > deadline:
                raise SystemExit("`assistant serve` did not start")
            time.sleep(0.2)
        times = bench_cold(runs, env, options=())
    finally:
        server.terminate()
        server.wait(30)
    return summary(times)


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


EXPECTED = {  # what the bold short answer of a right answer to each benchmark question contains
    QUESTIONS[0]: "Pyongyang", QUESTIONS[1]: "62,000", QUESTIONS[2]: "Shoigu", QUESTIONS[4]: "124",
}


def _short(reply: str) -> str:
    """The reply's bold lead: the short answer, or the notice of a decline ("Not stated in
    the articles."). Not the reply as a whole: a not_stated reply quotes passages that may
    hold the expected text without answering, and a decline counts the articles."""
    m = re.match(r"\*\*(.+?)\*\*|<div[^>]*><strong>(.+?)</strong>", reply.strip())  # the chat's notices are HTML
    # the chat escapes Markdown in the short answer ("62\,000" stays "62,000" here)
    return re.sub(r"\\(.)", r"\1", m.group(1) or m.group(2)) if m else ""


def _right(question: str, reply: str) -> bool:
    """Does the reply's short answer hold the expected text (True where none is expected)?"""
    return question not in EXPECTED or EXPECTED[question] in _short(reply)


def _start_ui(env: dict) -> tuple[subprocess.Popen, str]:
    import urllib.request

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "assistant", "ui", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 300
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return server, url
        except OSError:
            if server.poll() is not None or time.time() > deadline:
                server.kill()
                raise SystemExit("`assistant ui` did not start") from None
            time.sleep(0.5)


class _ApiUser:
    """One gradio_client user of the public `/ask` endpoint."""

    name = "/ask (gradio_client)"

    def __init__(self, url: str):
        from gradio_client import Client

        self.client = Client(url, verbose=False)

    def ask(self, question: str) -> str:
        return self.client.predict(question, api_name="/ask")["text"]


class _PageUser:
    """One browser tab of the chat, speaking Gradio's own protocol as the page does: the
    Ask button's event joins the queue (or, when it is unqueued, posts to /run/predict),
    and the reply is the chat's last message. Light on the client side, unlike
    gradio_client, whose per-call threads cost the 2 shared cores as much as the server."""

    name = "chat"

    def __init__(self, url: str):
        import uuid

        import httpx

        self.url = url.rstrip("/")
        self.http = httpx.Client(timeout=120)
        config = self.http.get(f"{self.url}/config").json()
        dep = self._event(config)
        self.fn_index = dep["id"]
        self.queued = dep.get("queue", True) is not False
        self.session = uuid.uuid4().hex

    @staticmethod
    def _event(config: dict) -> dict:
        button = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "newsqa-ask")
        return next(d for d in config["dependencies"] if [button, "click"] in [list(t) for t in d["targets"]])

    def _data(self, question: str) -> list:
        return [question, [], None]

    @staticmethod
    def _reply(data: list) -> str:
        content = data[0][-1]["content"]
        if isinstance(content, list):  # Gradio's message parts: [{"type": "text", "text": ...}]
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        return content if isinstance(content, str) else json.dumps(content)

    def ask(self, question: str) -> str:
        body = {"data": self._data(question), "fn_index": self.fn_index, "session_hash": self.session,
                "trigger_id": None, "event_data": None}
        if not self.queued:
            return self._reply(self.http.post(f"{self.url}/gradio_api/run/predict", json=body).json()["data"])
        self.http.post(f"{self.url}/gradio_api/queue/join", json=body).raise_for_status()
        with self.http.stream("GET", f"{self.url}/gradio_api/queue/data", params={"session_hash": self.session}) as r:
            for line in r.iter_lines():
                if line.startswith("data:"):
                    msg = json.loads(line[5:])
                    if msg.get("msg") == "process_completed":
                        if not msg.get("success"):
                            raise RuntimeError(f"{self.name} failed: {msg.get('output')}")
                        return self._reply(msg["output"]["data"])
        raise RuntimeError(f"the {self.name} event stream ended without a reply")


class _AskHttpUser(_PageUser):
    """The public `/ask` endpoint over the same protocol, without gradio_client."""

    name = "/ask (HTTP)"

    @staticmethod
    def _event(config: dict) -> dict:
        return next(d for d in config["dependencies"] if d.get("api_name") == "ask")

    def _data(self, question: str) -> list:
        return [question, None]

    @staticmethod
    def _reply(data: list) -> str:
        return data[0]["text"]


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_concurrent(rounds: int, env: dict, ingest_articles: int = 0, user=_ApiUser) -> dict:
    """16 users asking at once through `assistant ui` (its own process, as in use): the
    public `/ask` endpoint (gradio_client) or the chat (``_PageUser``, ``_AskHttpUser``); optionally
    while `assistant ingest` adds articles to the same data dir. Every answer is checked: its
    short answer must be the one the same question gets asked alone (``reference``), so a
    wrong answer under load is one that concurrency changed; whether the answers alone are
    right is reported beside it. The articles ingested meanwhile are about other things, so
    they should not change an answer either."""
    from concurrent.futures import ThreadPoolExecutor

    server, url = _start_ui(env)
    wrong: list[str] = []
    reference: dict[str, str] = {}
    try:
        users = [user(url) for _ in range(CONCURRENT_CLIENTS)]

        def run(n: int) -> list[float]:
            times = []
            for r in range(rounds):
                question = QUESTIONS[(n + r) % len(QUESTIONS)]
                t = time.perf_counter()
                reply = users[n].ask(question)
                times.append(time.perf_counter() - t)
                if _short(reply) != reference[question]:  # never empty: an unreadable lead is wrong too
                    wrong.append(question)
            return times

        with tempfile.TemporaryDirectory() as tmp:
            alone = {q: users[0].ask(q) for q in QUESTIONS}  # before any ingest; warms the path too
            reference.update({q: _short(reply) for q, reply in alone.items()})
            not_right = sorted(q for q, reply in alone.items() if not _right(q, reply))
            unreadable = sorted(q for q, short in reference.items() if not short)
            if unreadable:
                raise SystemExit(f"{user.name}: no short answer or notice found in the reply to {unreadable}")
            writer = None
            if ingest_articles:
                corpus = Path(tmp) / "load.jsonl"
                _load_corpus(corpus, ingest_articles)
                writer = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(corpus)], env=env, cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t0, client0, server0 = time.perf_counter(), _cpu_self(), _cpu_of(server.pid)
            with ThreadPoolExecutor(CONCURRENT_CLIENTS) as pool:
                times = [x for batch in pool.map(run, range(CONCURRENT_CLIENTS)) for x in batch]
            wall = time.perf_counter() - t0
            cpu = {"clients": round(_cpu_self() - client0, 2), "server": round(_cpu_of(server.pid) - server0, 2)}
            writer_running = writer is not None and writer.poll() is None
            if writer is not None:
                writer.wait()
    finally:
        server.terminate()
        server.wait(30)
    out = {"path": user.name, "clients": CONCURRENT_CLIENTS, "answers": len(times),
           "wrong_answers": len(wrong),  # short answer other than the question's asked alone
           "not_right_alone": not_right,  # questions whose answer asked alone misses EXPECTED
           "throughput_per_s": round(len(times) / wall, 2), "latency_s": summary(times), "wall_s": round(wall, 2),
           "cpu_s": cpu,  # the clients share the 2 cores with the server
           "load_average": [round(x, 2) for x in os.getloadavg()]}
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
    parser.add_argument("--ingest-runs", type=int, default=2,
                        help="ingest of the ~85k-word corpus, ours and plain llama-index alternating (0: skip)")
    parser.add_argument("--only", default="", help="comma-separated: cold, warm, resident, ingest (merged into --out)")
    args = parser.parse_args()
    if args.only:
        return main_only(args, set(args.only.split(",")))
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "NEWSQA_DATA_DIR": data}
        os.environ["NEWSQA_DATA_DIR"] = data
        index = bench_index(max(3, args.runs // 2), env)
        _cli(["index"], env)  # the store the cold and warm runs read
        cold = bench_cold(args.runs, env)
        warm, first = bench_warm(args.runs)
        rounds = max(4, args.runs)
        concurrent = bench_concurrent(rounds, env, user=_AskHttpUser)
        concurrent_chat = bench_concurrent(rounds, env, user=_PageUser)
        concurrent_client = bench_concurrent(rounds, env, user=_ApiUser)
        concurrent_ingest = bench_concurrent(rounds, env, ingest_articles=300, user=_AskHttpUser)
        resident = bench_resident(args.runs, env)
        ingest = compare_ingest(args.ingest_runs, Path(data)) if args.ingest_runs else None
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
        "concurrent_chat": concurrent_chat,
        "concurrent_ask_gradio_client": concurrent_client,
        "cold_cli_ask_with_serve_s": resident,
        "ingest_vs_llama_index": ingest,
        "concurrent_ask_while_ingesting": concurrent_ingest,
        "peak_rss_mb": {"cli_process_max": round(peak_child_mb, 1), "bench_process": round(peak_self_mb, 1)},
        "targets": TARGETS,
        "ratio_to_target": {
            "warm_ask_median_ms": round(statistics.median(warm) / TARGETS["warm_ask_median_ms"], 3),
            "cold_cli_ask_median_s": round(statistics.median(cold) / TARGETS["cold_cli_ask_median_s"], 3),
            "index_seeds_median_s": round(statistics.median(index) / TARGETS["index_seeds_median_s"], 3),
            "concurrent_ask_p95_s": round(concurrent["latency_s"]["p95"] / TARGETS["concurrent_ask_p95_s"], 3),
            "concurrent_chat_p95_s": round(concurrent_chat["latency_s"]["p95"] / TARGETS["concurrent_ask_p95_s"], 3),
            "cold_cli_ask_with_serve_median_s": round(resident["median"] / TARGETS["cold_cli_ask_with_serve_median_s"], 3),
            **({"ingest_ratio_over_llama_index": round(TARGETS["ingest_ratio_over_llama_index"]
                                                      / ingest["speed_ratio_ours_over_llama_index"], 3)} if ingest else {}),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


def main_only(args, parts: set[str]) -> int:
    """Some parts alone, on a freshly indexed seed store, merged into ``args.out``."""
    unknown = parts - {"cold", "warm", "resident", "ingest"}
    if unknown:
        raise SystemExit(f"unknown parts: {sorted(unknown)}")
    figures = json.loads(args.out.read_text()) if args.out.exists() else {}
    figures.setdefault("parts", {})
    ratios = figures.setdefault("ratio_to_target", {})

    def stamp(part: str, load_before: tuple[float, ...]) -> None:
        figures["parts"][part] = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "commit": _commit(),
                                  "load_average_before": [round(x, 2) for x in load_before],
                                  "load_average_after": [round(x, 2) for x in os.getloadavg()]}

    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "NEWSQA_DATA_DIR": data}
        os.environ["NEWSQA_DATA_DIR"] = data
        _cli(["index"], env)
        if "cold" in parts:
            load = os.getloadavg()
            cold = bench_cold(args.runs, env)
            figures["cold_cli_ask_s"] = summary(cold)
            ratios["cold_cli_ask_median_s"] = round(statistics.median(cold) / TARGETS["cold_cli_ask_median_s"], 3)
            stamp("cold_cli_ask_s", load)
        if "resident" in parts:
            load = os.getloadavg()
            resident = bench_resident(args.runs, env)
            figures["cold_cli_ask_with_serve_s"] = resident
            ratios["cold_cli_ask_with_serve_median_s"] = round(resident["median"] / TARGETS["cold_cli_ask_with_serve_median_s"], 3)
            stamp("cold_cli_ask_with_serve_s", load)
        if "warm" in parts:
            load = os.getloadavg()
            warm, first = bench_warm(args.runs)
            figures["warm_ask_ms"], figures["first_ask_in_process_s"] = summary(warm), round(first, 3)
            ratios["warm_ask_median_ms"] = round(statistics.median(warm) / TARGETS["warm_ask_median_ms"], 3)
            stamp("warm_ask_ms", load)
        if "ingest" in parts:
            load = os.getloadavg()
            ingest = compare_ingest(args.ingest_runs, Path(data))
            figures["ingest_vs_llama_index"] = ingest
            ratios["ingest_ratio_over_llama_index"] = round(TARGETS["ingest_ratio_over_llama_index"]
                                                            / ingest["speed_ratio_ours_over_llama_index"], 3)
            stamp("ingest_vs_llama_index", load)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps({k: figures[k] for k in ("parts", "ratio_to_target")}, indent=2))
    return 0


def _commit() -> str:
    r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    return r.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
