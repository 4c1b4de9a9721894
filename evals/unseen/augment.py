"""Questions about a subject or a year the article never ties to the fact, made from
answerable ones: the training data for "the articles don't say this about China".

SQuAD 2.0's unanswerable questions were written by people who had read the paragraph: they
swap a word or negate, and rarely ask about a subject the article never mentions. Readers
of news do ("How many troops has China sent to Russia?" of articles about North Korea), and
a span model trained on SQuAD alone answers them with the figure for another country.

Each synthetic question is an answerable one with one name or figure replaced, of three
kinds (seeded, so every run draws the same):

- ``ELSEWHERE``: a name its own article never contains: every other one a name from another
  article of the corpus, the rest an invented one that no article contains (two names
  spliced, "Harvard" + "Normans" → "Harmans"), as "China" is for articles about North Korea.
- ``IN_ARTICLE``: a name its article does contain, but not in the paragraph the question was
  written from: the article names the subject, never with this fact ("When did the ICC issue
  a warrant for Kim Jong Un?" of an article on Putin's warrant that also discusses Kim), and
  not another form of the same name. Out of fold the fold models assert 3.9% of these
  against 1.1% of the first kind (five seeds, `evals/results/seed_spread.json`).
- ``NUMBER``: one year or count of the question replaced by one of its kind that its article
  never contains, in figures or in words ("How many troops were sent to Russia in 2019?" of
  articles that give 2024's). Before it was fitted on, the fold models asserted 5.2% of these
  (five seeds, out of fold, on a first draw of the generator), five times the share of name
  swaps: SQuAD's unanswerables almost never ask about a year the article lacks.

Each is labelled unanswerable (a few may not be: the other name's paragraph could answer an
in-article swap; a question whose answer holds for any year may survive a number swap) and
belongs to its source question's fold, so no fold model sees synthetic questions made from the
articles it is scored on. Never the span ranker, the threshold or a figure on real questions:
``ELSEWHERE`` and ``NUMBER`` fit the confidence; ``IN_ARTICLE`` is measured only
(``HeldOut.swapped_asserted``). Fitting the confidence on it too was tried (2026-11-30,
five seeds, out of fold, with a first version that also swapped in other forms of the same
name): in-article swaps asserted 3.5% → 2.3%, the others 0.85% → 0.50%, but
every figure on real questions fell (area 0.287 → 0.285, precision at 20% answered right 64.7%
→ 63.3%, answered right at the operating point 21.6% → 20.9%), and so did the seed suite.
"""
from __future__ import annotations

import random
import re

from assistant.text import MONTH_NAME, digits
from assistant.wordforms import acronyms, figures

from .dataset import SquadArticle, SquadQuestion

SWAP_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"})
SEED = 13
ELSEWHERE = "elsewhere"
IN_ARTICLE = "in_article"
NUMBER = "number"
KINDS = (ELSEWHERE, IN_ARTICLE, NUMBER)
FITS_CALIBRATION = (ELSEWHERE, NUMBER)  # the kinds the confidence is fitted on; the rest are measured only


def synthetic_questions(vocab, articles: list[SquadArticle], questions: list[SquadQuestion]) -> dict[str, list[SquadQuestion]]:
    """Every kind of synthetic question, by kind."""
    return {ELSEWHERE: swap_subjects(vocab, articles, questions), IN_ARTICLE: swap_within(vocab, articles, questions),
            NUMBER: swap_numbers(articles, questions)}


# A figure as a question writes it ("1973", "150", "11,000"), not part of a word or a decimal
# (wordforms.FIGURE reads every figure of a passage, decimals included).
QUESTION_FIGURE = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?!\w|[.,]\d)")
YES_NO = re.compile(r"^\s*(?:in [^,]+,\s*)?(?:did|does|do|is|was|are|were|has|have|had|can|could|will|would)\b", re.I)


def _swappable(question: str, m: re.Match) -> bool:
    """Not a day of the month ("June 19", "24 September": another day is another fact, but rarely
    one the article lacks), not half of a range, a decade, a percentage or a formula
    ("2008-09", "1950's", "90%", "7n2 + 15n")."""
    before, after, n = question[:m.start()], question[m.end():], m.group()
    if len(n) <= 2 and int(n) <= 31 and (re.search(rf"\b{MONTH_NAME}\s*$", before, re.I)
                                         or re.match(rf"\s*(?:of\s+)?{MONTH_NAME}", after, re.I)):
        return False
    if re.search(r"\d\s*[-–/]\s*$", before) or re.match(r"\s*[-–/]\s*\d", after):
        return False
    return not (re.match(r"(?:['’]?s\b|\s*%|\s*per\s?cent\b)", after, re.I) or re.search(r"[=+*^]\s*$", before)
                or re.match(r"\s*[=+*^]", after))


