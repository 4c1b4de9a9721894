"""From scored sentences to an Answer: the fact and its quotes, the closest passages when
no answer is sure enough, or nothing relevant (``Answer.status``).

Every quote is a sentence's exact [start:end] slice of its stored article; nothing here
rewrites article text, so the verbatim guarantee holds by construction (and is tested).
"""
from __future__ import annotations

import re
from datetime import date

from ..index.snapshot import Snapshot
from ..index.stories import same_story
from ..models import NO_MATCH, NOT_STATED, Answer, Citation, ResolvedDate
from ..questions.question import Question
from . import render
from .conflicts import comparable
from .dates import Published, day_of, published_on, resolve
from .dedupe import same_event, same_sentence
from .extract import MONTH, WEEKDAY, Candidate, answers, compatible
from .grounding import anchors_of, far_names
from .model import load as load_model
from .pipeline import CLOSEST, Candidates
from .scoring import Scored, question_names

CONFLICT_RATIO = 0.7
UNTIED = 3  # grounding level from which a not_stated answer says the articles don't tie a name: not in the passage's neighbourhood or title
CONFLICT_KINDS = {"number", "date", "duration"}


def compose(snap: Snapshot, c: Candidates) -> Answer:
    """The learned model picks the span; its calibrated probability decides whether to
    answer at all. Below the model's threshold the closest passages are shown as such
    (``not_stated``); below its relevance floor, nothing is (``no_match``)."""
    q, scored, spans = c.q, c.scored, c.spans
    if not scored:
        return decline(snap, q, "the index is empty")
    model = load_model(snap.settings.answer_model)
    relevant = scored[0].score >= model.relevant_from
    if not spans:
        reason = "no passage holds a candidate answer"
        return not_stated(snap, q, scored, None, reason) if relevant else decline(snap, q, reason)
    X = model.typed(c.X, [sp.label for sp in spans], c.type_input)
    raw = model.raw(X)
    cands = answers([sp.value for sp in spans], [sp.key for sp in spans], [sp.label for sp in spans], raw,
                    [(sp.sentence, sp.start, sp.end) for sp in spans])
    top = cands[0]  # holds the best span: merging never reorders
    share = snap.settings.answerable_share
    threshold = model.operating(share).decline_below
    confidence = model.confidence(X, raw, top.best_index, share, top.mask(len(spans)))
    if confidence < threshold:
        reason = (f"no passage answers it with enough confidence ({confidence:.0%}, "
                  f"answering from {threshold:.0%})" if threshold <= 1 else
                  f"the answer model asserts nothing where only {share:.0%} of the questions are answerable "
                  "(NEWSQA_ANSWERABLE_SHARE): no threshold kept its answers right often enough")
        if not relevant:
            return decline(snap, q, reason, confidence, top.value)
        return not_stated(snap, q, scored, top, reason, confidence)
    # A rival value must be an answer the model would give too, were it the best.
    confident = [o for o in cands[1:] if o.label == top.label
                 and model.confidence(X, raw, o.best_index, share, o.mask(len(spans))) >= threshold] if q.kind in CONFLICT_KINDS else []
    lead_day = _lead_day(snap, top)  # read once: the four checks below compare other reports' days with it
    rival = _rival(snap, q, top, lead_day, confident) or _day_rival(snap, q, top, lead_day, cands[1:])
    if rival:
        sides = [top, rival]
        cites = _citations(snap, [_support(s)[0] for s in sides], scored)
        note = "**The sources disagree:** " + " · ".join(f"{s.value} [{_marker_for(cites, s)}]" for s in sides)
        short = f"{top.value} or {rival.value} (sources disagree)"
        dates = _dates(snap, sides, cites)
        return Answer(q.text, True, short, render.answer_text(short, cites, note, confidence, dates), cites,
                      conflict=True, confidence=confidence, dates=dates)
    other = _other_day(snap, q, top, lead_day)
    if other:
        cites = _citations(snap, [top.support[0][0], other], scored)
        dates = _report_dates(snap, [(top, top.support[0][0]), (top, other)], cites)
        note = "**The sources disagree on the day:** " + " · ".join(f"{d.date} [{d.marker}]" for d in dates)
        short = f"{top.value} (sources disagree on which day)"
        return Answer(q.text, True, short, render.answer_text(short, cites, note, confidence, dates), cites,
                      conflict=True, confidence=confidence, dates=dates)
    # The sentence holding the answer comes first; among those, one that states the
    # question's own figures and dates ("June 17" in "Who visited Pyongyang on June 17?").
    asked = set(re.findall(r"\d+", q.text))
    # The answer's other mentions are quoted only from passages nearly as relevant as its best
    # one: "until Thursday" in a weather report is no second source for a railway opened on Thursday.
    lead = top.support[0][0]
    support = sorted((s for s in _support(top) if s is lead or s.score >= CONFLICT_RATIO * lead.score),
                     key=lambda s: (not asked <= set(re.findall(r"\d+", s.row.text)), -_mention(top, s)))
    agree = _agreeing(snap, q, top, lead_day, cands[1:])
    reports = [s for _, s in agree][: max(snap.settings.max_quotes - 1, 0)]  # the answer's own sentence always leads
    cites = _citations(snap, support[: snap.settings.max_quotes - len(reports)] + reports, scored)
    dates = _dates(snap, [top], cites) + _report_dates(snap, agree, cites)
    return Answer(q.text, True, top.value, render.answer_text(top.value, cites, confidence=confidence, dates=dates), cites,
                  confidence=confidence, dates=dates)


