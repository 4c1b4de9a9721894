"""Chat handlers: question in, rendered answer plus its checkable sources out.

Kept apart from the layout (``ui.app``) so that the logic can be called and
tested without a browser.  The engine is imported lazily: importing it loads the
retrieval stack, which should happen once, in the server process.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import gradio as gr

from ui import render

log = logging.getLogger(__name__)

EXAMPLES: tuple[str, ...] = (
    "Where did Kim Jong Un meet the Russian culture minister?",
    "How many soldiers has Russia lost in the Kursk operation?",
    "Which Russian security official visited Pyongyang in June?",
    "When did he visit Pyongyang?",
)

Pairs = list[list[str]]  # [[question, answer_text], ...]: what the engine takes as history


def ask_engine(question: str, history: Sequence[Any] | None = None) -> Any:
    """Call ``assistant.ask``; user-facing errors become ``gr.Error`` with their message."""
    from assistant import ask
    from assistant.errors import AssistantError

    try:  # the engine checks the history's shape and says what is wrong with it (as given: list() would split a string)
        return ask(question, history=history or None)
    except AssistantError as exc:
        raise gr.Error(str(exc)) from exc
    except Exception as exc:  # an engine bug: say so plainly, keep the traceback in the log
        log.exception("ask(%r) failed", question)
        raise gr.Error(f"The assistant failed on this question ({type(exc).__name__}); see the server log.") from exc


def api_ask(question: str, history: list | None = None) -> dict:
    """Answer a question from the news articles, with verbatim cited quotes.

    history: earlier turns for follow-up questions, as [question, answer] pairs
    or {"role", "content"} messages; omit it for a standalone question.
    Returns the engine's answer as a dict (answered, short_answer, text, citations...).
    """
    return ask_engine(question, history).to_dict()


SOURCES_LABELS = {"answered": "Sources of the last answer",
                  "not_stated": "Closest passages (they do not answer the last question)"}


def sources_update(citations: Sequence[dict], status: str = "answered") -> dict:
    """The radio of the last answer's citations (value = index into ``citations``). Its label
    says what they are: a not_stated answer's passages are the closest, not a source."""
    choices = [(render.citation_label(c), str(i)) for i, c in enumerate(citations)]
    return gr.update(choices=choices, value=None, visible=bool(choices),
                     label=SOURCES_LABELS.get(status, SOURCES_LABELS["answered"]))


def respond(
    question: str, messages: list[dict] | None, pairs: Pairs | None
) -> tuple[Any, ...]:
    """One chat turn.

    Returns (chat messages, cleared textbox, history pairs, citations of this
    answer, source radio update, article panel HTML).  The history passed to
    the engine is its own answer text, not our rendering of it.
    """
    messages = list(messages or [])
    pairs = [list(p) for p in (pairs or [])]
    if not (question or "").strip():
        gr.Warning("Type a question first.")
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
    answer = ask_engine(question, pairs)
    citations = [c.to_dict() for c in answer.citations]
    messages += [
        {"role": "user", "content": render.question_markdown(question)},
        {"role": "assistant", "content": render.answer_markdown(answer)},
    ]
    pairs.append([question, answer.text])
    return messages, "", pairs, citations, sources_update(citations, answer.status), render.PANEL_PLACEHOLDER


def open_citation(choice: str | None, citations: list[dict] | None) -> str:
    """Article panel HTML for the chosen citation, its quote highlighted."""
    if choice is None or not citations:
        return render.PANEL_PLACEHOLDER
    try:
        cite = citations[int(choice)]
    except (ValueError, IndexError):
        return render.PANEL_PLACEHOLDER
    return show_article(cite["doc_id"], cite.get("start"), cite.get("end"), cite.get("marker"), cite.get("quote"))


REMOVED = "This article was removed from the corpus, so it can no longer be shown."


def article_error(exc: Exception) -> str:
    """What to tell a UI user about a failed article lookup. The engine's "not found" message
    advises a CLI command (`assistant articles`); here the article is simply gone."""
    from assistant.errors import ArticleNotFound

    return REMOVED if isinstance(exc, ArticleNotFound) else str(exc)


def show_article(
    doc_id: str, start: int | None = None, end: int | None = None, marker: int | None = None, quote: str | None = None
) -> str:
    """Article panel HTML, or a notice when the article is gone."""
    from assistant import get_article
    from assistant.errors import AssistantError

    try:
        article = get_article(doc_id)
    except AssistantError as exc:
        return render.error_html(article_error(exc))
    if quote and start is not None and article.text[start:end] != quote:
        # The article was updated since this answer: highlight the quote where it now is, if anywhere.
        found = article.text.find(quote)
        start, end = (found, found + len(quote)) if found >= 0 else (None, None)
    return render.article_html(article, start, end, marker)


def clear() -> tuple[list[dict], Pairs, list[dict], dict, str]:
    """Start over: empty chat, no follow-up context, no sources."""
    return [], [], [], gr.update(choices=[], value=None, visible=False), render.PANEL_PLACEHOLDER
