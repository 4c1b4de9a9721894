"""The answer as the user reads it (Markdown): short answer, quotes with [n], sources."""
from __future__ import annotations

from ..models import Citation, ResolvedDate

DECLINE = "The articles don't say."
NOT_STATED = "Not stated in the articles."
CLOSEST_HEADING = "The closest passages (context, not an answer):"
# Display only (not a decision): answers the model is less sure of than this are marked. The
# confidence shown is the share right out of fold: answers shown at 50-60% were right 56% of
# the time on unseen prose, so the reader is told to check the quotes.
LOW_CONFIDENCE = 0.6


def confidence_note(confidence: float) -> str:
    if confidence < LOW_CONFIDENCE:
        return f"Low confidence ({confidence:.0%}): check that the quotes answer what you asked."
    return f"Confidence {confidence:.0%}."


def citation_line(c: Citation) -> str:
    also = f" · same report in {', '.join(c.also_in)}" if c.also_in else ""
    return f"[{c.marker}] *{c.title}* — {c.outlet}, {c.date} · characters {c.start}–{c.end}{also}"


def quotes_block(citations: list[Citation]) -> str:
    return "\n\n".join(f"> {c.quote} [{c.marker}]" for c in citations)


def sources_block(citations: list[Citation]) -> str:
    return "**Sources**\n\n" + "\n\n".join(citation_line(c) for c in citations)


def dates_note(dates: list[ResolvedDate]) -> str:
    """ "on Tuesday is Tuesday, June 17, 2025 (counted from the date of [1])": the worked-out
    date beside the verbatim one, never in its place."""
    return "; ".join(f"{d.text} is {d.date} (counted from the date of [{d.marker}])" for d in dates)


def answer_text(short: str, citations: list[Citation], conflict_note: str | None = None,
                confidence: float | None = None, dates: list[ResolvedDate] | None = None) -> str:
    parts = [f"**{short}**"]
    if dates:
        parts.append(f"*{dates_note(dates)}*")
    if conflict_note:
        parts.append(conflict_note)
    parts += [quotes_block(citations), sources_block(citations)]
    if confidence is not None:  # after the sources: the figure is never read as part of the answer
        parts.append(f"*{confidence_note(confidence)}*")
    return "\n\n".join(parts)


def decline_text(n_articles: int, mentioned: list[str]) -> str:
    msg = f"**{DECLINE}** None of the {n_articles} articles answers this question"
    if mentioned:
        names = ", ".join(dict.fromkeys(mentioned))
        msg += f": they mention {names}, but not what you asked"
    return msg + "."


def not_stated_text(citations: list[Citation], subject: list[str]) -> str:
    """No bold short answer: a notice, then the closest passages, cited like any quote."""
    about = f" They don't tie {join_names(subject)} to what you asked." if subject else ""
    parts = [f"**{NOT_STATED}**{about} {CLOSEST_HEADING}", quotes_block(citations), sources_block(citations)]
    return "\n\n".join(parts)


def join_names(words: list[str]) -> str:
    """ "China", "China or Belarus", "China, Belarus or Laos": how a not_stated answer names them."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
