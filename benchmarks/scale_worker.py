"""One process of the scale benchmark: open the engine, then ask a fixed question list
warm, and print JSON (open time, per-question ms, peak RSS). Run by benchmarks/scale.py
with NEWSQA_* set in its environment, so every figure belongs to one fresh process.

    python benchmarks/scale_worker.py ROUNDS
    python benchmarks/scale_worker.py --watch QUESTION   (server mode: see below)

``--watch``: open the engine, answer QUESTION, print "ready", wait for a line on stdin
(another process ingests meanwhile), ask QUESTION again and print JSON: whether the
second answer cites an article the first could not, and how long that question took
(it includes loading the new corpus version).
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Questions about the seeds and the SQuAD articles: every sampled corpus holds sentences
# of both, so each question has text to match at every size.
QUESTIONS = [
    "Where did Kim Jong Un meet the Russian culture minister?",
    "How many soldiers has Russia lost in the Kursk operation?",
    "Who visited Pyongyang on June 17?",
    "How many member states does the ICC have?",
    "Where were the rockets launched from?",
    "In what country is Normandy located?",
    "What is the main source of heat in a steam engine?",
    "When did the 1973 oil crisis begin?",
    "Who founded Harvard University?",
    "What is packet switching?",
    "Which treaty founded the European Economic Community?",
    "What is a complexity class?",
]


def rss_mb() -> dict:
    """Peak and current resident memory of this process (Linux: ru_maxrss is in KiB)."""
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    return {"peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "current_mb": round(current, 1)}


def watch(question: str) -> int:
    from assistant import api

    before = api.ask(question)
    print("ready", flush=True)
    sys.stdin.readline()
    t = time.perf_counter()
    after = api.ask(question)
    took = time.perf_counter() - t
    print(json.dumps({"before": {"answered": before.answered, "short": before.short_answer},
                      "after": {"answered": after.answered, "short": after.short_answer,
                                "titles": [c.title for c in after.citations]},
                      "next_question_s": round(took, 2), "sentences_after": len(api.engine().snapshot().rows),
                      "rss": rss_mb()}))
    return 0


def main() -> int:
    if sys.argv[1:2] == ["--watch"]:
        return watch(sys.argv[2])
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    t0 = time.perf_counter()
    from assistant import api

    eng = api.engine()
    opened = time.perf_counter() - t0
    after_open = rss_mb()
    t1 = time.perf_counter()
    api.ask(QUESTIONS[0])
    first = time.perf_counter() - t1
    times = []
    answered = 0
    for _ in range(rounds):
        for q in QUESTIONS:
            t = time.perf_counter()
            a = api.ask(q)
            times.append((time.perf_counter() - t) * 1000)
            answered += bool(a.answered)
    print(json.dumps({"open_s": round(opened, 3), "first_ask_s": round(first, 3), "warm_ms": [round(t, 2) for t in times],
                      "answered": answered, "asked": len(times), "articles": len(eng.articles), "sentences": len(eng.rows),
                      "rss_after_open": after_open, "rss_end": rss_mb()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
