"""Citation metadata of a version's articles (title, outlet, date…), read on demand.

The text is not in the tables file: ``text_of`` reads it from the article store (the
truth), and falls back to the index's copy when the store has a newer revision than the
version being read, so offsets always refer to the text that was split.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from .store import Lookup

if TYPE_CHECKING:
    from .store import TablesFile

CACHE_ARTICLES = 1024


class ArticleTable(Lookup):
    def __init__(self, db: TablesFile, text_of: Callable[[str, str], str | None]):
        super().__init__(db, CACHE_ARTICLES, count_key="articles")
        self._text_of = text_of  # (doc_id, content_hash) -> text of that revision, None if gone
        self._text = lru_cache(maxsize=64)(self._fetch_text)
        self._story = lru_cache(maxsize=CACHE_ARTICLES)(self._fetch_story)

    def _fetch(self, doc_id: str) -> dict | None:
        got = self._db.query("SELECT meta FROM articles WHERE doc_id = ?", (doc_id,))
        return json.loads(got[0][0]) if got else None

    def __iter__(self) -> Iterator[str]:
        return (r[0] for r in self._db.query("SELECT doc_id FROM articles ORDER BY doc_id"))

    def values(self):
        return [json.loads(r[0]) for r in self._db.query("SELECT meta FROM articles ORDER BY doc_id")]

    def text(self, doc_id: str) -> str | None:
        """The full text of the revision this version indexed; None if the article has
        been updated or removed since (never another revision's text)."""
        return self._text(doc_id)

    def story(self, doc_id: str) -> bytes:
        """The article's story fingerprint (``index/stories``): are two articles one story?"""
        return self._story(doc_id)

    def _fetch_story(self, doc_id: str) -> bytes:
        got = self._db.query("SELECT story FROM articles WHERE doc_id = ?", (doc_id,))
        if not got:
            raise KeyError(doc_id)
        return got[0][0]

    def _fetch_text(self, doc_id: str) -> str | None:
        return self._text_of(doc_id, self[doc_id]["content_hash"])
