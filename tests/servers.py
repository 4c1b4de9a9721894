"""Real servers for the tests and the benchmarks: `chroma run` and PostgreSQL.

One launcher for both (tests/conftest.py and benchmarks/scale.py import it), so the
start-up, readiness wait and clean stop are written once. Both listen on 127.0.0.1 only,
on a free port, with their data in a temporary directory removed on ``stop()``.

PostgreSQL is Debian's package (`make test` installs it as it installs Chromium):
``initdb`` + ``pg_ctl``. ``initdb`` refuses to run as root, so as root the cluster is made
and run by the ``postgres`` user, in a directory of its own under /tmp (pytest's tmp dirs
are private to root).
"""
from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

QUIET = {"ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(ready, proc: subprocess.Popen | None, what: str, timeout: float) -> None:
    """Poll ``ready()`` until true; RuntimeError when ``proc`` exits first or ``timeout`` passes."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if ready():
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited during start-up")
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer within {timeout:.0f} s")


class ChromaServer:
    """A real `chroma run` (the CLI shipped in the chromadb wheel) at a free port."""

    def __init__(self, path: Path, timeout: float = 120):
        self.path, self.port, self.host = Path(path), free_port(), "127.0.0.1"
        self.proc: subprocess.Popen | None = None
        self.start(timeout)

    def start(self, timeout: float = 120) -> None:
        exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
        self.proc = subprocess.Popen([exe, "run", "--path", str(self.path), "--host", self.host, "--port", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **QUIET})
        try:
            wait_until(self._heartbeat, self.proc, "chroma run", timeout)
        except RuntimeError:
            self.stop()
            raise

    def _heartbeat(self) -> bool:
        try:
            urllib.request.urlopen(f"http://{self.host}:{self.port}/api/v2/heartbeat", timeout=1)
            return True
        except Exception:
            return False

    @property
    def env(self) -> dict[str, str]:
        """The settings that point the assistant at this server."""
        return {"NEWSQA_CHROMA_HOST": self.host, "NEWSQA_CHROMA_PORT": str(self.port)}

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()  # SIGTERM: chroma stops cleanly
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def pg_bindir() -> Path | None:
    """The newest Debian PostgreSQL's bin dir (initdb is not on PATH there), else PATH's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("initdb")
    return Path(exe).parent if exe else None


class PostgresServer:
    """A throw-away PostgreSQL cluster on 127.0.0.1, password login (scram-sha-256) over TCP.

    ``database(name)`` creates a database and a login role of the same name and returns its
    URL (``postgresql://name:password@127.0.0.1:port/name``): each test gets a store of
    its own from one running server. ``stop()``/``start()`` take the server down and up
    again on the same data; ``close()`` also removes it.
    """

    SUPERUSER = "postgres"

    def __init__(self, fsync: bool = False, timeout: float = 60):
        bindir = pg_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (initdb not found): run `make postgres` "
                               "(apt-get install -y postgresql)")
        self.bindir, self.host, self.port = bindir, "127.0.0.1", free_port()
        self.as_root = os.getuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="newsqa-pg-"))
        self.datadir = self.root / "data"
        self.password = secrets.token_hex(12)
        self._fsync = fsync
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        self._run("initdb", "-D", str(self.datadir), "-U", self.SUPERUSER, "--pwfile", str(pwfile), "-E", "UTF8",
                  "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "--no-instructions")
        pwfile.unlink()
        self.start(timeout)

    def _run(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if r.returncode != 0:
            raise RuntimeError(f"{tool} failed ({r.returncode}): {(r.stderr or r.stdout)[-1500:]}")
        return r

    def start(self, timeout: float = 60) -> None:
        options = (f"-c listen_addresses={self.host} -p {self.port} -c unix_socket_directories={self.root} "
                   f"-c fsync={'on' if self._fsync else 'off'} -c max_connections=100")
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.root / "log"), "-w", "-t", str(int(timeout)),
                  "-o", options, "start", timeout=timeout + 10)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, name: str, password: str | None = None, user: str | None = None) -> str:
        return f"postgresql://{user or name}:{password or self.password}@{self.host}:{self.port}/{name}"

    def admin(self, sql: str) -> None:
        """Run ``sql`` as the superuser (autocommit: CREATE DATABASE needs it)."""
        import psycopg

        with psycopg.connect(self.url("postgres", user=self.SUPERUSER), autocommit=True) as conn:
            conn.execute(sql)

    def database(self, name: str) -> str:
        """A new, empty database owned by a new login role ``name``; returns its URL."""
        self.admin(f"CREATE ROLE {name} LOGIN PASSWORD '{self.password}'")
        self.admin(f"CREATE DATABASE {name} OWNER {name}")
        return self.url(name)
