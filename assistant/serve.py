"""``assistant serve``: a resident process that answers the CLI's ``ask``.

A cold ``assistant ask`` spends most of its time importing llama-index, chromadb and
onnxruntime and opening the index; a process that has already done so answers in tens of
milliseconds. ``serve`` opens the engine once, answers one warm-up question, listens on
127.0.0.1 and writes ``DATA_DIR/serve.json`` (port, pid, settings fingerprint). ``ask``
reads that file and posts the question there (``ask_resident``), importing nothing but the
standard library; when no server runs, the one named in the file is dead, busy past the
timeout, serves other settings, or answers anything but a well-formed answer, the CLI
answers in-process as before. The server only reads: ingests by other processes reach it
through the engine's snapshot check, as they reach the UI.

Protocol: ``POST /ask`` with ``{"question": str, "settings": fingerprint}`` returns
``{"answer": Answer.to_dict(), "settings": fingerprint}``, or ``{"error": message,
"settings": fingerprint}`` with status 400 for a question the engine refuses (the CLI
prints it as it would its own); 409 for another fingerprint, 500 if answering failed.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from .settings import Settings

SERVE_FILE = "serve.json"
CONNECT_TIMEOUT_S = 0.25  # a dead server's port refuses at once; a black hole must not hang the CLI
ANSWER_TIMEOUT_S = 10.0  # a live server slower than this is no faster than answering here (cold: 3-5 s)
MAX_BODY = 1_000_000
ANSWER_KEYS = {"question": str, "answered": bool, "text": str, "citations": list, "confidence": (int, float)}
WARM_QUESTION = "Where did Kim Jong Un meet the Russian culture minister?"


def fingerprint(settings: Settings) -> str:
    """What must match for the server's answer to be the one this process would give."""
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]


def serve_file(settings: Settings) -> Path:
    return Path(settings.data_dir) / SERVE_FILE


# -- client (the CLI side): standard library only ---------------------------------------
def ask_resident(question: str, settings: Settings) -> tuple[dict | None, str | None]:
    """``(answer_dict, None)`` or ``(None, error message)`` from the running server; ``(None,
    None)`` when there is none usable (the caller answers in-process)."""
    info = _read_json(serve_file(settings))
    if not isinstance(info, dict) or not isinstance(info.get("port"), int) or info.get("settings") != fingerprint(settings):
        return None, None
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", info["port"], timeout=CONNECT_TIMEOUT_S)
    try:
        conn.connect()
        conn.sock.settimeout(ANSWER_TIMEOUT_S)
        body = json.dumps({"question": question, "settings": fingerprint(settings)})
        conn.request("POST", "/ask", body=body.encode(), headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        payload = json.loads(resp.read(MAX_BODY + 1)[:MAX_BODY])
    except (OSError, http.client.HTTPException, ValueError):  # refused, timed out, cut off, not JSON
        return None, None
    finally:
        conn.close()
    return _parse(resp.status, payload, fingerprint(settings))


def _parse(status: int, payload: Any, expected: str) -> tuple[dict | None, str | None]:
    """Accept only what this server sends (it echoes the settings fingerprint, which a
    stranger on a reused port does not); anything else means answering in-process."""
    if not isinstance(payload, dict) or payload.get("settings") != expected:
        return None, None
    if status == 400 and isinstance(payload.get("error"), str) and payload["error"]:
        return None, payload["error"]
    answer = payload.get("answer")
    if status != 200 or not isinstance(answer, dict):
        return None, None
    if not all(isinstance(answer.get(k), t) for k, t in ANSWER_KEYS.items()):
        return None, None
    if not all(isinstance(c, dict) and isinstance(c.get("quote"), str) for c in answer["citations"]):
        return None, None
    return answer, None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# -- server -----------------------------------------------------------------------------
def make_server(settings: Settings, host: str = "127.0.0.1", port: int = 0):
    """A threaded HTTP server answering ``POST /ask`` from this process's engine (opened
    by the caller). Questions run in parallel, each on the current snapshot."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from . import api
    from .errors import AssistantError

    expected = fingerprint(settings)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the parent's name)
            pass  # one line per question on stderr is noise for a resident helper

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/health":
                self._send(200, {"ok": True, "pid": os.getpid(), "settings": expected})
            else:
                self._send(404, {"error": "POST /ask, GET /health"})

        def do_POST(self) -> None:
            if self.path != "/ask":
                return self._send(404, {"error": "POST /ask, GET /health"})
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if not 0 < length <= MAX_BODY:
                    raise ValueError(f"a body of 1 to {MAX_BODY} bytes is required")
                request = json.loads(self.rfile.read(length))
                if not isinstance(request, dict):
                    raise ValueError("the body must be a JSON object")
            except ValueError as exc:
                return self._send(400, {"error": f"bad request: {exc}"})
            if request.get("settings") != expected:
                return self._send(409, {"error": "this server runs with other settings"})
            try:
                answer = api.ask(request.get("question"))
            except AssistantError as exc:
                return self._send(400, {"error": str(exc), "settings": expected})
            except Exception as exc:  # the CLI then answers in-process and shows the error itself
                return self._send(500, {"error": f"{type(exc).__name__}: {exc}"})
            self._send(200, {"answer": answer.to_dict(), "settings": expected})

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def write_serve_file(settings: Settings, port: int) -> Path:
    """Written under a temporary name and renamed: a reader never sees half a file."""
    path = serve_file(settings)
    tmp = path.with_name(f".{SERVE_FILE}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"port": port, "pid": os.getpid(), "settings": fingerprint(settings)}))
    os.replace(tmp, path)
    return path


def remove_serve_file(settings: Settings) -> None:
    """Only our own: another server may have replaced it since."""
    path = serve_file(settings)
    info = _read_json(path)
    if isinstance(info, dict) and info.get("pid") == os.getpid():
        path.unlink(missing_ok=True)


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


def cli(argv: list[str]) -> int:
    """``assistant serve [--port P]``: open the engine, warm it, answer until stopped."""
    import argparse
    import signal
    import time

    p = argparse.ArgumentParser(prog="assistant serve",
                                description="Keep the engine loaded so `assistant ask` answers at once.")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    args = p.parse_args(argv)

    from . import api
    from .errors import AssistantError

    start = time.perf_counter()
    try:
        settings = Settings.from_env()
        api.engine(settings)
        api.ask(WARM_QUESTION)  # the first answer loads the answer model and the first rows
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    server = make_server(settings, port=args.port)
    port = server.server_address[1]
    signal.signal(signal.SIGTERM, _interrupt)  # stop as on Ctrl-C: the serve file is removed
    path = write_serve_file(settings, port)
    print(f"Serving `assistant ask` on 127.0.0.1:{port} ({path}); ready in {time.perf_counter() - start:.1f} s.",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=1.0)
    except KeyboardInterrupt:
        pass
    finally:
        remove_serve_file(settings)
        server.server_close()
    return 0
