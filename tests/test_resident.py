"""`assistant serve`: the CLI's `ask` answered by a resident process, and the fallback to
answering in-process when the server is down or answers garbage."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from conftest import PROJECT_ROOT, free_port, run_cli

from assistant.serve import _parse, fingerprint, serve_file, write_serve_file
from assistant.settings import Settings

QUESTION = "How many soldiers has Russia lost in the Kursk operation?"


def _without_timings(out: str) -> dict:
    d = json.loads(out)
    d.pop("timings_ms")
    return d


@pytest.fixture
def resident(seeded_copy):
    """A real `assistant serve` on the private copy of the seeded data dir."""
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve"], cwd=PROJECT_ROOT, env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    path = serve_file(Settings.from_env())
    deadline = time.time() + 120
    while not path.exists():
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail(f"assistant serve did not start: {proc.stderr.read()}")
        time.sleep(0.2)
    yield proc
    proc.terminate()
    proc.wait(30)


def test_ask_is_answered_by_the_resident_server_with_the_same_json(resident):
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "assistant", "ask", "--json", QUESTION],
                       capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    # Answered without loading the stack: the server did the work (not even NumPy: 0.1 s).
    assert "llama_index" not in r.stderr and "chromadb" not in r.stderr and "numpy" not in r.stderr
    local = run_cli("ask", "--json", "--no-server", QUESTION)
    assert local.returncode == 0, local.stderr
    assert _without_timings(r.stdout) == _without_timings(local.stdout)
    assert "62,000" in json.loads(r.stdout)["short_answer"]

    plain = run_cli("ask", QUESTION)  # without --json: the answer's text, as in-process
    assert plain.stdout.strip() == json.loads(r.stdout)["text"].strip()

    refused = run_cli("ask", "x")  # the server's refusal is the CLI's: same message, exit 1
    assert refused.returncode == 1 and "too short to search for" in refused.stderr

    resident.terminate()
    resident.wait(30)
    assert not serve_file(Settings.from_env()).exists()  # a stopped server removes its file


def test_ask_falls_back_when_the_server_is_dead(seeded_copy):
    write_serve_file(Settings.from_env(), free_port())  # a crashed server's file: nothing listens there
    r = run_cli("ask", "--json", QUESTION)
    assert r.returncode == 0, r.stderr
    assert "62,000" in json.loads(r.stdout)["short_answer"]


class _Garbage(BaseHTTPRequestHandler):
    replies = [b"not json at all", b'{"answer": "62,000"}', b'{"answer": {"question": 1}}', b"[1, 2]",
               b'{"error": ""}', b'{"error": "no such thing"}']

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = self.replies[self.server.n % len(self.replies)]
        self.server.n += 1
        self.send_response(400 if b"error" in body else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def garbage_server():
    server = HTTPServer(("127.0.0.1", 0), _Garbage)
    server.n = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def test_ask_falls_back_when_the_server_answers_garbage(seeded_copy, garbage_server):
    write_serve_file(Settings.from_env(), garbage_server.server_address[1])
    for _ in _Garbage.replies:
        r = run_cli("ask", "--json", QUESTION)
        assert r.returncode == 0, r.stderr
        assert "62,000" in json.loads(r.stdout)["short_answer"]
    assert garbage_server.n == len(_Garbage.replies)  # each was asked, and each reply refused


def test_a_server_with_other_settings_is_not_asked(seeded_copy, garbage_server):
    settings = Settings.from_env()
    other = Settings(**{**settings.__dict__, "top_k": settings.top_k + 1})
    assert fingerprint(other) != fingerprint(settings)
    serve_file(settings).write_text(json.dumps({"port": garbage_server.server_address[1], "pid": 1,
                                                "settings": fingerprint(other)}))
    r = run_cli("ask", QUESTION)
    assert r.returncode == 0 and "62,000" in r.stdout
    assert garbage_server.n == 0


GOOD = {"question": "q", "answered": True, "text": "t", "citations": [{"quote": "a quote"}], "confidence": 0.5}


@pytest.mark.parametrize("status, payload", [
    (200, {"answer": {**GOOD, "citations": [{"quote": 3}]}, "settings": "f"}), (200, {"answer": GOOD}),
    (200, {"answer": GOOD, "settings": "other"}), (500, {"error": "boom", "settings": "f"}), (200, None),
    (302, {"answer": GOOD, "settings": "f"}), (400, {"error": "refused", "settings": "other"})])
def test_replies_other_than_an_answer_or_a_refusal_are_refused(status, payload):
    assert _parse(status, payload, "f") == (None, None)


def test_an_answer_and_a_refusal_from_the_server_are_taken():
    assert _parse(200, {"answer": GOOD, "settings": "f"}, "f") == (GOOD, None)
    assert _parse(400, {"error": "too short", "settings": "f"}, "f") == (None, "too short")
