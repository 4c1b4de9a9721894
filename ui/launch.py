"""Serving the UI: theme, CSS, safe launch options and the ``assistant ui`` command.

Gradio 6 takes theme/CSS at ``launch()``, not in ``gr.Blocks()``, so every
launch (the CLI and the tests) goes through ``launch()`` here.  The command
refuses to expose the engine beyond this machine without a password, and never
creates a public share link unless asked.
"""
from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import socket
import sys
import time
from typing import Any

import gradio as gr

AUTH_ENV = "NEWSQA_UI_AUTH"
# One of each kind (place, number): some parts of the engine load on the first question that needs them.
WARM_QUESTIONS = (
    "Where did Kim Jong Un meet the Russian culture minister?",
    "How many soldiers has Russia lost in the Kursk operation?",
)

# System fonts only: the default theme would pull Google Fonts, and there is no internet.
THEME = gr.themes.Default(
    font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)

CSS = """
.newsqa-declined { border-left: 4px solid #d97706; background: #fef3c7; color: #78350f;
  padding: .6em .9em; border-radius: 6px; }
.newsqa-declined small { color: #92400e; }
.newsqa-not-stated { border-left: 4px solid #64748b; background: #f1f5f9; color: #1e293b;
  padding: .6em .9em; border-radius: 6px; margin-bottom: .4em; }
.newsqa-not-stated small { color: #475569; }
#newsqa-article .newsqa-article { padding: .25em .5em; }
#newsqa-article .newsqa-title { margin: 0 0 .2em; }
#newsqa-article .newsqa-meta { opacity: .75; font-size: .9em; margin-bottom: .6em; }
#newsqa-article .newsqa-body { white-space: pre-wrap; max-height: 65vh; overflow-y: auto;
  line-height: 1.55; border-top: 1px solid rgba(128,128,128,.3); padding-top: .6em; }
#newsqa-article mark.newsqa-mark { background: #fde047; color: #111; padding: 0 .1em;
  border-radius: 2px; scroll-margin: 3em; }
#newsqa-article .newsqa-source { opacity: .6; font-size: .8em; margin-top: .6em; word-break: break-all; }
.newsqa-empty { opacity: .7; font-style: italic; padding: 1em .5em; }
"""

# Runs once per page in the article panel (gr.HTML js_on_load); `watch` fires after each re-render.
SCROLL_TO_MARK_JS = """
const show = () => requestAnimationFrame(() => {
  const body = element.querySelector('.newsqa-body');
  const mark = element.querySelector('mark');
  if (body && mark) {
    body.scrollTop += mark.getBoundingClientRect().top - body.getBoundingClientRect().top - body.clientHeight / 3;
  } else if (body) body.scrollTop = 0;
  if (mark) mark.scrollIntoView({block: 'nearest', behavior: 'instant'});
});
watch('value', show);
"""

# The chat's change event (js only): a new reply is shown from its start, under its question.
# Gradio's autoscroll (turned off) shows the bottom, where a long not_stated reply's closest
# passages read like an answer while its "Not stated" notice is out of view. Run twice: the
# bubbles render a moment after the value changes.
SCROLL_TO_REPLY_JS = """
() => {
  const show = () => {
    const asked = document.querySelectorAll('#newsqa-chat [data-testid="user"]');
    const last = asked[asked.length - 1];
    let box = last && last.parentElement;
    while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
    if (box) box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
  };
  for (const ms of [50, 400]) setTimeout(() => requestAnimationFrame(show), ms);
}
"""


def launch(
    app: gr.Blocks,
    *,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    auth: tuple[str, str] | None = None,
    share: bool = False,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> Any:
    """Queue and launch ``app`` with the project's theme and safe defaults."""
    app.queue(default_concurrency_limit=1)  # events name their own limits (ui.app: readers run in parallel)
    return app.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        auth_message="News assistant: sign in." if auth else None,
        share=share,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        show_error=True,
        theme=THEME,
        css=CSS,
        max_file_size=_max_upload_bytes(),
    )


