"""What the engine knows about a candidate span, as a row of numbers for the model.

Question (its kind, wh-word, how much of it the corpus knows), sentence (retrieval and
coverage scores, ranks, position) and span (label against the asked kind, words around
it that the question uses, repeats of the question, support across sentences, and the
earlier hand-weighted entity score as one input among others). No thresholds here:
the model weighs them.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import numpy as np

from ..extract import candidates, proximity, sentence_tokens
from ..question import Question
from ..scoring import Scored, window_text
from ..text import STOP, TOKEN, content_stems, stem
from .spans import Span

KINDS = ["what", "money", "measure", "age", "number", "time", "date", "duration", "treaty", "place", "building",
         "person", "organisation", "name", "yesno", "describe"]
WH = ["what", "which", "who", "whom", "whose", "when", "where", "why", "how many", "how much", "how long", "how"]
LABELS = ["PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE",
          "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL", "PROPN", "NP", "CLAUSE"]
# A word naming each spaCy label, so the asked kind can be compared with it by meaning.
LABEL_WORDS = {"PERSON": "person", "NORP": "nationality", "FAC": "building", "ORG": "organization", "GPE": "country",
               "LOC": "location", "PRODUCT": "product", "EVENT": "event", "WORK_OF_ART": "book", "LAW": "law",
               "LANGUAGE": "language", "DATE": "date", "TIME": "time", "PERCENT": "percentage", "MONEY": "money",
               "QUANTITY": "quantity", "ORDINAL": "order", "CARDINAL": "number"}
PREPOSITIONS = frozenset("in at on by from to of for with during since until near".split())

NAMES = [
    # question
    "q_kind", *[f"wh_{w.replace(' ', '_')}" for w in WH], "q_words", "q_focus", "q_known", "q_unknown_names", "q_soft", "q_has_number",
    # best sentence (how answerable the question looks at all)
    "best_score", "best_cosine", "best_coverage", "best_predicate", "best_names_ok", "second_score",
    # the span's sentence
    "s_rank", "s_score", "s_score_rel", "s_cosine", "s_coverage", "s_predicate", "s_names_ok",
    "s_bm25_rel", "s_fused_rank", "s_position", "s_words",
    # the span
    *[f"label_{x}" for x in LABELS], "label_wanted", "label_also", "words", "chars", "has_digit", "capitalised", "relative_start",
    "repeats_question", "proximity", "left_hits", "right_hits", "near_hits", "nearest", "after_preposition",
    "governor_asked", "head_in_span", "support_sentences", "support_docs", "rule_score", "rule_rank",
    "in_parentheses", "question_numbers_in_sentence",
    "left_distance", "right_distance", "between_matches", "matched_before", "matched_after",
    "contains_candidates", "inside_candidates", "starts_with_determiner", "head_similarity",
    # question words the span's passage lacks: a swapped name or figure is one rare word missing
    "missing_share", "max_missing_idf",
    # the asked kind ("what percentage", "which king") against what the span's label names
    "type_label_similarity",
]


@lru_cache(maxsize=1 << 16)
def _stems(text: str) -> frozenset[str]:
    """Content stems of a sentence window or a span: the same texts recur across questions."""
    return frozenset(content_stems(text))


def wh_word(text: str) -> str:
    low = text.lower()
    for w in ("how many", "how much", "how long"):
        if w in low:
            return w
    first = re.findall(r"\b(what|which|who|whom|whose|when|where|why|how)\b", low)
    return first[0] if first else "other"


def type_word(q: Question) -> str | None:
    """The noun that names the kind of answer: "country" in "What country is ...", "soldiers"
    in "how many soldiers"."""
    if q.head_word:
        return q.head_word
    m = re.search(r"\b(?:[Ww]hat|[Ww]hich)\s+(?:[A-Z]\w+\s+)*([a-z]+)\b", q.text)
    return m.group(1) if m and m.group(1) not in STOP else None


def _code(value: str, table: list[str]) -> int:
    return table.index(value) if value in table else len(table)


def _one_hot(value: str, table: list[str]) -> list[float]:
    return [float(value == x) for x in table]


def featurize(engine, q: Question, scored: list[Scored], spans: list[Span]) -> np.ndarray:
    if not spans:
        return np.zeros((0, len(NAMES)), np.float32)
    vocab = engine.vocab
    idf = vocab.idf
    focus = set(q.focus)
    focus_idf = sum(idf(s) for s in q.focus) or 1.0
    soft = {n: (w, sim) for w, near in q.soft.items() for n, sim in near.items()}
    best = scored[0]
    max_bm25 = max((s.hit.bm25 for s in scored), default=0.0) or 1.0
    fused_rank = {s.row.node_id: r for r, s in enumerate(sorted(scored, key=lambda s: -s.hit.fused))}
    q_numbers = set(re.findall(r"\d+", q.text))
    rule: dict[tuple[str, int, int], tuple[float, int]] = {}
    if q.labels:
        for r, c in enumerate(candidates(q, scored, vocab.rarity, idf, vocab.known, engine.synonyms.similarity)):
            for s, a, b in c.support:
                rule.setdefault((s.row.node_id, a, b), (c.score, r))
    by_key = Counter()
    docs_by_key: dict[str, set[str]] = {}
    for sp in spans:
        by_key[sp.key] += 1
        docs_by_key.setdefault(sp.key, set()).add(sp.sentence.row.doc_id)
    q_row = [
        _code(q.kind, KINDS), *_one_hot(wh_word(q.text), WH), len(TOKEN.findall(q.text)), len(focus),
        sum(vocab.known(s) for s in focus) / max(len(focus), 1), len(vocab.unknown_names(q.text)), len(q.soft),
        float(bool(q_numbers)),
        best.score, best.hit.cosine, best.coverage, best.predicate, float(best.names_ok),
        scored[1].score if len(scored) > 1 else 0.0,
    ]
    toks: dict[str, tuple[tuple[int, int, str], ...]] = {}
    by_sentence: dict[str, list[tuple[int, int]]] = {}
    for sp in spans:
        by_sentence.setdefault(sp.sentence.row.node_id, []).append((sp.start, sp.end))
    head_sim: dict[str, float] = {}
    missing: dict[str, tuple[float, float]] = {}
    type_sim: dict[str, float] = {}
    max_idf = vocab.max_idf() or 1.0
    asked_type = type_word(q)
    rows = []
    for sp in spans:
        s = sp.sentence
        text = s.row.text
        tk = toks.get(s.row.node_id)
        if tk is None:
            tk = toks[s.row.node_id] = sentence_tokens(text)
        before = [t for t in tk if t[1] <= sp.start]
        after = [t for t in tk if t[0] >= sp.end]
        left = sum(idf(t[2]) for t in before[-3:] if t[2] in focus) / focus_idf
        right = sum(idf(t[2]) for t in after[:3] if t[2] in focus) / focus_idf
        near = sum(idf(t[2]) for t in before[-8:] + after[:8] if t[2] in focus) / focus_idf
        dl = [len(before) - i for i, t in enumerate(before) if t[2] in focus]
        dr = [i + 1 for i, t in enumerate(after) if t[2] in focus]
        dists = dl + dr
        others = by_sentence[s.row.node_id]
        if s.row.node_id not in missing:
            have = _stems(window_text(engine, s.row))
            lacking = [st for st in focus if st not in have]
            missing[s.row.node_id] = (len(lacking) / max(len(focus), 1), max((idf(st) for st in lacking), default=0.0) / max_idf)
        word = (re.findall(r"[A-Za-z]+", sp.value) or [""])[-1].lower()
        if asked_type and word and word not in head_sim:
            head_sim[word] = engine.synonyms.similarity(asked_type, word)
        if asked_type and sp.label not in type_sim:
            type_sim[sp.label] = engine.synonyms.similarity(asked_type, LABEL_WORDS[sp.label]) if sp.label in LABEL_WORDS else 0.0
        stems = _stems(sp.value)
        repeats = sum(st in focus for st in stems) / max(len(stems), 1)
        rs, rr = rule.get((s.row.node_id, sp.start, sp.end), (0.0, 99))
        article_len = len(engine.by_doc.get(s.row.doc_id, ())) or 1
        rows.append(q_row + [
            sp.rank, s.score, s.score / (best.score or 1.0), s.hit.cosine, s.coverage, s.predicate, float(s.names_ok),
            s.hit.bm25 / max_bm25, fused_rank.get(s.row.node_id, 99), s.row.idx / article_len, len(tk),
            *_one_hot(sp.label, LABELS), float(sp.label in q.labels), float(sp.label in q.also),
            len(sp.value.split()), len(sp.value), float(bool(re.search(r"\d", sp.value))),
            float(sp.value[:1].isupper()), sp.start / max(len(text), 1),
            repeats, proximity(tk, sp.start, sp.end, focus, soft, idf, focus_idf), left, right, near, min(dists, default=99),
            float(bool(before) and before[-1][2] in PREPOSITIONS),
            float(bool(sp.governor) and stem(sp.governor) in focus), float(bool(q.head) and q.head in stems),
            by_key[sp.key], len(docs_by_key[sp.key]), rs, rr,
            float(text[:sp.start].count("(") > text[:sp.start].count(")")),
            float(bool(q_numbers) and q_numbers <= set(re.findall(r"\d+", text))),
            min(dl, default=99), min(dr, default=99), float(bool(dl) and bool(dr)),
            sum(idf(t[2]) for t in before if t[2] in focus) / focus_idf,
            sum(idf(t[2]) for t in after if t[2] in focus) / focus_idf,
            sum(sp.start <= a and b <= sp.end and (a, b) != (sp.start, sp.end) for a, b in others),
            sum(a <= sp.start and sp.end <= b and (a, b) != (sp.start, sp.end) for a, b in others),
            float(bool(re.match(r"(?:the|a|an)\s", sp.value))), head_sim.get(word, 0.0),
            *missing[s.row.node_id], type_sim.get(sp.label, 0.0),
        ])
    return np.asarray(rows, np.float32)


# The answer-level features: is the best span right at all? The span model ranks; these
# (with its probability and its lead over the runner-up) feed the calibrated confidence.
ANSWER_FEATURES = ["best_score", "best_cosine", "best_coverage", "best_predicate", "best_names_ok", "second_score",
                   "q_unknown_names", "q_known", "q_focus", "s_rank", "s_score_rel", "s_cosine", "s_coverage",
                   "s_predicate", "s_names_ok", "label_wanted", "repeats_question", "support_sentences", "support_docs",
                   "near_hits", "missing_share", "max_missing_idf"]
_ANSWER_COLUMNS = [NAMES.index(n) for n in ANSWER_FEATURES]
ANSWER_NAMES = ["logit", "lead_over_second", *ANSWER_FEATURES]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def answer_features(X: np.ndarray, raw: np.ndarray, i: int) -> np.ndarray:
    """Features of span ``i`` as *the* answer (``raw``: the span model's probabilities)."""
    others = np.delete(raw, i)
    second = float(others.max()) if len(others) else 0.0
    return np.asarray([_logit(raw[i]), _logit(raw[i]) - _logit(second), *X[i, _ANSWER_COLUMNS]], np.float64)