def _dates(snap: Snapshot, values: list[Candidate], cites: list[Citation]) -> list[ResolvedDate]:
    """Each relative date among ``values`` ("on Tuesday"), placed from the date of every article
    that states it: shown only when they all place it alike (two reports a week apart that both
    say "on Tuesday" mean two Tuesdays, and one date can't show both; when they report one fact,
    ``_other_day`` has already shown them as a disagreement), with the marker of the first quote
    that holds it."""
    out = []
    for c in values:
        if c.label not in DATE_LABELS:
            continue
        placed = set()
        for s, _, _ in c.support:
            published = _published(snap, s.row.doc_id)
            placed.add(resolve(c.value, published, s.row.text) if published else None)
        if len(placed) == 1 and None not in placed and (quoting := _quoting(cites, c)):
            out.append(ResolvedDate(c.value, placed.pop(), quoting[0].marker))
    return out


def _report_dates(snap: Snapshot, reports: list[tuple[Candidate, Scored]], cites: list[Citation]) -> list[ResolvedDate]:
    """The day each quoted report's own wording names, from its own article's date."""
    out = []
    for c, s in reports:
        cite = next((x for x in cites if (x.doc_id, x.start) == (s.row.doc_id, s.row.start)), None)
        published = _published(snap, s.row.doc_id)
        placed = resolve(c.value, published, s.row.text) if cite and published else None
        if placed and all((d.text, d.date) != (c.value, placed) for d in out):
            out.append(ResolvedDate(c.value, placed, cite.marker))
    return out


def _mention(c: Candidate, s: Scored) -> float:
    return max((p for (t, _, _), p in zip(c.support, c.mention_scores) if t is s), default=0.0)


def decline(snap: Snapshot, q: Question, reason: str, confidence: float = 0.0, candidate: str | None = None) -> Answer:
    """``no_match``: nothing retrieved is relevant enough to show."""
    text = render.decline_text(len(snap.articles), question_names(snap, q))
    return Answer(q.text, False, None, text, [], reason=reason, confidence=confidence, status=NO_MATCH, candidate=candidate)


