"""Eval cases: one JSON object per line in evals/cases.jsonl.

Loaded into a frozen dataclass so a malformed line fails loudly at load time, with
its line number, instead of as a confusing score later.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CASES = Path(__file__).resolve().parent / "cases.jsonl"
KINDS = ("single", "paraphrase", "multi", "conflict", "unanswerable", "followup")


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    question: str
    answers: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()  # exact titles of the articles that state the answer
    answer_in: str = "short"  # "short": look in Answer.short_answer; "text": in Answer.text
    history: tuple[tuple[str, str], ...] = ()
    conflict_sides: tuple[tuple[str, ...], ...] = ()
    note: str = ""

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"

    @property
    def all_forms(self) -> tuple[str, ...]:
        """Every form that proves a quote supports the answer (conflict sides included)."""
        forms = list(self.answers)
        for side in self.conflict_sides:
            forms.extend(side)
        return tuple(dict.fromkeys(forms))

    @classmethod
    def from_dict(cls, d: dict) -> Case:
        kind = d.get("kind", "single")
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        answer_in = d.get("answer_in") or "short"
        if answer_in not in ("short", "text"):
            raise ValueError(f"answer_in must be 'short' or 'text', not {answer_in!r}")
        if not d.get("id") or not d.get("question"):
            raise ValueError("'id' and 'question' are required")
        return cls(
            id=str(d["id"]), kind=kind, question=d["question"],
            answers=tuple(d.get("answers") or ()), articles=tuple(d.get("articles") or ()),
            answer_in=answer_in,
            history=tuple((str(q), str(a)) for q, a in (d.get("history") or ())),
            conflict_sides=tuple(tuple(side) for side in (d.get("conflict_sides") or ())),
            note=d.get("note") or "",
        )


def load_cases(path: Path = DEFAULT_CASES, kind: str | None = None, limit: int | None = None) -> list[Case]:
    cases: list[Case] = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            case = Case.from_dict(json.loads(line))
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"{path}:{n}: bad case: {exc}") from exc
        if kind is None or case.kind == kind:
            cases.append(case)
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{path}: duplicate case ids: {', '.join(dupes)}")
    return cases[:limit] if limit is not None else cases
