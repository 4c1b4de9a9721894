"""The question as retrieval and answering see it: follow-ups resolved, its kind, the
corpus names it mentions, corpus neighbours for words no article uses, and its embedding.
Shared by ``ask()`` and the trainer's candidate path, so what is trained is what answers."""
from __future__ import annotations

import re
from typing import Any

from ..errors import InvalidQuestion
from ..index.snapshot import Snapshot
from ..text import stem, tokens
from .followup import normalise_history, resolve
from .question import analyse


def prepare(snap: Snapshot, q_text: str, history: Any = None):
    """(query after follow-up resolution, the analysed Question, BM25 expansion words)."""
    turns = normalise_history(history)
    if not turns and len(re.findall(r"[A-Za-z]{2,}", q_text)) < 2:
        raise InvalidQuestion(f"“{q_text}” is too short to search for: ask a full question, "
                              "e.g. “Who visited Pyongyang on June 17?”")
    query = resolve(q_text, turns, snap.vocab)
    q = analyse(q_text, query)
    q.names = [n for n, _ in snap.vocab.find_names(query)]
    unknown = {s: w for w in tokens(query) for s in [stem(w)] if s in q.focus and not snap.vocab.known(s)}
    near = snap.synonyms.neighbours(list(unknown.values()))
    q.soft = {s: dict(near.get(w, [])) for s, w in unknown.items()}
    expansion = " ".join(k for v in q.soft.values() for k in v)
    q.vector = snap.retriever.embed_query(query)
    return query, q, expansion