def swap_numbers(articles: list[SquadArticle], questions: list[SquadQuestion]) -> list[SquadQuestion]:
    """``NUMBER`` swaps: a year becomes another within fifteen years, a count another of its
    size (double, triple, half again, a third less, ten times); never one the article has.
    Yes/no questions are left alone: "no" may answer any year."""
    text_of = {a.title: a.text for a in articles}
    rng = random.Random(SEED + 8)
    out = []
    for q in questions:
        if not q.answerable or YES_NO.match(q.question):
            continue
        figures = [m for m in QUESTION_FIGURE.finditer(q.question) if _swappable(q.question, m)]
        if not figures:
            continue
        m = rng.choice(figures)
        n = int(m.group().replace(",", ""))
        if 1000 <= n <= 2100 and "," not in m.group():
            others = [str(n + d) for d in range(-15, 16) if d]
        else:
            sizes = sorted({n * 2, n * 3, n + max(1, n // 2), max(1, n - max(1, n // 3)), n * 10} - {n})
            others = [f"{v:,}" if "," in m.group() else str(v) for v in sizes]
        text = text_of[q.title]
        others = [o for o in others if not _figure_in(text, o) and o not in q.question]
        if others:
            swapped = q.question[:m.start()] + rng.choice(others) + q.question[m.end():]
            out.append(SquadQuestion(f"{q.qid}~number", q.title, swapped, ()))
    return out


def _figure_in(text: str, figure: str) -> bool:
    """``figure`` in ``text`` as grounding reads figures: with or without thousands commas, or
    in words ("four parties")."""
    return digits(figure) in figures(text)


def _pool(vocab) -> dict[str, list[str]]:
    pool: dict[str, list[str]] = {}
    for name, label in vocab.names():
        if label in SWAP_LABELS and len(name) > 3 and name[:1].isupper():
            pool.setdefault(label, []).append(name)
    return pool


def swap_within(vocab, articles: list[SquadArticle], questions: list[SquadQuestion]) -> list[SquadQuestion]:
    """``IN_ARTICLE`` swaps: a name of the question's paragraph replaced by one of the same kind
    that its article has elsewhere (never another form of the same name)."""
    pool = _pool(vocab)
    # Which corpus names each article has, found once per article: matched per question, the
    # whole-word search over every article took two minutes of `assistant train`.
    in_article = {a.title: {label: [n for n in names if _has(a.text, n)] for label, names in pool.items()}
                  for a in articles}
    rng = random.Random(SEED + 4)
    out = []
    for q in questions:
        if not q.answerable or not q.context:
            continue
        named = [(s, lab) for s, lab in vocab.find_names(q.question) if lab in SWAP_LABELS and _has(q.context, s)]
        if not named:
            continue
        surface, label = rng.choice(named)
        others = [n for n in in_article[q.title].get(label, []) if not _has(q.context, n)
                  and not _has(q.question, n) and not _same_entity(surface, n)]
        m = _word(surface).search(q.question)
        if others and m:
            swapped = q.question[:m.start()] + rng.choice(others) + q.question[m.end():]
            out.append(SquadQuestion(f"{q.qid}~near", q.title, swapped, ()))
    return out


def _word(name: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


def _has(text: str, name: str) -> bool:
    """``name`` as whole words ("Norman" is not in "Normandy")."""
    return _word(name).search(text) is not None


def _same_entity(a: str, b: str) -> bool:
    """Two surface forms that may name one thing: a shared capitalised word of four letters or
    more ("President Putin", "Vladimir Putin"; "Kim Jong-un", "Kim Jong Un"), or one the other's
    initials ("CJEU", "Court of Justice of the European Union")."""
    words = [{w.lower() for w in re.findall(r"[A-Z][\w'’]{3,}", x)} for x in (a, b)]
    return bool(words[0] & words[1]) or a.lower() in acronyms(b) or b.lower() in acronyms(a)


def swap_subjects(vocab, articles: list[SquadArticle], questions: list[SquadQuestion]) -> list[SquadQuestion]:
    """``ELSEWHERE`` swaps."""
    text_of = {a.title: a.text for a in articles}
    pool = _pool(vocab)
    rng = random.Random(SEED)
    corpus = "\n".join(text_of.values())
    out = []
    for q in questions:
        if not q.answerable:
            continue
        text = text_of[q.title]
        named = [(s, lab) for s, lab in vocab.find_names(q.question) if lab in SWAP_LABELS and s in text]
        if not named:
            continue
        surface, label = rng.choice(named)
        others = [n for n in pool.get(label, []) if n not in text and n.lower() not in q.question.lower()]
        if not others:
            continue
        substitute = rng.choice(others)
        if len(out) % 2:
            substitute = _invented(rng, pool[label], corpus) or substitute
        out.append(SquadQuestion(f"{q.qid}~swap", q.title, q.question.replace(surface, substitute, 1), ()))
    return out


def _invented(rng: random.Random, names: list[str], corpus: str) -> str | None:
    """A name-like word no article contains: the start of one name and the end of another."""
    for _ in range(20):
        a, b = rng.choice(names).split()[0], rng.choice(names).split()[-1]
        if len(a) < 4 or len(b) < 4:
            continue
        name = a[: len(a) // 2] + b[len(b) // 2:]
        if name.lower() not in corpus.lower() and name[:1].isupper():
            return name
    return None
