"""Crash safety: `assistant ingest` killed with SIGKILL at several points of a long ingest.

After each kill the article store and the index are consistent once opened (each
article fully present or absent, nothing citable without its stored article), a
re-run of the same ingest completes, and ``ask()`` works.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import SEEDS

from assistant import api, ask, get_article
from assistant.index.ingestion import PIPELINE_VERSION, revision
from assistant.settings import PROJECT_ROOT, Settings
from vectorstore.articles import open_store

N_ARTICLES = 240


def generated_corpus(path: Path, n: int = N_ARTICLES) -> dict[str, str]:
    """``n`` short articles of sentences sampled from the seed files, each sentence made
    unique (ingest embeds a repeated sentence once, and the kill points below assume every
    sentence costs its embedding, as in real articles); title -> text."""
    text = " ".join(f.read_text(encoding="utf-8") for f in sorted(SEEDS.glob("*.txt")))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if 40 <= len(s.strip()) <= 300]
    rng = random.Random(8)
    corpus = {}
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            title = f"Generated report {i:03d}"
            body = "\n".join(" ".join(f"{s[:-1]} (report {i}, item {k}{j}){s[-1]}" for j, s in enumerate(rng.sample(sentences, 2)))
                              for k in range(rng.randint(2, 3)))
            corpus[title] = body
            out.write(json.dumps({"title": title, "outlet": "Generated Wire", "text": body}) + "\n")
    return corpus


def ingest_and_kill(data: Path, corpus: Path, after_lines: int, delay: float, env: dict | None = None) -> list[str]:
    """Run `assistant ingest` and SIGKILL it ``delay`` s after its ``after_lines``-th
    progress line; returns the progress lines seen. ``env``: more settings (a server, a store)."""
    env = {**os.environ, **(env or {}), "NEWSQA_DATA_DIR": str(data)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(corpus)], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, env=env, cwd=PROJECT_ROOT)
    seen: list[str] = []
    try:
        for line in proc.stderr:
            if line.startswith("indexed "):
                seen.append(line.strip())
                if len(seen) >= after_lines:
                    time.sleep(delay)
                    break
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, f"ingest ended on its own before the kill point: {seen}"
    return seen


def check_consistent(data: Path, corpus: dict[str, str], env: dict | None = None,
                     question: str = "How many soldiers has Russia lost in the Kursk operation?") -> tuple[int, int]:
    """Open the data dir (with the settings of ``env``) as a new process would and check
    every invariant; returns the number of generated articles present, and how many of
    them the open had to index (stored before the kill, not yet indexed)."""
    os.environ.update(env or {})
    os.environ["NEWSQA_DATA_DIR"] = str(data)
    settings = Settings.from_env()
    stored = open_store(data, settings.articles_url)  # integrity-checked
    for s in stored.all():
        if s.outlet == "Generated Wire":
            assert s.text == corpus[s.title], f"{s.doc_id} stored with partial text"
    raw_store = stored.hashes()
    stored.close()

    from vectorstore.client import forget_clients
    from vectorstore.store import ChromaStore

    raw_index = ChromaStore(data, settings.collection, settings.chroma_host, settings.chroma_port).article_hashes(PIPELINE_VERSION)
    healed = [d for d, h in raw_store.items() if raw_index.get(d) != h]
    forget_clients()
    api.reset()
    eng = api.engine()  # reconciles the index with the store
    db_hashes = eng.db.hashes()
    assert set(eng.articles) == set(db_hashes), "a stored article is missing from the index after open"
    for doc_id in eng.articles:
        text = eng.articles.text(doc_id)
        rows = eng.by_doc.get(doc_id, [])
        assert rows, f"{doc_id} has no sentences"
        assert [r.idx for r in rows] == list(range(len(rows))), f"{doc_id} has a gap in its sentences"
        assert not text[:rows[0].start].strip() and not text[rows[-1].end:].strip(), \
            f"{doc_id} is only partly indexed"
        assert all(text[r.start:r.end] == r.text for r in rows)
    owners = eng.store.sentence_owners()
    assert len(owners) == len(eng.rows), "stray sentence rows left in the index"
    assert all(doc in db_hashes and rev == revision(db_hashes[doc]) for doc, rev in owners.values())
    assert set(eng.store.article_hashes()) == set(db_hashes)
    assert not eng.db.index_dirty, "a dead writer's mark was left behind"
    a = ask(question)
    assert a.answered and all(get_article(c.doc_id).text[c.start:c.end] == c.quote for c in a.citations)
    assert set(db_hashes) == set(raw_store), "opening must not add or drop stored articles"
    return sum(1 for d in eng.articles.values() if d["outlet"] == "Generated Wire"), len(healed)



def test_sigkill_during_ingest_loses_nothing_and_rerun_completes(seeded_dir, tmp_path):
    data = tmp_path / "data"
    api.reset()
    shutil.copytree(seeded_dir, data)
    corpus_file = tmp_path / "generated.jsonl"
    corpus = generated_corpus(corpus_file)
    previous = os.environ.get("NEWSQA_DATA_DIR")
    try:
        present, healed = [], []
        # Mid first batch (store committed, index half-written); right after a batch is
        # reported; a little into the first batch of a run.
        for after_lines, delay in ((1, 1.5), (2, 0.0), (1, 0.3)):
            ingest_and_kill(data, corpus_file, after_lines, delay)
            got, fixed = check_consistent(data, corpus)
            present.append(got)
            healed.append(fixed)
            api.reset()
        assert present[-1] < N_ARTICLES, f"the kills came too late to test anything: {present}"
        assert any(healed), "no kill landed between the store and the index"
        r = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(corpus_file)], capture_output=True,
                           text=True, env={**os.environ, "NEWSQA_DATA_DIR": str(data)}, cwd=PROJECT_ROOT, timeout=600)
        assert r.returncode == 0, r.stderr[-2000:]
        assert check_consistent(data, corpus) == (N_ARTICLES, 0)
    finally:
        if previous:
            os.environ["NEWSQA_DATA_DIR"] = previous
        api.reset()
