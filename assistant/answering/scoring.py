"""How well a retrieved sentence answers the question, on a 0–1 scale we can threshold.

Fused ranks order candidates but say nothing about whether any of them is relevant,
so relevance mixes the dense cosine with the idf-weighted share of the question's
words that the sentence covers, with its previous sentence, its article's outlet and
dateline, and of its title the question's names (``context_stems``).
Words the corpus has never seen are left to the dense score: they are how paraphrases
("vessel that tipped over") differ from the text ("capsized warship").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..corpus.boilerplate import is_credit_line
from ..index.snapshot import Snapshot
from ..index.tables.sentences import SentenceRow
from ..questions.question import Question
from ..text import content_stems
from .retrieval import Hit

COSINE_WEIGHT = 0.55
CANDIDATES = 14  # fused hits that are scored
UNKNOWN_WEIGHT = 0.5
SOFT_COVER = 0.6  # a neighbour must be this close to stand in for a word in coverage (looser ones only feed BM25)


@dataclass
class Scored:
    row: SentenceRow
    hit: Hit
    coverage: float
    predicate: float  # coverage of the words that are not names: what is asked *about* them
    score: float
    names_ok: bool  # every corpus name of the question is in the sentence's context
    context: frozenset[str]  # the content stems that coverage read (``context_stems``): the features read them too


def window_text(snap: Snapshot, row: SentenceRow, before: int = 1, after: int = 0, title: bool = True) -> str:
    rows = snap.by_doc.get(row.doc_id, [])
    # A photo credit or byline beside the sentence is no context: its agency names would
    # count as words the passage covers ("KCNA" from "Photo by KCNA/EPA-EFE").
    context = [r.text for r in rows[max(0, row.idx - before): row.idx + 1 + after]
               if r.idx == row.idx or not is_credit_line(r.text)] or [row.text]
    art = snap.articles.get(row.doc_id, {})
    # Title, outlet and dateline too: "...reported in the June 4 UPI story" names the article.
    head = f"{art.get('title', '') if title else ''}\n{art.get('outlet', '')} {art.get('date_text', '')}"
    return head + "\n" + "\n".join(context)


def coverage(snap: Snapshot, stems: list[str], have: set[str], soft: dict[str, dict[str, float]] | None = None) -> float:
    if not stems:
        return 0.0
    covered = sum(snap.vocab.idf(s) for s in stems if snap.vocab.known(s) and s in have)
    for s in stems:  # a paraphrase word counts as covered, in part, by its corpus neighbour
        if not snap.vocab.known(s) and soft and s in soft:
            sim = max((v for k, v in soft[s].items() if k in have and v >= SOFT_COVER), default=0.0)
            covered += sim * UNKNOWN_WEIGHT * snap.vocab.max_idf()
    # A word the corpus never uses may be a paraphrase ("tonnage" for "5,000-ton") or
    # a sign the corpus is about something else ("World Cup"): it counts partly.
    total = sum(snap.vocab.idf(s) if snap.vocab.known(s) else UNKNOWN_WEIGHT * snap.vocab.max_idf()
                for s in stems)
    return covered / total if total else 0.0


def name_stems(q: Question) -> frozenset[str]:
    return frozenset(st for n in q.names for st in content_stems(n))


def predicate_stems(q: Question) -> list[str]:
    named = name_stems(q)
    return [s for s in q.focus if s not in named]


def context_stems(snap: Snapshot, row: SentenceRow, named: frozenset[str]) -> frozenset[str]:
    """Content stems of the sentence's window (``window_text``), of whose title only the
    question's names count. A news headline states a fact ("North Korea raises capsized
    warship"): its predicate would otherwise cover every sentence of the article, and "When
    did the destroyer capsize?" find the warship's launch date "covered" by the headline.
    SQuAD's titles, which the model learns from, name only the subject ("Steam engine")."""
    have = frozenset(content_stems(window_text(snap, row, title=False)))
    title = str(snap.articles.get(row.doc_id, {}).get("title", ""))
    return have | (frozenset(content_stems(title)) & named)


NAME_CHECK = {"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}


def question_names(snap: Snapshot, q: Question) -> list[str]:
    """Named things the question is about (not nationalities: "North Korean" is everywhere)."""
    return [surface for surface, label in snap.vocab.find_names(q.query) if label in NAME_CHECK]


def score_hits(snap: Snapshot, q: Question, hits: list[Hit]) -> list[Scored]:
    names = question_names(snap, q)
    pred = predicate_stems(q)
    named = name_stems(q)
    out = []
    for hit in hits[:CANDIDATES]:
        row = snap.rows[hit.node_id]
        have = context_stems(snap, row, named)
        cov = coverage(snap, q.focus, have, q.soft)
        pcov = coverage(snap, pred, have, q.soft) if pred else cov
        wide = window_text(snap, row, before=3, after=1)  # "..., Doo said." two sentences on
        present = sum(_mentions(wide, n) for n in names) / len(names) if names else 1.0
        score = COSINE_WEIGHT * max(hit.cosine, 0.0) + (1 - COSINE_WEIGHT) * (0.4 * cov + 0.6 * pcov)
        # A passage that misses a name the question gives is probably about someone else.
        out.append(Scored(row, hit, cov, pcov, score * (0.6 + 0.4 * present), present > 0.5, have))
    return sorted(out, key=lambda s: s.score, reverse=True)


def _mentions(text: str, name: str) -> bool:
    """Loose on spelling: "Kim Jong Un" / "Kim Jong-un", "Sergei Shoigu" / "Mr Shoigu"."""
    flat = lambda t: " ".join(t.lower().replace("-", " ").replace("’", "'").split())  # noqa: E731
    text, name = flat(text), flat(name)
    if name in text:
        return True
    parts = name.split()
    # Surname last ("Sergei Shoigu" → "Shoigu") or first, Korean order ("Doo Jin-ho" → "Doo").
    return any(len(p) > 2 and re.search(rf"\b{re.escape(p)}\b", text) for p in {parts[0], parts[-1]})
