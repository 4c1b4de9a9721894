"""Layout, launch and the ``assistant ui`` command.

``build_app()`` is the whole UI as a ``gr.Blocks`` (tests launch it directly);
``launch()`` adds what Gradio 6 takes at launch time (theme, CSS, auth);
``cli()`` parses the command line, refuses to expose an unprotected server,
warms the engine so the first answer is fast, and serves.
"""
from __future__ import annotations

import gradio as gr

from ui import chat, corpus_tab, render
from ui.launch import SCROLL_TO_MARK_JS, SCROLL_TO_REPLY_JS, cli, launch

__all__ = ["build_app", "cli", "launch"]

# Questions run in parallel (each on an immutable snapshot of the engine's tables), none
# waiting in Gradio's queue behind another: 16 users at once were answered with p95 0.6 s
# through /ask and 0.9 s through the chat (`make bench`); under a limit of 4 that made them
# wait their turn, p95 was 2.9 s. Writes (upload, remove) run one at a time in their own
# group and never block questions.
READERS = "newsqa-readers"
WRITERS = "newsqa-writers"
READER_CONCURRENCY = None  # no limit: readers never wait for each other


def _private(**kwargs: object) -> dict:
    """UI-only events that only read and report nothing on the side: not part of the client
    API, and not queued (one POST each, no event stream)."""
    return {"api_visibility": "private", "queue": False, **kwargs}


def _private_ask(**kwargs: object) -> dict:
    """The chat's question events: queued (the queue carries the "Type a question first"
    warning to the page) but unlimited, like ``/ask``."""
    return {"api_visibility": "private", "concurrency_id": READERS, "concurrency_limit": READER_CONCURRENCY, **kwargs}


def _private_write(**kwargs: object) -> dict:
    """UI-only events that change the corpus: one at a time."""
    return {"api_visibility": "private", "concurrency_id": WRITERS, "concurrency_limit": 1, **kwargs}


def _setter(text: str):
    """A no-input handler that puts ``text`` in the question box (binds text now, not late)."""
    return lambda: text


def build_app() -> gr.Blocks:
    """The whole UI. Nothing here touches the engine until a page loads."""
    with gr.Blocks(title="News assistant") as app:
        pairs = gr.State([])
        citations = gr.State([])
        gr.Markdown(
            "## News assistant\nAnswers only with verbatim, cited quotes from the articles; "
            "says so when they don't hold the answer.",
            elem_id="newsqa-header",
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=360), gr.Tabs():
                with gr.Tab("Chat", id="chat"):
                    chatbot = gr.Chatbot(
                        elem_id="newsqa-chat",
                        label="Conversation",
                        height=520,
                        autoscroll=False,  # SCROLL_TO_REPLY_JS shows a reply from its start instead
                        sanitize_html=True,
                        render_markdown=True,
                        latex_delimiters=[],
                        allow_tags=False,
                        feedback_options=None,
                        buttons=["copy"],
                        placeholder="Ask about the news articles. Every answer quotes its sources.",
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            elem_id="newsqa-question",
                            placeholder="Ask a question, e.g. Which Russian security official visited Pyongyang in June?",
                            show_label=False,
                            scale=5,
                            max_lines=4,
                            submit_btn=False,
                        )
                        ask_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="newsqa-ask")
                    with gr.Row(elem_id="newsqa-examples"):
                        example_btns = [gr.Button(q, size="sm") for q in chat.EXAMPLES]
                    clear_btn = gr.Button("New conversation", size="sm", elem_id="newsqa-clear")
                with gr.Tab("Corpus", id="corpus"):
                    corpus = corpus_tab.build()
            with gr.Column(scale=2, min_width=320):
                sources = gr.Radio(
                    choices=[],
                    label=chat.SOURCES_LABELS["answered"],
                    elem_id="newsqa-sources",
                    visible=False,
                )
                panel = gr.HTML(
                    render.PANEL_PLACEHOLDER,
                    elem_id="newsqa-article",
                    js_on_load=SCROLL_TO_MARK_JS,
                )

        turn_out = [chatbot, question, pairs, citations, sources, panel]
        question.submit(chat.respond, [question, chatbot, pairs], turn_out, **_private_ask())
        ask_btn.click(chat.respond, [question, chatbot, pairs], turn_out, **_private_ask())
        for btn, text in zip(example_btns, chat.EXAMPLES):
            btn.click(_setter(text), None, question, **_private()).then(
                chat.respond, [question, chatbot, pairs], turn_out, **_private_ask()
            )
        # The Chatbot's own trash icon empties only what it shows: without this, follow-ups
        # would still resolve "he" from a conversation the user can no longer see.
        cleared = [chatbot, pairs, citations, sources, panel]
        clear_btn.click(chat.clear, None, cleared, **_private())
        chatbot.clear(chat.clear, None, cleared, **_private())
        chatbot.change(None, None, None, js=SCROLL_TO_REPLY_JS, **_private())
        sources.input(chat.open_citation, [sources, citations], panel, **_private())

        corpus.table.select(corpus_tab.open_row, [corpus.doc_ids], [panel, corpus.selected, corpus.remove_btn],
                            **_private())
        corpus.upload.upload(
            corpus_tab.ingest_files,
            [corpus.upload],
            [corpus.report, corpus.table, corpus.doc_ids, corpus.upload],
            **_private_write(show_progress="full"),
        )
        corpus.remove_btn.click(corpus_tab.ask_to_remove, [corpus.selected], [corpus.confirm_box, corpus.confirm_text],
                                **_private())
        corpus.cancel_btn.click(corpus_tab.cancel_remove, None, corpus.confirm_box, **_private())
        corpus.confirm_btn.click(
            corpus_tab.confirm_remove,
            [corpus.selected],
            [corpus.report, corpus.table, corpus.doc_ids, corpus.confirm_box, corpus.selected, corpus.remove_btn, panel],
            **_private_write(),
        )
        app.load(corpus_tab.refresh, None, [corpus.table, corpus.doc_ids], **_private())

        gr.api(chat.api_ask, api_name="ask", concurrency_id=READERS, concurrency_limit=READER_CONCURRENCY)
    return app


if __name__ == "__main__":  # python -m ui.app
    raise SystemExit(cli())
