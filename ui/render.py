"""Safe HTML and Markdown for everything the UI shows.

Questions, answers and article text come from users and from scraped web pages,
so none of it may ever be interpreted as markup.  Two rules:

* HTML (the article panel) is built from ``html.escape``d text, and the only
  tags are ours: the ``<mark>`` goes in at a citation's ``[start:end]`` offsets
  of the *raw* text, and each side is escaped separately, so a quote can never
  split an entity or a tag.
* Markdown (the chat) escapes ``& < >`` always and, for plain text such as the
  question or a quote, every Markdown punctuation character as well, so that
  ``<img onerror=...>`` or ``![x](http://...)`` renders literally.  Gradio's own
  ``sanitize_html`` stays on as a second line of defence.
"""
from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from assistant.answering.render import LOW_CONFIDENCE, confidence_note, join_names

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones
# that can start or close Markdown syntax.  `$` too: it can open LaTeX.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")

MARK_ID_PREFIX = "newsqa-cite"
DECLINE_HEADING = "The articles don't say."
NOT_STATED_HEADING = "Not stated in the articles."
CLOSEST_NOTE = "No passage answers this for certain. The closest passages are quoted below as context, not as an answer."
SOURCES_HEADING = "Sources"
# Where a not_stated reply's passages come from. Said again here, not only in the notice above
# the quotes: the end of a long reply can be all a reader sees of it.
CLOSEST_SOURCES_HEADING = "Sources of the closest passages (not an answer)"
PANEL_PLACEHOLDER = (
    '<div class="newsqa-empty">Choose a source of the last answer, or an article in the '
    "Corpus tab, to read it in full here.</div>"
)


def html_text(text: str | None) -> str:
    """Escape text for HTML element content and attribute values."""
    return html.escape(text or "", quote=True)


def md_html_escape(text: str | None) -> str:
    """Escape only ``& < >``: keeps Markdown formatting, removes any raw HTML."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_literal(text: str | None) -> str:
    """Text that renders exactly as given in Markdown: no HTML, links, emphasis."""
    return md_html_escape(_MD_SPECIAL.sub(r"\\\1", text or ""))


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Read a field from an Answer/Citation object or from its ``to_dict()``."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def question_markdown(question: str) -> str:
    """The user's chat bubble: the question shown literally."""
    return md_literal(question)


def _source_line(citation: Any) -> str:
    parts = [f"**\\[{int(_get(citation, 'marker'))}\\]** {md_literal(_get(citation, 'title') or 'Untitled')}"]
    outlet, date = _get(citation, "outlet"), _get(citation, "date")
    meta = " · ".join(md_literal(p) for p in (outlet, date) if p)
    if meta:
        parts.append(f"— {meta}")
    also_in = list(_get(citation, "also_in") or ())
    if also_in:
        parts.append(f"(also in: {md_literal(', '.join(also_in))})")
    return " ".join(parts)


def answer_markdown(answer: Any) -> str:
    """The assistant's chat bubble.

    Built from the answer's structured fields rather than ``answer.text`` so that
    every article-supplied string can be escaped as plain text: short answer
    first, then each quote with its [n] marker, then the sources.  A declined
    answer is a visibly different notice, never something that looks like a fact.
    """
    status = _get(answer, "status") or ("answered" if _get(answer, "answered") else "no_match")
    citations: Sequence[Any] = _get(answer, "citations") or []
    if status == "not_stated" and citations:
        return not_stated_markdown(_get(answer, "not_about") or [], citations)
    if status != "answered":
        return declined_html(_get(answer, "text"), _get(answer, "reason"))
    if not citations:  # answered without quotes: fall back to the engine's own text, HTML-escaped
        return md_html_escape(_get(answer, "text") or "")
    lines: list[str] = []
    short = _get(answer, "short_answer")
    if short:
        lines.append(f"**{md_literal(short)}**")
    for d in _get(answer, "dates") or ():
        lines.append(f"📅 *{md_literal(_get(d, 'text'))} is {md_literal(_get(d, 'date'))}* "
                     f"(counted from the date of \\[{int(_get(d, 'marker'))}\\])")
    if _get(answer, "conflict"):
        lines.append("⚖ *The sources disagree; each side is quoted below.*")
    confidence = _get(answer, "confidence")
    if confidence is not None:
        low = float(confidence) < LOW_CONFIDENCE
        note = md_literal(confidence_note(float(confidence)))
        lines.append(f"⚠ **{note}**" if low else f"*{note}*")
    lines.append("")
    lines += _quotes_and_sources(citations)
    return "\n".join(lines).strip()


