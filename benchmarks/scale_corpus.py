"""Corpora built from real text for the scale benchmark and the ingest profile.

Two kinds, both written as files ``assistant ingest`` reads:

- ``write_profile_corpus``: the eight SQuAD 2.0 Wikipedia articles of
  ``../shared/datasets/squad2-open-half.json`` (paragraphs joined, one Markdown file
  each), each twice (the second copy titled "... (second copy)", so it is a distinct
  article), plus the seed tag pages: about 85,000 words, the size issue 9 measured.
- ``write_sampled_corpus``: any number of distinct articles assembled by sampling real
  sentences (the seeds' and the SQuAD contexts', split on sentence-final punctuation)
  with a seeded RNG. Each article has 6–30 sentences in paragraphs of 1–4, a unique
  title made from capitalised words of its first sentence plus a serial, an outlet
  from a fixed list and a date in 2024–2025. Sentences repeat across articles (the
  pool holds a few thousand), so lexical and dense retrieval see many near-ties: the
  figures are about cost at size, not answer quality.

The SQuAD text is CC BY-SA 4.0 (Rajpurkar et al., 2018); the corpora are written to
temporary directories only, never committed.
"""
from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT.parent / "shared" / "datasets" / "squad2-open-half.json"
SEEDS = ROOT / "seeds"
OUTLETS = ["Harbour Times", "Valley Courier", "Northern Ledger", "City Wire", "Coastal Post", "Evening Gazette"]
# A regex split is enough here: the pool only needs real sentences, and the pipeline
# re-splits every article with spaCy at ingest anyway.
_SENT = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z“\"(])")


def squad_articles() -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of the eight SQuAD articles."""
    data = json.loads(SQUAD.read_text())["data"]
    return [(a["title"].replace("_", " "), [p["context"].strip() for p in a["paragraphs"]]) for a in data]


def seed_paragraphs() -> list[str]:
    return [p.strip() for f in sorted(SEEDS.glob("*.txt")) for p in f.read_text().split("\n") if len(p.split()) >= 8]


def sentence_pool() -> list[str]:
    """Distinct real sentences of 6–60 words from the seeds and the SQuAD contexts."""
    paragraphs = seed_paragraphs() + [p for _, ps in squad_articles() for p in ps]
    seen: dict[str, None] = {}
    for para in paragraphs:
        for s in _SENT.split(para):
            s = s.strip()
            if 6 <= len(s.split()) <= 60:
                seen.setdefault(s, None)
    return list(seen)


def _markdown(title: str, outlet: str, when: str, paragraphs: list[str]) -> str:
    return f"---\ntitle: {title}\noutlet: {outlet}\ndate: {when}\n---\n\n" + "\n\n".join(paragraphs) + "\n"


def write_profile_corpus(out: Path) -> dict:
    """The ~85k-word profile corpus: SQuAD articles twice plus the seed pages."""
    out.mkdir(parents=True, exist_ok=True)
    words = 0
    for n, (title, paragraphs) in enumerate(squad_articles()):
        for copy, suffix in enumerate(("", " (second copy)")):
            (out / f"squad_{n}_{copy}.md").write_text(_markdown(title + suffix, "Wikipedia", "March 1, 2024", paragraphs))
            words += sum(len(p.split()) for p in paragraphs)
    for f in sorted(SEEDS.glob("*.txt")):
        text = f.read_text()
        (out / f.name).write_text(text)
        words += len(text.split())
    return {"files": len(list(out.iterdir())), "words": words,
            "how": "8 SQuAD 2.0 articles (paragraphs joined) twice, plus the seed pages"}


def sampled_articles(sentences: int, seed: int = 9) -> list[dict]:
    """Distinct articles totalling about ``sentences`` sampled sentences."""
    rng = random.Random(seed)
    pool = sentence_pool()
    start = date(2024, 1, 1)
    articles, total, serial = [], 0, 0
    while total < sentences:
        n = min(rng.randint(6, 30), sentences - total) if sentences - total >= 6 else sentences - total
        picked = rng.sample(pool, n)
        paragraphs, i = [], 0
        while i < n:
            k = rng.randint(1, 4)
            paragraphs.append(" ".join(picked[i:i + k]))
            i += k
        serial += 1
        caps = [w.strip(",.;:()\"“”’'") for w in picked[0].split()[1:] if w[:1].isupper()]
        title = " ".join(caps[:4] or picked[0].split()[:4]) + f" — report {serial}"
        when = start + timedelta(days=rng.randrange(730))
        articles.append({"title": title, "outlet": rng.choice(OUTLETS), "date": f"{when:%B} {when.day}, {when.year}",
                         "text": "\n\n".join(paragraphs)})
        total += n
    return articles


def write_sampled_corpus(out: Path, sentences: int, seed: int = 9, per_file: int = 500) -> dict:
    """Write ``sampled_articles`` as .jsonl files of ``per_file`` articles each."""
    out.mkdir(parents=True, exist_ok=True)
    articles = sampled_articles(sentences, seed)
    for i in range(0, len(articles), per_file):
        lines = [json.dumps(a, ensure_ascii=False) for a in articles[i:i + per_file]]
        (out / f"part_{i // per_file:04d}.jsonl").write_text("\n".join(lines) + "\n")
    return {"articles": len(articles), "sampled_sentences": sentences,
            "words": sum(len(a["text"].split()) for a in articles), "seed": seed}


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1])
    print(write_profile_corpus(target) if len(sys.argv) < 3 else write_sampled_corpus(target, int(sys.argv[2])))
