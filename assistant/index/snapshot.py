"""A corpus version as the question path reads it: its tables, retrievers and settings."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types only: importing this module must stay cheap (``import assistant`` reaches it)
    from ..settings import Settings
    from .tables.articles import ArticleTable
    from .tables.sentences import ByDocView, FormsView, RowsView
    from .tables.synonyms import Synonyms
    from .tables.vocabulary import Vocabulary


@dataclass(eq=False)
class Snapshot:
    """The read-side tables of one corpus version, never changed once built.

    The engine builds one per version and swaps it in whole; question analysis and the
    answering code are handed one and read only it, so a question is answered from one
    version however many ingests run meanwhile.
    Only articles that are both stored and fully indexed (their index record carries the
    stored content hash) are in it, with exactly their current sentences. The tables are
    read from disk on demand (``assistant/index/tables``): opening one costs the same at any size."""

    settings: Settings
    store: Any  # vectorstore.store.ChromaStore: the dense half of retrieval reads it
    embed: Any
    version: str  # the corpus version (the article store's: changes when an index write completes)
    generation: int  # the article store's write counter
    articles: ArticleTable
    by_doc: ByDocView
    forms: FormsView  # grounding's words of each article's sentences
    rows: RowsView
    bm25: Any  # vectorstore.bm25.LexicalRetriever, None for an empty corpus
    vocab: Vocabulary
    synonyms: Synonyms
    retriever: Any = None  # answering.retrieval.HybridRetriever over this snapshot (set once built)
