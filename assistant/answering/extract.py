"""Short answers: the entity of the asked-for kind that the best sentences put closest
to the question's words, with support summed across sentences and articles.

No extractive-QA model ships on PyPI for offline use (see the offline-stack notes), so
the span is chosen from the entities spaCy tagged at ingest time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..questions.question import Question
from ..text import MONTH, TOKEN, answer_key, content_stems, stem
from .scoring import Scored

DURATION = re.compile(r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few)\b"
                      r"[\w\s-]{0,15}?\b(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)\b", re.I)
DISTANCE = re.compile(r"\b(?:km|kilomet(?:re|er)s?|miles?|metres?|meters?)\b", re.I)
WEEKDAY = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)
VAGUE_DATE = re.compile(r"\b(?:this|last|next|recent|coming|past|earlier|later)\b|\bago\b|\bday by day\b", re.I)
SUPPORT = 0.25  # share of a further sentence's score added to a value it also states
LABEL_WEIGHT = {"person": {"ORG": 0.5}, "place": {"ORG": 0.75}}
NUMERIC_KINDS = {"number", "age", "duration", "date", "time"}
OTHER_NAME_WEIGHT = 0.6  # a name of another kind than asked, or an untagged proper noun
BUILDING_WORDS = frozenset(content_stems("headquarters building hall palace office compound house"))


@dataclass
class Candidate:
    value: str  # as printed in the best sentence
    key: str
    label: str
    score: float = 0.0
    support: list[tuple[Scored, int, int]] = field(default_factory=list)  # (sentence, start, end)
    mention_scores: list[float] = field(default_factory=list)  # the model's probability of each support mention
    best_index: int = -1  # the most probable mention among the answer model's spans
    indices: list[int] = field(default_factory=list)  # every one of those spans that gives this answer

    @property
    def doc_ids(self) -> list[str]:
        return list(dict.fromkeys(s.row.doc_id for s, _, _ in self.support))

    def mask(self, n: int) -> np.ndarray:
        """Which of the answer model's ``n`` spans give this answer."""
        out = np.zeros(n, bool)
        out[self.indices] = True
        return out


def _clean(value: str) -> str:
    value = value.strip(" ,;:“”\"'")
    return value if re.search(r"\b[ap]\.m\.$", value) else value.rstrip(".")


@lru_cache(maxsize=1 << 14)
def sentence_tokens(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, stem) of each token: a sentence is tokenised once, however many of
    its spans are scored."""
    return tuple((m.start(), m.end(), stem(m.group().lower().removesuffix("’s").removesuffix("'s")))
                 for m in TOKEN.finditer(text))


def proximity(tokens: tuple[tuple[int, int, str], ...], a: int, b: int, focus, soft: dict, idf, total: float) -> float:
    """How much of the question sits around the span ``[a, b)``: idf-weighted question words
    (``soft``: corpus neighbour -> (question word, similarity), for paraphrases), each
    discounted by its distance; ``total`` is the question words' idf sum."""
    best: dict[str, float] = {}
    for ts, te, st in tokens:
        if a <= ts < b:
            continue
        word, sim = (st, 1.0) if st in focus else soft.get(st, (None, 0.0))
        if word:
            d = a - te if ts < a else ts - b
            best[word] = max(best.get(word, 0.0), sim / (1.0 + max(d, 0) / 60.0))
    return 0.4 + 0.6 * sum(idf(st) * w for st, w in best.items()) / total


def _proximity(q: Question, s: Scored, a: int, b: int, idf) -> float:
    soft = {n: (w, sim) for w, near in q.soft.items() for n, sim in near.items()}
    return proximity(sentence_tokens(s.row.text), a, b, q.focus, soft, idf, sum(idf(st) for st in q.focus) or 1.0)


NUMBER_WORDS = frozenset("hundred thousand million billion trillion dozen dozens percent per cent".split())


def _counted(value: str) -> str:
    return re.findall(r"[A-Za-z]+", value)[-1]


def _counts_something(value: str) -> bool:
    """Does the span name what it counts ("62,000 soldiers"), not just a figure ("6,000")?"""
    words = re.findall(r"[A-Za-z]+", value)
    return bool(words) and words[-1].lower() not in NUMBER_WORDS and not re.search(r"\d$", value)


