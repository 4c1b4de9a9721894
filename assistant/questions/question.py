"""What kind of fact a question asks for, by rules (no parser loads on the query path)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..text import QUESTION_WORDS, content_stems

PERSON = frozenset({"PERSON"})
DATE = frozenset({"DATE", "TIME"})
NUMBER = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
PLACE = frozenset({"GPE", "LOC", "FAC"})
ORG = frozenset({"ORG"})
NAMED = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW"})
# "the name of the ship/satellite": a named thing, never a person or a country.
THING_NAME = frozenset({"FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW"})

# Wh-words count at the start only: "the official who announced" is not a who-question.
START = r"^\s*(?:(?:and|so|but|then)\s+)?(?:(?:in|on|at|from|to|by|since|until|according to [\w\s]+,)\s+)?"
MODS = r"(?:(?!(?:did|does|do|is|was|are|were|has|have|had|will|would)\b)[\w'’-]+ ){0,3}"  # "which Russian state-run news agency"
AUX = r"(?:did|do|does|were|was|are|is|have|has|had|will|would|can|could)"
PERSON_NOUNS = r"(?:person|people|official|leader|minister|analyst|expert|researcher|president|secretary|ambassador|director|fellow|marshal|reporter|journalist|envoy|commander|general|chairman|spokesman|spokesperson|man|woman|aide|ally|counterpart|prime minister)"
TREATY_NOUNS = r"(?:treaty|agreement|pact|accord|law|resolution)"
ORG_NOUNS = r"(?:organi[sz]ation|agency|newspaper|outlet|media|group|body|team|institute|institution|ministry|party|court|service|committee|council|company|paper|department|center|centre|station|network)"
PLACE_NOUNS = r"(?:body of water|river|building|venue|city|country|countries|nation|place|region|province|location|port|shipyard|dockyard|area|sea|town|capital|site|oblast|territory)"
TIME_NOUNS = r"(?:date|day of the week|day|year|month|time of day|time|week|weekday)"
COUNT_NOUNS = r"(?:number|tonnage|size|toll|total|figure|count|amount|percentage|share|distance|length|weight|tally)"

# (pattern, expected entity labels, kind). First match wins.
RULES: list[tuple[re.Pattern, frozenset[str], str]] = [
    (re.compile(r"\bwhat (?:kind|sort|type|form)s? of\b|\bwhat post\b|\bwhat (?:position|role|title)\b", re.I), frozenset(), "what"),
    (re.compile(r"\bhow much (?:\w+ ){0,4}?(?:pay|paid|cost|spend|spent|worth|price|charge|earn|fund|money|dollars?|rubles?)\b", re.I), frozenset({"MONEY"}), "money"),
    (re.compile(r"\bhow (?:far|long|tall|wide|deep|high)\b.*\b(?:metres|meters|km|kilometres|miles|feet|tons?|tonnes?)\b|\bhow far\b", re.I), frozenset({"QUANTITY"}), "measure"),
    (re.compile(r"\bhow old\b|\bwhat age\b|\bhow many years old\b", re.I), NUMBER, "age"),
    (re.compile(rf"\bhow (?:many|much)\b|\bwhat (?:is|was|were|are)? ?(?:the )?{MODS}{COUNT_NOUNS}\b|\bhow (?:large|big|far|heavy)\b", re.I), NUMBER, "number"),
    (re.compile(r"\bwhat time\b|\btime of day\b|\bat what hour\b", re.I), frozenset({"TIME"}), "time"),
    (re.compile(rf"{START}when\b|\b(?:what|which) {MODS}{TIME_NOUNS}s?\b|\bhow long ago\b|\bby when\b", re.I), DATE, "date"),
    (re.compile(r"\bhow long\b", re.I), DATE | NUMBER, "duration"),
    (re.compile(rf"\b(?:what|which) {MODS}{TREATY_NOUNS}\b", re.I), frozenset({"LAW", "ORG", "WORK_OF_ART"}), "treaty"),
    (re.compile(r"\b(?:what|which) (?:body of water|sea|river|ocean|bay|strait|gulf)\b", re.I), frozenset({"LOC", "GPE"}), "place"),
    # A building is named by what it houses ("the headquarters of ... Central Committee"), not by its city.
    (re.compile(r"\b(?:what|which) (?:building|venue|headquarters|hall|compound|facility|premises)\b", re.I), frozenset({"FAC", "ORG"}), "building"),
    (re.compile(rf"\b(?:what|which) {MODS}{PERSON_NOUNS}\b", re.I), PERSON, "person"),
    (re.compile(rf"\b(?:what|which) {MODS}{ORG_NOUNS}\b", re.I), ORG, "organisation"),
    (re.compile(rf"{START}where\b|\b(?:what|which) {MODS}{PLACE_NOUNS}\b", re.I), PLACE | ORG, "place"),
    (re.compile(rf"{START}(?:who|whom)\b|\bwhose\b", re.I), PERSON | ORG, "person"),
    (re.compile(r"\bwhat (?:is|was) the name\b|\bwhat (?:is|was) .{0,20}called\b|\bname the\b", re.I), THING_NAME, "name"),
    (re.compile(r"^\s*(?:did|does|do|is|was|are|were|has|have|had|can|could|will|would)\b", re.I), frozenset(), "yesno"),
]


WHO_IS = re.compile(r"^\s*(?i:who)(?: is|'s| was| are| were)\s+(?:the\s+)?[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*\s*\??\s*$")


TYPE_STEMS = frozenset(content_stems(
    "date day year month time week weekday number figure count total amount city country place location "
    "name exact kind type"))


TIME_UNITS = frozenset(content_stems("seconds minutes hours days weeks months years decades"))


IRREGULAR_PARTICIPLES = frozenset("lost sent held met made built shot hit struck taken given seen told sold won begun".split())
PREPOSITION = r"(?:about|on|of|to|in|for|with|at|from|during|after|before|over|into|that|up|out)"


def _main_verb(text: str, lead: str = r"\bwhat\s+") -> str | None:
    """Stem of the asked-about verb: "announce" in "What did he announce?", "focus" in
    "What had the talks earlier in June focused on?". Rules, not a parser: after do/did
    it is the first lower-case word that ends the clause (followed by a preposition or
    the end); after has/had/been it is the participle."""
    m = re.search(lead + r"(did|does|do|will|would|has|have|had|been)\b(.*)$", text, re.I)
    if not m:
        return None
    words = re.findall(r"[A-Za-z][\w'’-]*", m.group(2))
    after_have = m.group(1).lower() in ("has", "have", "had", "been")
    for i, w in enumerate(words):
        if not w[0].islower() or re.fullmatch(PREPOSITION, w):
            continue
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if after_have and not (w.endswith(("ed", "en")) or w in IRREGULAR_PARTICIPLES):
            continue
        if not nxt or re.fullmatch(PREPOSITION, nxt.lower()) or after_have:
            stems = content_stems(w)
            return stems[0] if stems else None
    return None


@dataclass
class Question:
    text: str  # as asked
    query: str  # after follow-up resolution: what retrieval searches for
    labels: frozenset[str] = frozenset()  # entity labels a short answer must have; empty = descriptive
    also: frozenset[str] = frozenset()  # labels accepted at a lower weight (NER confusions)
    mods: set[str] = field(default_factory=set)  # stems of "11-country" in "which 11-country group"
    wants_calendar_date: bool = False  # "on what date": a day and month, not "2020"
    head_word: str | None = None  # the head as written: "soldiers"
    wants_more: bool = False  # "how many more/additional ...": the increment, not the total
    wants_weekday: bool = False  # "on what day of the week": "Sunday", not "June 30"
    soft: dict[str, dict[str, float]] = field(default_factory=dict)  # unknown stem -> {corpus stem: similarity}
    kind: str = "what"
    focus: list[str] = field(default_factory=list)  # content stems of the query
    head: str | None = None  # stem of the counted/asked noun: "soldiers" in "how many soldiers"
    verb: str | None = None  # stem of the main verb: "announce" in "what did he announce"
    excluded: set[str] = field(default_factory=set)  # stems an answer must not merely repeat
    proper: set[str] = field(default_factory=set)  # capitalised words of the question: "Chongjin"
    names: list[str] = field(default_factory=list)  # corpus names in the query (set by the caller)
    vector: Any = None  # the query's embedding (set by the caller; retrieval and the answer-type model read it)


def analyse(text: str, query: str | None = None) -> Question:
    query = query or text
    labels, kind = frozenset(), "what"
    for pattern, want, name in RULES:
        if pattern.search(text):
            labels, kind = want, name
            break
    if kind == "person" and WHO_IS.match(text):
        labels, kind = frozenset(), "describe"  # "Who is Hong Min?" asks what he is
    # Words naming the kind of answer ("city", "date", "number") say what to look for,
    # not what the passage must be about.
    focus = [s for s in content_stems(query) if s not in QUESTION_WORDS and s not in TYPE_STEMS]
    head = None
    head_word = None
    m = re.search(rf"\bhow (?:many|much) (?:more |additional |of the )?((?:[\w-]+ ){{0,3}}?[\w-]+) {AUX}\b", text, re.I) or \
        re.search(r"\bhow (?:many|much) (?:more |additional |of the )?(?!do|does|did|is|was|are|were|has|have|had|will|would)([A-Za-z-]+)", text, re.I) or \
        re.search(r"\bnumber of ([A-Za-z-]+)", text, re.I) or \
        re.search(rf"\bwhat (?:is |was )?(?:the )?({COUNT_NOUNS}|{PLACE_NOUNS}|{ORG_NOUNS})\b", text, re.I)
    if m:
        phrase = re.split(r"\s+of\s+", m.group(1))[0]  # "months of work" counts months
        head_word = phrase.split()[-1]
        stems = content_stems(head_word)  # "mine-clearing specialists" → specialist
        head = stems[-1] if stems else None
    if kind == "number" and head in TIME_UNITS:  # "how many months": spaCy tags "14 months" as a DATE
        labels = labels | DATE
    mods: set[str] = set()
    if head is None:  # "which Russian ambassador", "which 11-country group": the type noun
        for nouns in (PERSON_NOUNS, ORG_NOUNS, PLACE_NOUNS, TREATY_NOUNS):
            h = re.search(rf"\b(?:what|which) ({MODS})({nouns})\b", text, re.I)
            if h:
                stems = content_stems(h.group(2).split()[-1])
                head = stems[0] if stems else None
                mods = set(content_stems(h.group(1)))
                break
    verb = _main_verb(text)
    proper = {w.lower() for w in re.findall(r"(?<!^)(?<![.?!] )\b[A-Z][\w-]+", query.strip())}
    also = frozenset()
    if labels & {"PERSON", "ORG", "FAC", "PRODUCT", "GPE"}:
        # The small NER model confuses kinds of names ("Rodong Sinmun" as a PERSON) and
        # misses some: other names are accepted too, at a lower weight (see extract).
        also = (NAMED - labels) | {"PROPN"}
        if kind in ("name", "building"):  # a ship or a building may be tagged PERSON or ORG, never a city
            also = also - {"GPE", "LOC", "NORP"}
    calendar = bool(re.search(r"\b(?:what|which) (?:exact |precise )?(?:date|day)\b", text, re.I))
    weekday = bool(re.search(r"\bday of the week\b|\bwhich day\b|\bwhat day\b(?! of)", text, re.I))
    if kind == "number" and m and len(m.group(1).split()) > 1:  # "how many North Korean soldiers"
        mods = set(content_stems(" ".join(m.group(1).split()[:-1])))
    more = bool(re.search(r"\bhow many (?:more|additional|further)\b", text, re.I))
    return Question(text=text, query=query, labels=labels,
                    wants_more=more, also=also, mods=mods, head_word=head_word, wants_calendar_date=calendar, wants_weekday=weekday, kind=kind, focus=focus, head=head, verb=verb,
                    excluded=set(focus), proper=proper)
