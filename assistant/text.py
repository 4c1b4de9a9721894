"""Tokens, stems, stop words and answer keys, shared by indexing, question analysis and
answer scoring (the bottom of the import graph: it imports nothing of the project)."""
from __future__ import annotations

import re
from functools import lru_cache

TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
STOP = frozenset("""
a an the of in on at to for from by with about as into over after before between during under than then
and or but nor so yet if whether that this these those there here it its it's they them their he him his she her
we us our you your i me my is are was were be been being am do does did done doing have has had having will would
shall should can could may might must what which who whom whose when where why how much many
say said says tell told according report reported reports also just only very not no any some more most such
story up make makes made
""".split())
QUESTION_WORDS = frozenset("what which who whom whose when where why how".split())
# Numbers as words and their figures: "four parties" is a figure to grounding and to the number swaps.
FIGURE_OF_WORD = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                                  "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}
# A month's name or its abbreviation, whole: "Mar." and "March", never "Marines" or "declared".
MONTH_NAME = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
              r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?")
MONTH = re.compile(rf"\b{MONTH_NAME}", re.I)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: the same Snowball stemmer the BM25 index uses

    return Stemmer.Stemmer("english")


# The word-level helpers below are memoised per distinct word: a question's first look at an
# article tokenises and stems all its sentences (for grounding, context and story copies),
# and news repeats its words. Grounding's words of a sentence: 0.060 -> 0.037 ms with these
# caches warm (benchmarks/HISTORY.md, 2026-12-01); a few ms of a first-time question.
@lru_cache(maxsize=1 << 16)
def norm(token: str) -> str:
    return token.lower().replace("’", "'").removesuffix("'s")


def tokens(text: str) -> list[str]:
    return [norm(t) for t in TOKEN.findall(text)]


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


@lru_cache(maxsize=1 << 16)
def meaning_stems(word: str) -> tuple[str, ...]:
    """Stems of the parts of a normalised word ("war-torn") that carry meaning."""
    return tuple(stem(p) for p in word.split("-") if p and p not in STOP and (len(p) > 1 or p.isdigit()))


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (no stop words), in order, de-duplicated."""
    return list(_content_stems(text))


@lru_cache(maxsize=1 << 13)
def _content_stems(text: str) -> tuple[str, ...]:
    # Memoised: one question stems the same retrieved sentences and windows many times.
    seen: dict[str, None] = {}
    for t in tokens(text):
        for s in meaning_stems(t):
            seen.setdefault(s, None)
    return tuple(seen)


_THOUSANDS = re.compile(r"(?<=\d)[,\s](?=\d{3}\b)")


def digits(text: str) -> str:
    return _THOUSANDS.sub("", text)


_KEY_LEAD = re.compile(r"^(?:the|mr|ms|mrs|some|about|around|over|more than|at least|nearly|almost|up to|as many as)\s+")
_KEY_TITLE = re.compile(r"^(?:the|mr|ms|mrs)\s+")
_KEY_NUMBER = re.compile(r"\d[\d.]*(?:\s*(?:million|billion))?")
_KEY_PUNCT = re.compile(r"[^a-z0-9 ]+")


@lru_cache(maxsize=1 << 16)  # the vocabulary build keys every entity of the corpus; most repeat
def answer_key(value: str, label: str) -> str:
    """What two mentions of one answer share ("over 11,000" and "11000"; "the Choe Hyon" and
    "Choe Hyon"): answers are grouped and counted by it, at question time and in the
    vocabulary's per-entity sentence counts at ingest."""
    v = digits(value.lower()).replace("’", "'")
    v = _KEY_TITLE.sub("", _KEY_LEAD.sub("", v))
    if label in ("CARDINAL", "QUANTITY", "MONEY", "PERCENT"):
        m = _KEY_NUMBER.search(v)
        return m.group() if m else v
    return _KEY_PUNCT.sub(" ", v).strip()