def _beside(text: str, a: int, b: int, words: set[str], reach: int = 4) -> bool:
    """Is an asked-for word right next to the entity? ("Rodong Sinmun newspaper",
    "Marshal Pak Jong-chon", "Reporting by Andrew Osborn")."""
    return any(_related(t, words) for t in _around(text, a, b, reach))


def _window(text: str, a: int, b: int, reach: int) -> str:
    before = TOKEN.findall(text[:a])[-reach:]
    after = TOKEN.findall(text[b:])[:reach]
    return " ".join(before + [text[a:b]] + after)


def _around(text: str, a: int, b: int, reach: int) -> set[str]:
    before = [stem(p) for t in TOKEN.findall(text[:a]) for p in t.lower().split("-")][-reach:]
    after = [stem(p) for t in TOKEN.findall(text[b:]) for p in t.lower().split("-")][:reach]
    return set(before + after)


def _related(word: str, stems) -> bool:
    """Same stem, or the same first five letters ("director" / "direct")."""
    return any(word == s or (len(s) > 4 and len(word) > 4 and word[:5] == s[:5]) for s in stems)


def _date_weight(value: str) -> float:
    if re.search(r"\d", value) or MONTH.search(value):
        return 0.6 if VAGUE_DATE.search(value) else 1.0
    return 0.5 if VAGUE_DATE.search(value) else 0.8  # weekdays: relative to a dateline


def candidates(q: Question, scored: list[Scored], rarity=lambda key: 1.0, idf=lambda st: 1.0,
               known=lambda st: True, similar=lambda a, b: 0.0, limit: int = 8) -> list[Candidate]:
    """Entities of the asked-for kind in the best sentences, best first.

    A value's score is its best mention; mentions in other articles add support, which
    rewards facts several reports state without letting one article's repeated
    "Seoul" or "North Korea" outvote the single sentence that answers.
    """
    found: dict[str, Candidate] = {}
    mentions: dict[str, dict[str, float]] = {}
    floor = 0.8 * scored[0].score if scored else 0.0
    for s in scored[:limit]:
        for a, b, label, *rest in s.row.entities:
            if label not in q.labels and label not in q.also:
                continue
            value = _clean(s.row.text[a:b])
            stems = content_stems(value)
            if not stems or all(st in q.excluded for st in stems):
                continue  # only repeats the question ("Pyongyang" in "who visited Pyongyang")
            if q.kind not in ("number", "date", "time", "duration", "age") and \
                    {w.lower() for w in re.findall(r"\b[A-Z][\w-]+", value)} & q.proper:
                continue  # shares a name with the question: "the Chongjin Shipyard" for "...at Chongjin"
            if label == "CARDINAL" and re.match(r"\s*(?:countries|sides|nations|leaders|men)\b", s.row.text[b:]) \
                    or re.fullmatch(r"(?:the )?two (?:countries|sides|nations|leaders)", value.lower()):
                continue  # "the two countries": not a figure anyone asks for
            key = answer_key(value, label)
            weight = LABEL_WEIGHT.get(q.kind, {}).get(label, 1.0) * rarity(key) * (1.0 if label in q.labels else OTHER_NAME_WEIGHT)
            if label in ("DATE", "TIME"):
                weight *= _date_weight(value)
            heads = {q.head, *q.soft.get(q.head, {})} if q.head else set()
            closeness = similar(q.head_word, _counted(value)) if q.head_word and _counts_something(value) else 0.0
            if closeness >= 0.75:  # "servicemen" for "soldiers"
                heads = heads | set(stems)
            if q.kind == "number" and q.head and known(q.head) and not heads & set(stems) \
                    and _counts_something(value) and closeness < 0.5:
                weight *= 0.5  # "5,000-ton warship" does not answer "how many people"
            if q.kind == "date" and q.wants_calendar_date and not (
                    (MONTH.search(value) and re.search(r"\b\d{1,2}\b", value)) or WEEKDAY.search(value)):
                continue  # "since 2020" or "in June" does not answer "on what date"
            if q.kind == "duration":  # "how long": a span of time, not a point in it ("2020", "since 2020")
                if not (DURATION.search(value) or DISTANCE.search(value)):
                    continue
                weight *= 1.5
            if q.wants_weekday:
                weight *= 1.5 if WEEKDAY.search(value) else 0.5
            if q.kind == "number" and q.mods and _counts_something(value):
                # "how many North Korean soldiers": a count of those, not of Russia's soldiers
                near = set(content_stems(value)) | _around(s.row.text, a, b, 6)
                weight *= 1.25 if q.mods <= near else 0.7
            if q.head and heads & set(stems):
                # the span names what was asked: "5,000-ton" for "tonnage", "Marshal Pak Jong-chon" for "which marshal"
                weight *= 2.0 if q.kind in ("person", "organisation") else 1.5
            elif q.head and q.kind not in NUMERIC_KINDS and _beside(s.row.text, a, b, {q.head}):
                weight *= 1.3
            if q.kind == "building" and _beside(s.row.text, a, b, BUILDING_WORDS, reach=4):
                weight *= 1.5  # "at the headquarters of the ... Central Committee"
            if q.wants_more and re.search(r"\b(?:another|more|additional|further)\b", _window(s.row.text, a, b, 2)):
                weight *= 2.0  # "how many more troops": "another 3,000", "3,000 more" (the noun is left out)
            gov = rest[0] if rest else ""
            if gov and _related(stem(gov), q.focus):  # "which newspaper published" ~ "Gazeta ... published"
                weight *= 1.3
            if q.mods and _beside(s.row.text, a, b, q.mods, reach=2):  # "the 11-country Multilateral ..."
                weight *= 1.5
            if q.kind in ("person", "name"):  # the subject of "who visited..." usually comes first
                weight *= 1.0 - 0.3 * a / max(len(s.row.text), 1)
            if q.kind == "place" and re.search(r"\b(?:in|at|from|near|to)\s+(?:the\s+)?$", s.row.text[max(0, a - 12):a]):
                weight *= 1.2
            score = s.score * _proximity(q, s, a, b, idf) * weight
            c = found.get(key)
            if c is None:
                c = found[key] = Candidate(value, key, label)
            c.support.append((s, a, b))
            per_doc = mentions.setdefault(key, {})
            if score > per_doc.get(s.row.doc_id, 0.0) and s.score >= floor:
                per_doc[s.row.doc_id] = score
            if score > c.score:
                c.value = value
                c.score = score
    for key, c in found.items():
        others = sorted(mentions.get(key, {}).values(), reverse=True)[1:]
        c.score += SUPPORT * sum(others)
    merged = _merge_names(list(found.values()))
    if q.head and q.kind in ("person", "organisation"):
        # "Which marshal ...": once a name comes with that title ("Marshal Pak Jong-chon"),
        # names that never do are weaker answers.
        titled = [c for c in merged if q.head in content_stems(c.value)]
        if titled:
            for c in merged:
                if c not in titled:
                    c.score *= 0.6
    return sorted(merged, key=lambda c: c.score, reverse=True)