def _max_upload_bytes() -> int:
    """The upload cap (NEWSQA_MAX_UPLOAD_BYTES): Gradio refuses bigger files before they are stored."""
    from assistant.settings import Settings

    return Settings.from_env().max_upload_bytes


def parse_auth(text: str | None) -> tuple[str, str] | None:
    """``USER:PASS`` -> (user, pass); the password may itself contain ':'."""
    if not text:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise ValueError("--auth (or NEWSQA_UI_AUTH) must look like USER:PASS, both non-empty.")
    return user, password


def is_loopback(host: str) -> bool:
    """True only for addresses other machines cannot reach; unknown names count as exposed."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_error(host: str, auth: tuple[str, str] | None, share: bool, no_auth: bool) -> str | None:
    """Why serving would expose the engine without a password, or None when it is fine."""
    if auth or no_auth:
        return None
    if not is_loopback(host):
        where = f"on {host!r}, which other machines can reach"
    elif share:
        where = "through a public share link"
    else:
        return None
    return (
        f"Refusing to serve the assistant without a password {where}. "
        f"Pass --auth USER:PASS (or set {AUTH_ENV}), or --no-auth if you really mean to "
        "serve it to anyone who can connect."
    )


def port_number(text: str) -> int:
    """argparse type for --port: out of range, bind() would end in an OverflowError traceback."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return port


def bind_problem(host: str, port: int) -> str:
    """Why the server could not start on host:port. Gradio's OSError only advises its own
    settings (GRADIO_SERVER_PORT, launch()), for a port in use and a bad address alike,
    so bind once more here to learn which it was."""
    problem = f"the server did not start on {host}:{port}; try another port with --port"
    try:  # every address of the name ("localhost": ::1 and 127.0.0.1)
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"cannot serve on {host}:{port}: {exc.strerror or exc}"
    for family, kind, _, _, address in addresses:
        try:
            with socket.socket(family, kind) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
                probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} is already in use on {host}; choose another with --port"
            problem = f"cannot serve on {host}:{port}: {exc.strerror or exc}"
    return problem


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant ui", description="Serve the chat UI of the news assistant.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=port_number, default=7860, help="port, 1 to 65535 (default: 7860)")
    p.add_argument("--auth", metavar="USER:PASS", help=f"require this login (default: ${AUTH_ENV})")
    p.add_argument("--no-auth", action="store_true", help="allow a non-loopback host without a login")
    p.add_argument("--share", action="store_true", help="also create a public Gradio share link (off by default)")
    return p


def warm() -> float:
    """Real questions, so indexes and models are loaded before the first user asks."""
    from assistant import ask

    start = time.perf_counter()
    for question in WARM_QUESTIONS:
        ask(question)
    return time.perf_counter() - start


def cli(argv: list[str] | None = None) -> int:
    """``assistant ui [--host H] [--port P] [--auth USER:PASS] [--no-auth] [--share]``."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help or a usage error: argparse has printed why
        return int(exc.code or 0)
    try:
        auth = parse_auth(args.auth or os.environ.get(AUTH_ENV))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problem = exposure_error(args.host, auth, args.share, args.no_auth)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2

    from assistant.errors import AssistantError
    from ui.app import build_app

    print("Loading the articles and models…", file=sys.stderr, flush=True)
    try:
        seconds = warm()
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Engine ready ({seconds:.1f} s).", file=sys.stderr, flush=True)
    try:
        app = build_app()
        try:
            launch(app, host=args.host, port=args.port, auth=auth, share=args.share, prevent_thread_lock=True)
        except OSError:  # port in use, address not available
            print(f"error: {bind_problem(args.host, args.port)}", file=sys.stderr)
            return 1
        # Once the chat is up: a first upload would otherwise wait for the ingest stack.
        from assistant import api
        from assistant.settings import Settings

        if Settings.from_env().preload_ingest:
            api.prepare_ingest()
        app.block_thread()
    except KeyboardInterrupt:
        pass
    return 0
