"""One place that opens Chroma: embedded (a data directory) or a `chroma run` server."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import StoreUnavailable


def open_client(data_dir: Path, host: str | None = None, port: int = 8000) -> Any:
    """Return a Chroma client, or raise StoreUnavailable with a message that says what to do."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
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
