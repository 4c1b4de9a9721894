"""One place that opens Chroma: embedded (a data directory) or a `chroma run` server."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from .errors import StoreUnavailable

_prefetch: threading.Thread | None = None
_prefetch_lock = threading.Lock()


def prefetch(data_dir: Path, host: str | None = None) -> None:
    """Start importing chromadb (and opening the embedded store's client) in a background
    thread, so that it overlaps what the caller does next (loading the embedding model,
    opening the article store): the import is most of a cold ``assistant ask``.
    ``open_client`` waits for it and reports any error itself. Call it after the caller's
    own imports: two threads importing the same package at once can each see the other's
    half-initialised modules."""
    global _prefetch
    with _prefetch_lock:
        if _prefetch is None:
            _prefetch = threading.Thread(target=_open_quietly, args=(Path(data_dir), host), name="chroma-open", daemon=True)
            _prefetch.start()


def _open_quietly(data_dir: Path, host: str | None) -> None:
    try:
        import chromadb

        chroma_dir = data_dir / "chroma"
        if not host and chroma_dir.is_dir():  # Chroma keeps one client per path: open_client gets this one
            chromadb.PersistentClient(path=str(chroma_dir), settings=_settings())
    except Exception:  # noqa: BLE001  (open_client opens again and reports it)
        forget_clients()


def _settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def open_client(data_dir: Path, host: str | None = None, port: int = 8000) -> Any:
    """Return a Chroma client, or raise StoreUnavailable with a message that says what to do."""
    if _prefetch is not None:
        _prefetch.join()
    import chromadb

    settings = _settings()
    if host:
        try:
            client = chromadb.HttpClient(host=host, port=port, settings=settings)
            client.heartbeat()
        except Exception as exc:  # connection refused, timeout, wrong port...
            raise StoreUnavailable(
                f"Cannot reach the Chroma server at {host}:{port} ({type(exc).__name__}). "
                f"Start it with `chroma run --path DIR --host {host} --port {port}`, "
                "or unset NEWSQA_CHROMA_HOST to use the embedded store."
            ) from exc
        return client
    chroma_dir = Path(data_dir) / "chroma"
    if chroma_dir.exists() and not chroma_dir.is_dir():
        raise StoreUnavailable(f"{chroma_dir} is not a directory. Move it away and run `assistant index`.")
    try:
        chroma_dir.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(chroma_dir), settings=settings)
        client.heartbeat()
        client.list_collections()  # forces a read of the sqlite catalogue
    except Exception as exc:
        forget_clients()  # a failed client would poison the next attempt at this path
        raise StoreUnavailable(
            f"The index in {chroma_dir} cannot be opened ({type(exc).__name__}: {exc}). "
            "It may be corrupted: run `assistant index --rebuild`, which moves it aside "
            "(nothing is deleted) and builds a new one, keeping the articles it can still read."
        ) from exc
    return client


def forget_clients() -> None:
    """Drop Chroma's per-path client cache: needed before a data directory is moved or
    reopened, or the cached client keeps writing to the old files."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
