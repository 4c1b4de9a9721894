"""Storage: Chroma collections (embedded or server), the BM25 index beside them, the embedder.

This package never imports ``assistant``: the answering engine depends on it, not back.
"""
from .errors import StoreUnavailable, UserFacingError

__all__ = ["StoreUnavailable", "UserFacingError"]
