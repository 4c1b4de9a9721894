"""Adding one article to a large corpus: time until a question about it is answered, with
the tables built incrementally, against a full build of the same version.

    python benchmarks/incremental.py DATA_DIR [--runs 3] [--out benchmarks/incremental.json]

DATA_DIR is a built store (e.g. one of `make bench-scale`'s, or benchmarks/scale_build.py's);
it gains the benchmark's articles (each run adds one and then removes it again).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARTICLE = """---
title: Ferry line to Ulleung reopens, edition {n}
outlet: Harbour Times
date: 2024-07-02
---
The ferry line between Pohang and Ulleung island reopened on Tuesday after repairs.
Harbour master Jang Min-seo said the new ship of edition {n} carries {passengers} passengers.
Officials expect about 400,000 visitors to Ulleung this year.
"""


def full_build_s(eng, work: Path) -> float:
    """A full build of the engine's current version (every sentence read from Chroma)."""
    import sqlite3

    from assistant.index.tables.store import SCHEMA

    t0 = time.perf_counter()
    conn = sqlite3.connect(work / "full.sqlite")
    conn.executescript(SCHEMA)
    eng.build_tables(conn, work / "full.words.npy", work / "bm25", "full", incremental=False)
    conn.commit()
    conn.close()
    return time.perf_counter() - t0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data_dir", type=Path)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "incremental.json")
    args = p.parse_args()
    os.environ["NEWSQA_DATA_DIR"] = str(args.data_dir.resolve())
    from assistant import api

    load_before = os.getloadavg()
    eng = api.engine()
    api.ask("Who visited Pyongyang on June 17?")
    sentences = len(eng.rows)
    add, remove, full = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.runs):
            path = Path(tmp) / f"ferry-{n}.md"
            passengers = f"{1000 + 37 * n:,}"
            path.write_text(ARTICLE.format(n=n, passengers=passengers), encoding="utf-8")
            t0 = time.perf_counter()
            report = api.ingest([path])
            answer = api.ask(f"How many passengers does the new ship of edition {n} carry?")
            add.append(time.perf_counter() - t0)
            if passengers not in (answer.short_answer or ""):
                raise SystemExit(f"the new article was not answered: {answer.text}")
            work = Path(tmp) / f"full-{n}"
            work.mkdir()
            full.append(full_build_s(eng, work))
            t0 = time.perf_counter()
            api.remove_article(report.added[0])
            remove.append(time.perf_counter() - t0)
    figures = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "sentences": sentences, "articles": len(eng.articles),
        "load_average_at_start": [round(x, 2) for x in load_before],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip(),
        "add_one_article_until_answered_s": {"median": round(statistics.median(add), 2), "runs": [round(x, 2) for x in add]},
        "remove_one_article_s": {"median": round(statistics.median(remove), 2), "runs": [round(x, 2) for x in remove]},
        "full_tables_build_s": {"median": round(statistics.median(full), 2), "runs": [round(x, 2) for x in full]},
        "note": "add = ingest (split, embed, Chroma write) + incremental tables and BM25 + the answering ask, in one "
                "process (its first add loads spaCy); full = the same version's tables built from every sentence in "
                "Chroma, as before issue 14",
    }
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
