"""The system under test: the engine, reached only through its public contract.

Anything the runner needs beyond ``ask`` (gold mapping, source texts for the verbatim
check) is answered by an ``EngineGrounding`` built from ``list_articles`` and
``get_article``, so a broken engine cannot grade itself.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any, Protocol

from assistant.settings import apply_offline_env

from .normalize import normalise
from .scoring import Grounding, Ref, Span


class System(Protocol):
    name: str

    def ask(self, question: str, history: Sequence[tuple[str, str]]) -> Any: ...

    def retrieve(self, question: str, history: Sequence[tuple[str, str]], k: int) -> list[Span] | None:
        """Ranked documents for recall@5/MRR; None when the system has no retriever."""
        ...

    @property
    def grounding(self) -> Grounding: ...


class EngineGrounding:
    """Gold = the cited article's title, or a near-duplicate's via ``also_in``, is a case title.

    The engine fills ``also_in`` with outlet names ("Straits Times"); doc ids and titles
    are accepted too. An outlet with several articles resolves to the one whose text
    shares most words with the quote: the copy that carries the same sentence.
    """

    def __init__(self, list_articles, get_article):
        self._get = get_article
        summaries = list(list_articles())
        self.titles: dict[str, str] = {s.doc_id: s.title for s in summaries}
        self._by_outlet: dict[str, list[str]] = {}
        for s in summaries:
            self._by_outlet.setdefault(normalise(s.outlet), []).append(s.doc_id)
        self._texts: dict[str, str | None] = {}

    def _resolve(self, entry: str, quote: str) -> str:
        if entry in self.titles:
            return self.titles[entry]
        ids = self._by_outlet.get(normalise(entry), [])
        if len(ids) > 1:
            words = set(normalise(quote).split())
            ids = [max(ids, key=lambda i: len(words & set(normalise(self.source_text(i)).split())))]
        return self.titles[ids[0]] if ids else entry  # otherwise: a title

    def _titles_of(self, span: Span) -> set[str]:
        names = [getattr(span, "title", "") or self.titles.get(span.doc_id, "")]
        quote = getattr(span, "quote", "") or ""
        names += [self._resolve(x, quote) for x in (getattr(span, "also_in", ()) or ())]
        return {normalise(n) for n in names if n}

    def is_gold(self, span: Span, gold_titles: Sequence[str]) -> bool:
        gold = {normalise(t) for t in gold_titles}
        return bool(gold & self._titles_of(span))

    def source_text(self, doc_id: str) -> str | None:
        if doc_id not in self._texts:
            try:
                self._texts[doc_id] = self._get(doc_id).text
            except Exception:  # noqa: BLE001 - an unknown id is itself the finding
                self._texts[doc_id] = None
        return self._texts[doc_id]

    def known_titles(self) -> set[str]:
        return {normalise(t) for t in self.titles.values()}


class EngineSystem:
    """``assistant.ask`` with its history; retrieval via ``assistant.api.retrieve_articles``."""

    name = "ours"

    def __init__(self) -> None:
        apply_offline_env()
        from assistant import ask, get_article, list_articles

        self._ask, self._get, self._list = ask, get_article, list_articles
        try:
            from assistant.api import retrieve_articles
        except ImportError:  # retrieval figures become n/a rather than failing the run
            retrieve_articles = None
        self._retrieve = retrieve_articles

    def ask(self, question: str, history: Sequence[tuple[str, str]]) -> Any:
        return self._ask(question, history=list(history) or None)

    def retrieve(self, question: str, history: Sequence[tuple[str, str]], k: int) -> list[Span] | None:
        if self._retrieve is None:
            return None
        ids = self._retrieve(question, history=list(history) or None, k=k)
        return [Ref(doc_id=i, title=self.grounding.titles.get(i, "")) for i in ids]

    @cached_property
    def grounding(self) -> EngineGrounding:
        # Built after the first ask() so that loading the index counts towards the
        # time to the first answer, not towards setup.
        return EngineGrounding(self._list, self._get)

    def corpus(self) -> list[tuple[str, str]]:
        """(title, text) of every article: the baseline's gold spans come from these."""
        return [(s.title, self._get(s.doc_id).text) for s in self._list()]
