"""SQuAD 2.0 articles and questions, and the folds they are split into (by article).

The articles are ingested as one corpus (as a user would add them): paragraphs joined
by blank lines, outlet "Wikipedia". Folds are fixed by title order so that every run,
the trainer's and the eval's, uses the same split.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "squad2-open-half.json"
N_FOLDS = 4


@dataclass(frozen=True)
class SquadQuestion:
    qid: str
    title: str  # the article's title
    question: str
    answers: tuple[str, ...]  # gold answer texts (empty: unanswerable)
    context: str = ""  # the paragraph it was written from (never given to ``ask()``; ``augment`` reads it)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class SquadArticle:
    title: str
    text: str
    fold: int


def _title(raw: str) -> str:
    return raw.replace("_", " ")


def load(path: Path = DATA, n_folds: int = N_FOLDS) -> tuple[list[SquadArticle], list[SquadQuestion]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    titles = sorted(_title(a["title"]) for a in data)
    fold_of = {t: i % n_folds for i, t in enumerate(titles)}
    articles, questions = [], []
    for a in data:
        title = _title(a["title"])
        articles.append(SquadArticle(title, "\n\n".join(p["context"].strip() for p in a["paragraphs"]), fold_of[title]))
        for p in a["paragraphs"]:
            for qa in p["qas"]:
                golds = tuple(dict.fromkeys(x["text"] for x in qa["answers"])) if not qa.get("is_impossible") else ()
                questions.append(SquadQuestion(qa["id"], title, qa["question"], golds, p["context"]))
    return articles, questions


def write_corpus(articles: list[SquadArticle], folder: Path) -> Path:
    """The articles as one .jsonl file that `assistant ingest` reads."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "wikipedia.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps({"title": a.title, "text": a.text, "outlet": "Wikipedia"}, ensure_ascii=False) + "\n")
    return path


def fold_titles(articles: list[SquadArticle], fold: int) -> list[str]:
    return [a.title for a in articles if a.fold == fold]
