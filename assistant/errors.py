"""Errors a user can act on. Each message says what went wrong and what to do."""
from vectorstore.errors import StoreUnavailable, UserFacingError

AssistantError = UserFacingError  # one base for every error the CLI and UI show as a message

__all__ = ["AssistantError", "ArticleNotFound", "ExportError", "IndexEmpty", "IngestError", "InvalidQuestion", "StoreUnavailable"]


class InvalidQuestion(AssistantError, ValueError):
    """Empty, oversized or otherwise unusable question."""


class IndexEmpty(AssistantError):
    """Nothing to answer from: no seeds, nothing ingested."""


class IngestError(AssistantError):
    """A file that cannot be read as articles."""


class ExportError(AssistantError):
    """The export file cannot be written (or is not .jsonl)."""


class ArticleNotFound(AssistantError, KeyError):
    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else "article not found"
