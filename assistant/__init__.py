"""Offline question answering over news articles, with verbatim, cited quotes.

    from assistant import ask
    a = ask("Where did Kim Jong Un meet the Russian culture minister?")
    a.short_answer, a.citations, a.text
"""
from .settings import apply_offline_env

apply_offline_env()  # before any of the stack is imported: no hub, no telemetry

from .api import ask, export_articles, get_article, ingest, list_articles, remove_article, reset  # noqa: E402
from .models import Answer, Article, ArticleSummary, Citation, IngestReport  # noqa: E402

__all__ = ["Answer", "Article", "ArticleSummary", "Citation", "IngestReport", "ask", "export_articles",
           "get_article", "ingest", "list_articles", "remove_article", "reset"]
