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

from ..index.snapshot import Snapshot
from ..questions.answer_type import WH, focus_noun, wh_word
from ..questions.question import Question
from ..text import TOKEN, content_stems, stem
from .extract import candidates, proximity, sentence_tokens
from .grounding import ABSENT, anchors_of, levels
from .scoring import Scored
from .spans import Span

KINDS = ["what", "money", "measure", "age", "number", "time", "date", "duration", "treaty", "place", "building",
         "person", "organisation", "name", "yesno", "describe"]
LABELS = ["PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE",
          "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL", "PROPN", "NP", "CLAUSE"]
# A word naming each spaCy label, so the asked kind can be compared with it by meaning.
LABEL_WORDS = {"PERSON": "person", "NORP": "nationality", "FAC": "building", "ORG": "organization", "GPE": "country",
               "LOC": "location", "PRODUCT": "product", "EVENT": "event", "WORK_OF_ART": "book", "LAW": "law",
               "LANGUAGE": "language", "DATE": "date", "TIME": "time", "PERCENT": "percentage", "MONEY": "money",
               "QUANTITY": "quantity", "ORDINAL": "order", "CARDINAL": "number"}
PREPOSITIONS = frozenset("in at on by from to of for with during since until near".split())
# One-hot columns the ranker uses. Pruned (issue 13): wh-words and labels no fold model ever
# split on once the learned answer type (type_prob) carried what the label is worth.
WH_COLUMNS = [w for w in WH if w not in ("whom", "whose", "how much", "how long")]
LABEL_COLUMNS = [x for x in LABELS if x not in ("PRODUCT", "EVENT", "WORK_OF_ART", "LANGUAGE", "TIME", "QUANTITY",
                                                "ORDINAL", "CLAUSE")]

NAMES = [
    # question
    "q_kind", *[f"wh_{w.replace(' ', '_')}" for w in WH_COLUMNS], "q_words", "q_focus", "q_known", "q_unknown_names", "q_soft", "q_has_number",
    # best sentence (how answerable the question looks at all)
    "best_score", "best_cosine", "best_coverage", "best_predicate", "best_names_ok", "second_score",
    # the span's sentence
    "s_rank", "s_score", "s_score_rel", "s_cosine", "s_coverage", "s_predicate", "s_names_ok",
    "s_bm25_rel", "s_fused_rank", "s_position", "s_words",
    # the span
    *[f"label_{x}" for x in LABEL_COLUMNS], "label_wanted", "label_also", "words", "chars", "has_digit", "capitalised", "relative_start",
    "repeats_question", "proximity", "left_hits", "right_hits", "near_hits", "nearest", "after_preposition",
    "governor_asked", "head_in_span", "support_sentences", "rule_score", "rule_rank",
    "in_parentheses", "question_numbers_in_sentence",
    "left_distance", "right_distance", "between_matches", "matched_before", "matched_after",
    "contains_candidates", "inside_candidates", "starts_with_determiner", "head_similarity",
    # question words the span's passage lacks: a swapped name or figure is one rare word missing
    "missing_share", "max_missing_idf",
    # the asked kind ("what percentage", "which king") against what the span's label names
    "type_label_similarity",
    # the learned answer type (answer_type): P(this span's label | the question), and is it the likeliest label
    "type_prob", "type_is_top",
    # grounding: how far from the span's sentence the article ties the question's names, numbers and words
    "g_name_max", "g_name_mean", "g_number_max", "g_content_mean", "g_absent_idf", "g_far_idf",
]
TYPE_COLUMNS = [NAMES.index("type_prob"), NAMES.index("type_is_top")]


@lru_cache(maxsize=1 << 16)
def _stems(text: str) -> frozenset[str]:
    """Content stems of a sentence window or a span: the same texts recur across questions."""
    return frozenset(content_stems(text))


def _code(value: str, table: list[str]) -> int:
    return table.index(value) if value in table else len(table)


def _one_hot(value: str, table: list[str]) -> list[float]:
    return [float(value == x) for x in table]


def fill_types(X: np.ndarray, labels: list[str], probs: np.ndarray) -> np.ndarray:
    """A copy of ``X`` (spans with these labels) whose answer-type columns hold ``probs``
    (P(label | question) over LABELS): each span's label's probability, and whether it is
    the likeliest label. ``featurize`` leaves them at 0: the type model is fitted per fold."""
    top = int(np.argmax(probs))
    X = X.copy()
    X[:, TYPE_COLUMNS] = np.asarray([[probs[i], float(i == top)] for i in (LABELS.index(lab) for lab in labels)],
                                    np.float32)
    return X


