"""From scored sentences to an Answer: pick the fact, the quotes, or decline.

Every quote is a sentence's exact [start:end] slice of its stored article; nothing here
rewrites article text, so the verbatim guarantee holds by construction (and is tested).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import render
from .dedupe import same_event, same_sentence, same_story
from .engine import Engine
from .extract import MONTH, WEEKDAY, Candidate, candidates, clause_answer, compatible, verb_clause_at
from .models import Answer, Citation
from .question import Question
from .scoring import Scored, question_names
from .text import stem

CONFLICT_RATIO = 0.7
DESCRIBE_COSINE = 0.5
ACTION_SIMILARITY = 0.6
CONFLICT_KINDS = {"number", "date", "duration"}


@dataclass
class Thresholds:
    relevance: float  # best sentence score below this: decline
    candidate: float = 0.30  # best entity score below this: decline
    predicate: float = 0.34  # share of the question's non-name words the best passage must cover...
    cosine_alone: float = 0.55  # ...unless it is this close in meaning (a paraphrase)


def compose(engine: Engine, q: Question, scored: list[Scored], th: Thresholds) -> Answer:
    best = scored[0] if scored else None
    if best is None or best.score < th.relevance or not best.names_ok:
        return decline(engine, q, "no passage is about this" if best else "the index is empty")
    unknown = engine.vocab.unknown_names(q.text)
    if unknown:
        return decline(engine, q, f"the articles never mention {', '.join(unknown)}")
    action = WHO_DOES.match(q.text)
    if action and not engine.vocab.known(stem(action.group(1).lower())) and not q.soft.get(stem(action.group(1).lower())):
        # "Who commands the troops?": no article uses the verb or anything close to it.
        return decline(engine, q, f"the articles never say who {action.group(1)}")
    if best.predicate < th.predicate and best.hit.cosine < th.cosine_alone:
        return decline(engine, q, "the passages name what you asked about, but not what you asked")
    if q.labels:
        cands = candidates(q, scored, engine.vocab.rarity, engine.vocab.idf, engine.vocab.known,
                           engine.synonyms.similarity)
        if not cands or cands[0].score < th.candidate:
            return decline(engine, q, f"no passage states a {q.kind}")
        top = cands[0]
        if q.key_verb and not _states_action(engine, q, _support(top)[0]):
            return decline(engine, q, f"the passages give figures, but none says what was {q.key_verb_word}")
        rival = _rival(engine, q, top, cands[1:])
        if rival:
            sides = [top, rival]
            cites = _citations(engine, [s for c in sides for s in _support(c)[:1]], scored)
            note = "**The sources disagree:** " + " · ".join(
                f"{c.value} [{_marker_for(cites, c)}]" for c in sides)
            short = f"{top.value} or {rival.value} (sources disagree)"
            return Answer(q.text, True, short, render.answer_text(short, cites, note), cites, conflict=True)
        # Quote first the sentences that carry the question's own figures and dates
        # ("June 17" in "Who visited Pyongyang on June 17?"), then the most relevant.
        asked = set(re.findall(r"\d+", q.text))
        support = sorted((s for s in _support(top) if s.score >= 0.8 * _support(top)[0].score),
                         key=lambda s: (not asked <= set(re.findall(r"\d+", s.row.text)), -s.score))
        cites = _citations(engine, support[: engine.settings.max_quotes], scored)
        return Answer(q.text, True, top.value, render.answer_text(top.value, cites), cites)
    # A description is judged more on meaning than on shared words: among close
    # passages, the one nearest in meaning answers ("tried to put it into the water" ~
    # "attempted to side-launch the vessel by sliding it into the water").
    best = max(scored[:3], key=lambda s: s.score + DESCRIBE_COSINE * s.hit.cosine)
    if q.speaker:  # "What did Hong Min say about X": only Hong Min's words answer
        spoken = [s for s in scored if speaks(engine, s, q.speaker)]
        if not spoken or spoken[0].score < th.relevance or spoken[0].predicate < th.predicate:
            return decline(engine, q, f"the articles do not quote {q.speaker} on this")
        best = spoken[0]
        scored = spoken
    if q.verb:  # "what did he announce": prefer a sentence that uses the verb as a verb
        with_verb = [s for s in scored[:8] if verb_clause_at(q, s.row.text) is not None and s.score >= 0.7 * best.score]
        best = with_verb[0] if with_verb else best
    if q.kind == "describe":
        named = [s for s in scored[:5] if any(n + "," in s.row.text for n in q.names)]
        best = named[0] if named else best
    chosen = [best] + [s for s in scored if s is not best and s.score >= 0.9 * best.score][: engine.settings.max_quotes - 1]
    cites = _citations(engine, chosen, scored)
    short = clause_answer(q, best)
    return Answer(q.text, True, short, render.answer_text(short, cites), cites)


WHO_DOES = re.compile(r"^\s*who\s+(?!is\b|was\b|are\b|were\b|has\b|had\b|did\b|does\b|will\b|would\b|can\b)([a-z]+)\b", re.I)
SPEECH_VERB = (r"(?:said|says|told|stated|noted|added|claimed|argued|wrote|warned|explained|commented|pointed out|"
               r"remarked|affirmed|expressed|called|assessed|announced|estimated|confirmed|reported|concluded)")


def speaks(engine: Engine, s: Scored, speaker: str) -> bool:
    """Is ``speaker`` the one talking in this sentence (or the next, for "...," Hong said)?"""
    rows = engine.by_doc.get(s.row.doc_id, [])
    text = " ".join(r.text for r in rows[s.row.idx: s.row.idx + 2]) or s.row.text
    before = " ".join(r.text for r in rows[max(0, s.row.idx - 2): s.row.idx])
    names = {p for p in {speaker.split()[0], speaker.split()[-1], speaker} if len(p) > 2}
    if any(re.search(rf"\b{re.escape(n)}\b", before) for n in names) and \
            re.search(rf"\b(?:he|she)\s+(?:\w+\s+)?{SPEECH_VERB}\b", text):
        return True  # "“...,” he said." after a sentence naming the speaker
    for n in names:
        n = re.escape(n)
        if re.search(rf"\b{n}\b(?:’s|'s)?\s+(?:\w+\s+)?{SPEECH_VERB}\b", text) or \
                re.search(rf"\b{SPEECH_VERB}\s+(?:\w+\s+)?{n}\b", text) or \
                re.search(rf"\b{n}\b,\s[^,]{{3,90}},\s+(?:also\s+)?{SPEECH_VERB}\b", text):
            return True
    return False


def _states_action(engine: Engine, q: Question, s: Scored) -> bool:
    """Does the answer's sentence (or the one before) describe the asked action, in the
    same or a close word ("captured" is not "lost")?"""
    rows = engine.by_doc.get(s.row.doc_id, [])
    text = " ".join(r.text for r in rows[max(0, s.row.idx - 1): s.row.idx + 1])
    words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}
    close = {k for k, v in q.soft.get(q.key_verb, {}).items() if v >= ACTION_SIMILARITY}
    if ({q.key_verb} | close) & {stem(w) for w in words}:
        return True
    return any(engine.synonyms.similarity(q.key_verb_word, w) >= ACTION_SIMILARITY for w in words)


def decline(engine: Engine, q: Question, reason: str) -> Answer:
    text = render.decline_text(len(engine.articles), question_names(engine, q))
    return Answer(q.text, False, None, text, [], reason=reason)


def _support(c: Candidate) -> list[Scored]:
    seen, out = set(), []
    for s, _, _ in sorted(c.support, key=lambda t: t[0].score, reverse=True):
        if s.row.node_id not in seen:
            seen.add(s.row.node_id)
            out.append(s)
    return out


def _rival(engine: Engine, q: Question, top: Candidate, others: list[Candidate]) -> Candidate | None:
    """Another report giving a different value for the same fact, if there is one.

    "Same fact" is judged on the sentences, not the values: the rival's sentence must be
    nearly as relevant as the answer's and share much of its wording ("On June 18,
    Shoigu announced ... 6,000 military workers" / "On Tuesday, Moscow's top security
    official said ... 6,000 military workers"). Copies of one wire story never disagree.
    """
    if q.kind not in CONFLICT_KINDS:
        return None
    lead = _support(top)[0]
    own = {s.row.node_id for s in _support(top)}  # "June 19, 2024 ... his first since 2000" is one report
    shaped = bool(MONTH.search(top.key))  # a dated answer is best contradicted by a date
    for c in others:
        if c.label != top.label or compatible(top, c):
            continue
        if shaped and not (MONTH.search(c.key) or WEEKDAY.search(c.key)):
            continue  # "June 19, 2024" is not contradicted by "one-year" or "2000"
        for s in _support(c):
            if s.row.node_id in own or s.row.doc_id == lead.row.doc_id or _dup(engine, s.row.doc_id, lead.row.doc_id):
                continue  # one report, or a copy of it, does not disagree with itself
            if s.score < CONFLICT_RATIO * lead.score or s.predicate < lead.predicate - 0.3:
                continue
            if same_event(lead.row.text, s.row.text):
                return c
    return None


def _dup(engine: Engine, a: str, b: str) -> bool:
    return same_story(engine.articles[a]["text"], engine.articles[b]["text"])


def _marker_for(cites: list[Citation], c: Candidate) -> int:
    for cite in cites:
        if c.value in cite.quote:
            return cite.marker
    return cites[-1].marker if cites else 1


def _citations(engine: Engine, chosen: list[Scored], pool: list[Scored]) -> list[Citation]:
    """One citation per distinct sentence; a near-identical sentence from a copy of the
    same story adds its outlet to ``also_in`` instead of a second quote."""
    out: list[Citation] = []
    for s in chosen:
        art = engine.articles[s.row.doc_id]
        dup = next((c for c in out if c.doc_id != s.row.doc_id and same_sentence(c.quote, s.row.text)
                    and _dup(engine, c.doc_id, s.row.doc_id)), None)
        if dup is not None:
            idx = out.index(dup)
            out[idx] = Citation(**{**dup.__dict__, "also_in": dup.also_in + (art["outlet"],)})
            continue
        if any(c.doc_id == s.row.doc_id and c.start == s.row.start for c in out):
            continue
        date = art["date_text"] + (f" ({art['date_iso']})" if art.get("date_iso") and art["date_iso"] not in art["date_text"] else "")
        out.append(Citation(marker=len(out) + 1, quote=s.row.text, doc_id=s.row.doc_id, title=art["title"],
                            outlet=art["outlet"], date=date or "undated", start=s.row.start, end=s.row.end))
    return _name_copies(engine, out, pool)


def _name_copies(engine: Engine, cites: list[Citation], pool: list[Scored]) -> list[Citation]:
    """A quoted sentence also carried by a copy of the same story names that outlet too."""
    out = []
    for c in cites:
        also = list(c.also_in)
        for s in pool:
            outlet = engine.articles[s.row.doc_id]["outlet"]
            if (s.row.doc_id != c.doc_id and outlet not in also and outlet != c.outlet
                    and same_sentence(c.quote, s.row.text) and _dup(engine, c.doc_id, s.row.doc_id)):
                also.append(outlet)
        out.append(Citation(**{**c.__dict__, "also_in": tuple(also)}))
    return out
