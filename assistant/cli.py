"""`assistant ask | index | ingest | eval | ui`.

Heavy imports happen inside the commands, so `assistant ask` pays only for what the
query path needs. `eval` and `ui` live in their own packages and register themselves
as entry points: the assistant package never imports them.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from .settings import apply_offline_env

EXTERNAL_GROUP = "assistant.commands"


def _progress_bar():
    from tqdm import tqdm

    bar = tqdm(total=0, unit="article", file=sys.stderr, leave=False, dynamic_ncols=True)

    def update(done: int, total: int, label: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_description(label[:40])
        bar.refresh()

    return bar, update


def cmd_ask(args) -> int:
    from . import api

    answer = api.ask(args.question)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(answer.text)
    return 0


def cmd_index(args) -> int:
    from . import api
    from .settings import Settings

    settings = Settings.from_env()
    bar, update = _progress_bar()
    saved = []
    if args.rebuild and not settings.server_mode:
        saved = _stored_articles(settings)
        _move_aside(settings.data_dir if settings.data_dir.is_file() else settings.data_dir / "chroma")
    api.reset()
    eng = api.engine(settings, update)
    if args.rebuild:
        report = api.restore_articles(saved, update)  # ingested files survive a rebuild
        if eng.built_from_seeds:
            report.added[:0] = eng.built_from_seeds.added
            report.failed[:0] = eng.built_from_seeds.failed
    else:
        report = eng.built_from_seeds or api.rebuild_index(update)
    bar.close()
    print(f"Indexed {len(eng.articles)} articles, {len(eng.rows)} sentences ({report.summary()}).")
    return _report_failures(report)


def _stored_articles(settings) -> list:
    """The articles of the index about to be rebuilt, when it can still be read."""
    from .engine import Engine

    if not (settings.data_dir / "chroma").is_dir():
        return []
    try:
        from vectorstore.client import forget_clients
        from vectorstore.store import ChromaStore

        store = ChromaStore(settings.data_dir, settings.collection)
        articles = [Engine.article_from_row(r) for r in store.list_articles(with_text=True)]
        forget_clients()  # the directory is about to move: the next client must open the new one
        return articles
    except Exception as exc:  # a corrupted store is why one rebuilds
        print(f"The old index cannot be read ({type(exc).__name__}); rebuilding from the seeds only. "
              "Add your own files again with `assistant ingest PATH`.", file=sys.stderr)
        return []


def _move_aside(path) -> None:
    """Never delete a user's index: a broken one is kept next to the new one."""
    import time

    if path.exists():
        target = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
        path.rename(target)
        print(f"Moved the old index aside to {target}.", file=sys.stderr)


def cmd_ingest(args) -> int:
    from . import api

    bar, update = _progress_bar()
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
    a.set_defaults(func=cmd_ask)
    i = sub.add_parser("index", help="build or rebuild the index (it is built automatically on first use)")
    i.add_argument("--rebuild", action="store_true", help="move the Chroma data aside and rebuild from the seeds")
    i.set_defaults(func=cmd_index)
    g = sub.add_parser("ingest", help="add .txt, .md, .html or .jsonl articles (files or folders)")
    g.add_argument("paths", nargs="+")
    g.set_defaults(func=cmd_ingest)
    sub.add_parser("eval", help="run the eval suite (see `assistant eval --help`)", add_help=False)
    sub.add_parser("ui", help="start the chat UI (see `assistant ui --help`)", add_help=False)
    return p


def main(argv: list[str] | None = None) -> int:
    apply_offline_env()
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("eval", "ui"):
        command = _external(argv[0])
        if command is None:
            print(f"error: the `{argv[0]}` command is not installed (pip install -e .)", file=sys.stderr)
            return 2
        return int(command(argv[1:]) or 0)
    args = build_parser().parse_args(argv)
    from .errors import AssistantError

    try:
        return args.func(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