def featurize(snap: Snapshot, q: Question, scored: list[Scored], spans: list[Span]) -> np.ndarray:
    """One row per span; the answer-type columns stay 0 (the model fills them: ``AnswerModel.typed``)."""
    if not spans:
        return np.zeros((0, len(NAMES)), np.float32)
    vocab = snap.vocab
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
        for r, c in enumerate(candidates(q, scored, vocab.rarity, idf, vocab.known, snap.synonyms.similarity)):
            for s, a, b in c.support:
                rule.setdefault((s.row.node_id, a, b), (c.score, r))
    by_key = Counter()
    for sp in spans:
        by_key[sp.key] += 1
    q_row = [
        _code(q.kind, KINDS), *_one_hot(wh_word(q.text), WH_COLUMNS), len(TOKEN.findall(q.text)), len(focus),
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
    asked_type = focus_noun(q)
    anchors = anchors_of(q)
    grounded: dict[str, list[float]] = {}
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
            lacking = [st for st in focus if st not in s.context]
            missing[s.row.node_id] = (len(lacking) / max(len(focus), 1), max((idf(st) for st in lacking), default=0.0) / max_idf)
        word = (re.findall(r"[A-Za-z]+", sp.value) or [""])[-1].lower()
        if asked_type and word and word not in head_sim:
            head_sim[word] = snap.synonyms.similarity(asked_type, word)
        if asked_type and sp.label not in type_sim:
            type_sim[sp.label] = snap.synonyms.similarity(asked_type, LABEL_WORDS[sp.label]) if sp.label in LABEL_WORDS else 0.0
        stems = _stems(sp.value)
        repeats = sum(st in focus for st in stems) / max(len(stems), 1)
        rs, rr = rule.get((s.row.node_id, sp.start, sp.end), (0.0, 99))
        article_len = len(snap.by_doc.get(s.row.doc_id, ())) or 1
        if s.row.node_id not in grounded:
            grounded[s.row.node_id] = _grounding(snap, anchors, s.row, max_idf)
        rows.append(q_row + [
            sp.rank, s.score, s.score / (best.score or 1.0), s.hit.cosine, s.coverage, s.predicate, float(s.names_ok),
            s.hit.bm25 / max_bm25, fused_rank.get(s.row.node_id, 99), s.row.idx / article_len, len(tk),
            *_one_hot(sp.label, LABEL_COLUMNS), float(sp.label in q.labels), float(sp.label in q.also),
            len(sp.value.split()), len(sp.value), float(bool(re.search(r"\d", sp.value))),
            float(sp.value[:1].isupper()), sp.start / max(len(text), 1),
            repeats, proximity(tk, sp.start, sp.end, focus, soft, idf, focus_idf), left, right, near, min(dists, default=99),
            float(bool(before) and before[-1][2] in PREPOSITIONS),
            float(bool(sp.governor) and stem(sp.governor) in focus), float(bool(q.head) and q.head in stems),
            by_key[sp.key], rs, rr,
            float(text[:sp.start].count("(") > text[:sp.start].count(")")),
            float(bool(q_numbers) and q_numbers <= set(re.findall(r"\d+", text))),
            min(dl, default=99), min(dr, default=99), float(bool(dl) and bool(dr)),
            sum(idf(t[2]) for t in before if t[2] in focus) / focus_idf,
            sum(idf(t[2]) for t in after if t[2] in focus) / focus_idf,
            sum(sp.start <= a and b <= sp.end and (a, b) != (sp.start, sp.end) for a, b in others),
            sum(a <= sp.start and sp.end <= b and (a, b) != (sp.start, sp.end) for a, b in others),
            float(bool(re.match(r"(?:the|a|an)\s", sp.value))), head_sim.get(word, 0.0),
            *missing[s.row.node_id], type_sim.get(sp.label, 0.0), 0.0, 0.0, *grounded[s.row.node_id],
        ])
    return np.asarray(rows, np.float32)


def _grounding(snap: Snapshot, anchors, row, max_idf: float) -> list[float]:
    """g_* features: max and mean level of the question's names (0 when it names none),
    max level of its numbers, idf-weighted mean level of its content words, and the
    largest idf of a content word the article never uses / does not put near the sentence."""
    lv = levels(snap, anchors, row)
    idf = snap.vocab.idf
    weights = [idf(s) for s in anchors.content]
    total = sum(weights) or 1.0
    return [max(lv.names, default=0) / ABSENT, (sum(lv.names) / len(lv.names) / ABSENT) if lv.names else 0.0,
            max(lv.numbers, default=0) / ABSENT,
            sum(w * k for w, k in zip(weights, lv.content)) / total / ABSENT,
            max((w for w, k in zip(weights, lv.content) if k == ABSENT), default=0.0) / max_idf,
            max((w for w, k in zip(weights, lv.content) if k >= 2), default=0.0) / max_idf]


# The answer-level features: is the best span right at all? The span model ranks; these
# (with its probability and its lead over the runner-up) feed the calibrated confidence.
# Pruned: second_score, support_sentences and support_docs (weights ~0 in every fold; support
# across articles is constant in an encyclopaedia and off the scale in news).
ANSWER_FEATURES = ["best_score", "best_cosine", "best_coverage", "best_predicate", "best_names_ok",
                   "q_unknown_names", "q_known", "q_focus", "s_rank", "s_score_rel", "s_cosine", "s_coverage",
                   "s_predicate", "s_names_ok", "label_wanted", "repeats_question",
                   "near_hits", "missing_share", "max_missing_idf", "type_prob", "type_is_top",
                   "g_name_max", "g_name_mean", "g_number_max", "g_content_mean", "g_absent_idf", "g_far_idf"]
_ANSWER_COLUMNS = [NAMES.index(n) for n in ANSWER_FEATURES]
ANSWER_NAMES = ["logit", "lead_over_second", *ANSWER_FEATURES]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def answer_features(X: np.ndarray, raw: np.ndarray, i: int, same: np.ndarray | None = None) -> np.ndarray:
    """Features of span ``i`` as *the* answer (``raw``: the span model's probabilities).

    ``same``: which spans give that answer too (``Candidate.mask`` of ``extract.answers``). The lead is
    over the best *other* answer: a fact that several reports repeat is no rival to itself
    (on the seed questions the runner-up is the same fact a quarter of the time; in SQuAD 5%)."""
    keep = np.ones(len(raw), bool) if same is None else ~same
    keep[i] = False
    others = raw[keep]
    second = float(others.max()) if len(others) else 0.0
    return np.asarray([_logit(raw[i]), _logit(raw[i]) - _logit(second), *X[i, _ANSWER_COLUMNS]], np.float64)