def not_stated(snap: Snapshot, q: Question, scored: list[Scored], top: Candidate | None, reason: str,
               confidence: float = 0.0) -> Answer:
    """``not_stated``: no answer is sure enough; the closest passages are quoted (the best
    candidate's sentence first), and the question's names that they never tie to the
    asked fact are named ("The articles don't say this about China")."""
    closest = ([_support(top)[0]] if top else []) + scored
    seen: set[str] = set()
    chosen = [s for s in closest if not (s.row.node_id in seen or seen.add(s.row.node_id))][:CLOSEST]
    cites = _citations(snap, chosen, scored)
    # A name is said to be untied only when no quoted passage's article ties it near: not when
    # it is the title's ("Floods in Bangladesh") or another quoted passage names it.
    anchors = anchors_of(q)
    far = set.intersection(*(set(far_names(snap, anchors, s.row, at_least=UNTIED)) for s in chosen)) if chosen else set()
    # the capitalised runs of the (resolved) question, not its first word ("Did China ..."),
    # that hold a far name word: "South Korea" for "south"
    runs = (re.sub(r"['’]s$", "", m.group()) for m in re.finditer(r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*", q.query)
            if m.start() > 0)
    subject = list(dict.fromkeys(r for r in runs if any(w.lower() in far for w in r.split())))
    text = render.not_stated_text(cites, subject)
    return Answer(q.text, False, None, text, cites, reason=reason, confidence=confidence, status=NOT_STATED,
                  not_about=subject, candidate=top.value if top else None)


def _support(c: Candidate) -> list[Scored]:
    """The candidate's sentences, most probable mention first."""
    seen, out = set(), []
    for s, _, _ in c.support:
        if s.row.node_id not in seen:
            seen.add(s.row.node_id)
            out.append(s)
    return out


def _reports(snap: Snapshot, q: Question, top: Candidate, others: list[Candidate], own_too: bool = False):
    """(candidate, sentence, start, end) of each other report of the lead's fact: another
    article (not a copy of the lead's story), nearly as relevant, about what the question
    names, and sharing much of the lead sentence's wording ("On June 18, Shoigu announced
    ... 6,000 military workers" / "On Tuesday, Moscow's top security official said ...
    6,000 military workers"). Rivals, agreeing reports and reports placing the answer's own
    words on another day must be one of these; ``own_too`` lets the answer's other
    sentences be one (only its lead sentence is left out)."""
    lead_s = top.support[0][0]
    # Both sides must be about what the question names ("North Korea's 11,000" is no rival
    # to "Russia's 10,000" when the question asks about Russia).
    anchors = anchors_of(q)
    if far_names(snap, anchors, lead_s.row):
        return
    # "June 19, 2024 ... his first since 2000" is one report
    own = {lead_s.row.node_id} if own_too else {s.row.node_id for s in _support(top)}
    for c in others:
        if c.label != top.label:
            continue
        for s, a, b in c.support:  # the cheap tests first: every answered date question runs these
            if s.row.node_id in own or s.row.doc_id == lead_s.row.doc_id \
                    or s.score < CONFLICT_RATIO * lead_s.score or s.predicate < lead_s.predicate - 0.3 \
                    or not same_event(lead_s.row.text, s.row.text):
                continue
            if _dup(snap, s.row.doc_id, lead_s.row.doc_id) or far_names(snap, anchors, s.row):
                continue  # a copy of the lead's story does not disagree with it
            yield c, s, a, b


def _lead_day(snap: Snapshot, top: Candidate) -> date | None:
    """The day the lead answer names, placed from its article's date (None: not a date, or unplaced)."""
    lead_s = top.support[0][0]
    return day_of(top.value, _published(snap, lead_s.row.doc_id), lead_s.row.text) if top.label in DATE_LABELS else None


def _rival(snap: Snapshot, q: Question, top: Candidate, lead_day: date | None,
           others: list[Candidate]) -> Candidate | None:
    """Another report giving a different value for the same fact, if there is one.

    "Same fact" is judged on the sentences, not the values (``_reports``). Copies of one
    wire story never disagree.
    """
    if q.kind not in CONFLICT_KINDS:
        return None
    lead_s, la, lb = top.support[0]
    lead = _claim(lead_s, la, lb)
    shaped = bool(MONTH.search(top.key))  # a dated answer is best contradicted by a date
    # "on Tuesday" in a report of Friday, July 4 and "July 1" elsewhere are one day, not a conflict
    # "June 19, 2024" is not contradicted by "one-year" or "2000"
    others = [c for c in others if not compatible(top, c) and not (shaped and not (MONTH.search(c.key) or WEEKDAY.search(c.key)))]
    for c, s, a, b in _reports(snap, q, top, others):
        if lead_day is not None and day_of(c.value, _published(snap, s.row.doc_id), s.row.text) == lead_day:
            continue
        if comparable(lead, _claim(s, a, b), top.label not in DATE_LABELS):
            return c
    return None


def _day_rival(snap: Snapshot, q: Question, top: Candidate, lead_day: date | None,
               others: list[Candidate]) -> Candidate | None:
    """Another report of the lead's fact that names another day in other words ("launched on
    Tuesday" in a report of Friday, July 4, 2025: July 1; "launched on Wednesday" in one of
    Saturday, July 5: July 2). Like an agreeing report (``_agreeing``), it need not be an answer
    the model would give: that both are reports of one fact is the same test as for any rival
    (``_reports``), and that their days differ is read from their articles' dates, not guessed
    (a dateline without its year places no weekday). Asserting one of two days the sources
    give would be confidently wrong half the time."""
    if q.kind not in CONFLICT_KINDS or lead_day is None:
        return None
    lead = _claim(*top.support[0])
    dated = [c for c in others if c.label in DATE_LABELS and c.key != top.key and not compatible(top, c)]
    for c, s, a, b in _reports(snap, q, top, dated):
        day = day_of(c.value, _published(snap, s.row.doc_id), s.row.text)
        if day is not None and day != lead_day and comparable(lead, _claim(s, a, b), False):
            return c
    return None


def _other_day(snap: Snapshot, q: Question, top: Candidate, lead_day: date | None) -> Scored | None:
    """Another report of the lead's fact in the answer's own words that names another day:
    "on Tuesday" in a report of July 4 and in one of July 11 are July 1 and July 8."""
    if q.kind not in CONFLICT_KINDS or lead_day is None:
        return None
    for _, s, _, _ in _reports(snap, q, top, [top], own_too=True):
        day = day_of(top.value, _published(snap, s.row.doc_id), s.row.text)
        if day is not None and day != lead_day:
            return s
    return None


def _agreeing(snap: Snapshot, q: Question, top: Candidate, lead_day: date | None,
              others: list[Candidate]) -> list[tuple[Candidate, Scored]]:
    """Other reports of the lead's fact that name its day in other words ("on Tuesday" in a
    report of Friday, July 4, for "July 1"), each placed from its own article: quoted beside
    the answer, as a second source, with the day worked out. Any candidate may be one, however
    unsure the model is of it as an answer: it changes no answer, only adds a quote, and it
    must pass the same test of being a report of the same fact as a rival (``_reports``)."""
    if lead_day is None:
        return []
    out: list[tuple[Candidate, Scored]] = []
    for c, s, _, _ in _reports(snap, q, top, [c for c in others if c.key != top.key]):
        if all(t is not s for _, t in out) and day_of(c.value, _published(snap, s.row.doc_id), s.row.text) == lead_day:
            out.append((c, s))
    return out


DATE_LABELS = {"DATE", "TIME"}


def _claim(s: Scored, a: int, b: int) -> tuple[str, int, int, list[str]]:
    dates = [s.row.text[x:y] for x, y, label, *_ in s.row.entities if label in DATE_LABELS and not (x <= a < y)]
    return s.row.text, a, b, dates


def _published(snap: Snapshot, doc_id: str) -> Published | None:
    art = snap.articles[doc_id]
    return published_on(art.get("date_iso"), art.get("date_text"))


def _dup(snap: Snapshot, a: str, b: str) -> bool:
    return same_story(snap.articles.story(a), snap.articles.story(b))


def _quoting(cites: list[Citation], c: Candidate) -> list[Citation]:
    """The citations that quote one of ``c``'s own sentences, in the order shown."""
    own = {(s.row.doc_id, s.row.start) for s, _, _ in c.support}
    return [x for x in cites if (x.doc_id, x.start) in own]


def _marker_for(cites: list[Citation], c: Candidate) -> int:
    """The [n] of the first quote of ``c``'s own sentences (a copy of the story cited under
    another outlet's name is one of them), else of the first quote holding its words."""
    quoting = _quoting(cites, c) or [x for x in cites if re.search(rf"(?<!\w){re.escape(c.value)}(?!\w)", x.quote)]
    return quoting[0].marker if quoting else (cites[-1].marker if cites else 1)


def _citations(snap: Snapshot, chosen: list[Scored], pool: list[Scored]) -> list[Citation]:
    """One citation per distinct sentence; a near-identical sentence from a copy of the
    same story adds its outlet to ``also_in`` instead of a second quote."""
    out: list[Citation] = []
    for s in chosen:
        art = snap.articles[s.row.doc_id]
        dup = next((c for c in out if c.doc_id != s.row.doc_id and same_sentence(c.quote, s.row.text)
                    and _dup(snap, c.doc_id, s.row.doc_id)), None)
        if dup is not None:
            idx = out.index(dup)
            out[idx] = Citation(**{**dup.__dict__, "also_in": dup.also_in + (art["outlet"],)})
            continue
        if any(c.doc_id == s.row.doc_id and c.start == s.row.start for c in out):
            continue
        date = art["date_text"] + (f" ({art['date_iso']})" if art.get("date_iso") and art["date_iso"] not in art["date_text"] else "")
        out.append(Citation(marker=len(out) + 1, quote=s.row.text, doc_id=s.row.doc_id, title=art["title"],
                            outlet=art["outlet"], date=date or "undated", start=s.row.start, end=s.row.end))
    return _name_copies(snap, out, pool)


def _name_copies(snap: Snapshot, cites: list[Citation], pool: list[Scored]) -> list[Citation]:
    """A quoted sentence also carried by a copy of the same story names that outlet too."""
    out = []
    for c in cites:
        also = list(c.also_in)
        for s in pool:
            outlet = snap.articles[s.row.doc_id]["outlet"]
            if (s.row.doc_id != c.doc_id and outlet not in also and outlet != c.outlet
                    and same_sentence(c.quote, s.row.text) and _dup(snap, c.doc_id, s.row.doc_id)):
                also.append(outlet)
        out.append(Citation(**{**c.__dict__, "also_in": tuple(also)}))
    return out
