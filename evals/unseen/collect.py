"""Run the assistant's own question path on SQuAD questions and keep every candidate span
with its features and its F1 against the gold answers: the training table.

The same functions ``ask()`` uses (question preparation, hybrid retrieval, sentence
scoring, span gathering, featurising): what is trained is what answers.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.index.snapshot import Snapshot

from .dataset import SquadArticle, SquadQuestion, write_corpus
from .metrics import CORRECT_F1, best, f1


@dataclass
class QuestionRows:
    question: SquadQuestion
    fold: int
    values: list[str]
    labels: list[str]  # each span's label (the answer-type model's classes)
    X: np.ndarray
    f1: np.ndarray  # best F1 of each span against the gold answers (0 for unanswerable)
    type_input: np.ndarray  # the question as the answer-type model reads it
    passages_hold: bool  # the closest passages (as a decline shows them) hold a gold answer
    best_score: float  # relevance of the best passage
    synthetic: str = ""  # the ``augment`` kind that made it ("": a real question): fits the confidence only, never scored

    @property
    def gold_label(self) -> str | None:
        """The label of the best-matching span, when one answers: the answer type to learn."""
        if not len(self.f1) or self.f1.max() < CORRECT_F1:
            return None
        return self.labels[int(self.f1.argmax())]

    @property
    def y(self) -> np.ndarray:
        return (self.f1 >= CORRECT_F1).astype(np.float32)


@contextmanager
def squad_snapshot(articles: list[SquadArticle], data_dir: Path, progress=None):
    """A snapshot of the engine over the SQuAD articles in ``data_dir`` (indexed on first
    use), with the environment restored afterwards."""
    from assistant import api

    keys = ("NEWSQA_DATA_DIR", "NEWSQA_SEEDS_DIR", "NEWSQA_CHROMA_HOST", "NEWSQA_ANSWER_MODEL", "NEWSQA_ANSWERABLE_SHARE")
    saved = {k: os.environ.get(k) for k in keys}
    corpus = write_corpus(articles, Path(data_dir) / "corpus")
    os.environ["NEWSQA_DATA_DIR"] = str(Path(data_dir) / "index")
    os.environ["NEWSQA_SEEDS_DIR"] = str(corpus.parent)
    os.environ.pop("NEWSQA_CHROMA_HOST", None)
    api.reset()
    try:
        yield api.engine(progress=progress).snapshot()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        api.reset()


def collect(snap: Snapshot, questions: list[SquadQuestion], fold_of: dict[str, int], progress: bool = True,
            synthetic: str = "") -> list[QuestionRows]:
    from tqdm import tqdm

    from assistant.answering.pipeline import candidates_for
    from assistant.api import _check
    from assistant.errors import InvalidQuestion

    from .metrics import holds_answer

    out = []
    for sq in tqdm(questions, desc="candidates", unit="q", disable=not progress):
        try:
            c = candidates_for(snap, _check(sq.question, snap.settings))
        except InvalidQuestion:
            out.append(QuestionRows(sq, fold_of[sq.title], [], [], np.zeros((0, 0), np.float32), np.zeros(0, np.float32),
                                    np.zeros(0, np.float32), False, 0.0, synthetic))
            continue
        scores = np.asarray([best(f1, sp.value, sq.answers) if sq.answers else 0.0 for sp in c.spans], np.float32)
        held = bool(sq.answers) and any(holds_answer(p, sq.answers) for p in c.passages)
        out.append(QuestionRows(sq, fold_of[sq.title], [sp.value for sp in c.spans], [sp.label for sp in c.spans], c.X,
                                scores, c.type_input, held, c.best_score, synthetic))
    return out


# The code a table's rows come from: parsing, indexing, question analysis, the answer path's
# features and grounding, and the questions (SQuAD's and the synthetic ones). Fitting is not in it.
_ASSISTANT = Path(__file__).resolve().parents[2] / "assistant"
TABLE_CODE = (_ASSISTANT / "text.py", _ASSISTANT / "wordforms.py", _ASSISTANT / "corpus", _ASSISTANT / "index", _ASSISTANT / "questions",
              _ASSISTANT / "answering", Path(__file__).with_name("augment.py"), Path(__file__),
              Path(__file__).with_name("dataset.py"))


def code_digest() -> str:
    """A hash of the source that computes a candidate table (``TABLE_CODE``)."""
    import hashlib

    files = sorted(f for p in TABLE_CODE for f in ([p] if p.is_file() else p.rglob("*.py")))
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def read_table(path: Path) -> list[QuestionRows]:
    """A candidate table pickled by ``assistant train --table``; ValueError (with what to do)
    when other code collected it: a table made before a change to the features, grounding or
    the synthetic questions would train a model on what this code no longer computes."""
    import pickle

    saved = pickle.loads(Path(path).read_bytes())
    if saved.get("code") != code_digest():
        raise ValueError(f"{path} was collected by other code than this (features, grounding or synthetic questions "
                         "changed since): delete it to collect anew")
    return saved["table"]


def write_table(path: Path, table: list[QuestionRows]) -> None:
    """Pickle ``table`` with what ``read_table`` checks: the code that collected it."""
    import pickle

    Path(path).write_bytes(pickle.dumps({"code": code_digest(), "table": table}))
