"""Values that cross module lines: articles, citations, answers, ingest reports.

Plain dataclasses (as in simonw/llm): cheap to build on the hot path, easy to
serialise with ``to_dict()`` for the CLI's ``--json``, the Gradio API and the evals.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Article:
    """One news article as ingested. ``text[start:end]`` of a citation is its quote."""

    doc_id: str  # stable: derived from outlet + title, so a corrected article keeps its id
    title: str
    outlet: str
    date_text: str  # the date as printed: "3 days ago", "19-05-2025", "SEOUL, June 30 (UPI)"
    date_iso: str | None  # only where the text states a full date
    text: str
    source: str  # file the article came from (and its position in it)
    url: str | None = None
    content_hash: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ArticleSummary:
    doc_id: str
    title: str
    outlet: str
    date_text: str
    date_iso: str | None
    chars: int
    source: str
    ingested_at: str = ""  # UTC ISO 8601, when the article store first received it
    content_hash: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """A verbatim quote: ``get_article(doc_id).text[start:end] == quote``."""

    marker: int  # the n of [n] in Answer.text
    quote: str
    doc_id: str
    title: str
    outlet: str
    date: str  # as printed in the article (ISO appended when known)
    start: int
    end: int
    # Near-duplicate copies of the same story that carry the same sentence,
    # e.g. one Reuters report run by both The Star and the Straits Times.
    also_in: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["also_in"] = list(self.also_in)
        return d


@dataclass(frozen=True)
class ResolvedDate:
    """A relative date in the short answer ("on Tuesday", "last month") and the calendar date
    it names, counted from the date of the article quoted at [marker]: worked out, never quoted."""

    text: str  # as the short answer has it
    date: str  # "Tuesday, June 17, 2025", "May 2025"
    marker: int

    def to_dict(self) -> dict:
        return asdict(self)


ANSWERED, NOT_STATED, NO_MATCH = "answered", "not_stated", "no_match"
STATUSES = (ANSWERED, NOT_STATED, NO_MATCH)


@dataclass
class Answer:
    """One of three outcomes (``status``):

    - ``answered``: a confident short answer about what the question names, with its quotes;
    - ``not_stated``: no such answer; ``citations`` are the closest passages, quoted and cited
      like any other, but ``short_answer`` is None: they are shown as context, not as the answer;
    - ``no_match``: nothing in the articles is relevant; no quotes.
    """

    question: str
    answered: bool  # status == "answered"
    short_answer: str | None  # the fact itself: "more than 62,000 soldiers", "June 18"
    text: str  # markdown shown to the user: short answer, quotes with [n], sources
    citations: list[Citation] = field(default_factory=list)
    conflict: bool = False  # sources disagree; each side is quoted
    resolved_question: str | None = None  # the question after follow-up resolution
    reason: str | None = None  # why it declined, when it did
    # Calibrated probability (0–1) that the short answer is right, from the learned
    # answer model (assistant/answering): how often answers so scored were right on unseen
    # prose where NEWSQA_ANSWERABLE_SHARE of the questions are answerable (fitted at 0.3-0.95,
    # default 0.8). For a decline: the best candidate's probability.
    confidence: float = 0.0
    # Milliseconds per stage: retrieve (question preparation and hybrid search), features
    # (sentence scores, candidate spans, answer type), answer (model, grounding, quotes), total
    # (only total for a question with no word the articles could match).
    timings_ms: dict[str, float] = field(default_factory=dict)
    status: str = ""  # set from ``answered`` when not given
    # not_stated: the question's names that the closest passages never tie to the asked fact
    # ("China" in "How many troops has China sent to Russia?")
    not_about: list[str] = field(default_factory=list)
    # When it declined: the span the model would have answered with, at ``confidence``. The
    # evals read it to draw risk against coverage at every threshold; it is never shown.
    candidate: str | None = None
    # The relative dates in the short answer, as calendar dates (``answering.dates``)
    dates: list[ResolvedDate] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.status:
            self.status = ANSWERED if self.answered else NO_MATCH
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        self.answered = self.status == ANSWERED

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "status": self.status,
            "answered": self.answered,
            "short_answer": self.short_answer,
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "conflict": self.conflict,
            "resolved_question": self.resolved_question,
            "reason": self.reason,
            "confidence": self.confidence,
            "not_about": self.not_about,
            "dates": [d.to_dict() for d in self.dates],
            "timings_ms": self.timings_ms,
        }


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)  # doc_ids
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unchanged content hash
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.skipped)} unchanged"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return asdict(self)
