"""Shared fixtures: real components only (the packaged model, a real Chroma store).

``seeded_env`` indexes the seed articles once per session into a temporary data dir;
tests that write (ingest, corruption) take ``fresh_env`` and a store of their own.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from servers import ChromaServer, PostgresServer, free_port  # noqa: F401  (free_port: used by other test modules)

from assistant.settings import PROJECT_ROOT, apply_offline_env

apply_offline_env()
SEEDS = PROJECT_ROOT / "seeds"


def _use(data_dir: Path, **extra: str) -> None:
    from assistant import api

    os.environ["NEWSQA_DATA_DIR"] = str(data_dir)
    for key in ("NEWSQA_CHROMA_HOST", "NEWSQA_CHROMA_PORT", "NEWSQA_ARTICLES_URL"):
        os.environ.pop(key, None)
    os.environ.update(extra)
    api.reset()


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("seeded")
    _use(data)
    from assistant import api

    api.engine()  # builds the index from seeds/
    return data


@pytest.fixture
def seeded_env(seeded_dir):
    _use(seeded_dir)
    yield seeded_dir
    _use(seeded_dir)


@pytest.fixture
def fresh_env(tmp_path, seeded_dir):
    """An empty data dir of its own (the seeds are indexed into it on first use)."""
    data = tmp_path / "data"
    _use(data)
    yield data
    _use(seeded_dir)


@pytest.fixture
def seeded_copy(tmp_path, seeded_dir):
    """A private copy of the session's seeded data dir: a test that writes gets a ready
    index in milliseconds instead of indexing the seeds again."""
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data)
    _use(data)
    yield data
    _use(seeded_dir)


@contextlib.contextmanager
def serve(auth: tuple[str, str] | None = None):
    """Build and launch the real Gradio app on 127.0.0.1 in this process; yield its URL."""
    from ui.app import build_app
    from ui.launch import launch

    app = build_app()
    port = free_port()
    launch(app, host="127.0.0.1", port=port, auth=auth, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@contextlib.contextmanager
def isolated_data_dir():
    """A private, empty data dir (indexed from seeds/ on first use) for a whole module,
    so tests that add articles leave the session's seeded index as it is."""
    previous = os.environ.get("NEWSQA_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="newsqa-") as tmp:
        _use(Path(tmp) / "data")
        try:
            yield Path(tmp) / "data"
        finally:
            if previous:
                _use(Path(previous))


def run_cli(*args: str, env: dict | None = None, timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, cwd=PROJECT_ROOT)


@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` on 127.0.0.1 (the CLI shipped in the chromadb wheel): (process, port)."""
    try:
        server = ChromaServer(tmp_path / "server", timeout=60)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server.proc, server.port
    server.stop()


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL (initdb + pg_ctl on 127.0.0.1) for the session; each test takes
    a database of its own from it (``articles_url``)."""
    try:
        server = PostgresServer()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server
    server.close()


_databases = itertools.count()


@pytest.fixture
def articles_url(postgres_server) -> str:
    """The URL of a new, empty PostgreSQL database (and its own login role)."""
    return postgres_server.database(f"news{next(_databases)}")
