"""Scoring one answer against one case.

The scorer is system-agnostic: it reads only the public fields of an ``Answer``
(answered, short_answer, text, conflict, citations) and asks a ``Grounding`` two
questions it cannot answer itself: is this span from a gold article, and what is the
source text behind a doc id. That is what lets the plain llama-index baseline, whose
"articles" are whole seed files, be scored by exactly the same rules as the engine.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .cases import Case
from .normalize import answer_body, contains_form, first_form

# Most to least fundamental; a case is listed under the first of its causes.
CAUSE_ORDER = (
    "error", "non-verbatim-quote", "answered-unanswerable", "declined-answerable",
    "conflict-not-flagged", "conflict-side-missing", "wrong-answer", "answer-only-in-text",
    "no-citation", "no-gold-citation", "gold-quote-lacks-answer", "supporting-quote-not-verbatim",
    "retrieval-miss@5",
)


class Span(Protocol):
    """A cited or retrieved piece of a document (``assistant.models.Citation`` fits)."""

    doc_id: str
    title: str
    start: int | None
    end: int | None
    also_in: tuple[str, ...]


class AnswerLike(Protocol):
    answered: bool
    short_answer: str | None
    text: str
    conflict: bool
    citations: Sequence  # of Citation-like objects: Span plus ``quote``


class Grounding(Protocol):
    def is_gold(self, span: Span, gold_titles: Sequence[str]) -> bool:
        """Does this span belong to (or overlap) one of the gold articles?"""
        ...

    def source_text(self, doc_id: str) -> str | None:
        """The text citation offsets index into; None when the doc id is unknown."""
        ...


@dataclass(frozen=True)
class Ref:
    """A retrieved document (no span): what ``retrieve_articles`` returns, made a Span."""

    doc_id: str
    title: str = ""
    start: int | None = None
    end: int | None = None
    also_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class Offender:
    """A citation whose quote is not the source text at its offsets: always a bug."""

    case_id: str
    doc_id: str
    start: int
    end: int
    quote: str
    actual: str | None  # source[start:end], or None when the doc id is unknown


@dataclass
class CaseResult:
    case_id: str
    kind: str
    question: str
    expected: list[str]
    answered: bool
    short_answer: str | None
    first_quote: str | None
    conflict: bool
    correct: bool
    cited_support: bool | None  # None for unanswerable cases (not counted)
    citations_total: int
    citations_gold: int
    citations_verbatim: int
    gold_rank: int | None  # 1-based rank of the first gold article retrieved (top 10)
    retrieval_counted: bool  # gold articles named and retrieval available
    latency_s: float
    cold: bool = False  # the first ask() of the process: reported as time to first answer
    reason: str | None = None  # the engine's own reason for declining, when it gives one
    resolved_question: str | None = None  # a follow-up as the engine rewrote it
    causes: list[str] = field(default_factory=list)
    offenders: list[Offender] = field(default_factory=list)
    error: str | None = None
    status: str = ""  # answered / not_stated / no_match (the engine's Answer.status)
    confidence: float | None = None
    # The best answer is right, whether or not it was asserted (a declined answer's
    # candidate): what the risk-coverage curve needs at thresholds other than the product's.
    best_right: bool = False

    @property
    def failed(self) -> bool:
        return bool(self.causes)

    @property
    def primary_cause(self) -> str | None:
        """The cause to fix first: the one the others usually follow from."""
        keys = ["error" if c.startswith("error:") else c for c in self.causes]
        return min(keys, key=lambda c: CAUSE_ORDER.index(c) if c in CAUSE_ORDER else len(CAUSE_ORDER), default=None)


def _expected(case: Case) -> list[str]:
    """What the report shows as expected: the forms, or each side of a conflict."""
    if case.conflict_sides:
        return [f"side {chr(65 + i)}: {' | '.join(side)}" for i, side in enumerate(case.conflict_sides)]
    return list(case.answers)


def _first_quote(answer: AnswerLike) -> str | None:
    return answer.citations[0].quote if answer.citations else None


def accuracy_verdict(case: Case, answer: AnswerLike) -> tuple[bool, list[str]]:
    """Correctness and, when wrong, why (the causes the lead tunes the engine by)."""
    if not case.answerable:
        return (not answer.answered), ([] if not answer.answered else ["answered-unanswerable"])
    if not answer.answered:
        return False, ["declined-answerable"]
    if case.kind == "conflict" or case.conflict_sides:
        causes = []
        if not answer.conflict:
            causes.append("conflict-not-flagged")
        body = answer_body(answer.text)
        missing = [side for side in case.conflict_sides if first_form(body, side) is None]
        if missing:
            causes.append("conflict-side-missing")
        return not causes, causes
    body = answer_body(answer.text)
    where = body if case.answer_in == "text" else answer.short_answer
    if first_form(where, case.answers) is not None:
        return True, []
    if case.answer_in == "short" and first_form(body, case.answers) is not None:
        return False, ["answer-only-in-text"]  # right quote, wrong short answer
    return False, ["wrong-answer"]


def verbatim_offenders(case: Case, answer: AnswerLike, grounding: Grounding) -> list[Offender]:
    out = []
    for c in answer.citations:
        source = grounding.source_text(c.doc_id)
        start, end = c.start, c.end
        actual = None if source is None or start is None or end is None else source[start:end]
        if actual != c.quote:
            out.append(Offender(case.id, c.doc_id, start if start is not None else -1,
                                end if end is not None else -1, c.quote, actual))
    return out


def citation_verdict(case: Case, answer: AnswerLike, grounding: Grounding,
                     offenders: Sequence[Offender]) -> tuple[bool | None, int, list[str]]:
    """(supported, gold citation count, causes). Supported = some cited quote is
    verbatim, from a gold article, and contains an acceptable form."""
    if not case.answerable:
        return None, 0, []
    bad = {(o.doc_id, o.start, o.end, o.quote) for o in offenders}
    gold = [c for c in answer.citations if grounding.is_gold(c, case.articles)]
    forms = case.all_forms
    supported = any((c.doc_id, c.start, c.end, c.quote) not in bad and first_form(c.quote, forms) is not None
                    for c in gold)
    causes: list[str] = []
    if not supported and answer.answered:
        if not answer.citations:
            causes.append("no-citation")
        elif not gold:
            causes.append("no-gold-citation")
        elif not any(first_form(c.quote, forms) for c in gold):
            causes.append("gold-quote-lacks-answer")
        else:
            causes.append("supporting-quote-not-verbatim")
    return supported, len(gold), causes


def gold_rank(refs: Sequence[Span], case: Case, grounding: Grounding) -> int | None:
    for rank, ref in enumerate(refs, 1):
        if grounding.is_gold(ref, case.articles):
            return rank
    return None


def score_case(case: Case, answer: AnswerLike, grounding: Grounding, retrieved: Sequence[Span] | None,
               latency_s: float, error: str | None = None, cold: bool = False) -> CaseResult:
    """``retrieved=None`` means the system offers no retrieval: those figures are n/a."""
    correct, causes = accuracy_verdict(case, answer)
    offenders = verbatim_offenders(case, answer, grounding)
    supported, n_gold, cite_causes = citation_verdict(case, answer, grounding, offenders)
    counted = bool(case.articles) and retrieved is not None
    rank = gold_rank(retrieved, case, grounding) if counted and retrieved is not None else None
    causes = ([f"error: {error}"] if error else []) + causes + cite_causes
    if offenders:
        causes.append("non-verbatim-quote")
    if counted and (rank is None or rank > 5):
        causes.append("retrieval-miss@5")
    return CaseResult(
        case_id=case.id, kind=case.kind, question=case.question,
        expected=_expected(case),
        answered=bool(answer.answered), short_answer=answer.short_answer, first_quote=_first_quote(answer),
        conflict=bool(answer.conflict), correct=correct, cited_support=supported,
        citations_total=len(answer.citations), citations_gold=n_gold,
        citations_verbatim=len(answer.citations) - len(offenders), gold_rank=rank,
        retrieval_counted=counted, latency_s=latency_s, cold=cold,
        reason=getattr(answer, "reason", None), resolved_question=getattr(answer, "resolved_question", None),
        causes=causes, offenders=offenders, error=error,
        status=getattr(answer, "status", "") or ("answered" if answer.answered else "no_match"),
        confidence=getattr(answer, "confidence", None), best_right=_best_right(case, answer, correct),
    )


def _best_right(case: Case, answer: AnswerLike, correct: bool) -> bool:
    """An asserted answer as ``accuracy_verdict`` judged it; a declined one's candidate by
    the same rule for a short answer (a conflict case needs both sides: never by one value)."""
    if not case.answerable:
        return False
    if answer.answered:
        return correct
    candidate = getattr(answer, "candidate", None)
    if not candidate or case.kind == "conflict" or case.conflict_sides:
        return False
    return first_form(candidate, case.answers) is not None


__all__ = ["AnswerLike", "CaseResult", "Grounding", "Offender", "Ref", "Span", "contains_form", "score_case"]
