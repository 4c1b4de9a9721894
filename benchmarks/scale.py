"""Cost against corpus size (issue 9): ingest, warm and cold questions, memory, disk,
with the embedded store and against a real `chroma run` server.

    make bench-scale                      # all sizes, both modes; writes scale.json and scale.png
    python benchmarks/scale.py --sizes 1000,10000 [--modes embedded,server] [--compare-runs 3]

How the corpora are made (benchmarks/scale_corpus.py): distinct articles assembled by
sampling real sentences, with a seeded RNG, from the seed articles and the eight SQuAD 2.0
Wikipedia articles in ../shared/datasets (about 1,700 distinct sentences of 6–60 words).
Each article gets 6–30 sentences in paragraphs of 1–4, a unique title, an outlet and a
2024–2025 date, and is written to .jsonl files. Sizes count sampled sentences; the stored
count (spaCy's split) is reported beside it. Sentences repeat across articles at the larger
sizes, so the figures describe cost, not answer quality.

For each size and mode, every figure comes from fresh processes:
- ingest: one `assistant ingest CORPUS` into an empty data dir (seeds dir empty), whole
  process wall time, words/s, and that process's peak RSS;
- warm: one process opens the engine (timed), asks a fixed list of 12 questions for
  several rounds: ask() p50/p95 over all of them, and over the first round alone (11
  questions asked for the first time: the first of the list warmed the process up),
  RSS after opening and at the end;
- cold: `assistant ask QUESTION` as a new process, median of several runs, peak RSS;
- disk: the data dir (plus the server's directory in server mode);
- server mode only, visibility: a running process answers a question, another process
  ingests the article holding its answer into the same server, and the running process's
  next question (and a new CLI process) must cite it; the time of that next question and
  of the one-article ingest (which rebuilds the version's tables) are recorded.
- shared mode (``--modes embedded,shared``: opt-in, not in the default run): two app
  processes with data dirs of their own (as on two machines) on one `chroma run` and one
  PostgreSQL article store (tests/servers.py; fsync on). Process A ingests the corpus;
  warm, cold and visibility are measured on process B, which loads each version's tables
  itself; visibility: B is running, A ingests one article, B's next question must cite
  it. The warm figures are compared with the embedded run of the same size, when run
  together (``warm_vs_embedded``).
Above ``--server-copy-above`` sentences the server is started on a copy of the embedded
store instead of ingesting again (same bytes, half the machine time); its ingest is then
not timed and the JSON says so. Above ``--memo-above`` sentences the embedded store is
built by benchmarks/scale_build.py (`assistant ingest` with each distinct text embedded
once: the sampled corpora repeat their sentence pool), so its build time is not an
ingest figure; ingest speed is measured at the smaller sizes.

``--compare-runs N`` also ingests the ~85k-word profile corpus (the SQuAD articles twice
plus the seeds) N times with ours and N times with the plain llama-index pipeline
(benchmarks/scale_baseline.py), alternating, and reports medians and their ratio.
Not a test: it never fails on a figure.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
from scale_corpus import write_profile_corpus, write_sampled_corpus  # noqa: E402
from servers import QUIET, ChromaServer, PostgresServer  # noqa: E402  (the launcher the tests use too)

TARGETS = {"ingest_words_per_s": 5000, "cold_ask_s_at_100k": 3.0, "warm_p95_ms_at_100k": 60.0, "rss_mb_at_100k": 1024}


# -- processes ------------------------------------------------------------------
def run(cmd: list[str], env: dict, timeout: float = 7200) -> dict:
    """Run ``cmd`` to the end: wall seconds, exit code, output and the child's own peak RSS
    (os.wait4 gives this child's rusage, not the maximum over all children so far)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, cwd=ROOT)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"wall_s": wall, "rc": proc.returncode, "stdout": out.read().decode(errors="replace"),
                "stderr": err.read().decode(errors="replace")[-2000:], "peak_rss_mb": usage.ru_maxrss / 1024}