def _merge_names(cands: list[Candidate]) -> list[Candidate]:
    """'Shoigu' and 'Sergei Shoigu' are one answer, and so are 'June 19', 'June 2024'
    and 'June 19, 2024': keep the fullest form and give it the others' support."""
    cands.sort(key=_fullness, reverse=True)
    kept: list[Candidate] = []
    for c in cands:
        host = next((k for k in kept if _same_answer(k, c)), None)
        if host:
            host.score = max(host.score, c.score) + 0.1 * min(host.score, c.score)
            host.support += c.support
        else:
            kept.append(c)
    return kept


def merge_forms(cands: list[Candidate]) -> list[Candidate]:
    """One answer in several forms ('Shoigu' / 'Sergei Shoigu'; 'June 2024' / 'June 19, 2024'):
    the fullest form names it, with every form's support and the best form's score.
    Unlike ``_merge_names`` it never reorders: scores are the answer model's."""
    kept: list[Candidate] = []
    for c in cands:  # best first
        host = next((k for k in kept if (_same_answer(k, c) or _same_answer(c, k)) and _nested_figures(k, c)), None)
        if host is None:
            kept.append(c)
            continue
        if _fullness(c) > _fullness(host):
            host.value, host.key = c.value, c.key
        host.support += c.support
        host.mention_scores += c.mention_scores
        host.indices += c.indices
    return kept


