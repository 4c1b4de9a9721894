"""The Corpus tab: what the assistant can quote from, adding to it, removing from it.

The table lists every article; selecting a row opens it in the same article
panel as the chat's sources.  Uploading files runs ``assistant.ingest`` with a
progress bar and reports, per file, what was added and what could not be read,
so a bad file is never silently dropped.  Removing the selected article asks for
confirmation first, naming it; only then is it deleted from the store and index.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ui import render
from ui.chat import article_error, show_article

FILE_TYPES = [".txt", ".md", ".html", ".jsonl"]
HEADERS = ["Title", "Outlet", "Date", "Size"]


@dataclass
class CorpusTab:
    """The tab's components, for wiring events in ``ui.app``."""

    table: gr.Dataframe
    doc_ids: gr.State
    upload: gr.File
    report: gr.Markdown
    selected: gr.State  # doc_id of the row last opened, or None
    remove_btn: gr.Button
    confirm_box: gr.Group
    confirm_text: gr.Markdown
    confirm_btn: gr.Button
    cancel_btn: gr.Button


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


def open_row(doc_ids: list[str] | None, evt: gr.SelectData) -> tuple[str, str | None, dict]:
    """Show the selected row's article; remember it as the one "Remove" would remove."""
    row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
    if not doc_ids or row is None or not 0 <= int(row) < len(doc_ids):
        return render.PANEL_PLACEHOLDER, None, gr.update(interactive=False)
    doc_id = doc_ids[int(row)]
    return show_article(doc_id), doc_id, gr.update(interactive=True)


def ask_to_remove(doc_id: str | None) -> tuple[dict, str]:
    """First step of removing: show the confirmation, naming the article."""
    from assistant import get_article
    from assistant.errors import AssistantError

    if not doc_id:
        return gr.update(visible=False), ""
    try:
        article = get_article(doc_id)
    except AssistantError as exc:
        return gr.update(visible=True), f"❌ {render.md_literal(article_error(exc))}"
    return gr.update(visible=True), (
        f"**Remove “{render.md_literal(article.title)}”** ({render.md_literal(article.outlet)})? "
        "It is deleted from the article store and the index, and answers stop quoting it. "
        "To keep a copy, run `assistant export FILE.jsonl` first.")


def confirm_remove(doc_id: str | None) -> tuple[str, list[list[str]], list[str], dict, None, dict, str]:
    """Second step: remove it. Returns (report, table rows, doc_ids, hidden confirmation,
    no selection, disabled remove button, emptied article panel)."""
    from assistant import remove_article
    from assistant.errors import AssistantError

    if not doc_id:
        message = "Select an article in the table first."
    else:
        try:
            removed = remove_article(doc_id)
            message = f"**Removed:** {render.md_literal(removed.title)}"
        except AssistantError as exc:
            message = f"❌ {render.md_literal(article_error(exc))}"
    return (message, *article_rows(), gr.update(visible=False), None, gr.update(interactive=False),
            render.PANEL_PLACEHOLDER)


def cancel_remove() -> dict:
    return gr.update(visible=False)


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
) -> tuple[str, list[list[str]], list[str], None]:
    """Ingest uploaded files; return (report, table rows, doc_ids, emptied upload box).

    After this returns the engine answers from the new articles at once: the
    index is updated in place, not rebuilt in the background.  The box is emptied
    because a multi-file box adds each new upload to the files it still holds, and
    the next upload would ingest (and report) those again; the report says what was read.
    """
    from assistant import ingest, list_articles
    from assistant.errors import AssistantError

    paths = [str(f) for f in (files or [])]
    if not paths:
        return "No files were uploaded.", *article_rows(), None
    progress(0, desc="Reading files")

    def on_progress(done: int, total: int, name: str) -> None:
        progress((done, max(total, 1)), desc=f"Indexing {_name(name)}")

    try:
        report = ingest(paths, progress=on_progress)
    except AssistantError as exc:
        raise gr.Error(str(exc)) from exc
    titles = {a.doc_id: a.title for a in list_articles()}
    return report_markdown(report, titles), *article_rows(), None


def build() -> CorpusTab:
    """Lay out the tab (inside a ``gr.Tab`` context); events are wired by the caller."""
    gr.Markdown(
        "Every article the assistant can quote from. Select a row to read it in the panel "
        "on the right, and remove it with the button below the table. Add articles as `.txt`, "
        "`.md`, `.html` or `.jsonl` files."
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
    selected = gr.State(None)
    remove_btn = gr.Button("Remove selected article…", variant="secondary", size="sm", interactive=False,
                           elem_id="newsqa-remove")
    with gr.Group(visible=False, elem_id="newsqa-remove-confirm") as confirm_box:
        confirm_text = gr.Markdown()
        with gr.Row():
            confirm_btn = gr.Button("Yes, remove it", variant="stop", size="sm", elem_id="newsqa-remove-yes")
            cancel_btn = gr.Button("Cancel", size="sm", elem_id="newsqa-remove-cancel")
    return CorpusTab(table=table, doc_ids=doc_ids, upload=upload, report=report, selected=selected,
                     remove_btn=remove_btn, confirm_box=confirm_box, confirm_text=confirm_text,
                     confirm_btn=confirm_btn, cancel_btn=cancel_btn)