def assistant(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant", *args]


def du_mb(*paths: Path) -> float:
    total = 0
    for p in paths:
        for f in Path(p).rglob("*"):
            if f.is_file() and not f.is_symlink():
                total += f.stat().st_size
    return round(total / 1e6, 1)


def summary(values: list[float], digits: int = 3) -> dict:
    ordered = sorted(values)
    return {"median": round(statistics.median(values), digits), "p95": round(ordered[round(0.95 * (len(ordered) - 1))], digits),
            "min": round(ordered[0], digits), "max": round(ordered[-1], digits), "runs": len(values)}


# -- one size, one mode -----------------------------------------------------------
def bench_size(size: int, mode: str, corpus: Path, info: dict, work: Path, args, embedded_data: Path | None) -> dict:
    data, server_dir, empty = work / f"{mode}-data", work / f"{mode}-server", work / "no-seeds"
    empty.mkdir(exist_ok=True)
    env = {**os.environ, **QUIET, "NEWSQA_DATA_DIR": str(data), "NEWSQA_SEEDS_DIR": str(empty)}
    env.pop("NEWSQA_CHROMA_HOST", None)
    env.pop("NEWSQA_ARTICLES_URL", None)
    server = postgres = None
    reader_env = env  # the process whose questions are measured
    result: dict = {"sentences_sampled": size, "mode": mode, "articles": info["articles"], "words": info["words"]}
    copied = mode == "server" and size > args.server_copy_above and embedded_data is not None
    reused = args.reuse.get(size) if mode == "embedded" else None
    if reused:  # a store built earlier from the same seeded corpus (see --reuse); copied, never changed
        shutil.copytree(reused, data)
    if copied:  # same bytes as the embedded run: the server serves its Chroma directory
        shutil.copytree(embedded_data / "chroma", server_dir)
        shutil.copytree(embedded_data, data, ignore=shutil.ignore_patterns("chroma"))
    if mode in ("server", "shared"):
        server = ChromaServer(server_dir)
        env.update(server.env)
    if mode == "shared":  # process A (env) writes, process B (reader_env) with its own data dir reads
        postgres = PostgresServer(fsync=True)
        env["NEWSQA_ARTICLES_URL"] = postgres.database("news")
        reader_env = {**env, "NEWSQA_DATA_DIR": str(work / "shared-data-b")}
    try:
        if copied:
            result["ingest"] = {"timed": False, "note": f"server started on a copy of the embedded {size}-sentence store"}
        elif reused:
            result["ingest"] = {"timed": False, "note": f"copy of a store built earlier from the same corpus ({reused})"}
        elif size > args.memo_above:  # too long to ingest in full here: see benchmarks/scale_build.py
            r = run([sys.executable, str(HERE / "scale_build.py"), str(corpus)], env)
            if r["rc"]:
                raise RuntimeError(f"build failed ({r['rc']}): {r['stderr']}")
            result["ingest"] = {"timed": False, "note": "built by benchmarks/scale_build.py (each distinct text embedded once)",
                                "build_wall_s": round(r["wall_s"], 2), "peak_rss_mb": round(r["peak_rss_mb"], 1),
                                "output": r["stdout"].strip()[-300:]}
        else:
            r = run(assistant("ingest", str(corpus)), env)
            if r["rc"]:
                raise RuntimeError(f"ingest failed ({r['rc']}): {r['stderr']}")
            result["ingest"] = {"timed": True, "wall_s": round(r["wall_s"], 2), "words_per_s": round(info["words"] / r["wall_s"]),
                                "sentences_per_s": None, "peak_rss_mb": round(r["peak_rss_mb"], 1), "runs": 1,
                                "output": r["stdout"].strip()[-300:]}
        w = run([sys.executable, str(HERE / "scale_worker.py"), str(args.warm_rounds)], reader_env)
        if w["rc"]:
            raise RuntimeError(f"warm worker failed: {w['stderr']}")
        warm = json.loads(w["stdout"].strip().splitlines()[-1])
        result["stored_sentences"] = warm["sentences"]
        if result["ingest"].get("timed"):
            result["ingest"]["sentences_per_s"] = round(warm["sentences"] / result["ingest"]["wall_s"], 1)
        from scale_worker import QUESTIONS

        # The first round asks each question for the first time: what a user with a new
        # question meets (its articles' words not yet derived); later rounds repeat them.
        result["warm"] = {"engine_open_s": warm["open_s"], "first_ask_s": warm["first_ask_s"], "ask_ms": summary(warm["warm_ms"], 1),
                          "first_time_ms": summary(warm["warm_ms"][1:len(QUESTIONS)], 1),
                          "answered": f"{warm['answered']}/{warm['asked']}", "rss_after_open_mb": warm["rss_after_open"]["current_mb"],
                          "peak_rss_mb": round(w["peak_rss_mb"], 1)}

        cold, cold_rss = [], []
        for i in range(args.cold_runs):
            c = run(assistant("ask", QUESTIONS[i % len(QUESTIONS)]), reader_env)
            if c["rc"]:
                raise RuntimeError(f"cold ask failed: {c['stderr']}")
            cold.append(c["wall_s"])
            cold_rss.append(c["peak_rss_mb"])
        result["cold_ask_s"] = summary(cold, 2)
        result["cold_ask_peak_rss_mb"] = round(statistics.median(cold_rss), 1)
        result["disk_mb"] = {"data_dir": du_mb(data), "server_dir": du_mb(server_dir) if server else 0.0}
        if postgres:
            result["disk_mb"]["postgres_dir"] = du_mb(postgres.datadir)
        result["disk_mb"]["total"] = round(sum(result["disk_mb"].values()), 1)
        if server:
            result["visibility"] = visibility(env, work, reader_env)
            result["server_peak_rss_mb"] = round(server.peak_rss_mb(), 1)
    finally:
        if server:
            server.stop()
        if postgres:
            postgres.close()
    return result


# -- server mode: one process's ingest, seen by another's next question -----------------
NEW_ARTICLE = """---
title: Orchard Valley observatory counts a record meteor shower
outlet: Tanager County Herald
date: August 14, 2025
---
The Orchard Valley observatory recorded 4,812 meteors on the night of August 12, its staff said.
The count was the highest since the observatory opened in 1998.
"""
NEW_QUESTION = "How many meteors did the Orchard Valley observatory record?"


def visibility(env: dict, work: Path, reader_env: dict | None = None) -> dict:
    """A running process (as the UI would be; ``reader_env``) answers NEW_QUESTION,
    another process (``env``) ingests the article holding the answer into the same
    server and store, then the first process's next question must cite it; a new CLI
    process must too."""
    reader_env = reader_env or env
    article = work / "visibility" / "meteors.md"
    article.parent.mkdir(exist_ok=True)
    article.write_text(NEW_ARTICLE)
    watcher = subprocess.Popen([sys.executable, str(HERE / "scale_worker.py"), "--watch", NEW_QUESTION], env=reader_env, cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert watcher.stdout is not None and watcher.stdin is not None
        if watcher.stdout.readline().strip() != "ready":
            raise RuntimeError("the watching process did not start")
        ingest = run(assistant("ingest", str(article)), env)
        if ingest["rc"]:
            raise RuntimeError(f"visibility ingest failed: {ingest['stderr'][-500:]}")
        watcher.stdin.write("go\n")
        watcher.stdin.flush()
        seen = json.loads(watcher.stdout.readline())
        watcher.wait(120)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    cli = run(assistant("ask", NEW_QUESTION), reader_env)
    title = "Orchard Valley observatory counts a record meteor shower"
    return {"ingest_one_article_s": round(ingest["wall_s"], 2), "ingest_peak_rss_mb": round(ingest["peak_rss_mb"], 1),
            "running_process_before": seen["before"], "running_process_after": seen["after"],
            "running_process_sees_it": bool(seen["after"]["answered"] and title in seen["after"]["titles"]),
            "running_process_next_question_s": seen["next_question_s"],
            "new_cli_process_sees_it": "4,812" in cli["stdout"], "new_cli_process_s": round(cli["wall_s"], 2)}


# -- ours against the plain llama-index pipeline ----------------------------------------
def compare_ingest(runs: int, work: Path) -> dict:
    corpus = work / "profile-corpus"
    info = write_profile_corpus(corpus)
    empty = work / "no-seeds"
    empty.mkdir(exist_ok=True)
    ours, base = [], []
    for i in range(runs):  # alternating, so both see the same background load
        data = work / f"cmp-ours-{i}"
        r = run(assistant("ingest", str(corpus)), {**os.environ, **QUIET, "NEWSQA_DATA_DIR": str(data), "NEWSQA_SEEDS_DIR": str(empty)})
        if r["rc"]:
            raise RuntimeError(f"ingest failed: {r['stderr']}")
        ours.append(r["wall_s"])
        b = run([sys.executable, str(HERE / "scale_baseline.py"), str(corpus), str(work / f"cmp-base-{i}")], {**os.environ, **QUIET})
        if b["rc"]:
            raise RuntimeError(f"baseline failed: {b['stderr']}")
        base.append(b["wall_s"])
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(work / f"cmp-base-{i}", ignore_errors=True)
        print(f"  compare run {i + 1}: ours {ours[-1]:.1f} s, llama-index {base[-1]:.1f} s", flush=True)
    o, b_ = statistics.median(ours), statistics.median(base)
    return {"corpus": info, "ours_s": summary(ours, 2), "llama_index_s": summary(base, 2),
            "ours_words_per_s": round(info["words"] / o), "llama_index_words_per_s": round(info["words"] / b_),
            "speed_ratio_ours_over_llama_index": round(b_ / o, 2),
            "llama_index_pipeline": "SentenceWindowNodeParser sentence nodes, HuggingFaceEmbedding (same MiniLM, torch fp32), "
                                    "VectorStoreIndex into embedded Chroma; both timed as whole processes"}


# -- output -------------------------------------------------------------------------
def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def git_state() -> dict:
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty_files": git("status", "--short", "--untracked-files=no").splitlines()}


def plot(results: list[dict], path: Path) -> None:
    """Six panels, cost against stored sentences on log-log axes, one line per mode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("ingest, words/s", lambda r: r["ingest"].get("words_per_s")),
              ("warm ask(), ms (p50 solid, p95 dashed)", lambda r: r["warm"]["ask_ms"]["median"]),
              ("cold `assistant ask`, s", lambda r: r["cold_ask_s"]["median"]),
              ("peak RSS, MB (warm process)", lambda r: r["warm"]["peak_rss_mb"]),
              ("engine open (start-up), s", lambda r: r["warm"]["engine_open_s"]),
              ("disk, MB", lambda r: r["disk_mb"]["total"])]
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    for ax, (title, get) in zip(axes.flat, panels):
        for mode, marker, color in (("embedded", "o", "C0"), ("server", "s", "C1"), ("shared", "^", "C2")):
            rows = sorted((r for r in results if r["mode"] == mode), key=lambda r: r["stored_sentences"])
            pts = [(r["stored_sentences"], get(r)) for r in rows if get(r) is not None]
            if pts:
                ax.plot(*zip(*pts), marker + "-", color=color, label=mode)
            if title.startswith("warm"):
                p95 = [(r["stored_sentences"], r["warm"]["ask_ms"]["p95"]) for r in rows]
                if p95:
                    ax.plot(*zip(*p95), marker + "--", color=color, alpha=0.5)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("stored sentences")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("News assistant: cost against corpus size (2 shared cores; medians, see scale.json)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="sampled sentences per corpus, comma-separated")
    parser.add_argument("--modes", default="embedded,server")
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--warm-rounds", type=int, default=5)
    parser.add_argument("--compare-runs", type=int, default=3, help="ours vs llama-index ingest runs (0: skip)")
    parser.add_argument("--server-copy-above", type=int, default=50_000)
    parser.add_argument("--memo-above", type=int, default=50_000, help="sizes above this are built with scale_build.py")
    parser.add_argument("--out", type=Path, default=HERE / "scale.json")
    parser.add_argument("--png", type=Path, default=HERE / "scale.png")
    parser.add_argument("--merge", action="store_true", help="keep results in --out for sizes not run now")
    parser.add_argument("--reuse", action="append", default=[], metavar="SIZE=DATA_DIR",
                        help="start SIZE from a copy of a data dir built earlier from the same corpus "
                             "(benchmarks/scale_build.py on write_sampled_corpus(SIZE)), instead of building it again")
    parser.add_argument("--plot-only", action="store_true", help="redraw --png from --out and exit")
    args = parser.parse_args()
    if args.plot_only:
        plot(json.loads(args.out.read_text())["results"], args.png)
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    args.reuse = {int(k): Path(v) for k, v in (r.split("=", 1) for r in args.reuse)}
    modes = [m for m in args.modes.split(",") if m]
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    figures: dict = {"date": started, "machine": machine(), "code": git_state(), "targets": TARGETS,
                     "corpora": (__doc__ or "").split("How the corpora are made")[1].split("For each size")[0].strip(),
                     "method": {"cold_runs": args.cold_runs, "warm_rounds": args.warm_rounds,
                                "questions": "12 fixed questions (benchmarks/scale_worker.py)", "sizes": sizes, "modes": modes},
                     "results": []}
    previous = json.loads(args.out.read_text()) if args.merge and args.out.exists() else {}
    with tempfile.TemporaryDirectory(prefix="newsqa-scale-") as tmp:
        work = Path(tmp)
        if args.compare_runs:
            print(f"ingest: ours vs llama-index, {args.compare_runs} runs each", flush=True)
            figures["ingest_vs_llama_index"] = compare_ingest(args.compare_runs, work)
        elif previous.get("ingest_vs_llama_index"):
            figures["ingest_vs_llama_index"] = previous["ingest_vs_llama_index"]
        for size in sizes:
            corpus = work / f"corpus-{size}"
            info = write_sampled_corpus(corpus, size)
            embedded_data = None
            for mode in modes:
                print(f"{size} sentences, {mode}: {info['articles']} articles, {info['words']} words", flush=True)
                mode_dir = work / f"run-{size}"
                mode_dir.mkdir(exist_ok=True)
                try:
                    r = bench_size(size, mode, corpus, info, mode_dir, args, embedded_data)
                except RuntimeError as exc:  # a size the code cannot handle is a finding: record it, go on
                    figures.setdefault("failures", []).append({"sentences_sampled": size, "mode": mode, "error": str(exc)[-1500:]})
                    print(f"  failed: {str(exc)[-300:]}", flush=True)
                    break  # the server run of this size would start from the failed embedded store
                if mode == "embedded":
                    embedded_data = mode_dir / "embedded-data"
                embedded = next((e for e in figures["results"] if e["mode"] == "embedded" and e["sentences_sampled"] == size), None)
                if mode == "shared" and embedded:
                    r["warm_vs_embedded"] = {k: round(r["warm"]["ask_ms"][k] / embedded["warm"]["ask_ms"][k], 2) for k in ("median", "p95")}
                figures["results"].append(r)
                print(json.dumps({k: r[k] for k in ("stored_sentences", "mode", "ingest", "cold_ask_s")})[:400], flush=True)
                print(json.dumps(r["warm"]), flush=True)
            shutil.rmtree(work / f"run-{size}", ignore_errors=True)
            shutil.rmtree(corpus, ignore_errors=True)
    if previous:
        figures["failures"] = previous.get("failures", []) + figures.get("failures", [])
        done = {(r["sentences_sampled"], r["mode"]) for r in figures["results"]}
        figures["results"] = [r for r in previous.get("results", []) if (r["sentences_sampled"], r["mode"]) not in done] + figures["results"]
        figures["results"].sort(key=lambda r: (r["sentences_sampled"], r["mode"]))
    figures["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    figures["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    plot(figures["results"], args.png)
    print(f"wrote {args.out} and {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
