"""Sentence rows, read from the tables file on demand.

``RowsView`` (node id → row) and ``ByDocView`` (doc id → its rows in order) are read-only
mappings, so the answering code indexes them as it would dicts; only the rows a question
touches are ever read, and recently used ones are kept in a small cache.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .store import Lookup

if TYPE_CHECKING:
    from .store import TablesFile

COLUMNS = "node_id, doc_id, idx, start, end_, text, ents"  # a row's; ``words`` is read apart (``FormsView``)
CACHE_ROWS = 4096
CACHE_DOCS = 512
CACHE_FORMS = 256  # articles: grounding reads about ten per question


@dataclass(frozen=True)
class SentenceRow:
    node_id: str
    doc_id: str
    idx: int
    start: int
    end: int
    text: str
    ents: str  # the entities as stored (JSON), decoded on first use: most rows read are context only

    @cached_property
    def entities(self) -> tuple[tuple, ...]:
        """(start, end, label, governor) within the sentence."""
        return tuple(tuple(e) for e in json.loads(self.ents or "[]"))


def _row(r: tuple) -> SentenceRow:
    return SentenceRow(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), r[5], r[6] or "[]")


class RowsView(Lookup):
    def __init__(self, db: TablesFile):
        super().__init__(db, CACHE_ROWS, count_key="sentences")

    def _fetch(self, node_id: str) -> SentenceRow | None:
        got = self._db.query(f"SELECT {COLUMNS} FROM sentences WHERE node_id = ?", (node_id,))
        return _row(got[0]) if got else None

    def __iter__(self) -> Iterator[str]:
        return (r[0] for r in self._db.query("SELECT node_id FROM sentences ORDER BY pos"))

    def values(self):  # one query, not one per key (tests and tools walk every row)
        return [_row(r) for r in self._db.query(f"SELECT {COLUMNS} FROM sentences ORDER BY pos")]

    def at_positions(self, positions: list[int]) -> list[str]:
        """Node ids of BM25 document positions, in the order given."""
        found = dict(self._db.query_in("SELECT pos, node_id FROM sentences WHERE pos IN ({})", positions))
        return [found[p] for p in positions if p in found]


class _PerArticle(Lookup):
    """A mapping keyed by the doc ids of the articles that have sentences."""

    def __len__(self) -> int:
        return int(self._db.query("SELECT count(DISTINCT doc_id) FROM sentences")[0][0])

    def __iter__(self) -> Iterator[str]:
        return (r[0] for r in self._db.query("SELECT DISTINCT doc_id FROM sentences ORDER BY doc_id"))


class ByDocView(_PerArticle):
    def __init__(self, db: TablesFile):
        super().__init__(db, CACHE_DOCS)

    def _fetch(self, doc_id: str) -> list[SentenceRow] | None:
        rows = self._db.query(f"SELECT {COLUMNS} FROM sentences WHERE doc_id = ? ORDER BY idx", (doc_id,))
        return [_row(r) for r in rows] or None


@dataclass(frozen=True)
class ArticleForms:
    """Grounding's words (``wordforms.text_forms``) of each sentence of an article, in order,
    and of all of them."""

    sentences: tuple[frozenset[str], ...]
    every: frozenset[str]


class FormsView(_PerArticle):
    """doc id → its ``ArticleForms``, from the ``words`` column the build derived."""

    def __init__(self, db: TablesFile):
        super().__init__(db, CACHE_FORMS)

    def _fetch(self, doc_id: str) -> ArticleForms | None:
        rows = self._db.query("SELECT words FROM sentences WHERE doc_id = ? ORDER BY idx", (doc_id,))
        per = tuple(frozenset(w.split()) for (w,) in rows)
        return ArticleForms(per, frozenset().union(*per)) if per else None
