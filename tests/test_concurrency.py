"""Concurrent readers: 16 `/ask` clients at once, against the real Gradio app, while an
ingest of 120 articles runs in the same server process. Every answer is right, no errors,
and questions keep being answered while the ingest is under way (they run on the
snapshot current when they started; the ingest swaps a new one in when done).

Latency is printed, not asserted: speed targets are measured by `make bench`.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import serve
from gradio_client import Client

from assistant import api

CLIENTS = 16
ROUNDS = 3
QUESTIONS = {
    "How many soldiers has Russia lost in the Kursk operation?": "62,000",
    "Where did Kim Jong Un meet the Russian culture minister?": "Pyongyang",
    "Who is the Russian culture minister who met Kim Jong Un?": "Lyubimova",
    "How many member states does the ICC have?": "124",
}


def unrelated_corpus(path: Path, n: int = 120) -> None:
    """Articles about nothing the questions ask: the ingest must not change the answers."""
    rng = random.Random(16)
    towns = ["Lakeview", "Brookfield", "Stonehaven", "Millbrook", "Fairmoor", "Ashdale"]
    things = ["flower show", "chess tournament", "bread festival", "kite contest", "choir evening", "bike race"]
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            town, thing = rng.choice(towns), rng.choice(things)
            body = "\n".join(f"The {thing} in {town} drew {rng.randint(100, 9000)} visitors on day {d} of the event, "
                             f"organisers of edition {i} said." for d in range(1, rng.randint(4, 7)))
            out.write(json.dumps({"title": f"{town} {thing} report {i}", "outlet": "Village Courier", "text": body}) + "\n")


@pytest.fixture
def private_copy(seeded_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data)
    previous = os.environ.get("NEWSQA_DATA_DIR")
    os.environ["NEWSQA_DATA_DIR"] = str(data)
    api.reset()
    yield data
    os.environ["NEWSQA_DATA_DIR"] = previous or ""
    api.reset()


def test_sixteen_clients_ask_at_once_while_an_ingest_runs(private_copy, tmp_path):
    corpus = tmp_path / "unrelated.jsonl"
    unrelated_corpus(corpus)
    api.ask("Who visited Pyongyang on June 17?")  # warm, as `assistant ui` does before serving
    ingest_window: dict[str, float] = {}
    ingest_result: dict = {}

    def run_ingest() -> None:
        ingest_window["start"] = time.perf_counter()
        try:
            ingest_result["report"] = api.ingest([corpus])
        except Exception as exc:  # reported by the assertion below
            ingest_result["error"] = exc
        ingest_window["end"] = time.perf_counter()

    with serve() as url:
        clients = [Client(url, verbose=False) for _ in range(CLIENTS)]
        items = list(QUESTIONS.items())

        def one_client(n: int) -> list[tuple[str, dict | Exception, float, float]]:
            got = []
            for r in range(ROUNDS):
                question, _ = items[(n + r) % len(items)]
                t0 = time.perf_counter()
                try:
                    result = clients[n].predict(question, api_name="/ask")
                except Exception as exc:
                    result = exc
                got.append((question, result, t0, time.perf_counter()))
            return got

        ingest = threading.Thread(target=run_ingest)
        ingest.start()
        while "start" not in ingest_window:
            time.sleep(0.01)
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = [x for batch in pool.map(one_client, range(CLIENTS)) for x in batch]
        ingest.join(600)

    assert "error" not in ingest_result, ingest_result.get("error")
    assert len(ingest_result["report"].added) == 120
    errors = [(q, r) for q, r, *_ in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    wrong = [(q, r["short_answer"]) for q, r, *_ in results if not r["answered"] or QUESTIONS[q] not in r["text"]]
    assert not wrong, wrong
    during = [t1 for *_, t0, t1 in results if ingest_window["start"] < t1 < ingest_window["end"]]
    assert during, "no question was answered while the ingest ran: readers waited for the writer"
    latencies = sorted(t1 - t0 for *_, t0, t1 in results)
    print(f"\n{len(results)} answers from {CLIENTS} clients; {len(during)} while ingesting; "
          f"p50 {statistics.median(latencies):.2f} s, p95 {latencies[int(0.95 * (len(latencies) - 1))]:.2f} s")
    # The new articles are answerable once the ingest is done.
    assert "Village Courier" in api.ask("How many visitors did the Lakeview kite contest draw?").text
