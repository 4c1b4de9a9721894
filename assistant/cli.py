"""`assistant ask | serve | ingest | articles | show | remove | export | index | eval | ui | train`.

Heavy imports happen inside the commands, so `assistant ask` pays only for what the
query path needs. `eval`, `ui` and `train` live in their own packages and register themselves
as entry points: the assistant package never imports them.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from collections.abc import Callable

from .settings import apply_offline_env

EXTERNAL_GROUP = "assistant.commands"
EXTERNAL_COMMANDS = ("eval", "ui", "train")


def _progress_bar():
    """A tqdm bar on a terminal; plain "indexed N/M" lines otherwise (logs, tests, pipes)."""
    if not sys.stderr.isatty():
        class _Lines:
            def close(self) -> None:
                pass

        def line(done: int, total: int, label: str) -> None:
            print(f"indexed {done}/{total} {label[:60]}", file=sys.stderr, flush=True)

        return _Lines(), line
    from tqdm import tqdm

    bar = tqdm(total=0, unit="article", file=sys.stderr, leave=False, dynamic_ncols=True)

    def update(done: int, total: int, label: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_description(label[:40])
        bar.refresh()

    return bar, update


def _open_engine():
    """The engine, with a progress bar for what opening may have to do (index the seeds,
    rebuild a damaged index from the article store)."""
    from . import api

    bar, update = _progress_bar()
    try:
        return api.engine(None, update)
    finally:
        bar.close()


def cmd_ask(args) -> int:
    """Asks a running `assistant serve` first (no heavy import here), else answers in-process."""
    if not args.no_server:
        from .serve import ask_resident
        from .settings import Settings

        answer, error = ask_resident(args.question, Settings.from_env())
        if error is not None:
            print(f"error: {error}", file=sys.stderr)
            return 1
        if answer is not None:
            print(json.dumps(answer, ensure_ascii=False, indent=2) if args.json else answer["text"])
            return 0
    from . import api

    _open_engine()
    answer = api.ask(args.question)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(answer.text)
    if args.own_process:
        _exit_now(0)
    return 0


def _exit_now(code: int) -> None:
    """End a one-shot ``ask`` as soon as its answer is out. Interpreter teardown (Chroma's
    Rust client and its loaded HNSW index, ONNX Runtime, ~950 modules) took 0.3-0.4 s after
    the answer was printed, at 100k sentences. Nothing is lost: every write opening the
    engine may make (healing the index, a version's tables) is committed before the answer.
    Skipped while another non-daemon thread runs, and when a stream can't be flushed (closed,
    or a pipe whose reader left): the interpreter then ends and reports as it always has."""
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        return
    try:
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def cmd_index(args) -> int:
    """Re-split and re-embed the stored articles; ``--rebuild`` starts a new index from the
    article store (an index that cannot be opened is moved aside, never deleted)."""
    from . import api
    from .engine import Engine
    from .settings import Settings

    settings = Settings.from_env()
    bar, update = _progress_bar()
    api.reset()
    if args.rebuild:
        eng = Engine(settings, update, rebuild=True)
        api.adopt(eng)
        report = eng.built_from_seeds or _stored_report(eng)
        if eng.moved_aside:
            print(f"Moved the old index aside to {eng.moved_aside}.", file=sys.stderr)
    else:
        eng = api.engine(settings, update)
        report = eng.built_from_seeds or api.rebuild_index(update)
    bar.close()
    print(f"Indexed {len(eng.articles)} articles, {len(eng.rows)} sentences ({report.summary()}).")
    return _report_failures(report)


def _stored_report(eng):
    from .models import IngestReport

    # the stored articles it could not index (``Engine.unindexed``) fail the command, as `assistant index`'s do
    return IngestReport(skipped=[s.doc_id for s in eng.summaries()], failed=list(eng.unindexed))


def cmd_articles(args) -> int:
    from . import api

    articles = api.list_articles()
    if args.json:
        print(json.dumps([a.to_dict() for a in articles], ensure_ascii=False, indent=2))
        return 0
    for a in articles:
        date = a.date_iso or a.date_text or "-"
        print(f"{a.doc_id}\t{date[:24]}\t{a.outlet[:24]}\t{a.title}")
    print(f"{len(articles)} articles", file=sys.stderr)
    return 0


def cmd_show(args) -> int:
    from . import api

    a = api.get_article(args.doc_id)
    if args.json:
        print(json.dumps(a.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"# {a.title}\n{a.outlet} · {a.date_text or 'no date'}" + (f" ({a.date_iso})" if a.date_iso else ""))
    print(f"id {a.doc_id} · source {a.source}" + (f" · {a.url}" if a.url else "") + "\n")
    print(a.text)
    return 0


def cmd_remove(args) -> int:
    from . import api
    from .errors import ArticleNotFound

    missing = 0
    for doc_id in dict.fromkeys(args.doc_ids):
        try:
            removed = api.remove_article(doc_id)
        except ArticleNotFound as exc:
            print(f"error: {exc}", file=sys.stderr)
            missing += 1
            continue
        print(f"Removed {removed.doc_id}: {removed.title}")
    return 1 if missing else 0


def cmd_export(args) -> int:
    from . import api

    n = api.export_articles(args.file)
    print(f"Exported {n} articles to {args.file} (read it back with `assistant ingest {args.file}`).")
    return 0


def cmd_ingest(args) -> int:
    from . import api

    bar, update = _progress_bar()
    api.engine(None, update)  # opening may index the seeds first: show it
    report = api.ingest(args.paths, update)
    bar.close()
    print(f"Ingested: {report.summary()}.")
    return _report_failures(report)


def _report_failures(report) -> int:
    for where, reason in report.failed:
        print(f"error: {where}: {reason}", file=sys.stderr)
    return 1 if report.failed else 0


def _external(name: str) -> Callable[[list[str]], int] | None:
    from importlib.metadata import entry_points

    for ep in entry_points(group=EXTERNAL_GROUP):
        if ep.name == name:
            return ep.load()
    return None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant", description="Ask questions of news articles; answers quote and cite them.")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("ask", help="answer one question")
    a.add_argument("question")
    a.add_argument("--json", action="store_true", help="print the answer as JSON")
    a.add_argument("--no-server", action="store_true", help="answer in this process even if `assistant serve` runs")
    a.set_defaults(func=cmd_ask)
    sv = sub.add_parser("serve", help="keep the engine loaded so `assistant ask` answers at once", add_help=False)
    sv.set_defaults(func=None)
    g = sub.add_parser("ingest", help="add .txt, .md, .html or .jsonl articles (files or folders)")
    g.add_argument("paths", nargs="+")
    g.set_defaults(func=cmd_ingest)
    ls = sub.add_parser("articles", help="list the stored articles (id, date, outlet, title)")
    ls.add_argument("--json", action="store_true", help="print them as JSON")
    ls.set_defaults(func=cmd_articles)
    sh = sub.add_parser("show", help="print one article")
    sh.add_argument("doc_id", metavar="ID")
    sh.add_argument("--json", action="store_true", help="print it as JSON")
    sh.set_defaults(func=cmd_show)
    rm = sub.add_parser("remove", help="remove articles from the store and the index")
    rm.add_argument("doc_ids", nargs="+", metavar="ID")
    rm.set_defaults(func=cmd_remove)
    ex = sub.add_parser("export", help="write every stored article to a .jsonl file that `ingest` reads back")
    ex.add_argument("file", metavar="FILE.jsonl")
    ex.set_defaults(func=cmd_export)
    i = sub.add_parser("index", help="re-split and re-embed the stored articles (built automatically on first use)")
    i.add_argument("--rebuild", action="store_true", help="start a new index from the article store")
    i.set_defaults(func=cmd_index)
    sub.add_parser("eval", help="run the eval suite (see `assistant eval --help`)", add_help=False)
    sub.add_parser("ui", help="start the chat UI (see `assistant ui --help`)", add_help=False)
    sub.add_parser("train", help="refit the answer model on the SQuAD folds (see `assistant train --help`)", add_help=False)
    return p


def run() -> None:
    """The `assistant` program (its console script and `python -m assistant`): the process is
    its own, so a one-shot ``ask`` may end it as soon as the answer is out."""
    sys.exit(main(own_process=True))


def main(argv: list[str] | None = None, *, own_process: bool = False) -> int:
    apply_offline_env()
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "serve":
        from .serve import cli as serve

        return serve(argv[1:])
    if argv and argv[0] in EXTERNAL_COMMANDS:
        command = _external(argv[0])
        if command is None:
            print(f"error: the `{argv[0]}` command is not installed (pip install -e .)", file=sys.stderr)
            return 2
        return int(command(argv[1:]) or 0)
    args = build_parser().parse_args(argv)
    args.own_process = own_process  # the `assistant` program (``run``), not a caller's process (tests, notebooks)
    from .errors import AssistantError

    try:
        return args.func(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `assistant ask --json ... | head`: the reader left; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own flush at exit would fail again
        return 141


if __name__ == "__main__":
    sys.exit(main())
