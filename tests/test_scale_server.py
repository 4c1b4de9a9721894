"""Two processes share one real `chroma run` server: what one ingests, the other's next
question sees. Small corpus so it fits `make test`; benchmarks/scale.py runs server mode
at 1k–100k sentences."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import PROJECT_ROOT, run_cli

pytestmark = pytest.mark.server

# A long-lived asker: one JSON answer per question read from stdin, in one process (the
# engine stays open between questions, as in the UI or a notebook).
ASKER = """
import json, sys
from assistant import api
for line in sys.stdin:
    a = api.ask(line.strip())
    print(json.dumps({"answered": a.answered, "short": a.short_answer, "quotes": [c.quote for c in a.citations],
                      "articles": len(api.engine().articles)}), flush=True)
"""

FERRY = {"title": "Ferry Morning Lark enters service", "outlet": "Wonsan Gazette", "date": "July 3, 2025",
         "text": "The passenger ferry Morning Lark was launched in Wonsan on 3 July with 412 berths.\n\n"
                 "Its captain, Ri Song Hui, said the vessel would sail to Rason twice a week."}
SEED = {"title": "Tumen bridge opens", "outlet": "Test Wire", "date": "May 2, 2025",
        "text": "The Tumen river bridge opened on Friday after 14 months of work.\n\n"
                "Engineers said the bridge carries 40 trucks an hour across the border."}


def test_ingest_in_one_process_is_seen_by_the_others_next_question(chroma_server, tmp_path):
    _, port = chroma_server
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "bridge.jsonl").write_text(json.dumps(SEED) + "\n")
    env = {**os.environ, "NEWSQA_CHROMA_HOST": "127.0.0.1", "NEWSQA_CHROMA_PORT": str(port),
           "NEWSQA_DATA_DIR": str(tmp_path / "local"), "NEWSQA_SEEDS_DIR": str(seeds)}
    asker = subprocess.Popen([sys.executable, "-c", ASKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env, cwd=PROJECT_ROOT)
    try:
        def ask(question: str) -> dict:
            asker.stdin.write(question + "\n")
            asker.stdin.flush()
            line = asker.stdout.readline()
            assert line, asker.stderr.read()
            return json.loads(line)

        before = ask("How many berths does the ferry Morning Lark have?")
        assert before["articles"] == 1  # the seed article, indexed into the server on first open
        assert not any("412 berths" in q for q in before["quotes"])

        new = tmp_path / "ferry.jsonl"
        new.write_text(json.dumps(FERRY) + "\n")
        r = run_cli("ingest", str(new), env=env)  # another process, same server
        assert r.returncode == 0, r.stderr

        after = ask("How many berths does the ferry Morning Lark have?")
        assert after["articles"] == 2
        assert after["answered"] and "412" in after["short"]
        assert any("412 berths" in q for q in after["quotes"])
        older = ask("How many trucks an hour does the Tumen river bridge carry?")  # the first article is still there
        assert older["answered"] and "40" in older["short"]
    finally:
        asker.stdin.close()
        asker.wait(60)


@pytest.mark.postgres
def test_processes_with_their_own_data_dirs_share_one_server(chroma_server, articles_url, tmp_path):
    """Several machines (or users) with their own data dir, one `chroma run` and one
    PostgreSQL article store: an article ingested by one is answered by the others."""
    _, port = chroma_server
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "bridge.jsonl").write_text(json.dumps(SEED) + "\n")
    server = {"NEWSQA_CHROMA_HOST": "127.0.0.1", "NEWSQA_CHROMA_PORT": str(port), "NEWSQA_SEEDS_DIR": str(seeds),
              "NEWSQA_ARTICLES_URL": articles_url}
    a, b = ({**server, "NEWSQA_DATA_DIR": str(tmp_path / name)} for name in ("a", "b"))
    question = "How many berths does the ferry Morning Lark have?"
    for env in (a, b):  # both open the shared index first
        assert run_cli("ask", "How many trucks an hour does the Tumen river bridge carry?", env=env).returncode == 0
    new = tmp_path / "ferry.jsonl"
    new.write_text(json.dumps(FERRY) + "\n")
    assert run_cli("ingest", str(new), env=a).returncode == 0
    r = run_cli("ask", "--json", question, env=b)
    assert r.returncode == 0, r.stderr
    assert "412" in (json.loads(r.stdout)["short_answer"] or "")


def test_a_client_with_its_own_data_dir_never_deletes_anothers_articles(chroma_server, tmp_path):
    """Without a shared article store (each data dir its own SQLite), opening a second
    data dir against the same server must not sweep the first client's articles out of
    the shared index as orphans: they are still answered for their owner."""
    _, port = chroma_server
    server = {"NEWSQA_CHROMA_HOST": "127.0.0.1", "NEWSQA_CHROMA_PORT": str(port), "NEWSQA_COLLECTION": "owners"}
    owners = []
    for name in ("first", "second"):
        seeds = tmp_path / f"seeds-{name}"
        seeds.mkdir()
        (seeds / "a.jsonl").write_text(json.dumps(SEED) + "\n")
        owners.append({**os.environ, **server, "NEWSQA_DATA_DIR": str(tmp_path / name), "NEWSQA_SEEDS_DIR": str(seeds)})
    first, second = owners
    assert run_cli("index", env=second).returncode == 0  # the second client's store: the bridge
    ferry = tmp_path / "ferry.jsonl"
    ferry.write_text(json.dumps(FERRY) + "\n")
    r = run_cli("ingest", str(ferry), env=first)  # the first client adds the ferry to the shared index
    assert r.returncode == 0, r.stderr
    r = run_cli("index", env=second)  # reopens with a store that lacks the ferry
    assert r.returncode == 0, r.stderr
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    assert len(client.get_collection("owners_articles").get(include=[])["ids"]) == 2
    owners_of_sentences = {m["doc_id"] for m in client.get_collection("owners_sentences").get(include=["metadatas"])["metadatas"]}
    assert len(owners_of_sentences) == 2  # the ferry's sentences are still there for its owner
    r = run_cli("ask", "--json", "How many berths does the ferry Morning Lark have?", env=first)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["citations"], "the owner still gets the ferry's passages"
