"""How well a retrieved sentence answers the question, on a 0–1 scale we can threshold.

Fused ranks order candidates but say nothing about whether any of them is relevant,
so relevance mixes the dense cosine with the idf-weighted share of the question's
words that the sentence (with its previous sentence and its article's title) covers.
Words the corpus has never seen are left to the dense score: they are how paraphrases
("vessel that tipped over") differ from the text ("capsized warship").
"""
from __future__ import annotations

from dataclasses import dataclass

from .engine import Engine, SentenceRow
from .question import Question
from .retrieval import Hit
from .text import content_stems

COSINE_WEIGHT = 0.55
CANDIDATES = 14  # fused hits that are scored
UNKNOWN_WEIGHT = 0.5


@dataclass
class Scored:
    row: SentenceRow
    hit: Hit
    coverage: float
    score: float
    names_ok: bool  # every corpus name of the question is in the sentence's context


def window_text(engine: Engine, row: SentenceRow) -> str:
    rows = engine.by_doc.get(row.doc_id, [])
    prev = rows[row.idx - 1].text if 0 < row.idx <= len(rows) else ""
    title = engine.articles.get(row.doc_id, {}).get("title", "")
    return f"{title}\n{prev}\n{row.text}"


def coverage(engine: Engine, q: Question, text: str) -> float:
    if not q.focus:
        return 0.0
    have = set(content_stems(text))
    covered = sum(engine.vocab.idf(s) for s in q.focus if engine.vocab.known(s) and s in have)
    # A word the corpus never uses may be a paraphrase ("tonnage" for "5,000-ton") or
    # a sign the corpus is about something else ("World Cup"): it counts partly.
    total = sum(engine.vocab.idf(s) if engine.vocab.known(s) else UNKNOWN_WEIGHT * engine.vocab.max_idf()
                for s in q.focus)
    return covered / total if total else 0.0


def question_names(engine: Engine, q: Question) -> list[str]:
    return [surface for surface, _ in engine.vocab.find_names(q.query)]


def score_hits(engine: Engine, q: Question, hits: list[Hit]) -> list[Scored]:
    names = question_names(engine, q)
    out = []
    for hit in hits[:CANDIDATES]:
        row = engine.rows[hit.node_id]
        window = window_text(engine, row)
        cov = coverage(engine, q, window)
        names_ok = all(_mentions(window, n) for n in names)
        score = COSINE_WEIGHT * max(hit.cosine, 0.0) + (1 - COSINE_WEIGHT) * cov
        out.append(Scored(row, hit, cov, score if names_ok else score * 0.6, names_ok))
    return sorted(out, key=lambda s: s.score, reverse=True)


def _mentions(text: str, name: str) -> bool:
    if name in text:
        return True
    last = name.split()[-1]  # "Kim Jong Un" vs "Kim Jong-un", "Mr Shoigu" vs "Sergei Shoigu"
    return len(last) > 2 and last in text