def _quotes_and_sources(citations: Sequence[Any], heading: str = SOURCES_HEADING) -> list[str]:
    lines: list[str] = []
    for c in citations:
        quote = " ".join((_get(c, "quote") or "").split())
        lines.append(f"> “{md_literal(quote)}” \\[{int(_get(c, 'marker'))}\\]")
        lines.append(">")
    if lines and lines[-1] == ">":
        lines.pop()
    lines += ["", f"**{heading}**", ""]  # our own text: plain Markdown
    lines += [f"- {_source_line(c)}" for c in citations]
    return lines


def not_stated_markdown(not_about: Sequence[str], citations: Sequence[Any]) -> str:
    """No answer: a notice that cannot be read as one, then the closest passages, each
    quoted and cited exactly as an answer's quotes are, so the reader can check them."""
    about = f" They don't tie {html_text(join_names(list(not_about)))} to what you asked." if not_about else ""
    notice = (
        '<div class="newsqa-not-stated">'
        f"<strong>⚠ {html_text(NOT_STATED_HEADING)}</strong>{about}"
        f"<br><small>{html_text(CLOSEST_NOTE)}</small></div>"
    )
    return "\n".join([notice, "", *_quotes_and_sources(citations, CLOSEST_SOURCES_HEADING)]).strip()


def declined_html(text: str | None, reason: str | None) -> str:
    """A styled notice (HTML, escaped) for "the articles don't say"."""
    message = (text or "").replace("**", "").strip()
    if message.startswith(DECLINE_HEADING):
        message = message[len(DECLINE_HEADING):].strip()
    why = f"Why: {html_text(reason)}. " if reason else ""
    return (
        '<div class="newsqa-declined">'
        f"<strong>⚠ {html_text(DECLINE_HEADING)}</strong> {html_text(message)}"
        f"<br><small>{why}Nothing is guessed: try rephrasing, or add an article in the Corpus tab.</small>"
        "</div>"
    )


def citation_label(citation: Any) -> str:
    """Radio label of a citation; Gradio renders labels as text, not HTML."""
    title = _get(citation, "title") or "Untitled"
    meta = ", ".join(p for p in (_get(citation, "outlet"), _get(citation, "date")) if p)
    label = f"[{int(_get(citation, 'marker'))}] {title}"
    return f"{label} — {meta}" if meta else label


def article_html(
    article: Any,
    start: int | None = None,
    end: int | None = None,
    marker: int | None = None,
) -> str:
    """The whole article, escaped, with ``text[start:end]`` inside ``<mark>``.

    The mark gets a stable id (``newsqa-cite-<n>``) so the page can scroll to it
    and tests can find it.  Offsets outside the text are ignored, not trusted.
    """
    text: str = _get(article, "text") or ""
    title = html_text(_get(article, "title") or "Untitled")
    meta_bits = [_get(article, "outlet"), _get(article, "date_text")]
    date_iso = _get(article, "date_iso")
    if date_iso and date_iso not in (_get(article, "date_text") or ""):
        meta_bits.append(date_iso)
    meta = " · ".join(html_text(b) for b in meta_bits if b)
    valid = start is not None and end is not None and 0 <= start < end <= len(text)
    if valid:
        mark_id = f"{MARK_ID_PREFIX}-{int(marker) if marker is not None else 0}"
        body = (
            html_text(text[:start])
            + f'<mark id="{mark_id}" class="newsqa-mark">{html_text(text[start:end])}</mark>'
            + html_text(text[end:])
        )
    else:
        body = html_text(text)
    source = _get(article, "url") or _get(article, "source") or ""
    footer = f'<div class="newsqa-source">Source: {html_text(source)}</div>' if source else ""
    return (
        f'<article class="newsqa-article" data-doc-id="{html_text(_get(article, "doc_id"))}">'
        f'<h3 class="newsqa-title">{title}</h3>'
        f'<div class="newsqa-meta">{meta}</div>'
        f'<div class="newsqa-body">{body}</div>'
        f"{footer}</article>"
    )


def error_html(message: str) -> str:
    """A notice in the article panel (e.g. the article was removed)."""
    return f'<div class="newsqa-empty">{html_text(message)}</div>'