def answers(values: list[str], keys: list[str], labels: list[str], probs: np.ndarray,
            support: list[tuple[Scored, int, int]] | None = None) -> list[Candidate]:
    """The answers the model's spans give, best first: spans of one value (across sentences
    and articles) are one candidate, scored by its most probable mention, and the forms of
    one answer are merged (``merge_forms``). ``support``: each span's (sentence, start, end).
    Training and ``compose`` both group spans here, so a fact's other reports are never
    read as its rivals in one and as rivals in the other."""
    found: dict[str, Candidate] = {}
    for i in sorted(range(len(values)), key=lambda i: -probs[i]):
        c = found.get(keys[i])
        if c is None:
            c = found[keys[i]] = Candidate(values[i], keys[i], labels[i], float(probs[i]), best_index=i)
        if support is not None:
            c.support.append(support[i])
        c.mention_scores.append(float(probs[i]))
        c.indices.append(i)
    return merge_forms(list(found.values()))


def _nested_figures(a: Candidate, b: Candidate) -> bool:
    """One form's figures hold the other's: 'May 21' is a form of 'May 21, 2025' but not of
    'May 2023', which would show a date that the chosen sentence never gave."""
    na, nb = set(re.findall(r"\d+", a.key)), set(re.findall(r"\d+", b.key))
    return na <= nb or nb <= na


def _fullness(c: Candidate) -> tuple[int, int]:
    return len(re.findall(r"\d+", c.key)), len(c.key)


def _same_answer(full: Candidate, short: Candidate) -> bool:
    """Is ``short`` a shorter form of ``full`` ("Shoigu" of "Sergei Shoigu"), or a compatible date?"""
    return full.label == short.label and (full.key.endswith(" " + short.key) or (
        full.label == "DATE" and _dated(full) and _dated(short) and compatible(full, short)))


def _dated(c: Candidate) -> bool:
    return bool(MONTH.search(c.key)) and " and " not in c.key


def compatible(a: Candidate, b: Candidate) -> bool:
    """Do two values agree? 'June 19' fits 'June 19, 2024'; '6,000' fits '6,000 troops'."""
    ka, kb = a.key, b.key
    if ka == kb or ka in kb or kb in ka:
        return True
    na, nb = re.findall(r"\d+", ka), re.findall(r"\d+", kb)
    if a.label in ("DATE", "TIME") and b.label in ("DATE", "TIME"):
        ma, mb = MONTH.findall(ka), MONTH.findall(kb)
        if ma and mb and ma[0][:3] != mb[0][:3]:
            return False
        days_a = [n for n in na if len(n) <= 2]
        days_b = [n for n in nb if len(n) <= 2]
        if days_a and days_b and days_a[0] != days_b[0]:
            return False
        years_a = [n for n in na if len(n) == 4]
        years_b = [n for n in nb if len(n) == 4]
        if years_a and years_b and years_a[0] != years_b[0]:
            return False
        return bool(ma and mb) or bool(set(na) & set(nb))
    return bool(na and nb and na[0] == nb[0])


def verb_clause_at(q: Question, text: str) -> int | None:
    """Position right after the question's verb used as a verb ("announced that ...")."""
    if not q.verb:
        return None
    for m in TOKEN.finditer(text):
        word = m.group().lower()
        if stem(word) != q.verb or re.search(r"(?:ment|tion|sion|ance|ence)s?$", word):
            continue  # "made the announcement" names the act; "announced that ..." says what
        if re.match(r"\s*(?:that\b|:|,|“|\"|\w)", text[m.end():]):
            return m.end()
    return None


def clause_answer(q: Question, s: Scored, max_words: int = 40) -> str:
    """For 'what did X announce/say': the clause after the verb; else the sentence itself."""
    text = s.row.text
    if q.kind == "describe":  # "Who is Hong Min?" → the apposition after the name
        for name in sorted(q.names, key=len, reverse=True):
            m = re.search(re.escape(name) + r",\s+([^,]+(?:,[^,]{0,40}?)?)(?:,|$)", text)
            if m:
                return m.group(1).strip().rstrip(".")
    at = verb_clause_at(q, text)
    if at is not None:
        rest = re.sub(r"^(?:that|:|,)\s*", "", text[at:].strip())
        if len(rest.split()) >= 3:
            text = rest
    words = text.split()
    short = " ".join(words[:max_words]) + (" …" if len(words) > max_words else "")
    return short.rstrip(" .,;")
