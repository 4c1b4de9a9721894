"""The Corpus tab: what the assistant can quote from, and adding to it.

The table lists every article; selecting a row opens it in the same article
panel as the chat's sources.  Uploading files runs ``assistant.ingest`` with a
progress bar and reports, per file, what was added and what could not be read,
so a bad file is never silently dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ui import render
from ui.chat import show_article

FILE_TYPES = [".txt", ".md", ".html", ".jsonl"]
HEADERS = ["Title", "Outlet", "Date", "Size"]


@dataclass
class CorpusTab:
    """The tab's components, for wiring events in ``ui.app``."""

    table: gr.Dataframe
    doc_ids: gr.State
    upload: gr.File
    report: gr.Markdown


def _size(chars: int) -> str:
    return f"{chars / 1000:.1f}k chars" if chars >= 1000 else f"{chars} chars"


def article_rows() -> tuple[list[list[str]], list[str]]:
    """Table rows and, in the same order, the doc_id of each row."""
    from assistant import list_articles

    articles = sorted(list_articles(), key=lambda a: (a.date_iso or "", a.title), reverse=True)
    rows = [[a.title, a.outlet, a.date_iso or a.date_text, _size(a.chars)] for a in articles]
    return rows, [a.doc_id for a in articles]


def refresh() -> tuple[list[list[str]], list[str]]:
    """Fresh table value and doc_ids (after an upload, or on page load)."""
    return article_rows()


def open_row(doc_ids: list[str] | None, evt: gr.SelectData) -> str:
    """Show the article of the selected table row in the article panel."""
    row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
    if not doc_ids or row is None or not 0 <= int(row) < len(doc_ids):
        return render.PANEL_PLACEHOLDER
    return show_article(doc_ids[int(row)])


def _name(path: str) -> str:
    return Path(path).name


def report_markdown(report: Any, titles: dict[str, str]) -> str:
    """The ingest report as Markdown: summary, then one line per file or article."""
    lines = [f"**Upload finished:** {render.md_literal(report.summary())}", ""]
    for label, ids in (("Added", report.added), ("Updated", report.updated), ("Unchanged", report.skipped)):
        for doc_id in ids:
            lines.append(f"- {label}: {render.md_literal(titles.get(doc_id, doc_id))}")
    for path, reason in report.failed:
        place, reason = _name(str(path)), str(reason)
        for prefix in (f"{path}: ", f"{place}: "):  # the engine's reasons start with the (temp) path
            reason = reason.removeprefix(prefix)
        lines.append(f"- ❌ Could not read **{render.md_literal(place)}**: {render.md_literal(reason)}")
    return "\n".join(lines)


def ingest_files(
    files: list[str] | None, progress: gr.Progress = gr.Progress()  # noqa: B008 (Gradio injects it)
) -> tuple[str, list[list[str]], list[str]]:
    """Ingest uploaded files; return (report, table rows, doc_ids).

    After this returns the engine answers from the new articles at once: the
    index is updated in place, not rebuilt in the background.
    """
    from assistant import ingest, list_articles
    from assistant.errors import AssistantError

    paths = [str(f) for f in (files or [])]
    if not paths:
        return "No files were uploaded.", *article_rows()
    progress(0, desc="Reading files")

    def on_progress(done: int, total: int, name: str) -> None:
        progress((done, max(total, 1)), desc=f"Indexing {_name(name)}")

    try:
        report = ingest(paths, progress=on_progress)
    except AssistantError as exc:
        raise gr.Error(str(exc)) from exc
    titles = {a.doc_id: a.title for a in list_articles()}
    return report_markdown(report, titles), *article_rows()


def build() -> CorpusTab:
    """Lay out the tab (inside a ``gr.Tab`` context); events are wired by the caller."""
    gr.Markdown(
        "Every article the assistant can quote from. Select a row to read it in the panel "
        "on the right. Add articles as `.txt`, `.md`, `.html` or `.jsonl` files."
    )
    table = gr.Dataframe(
        headers=HEADERS,
        datatype=["str", "str", "str", "str"],
        interactive=False,
        wrap=True,
        column_widths=["52%", "20%", "16%", "12%"],
        max_height=420,
        elem_id="newsqa-corpus-table",
        label="Articles",
    )
    doc_ids = gr.State([])
    upload = gr.File(
        label="Add articles",
        file_count="multiple",
        file_types=FILE_TYPES,
        elem_id="newsqa-upload",
    )
    report = gr.Markdown(elem_id="newsqa-ingest-report")
    return CorpusTab(table=table, doc_ids=doc_ids, upload=upload, report=report)
