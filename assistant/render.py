"""The answer as the user reads it (Markdown): short answer, quotes with [n], sources."""
from __future__ import annotations

from .models import Citation

DECLINE = "The articles don't say."


def citation_line(c: Citation) -> str:
    also = f" · same report in {', '.join(c.also_in)}" if c.also_in else ""
    return f"[{c.marker}] *{c.title}* — {c.outlet}, {c.date} · characters {c.start}–{c.end}{also}"


def quotes_block(citations: list[Citation]) -> str:
    return "\n\n".join(f"> {c.quote} [{c.marker}]" for c in citations)


def answer_text(short: str, citations: list[Citation], conflict_note: str | None = None) -> str:
    parts = [f"**{short}**"]
    if conflict_note:
        parts.append(conflict_note)
    parts.append(quotes_block(citations))
    parts.append("**Sources**\n\n" + "\n\n".join(citation_line(c) for c in citations))
    return "\n\n".join(parts)


def decline_text(n_articles: int, mentioned: list[str]) -> str:
    msg = f"**{DECLINE}** None of the {n_articles} articles answers this question"
    if mentioned:
        names = ", ".join(dict.fromkeys(mentioned))
        msg += f": they mention {names}, but not what you asked"
    return msg + "."
