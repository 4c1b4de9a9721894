"""The one settings object. Every knob is an environment variable prefixed ``NEWSQA_``."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from vectorstore.errors import UserFacingError

PREFIX = "NEWSQA_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Set before any of the stack is imported: these keep every library offline and quiet
# (see the offline-stack notes: hub look-ups, telemetry, analytics).
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_offline_env() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = PROJECT_ROOT / "data"
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    collection: str = "news"
    # Server mode: when chroma_host is set, the same code talks to `chroma run`.
    chroma_host: str | None = None
    chroma_port: int = 8000
    # The article store: unset, SQLite in the data dir; postgresql://USER:PASSWORD@HOST:PORT/DB,
    # one store shared by several app servers (with one Chroma server). Not in repr: a password.
    articles_url: str | None = field(default=None, repr=False)
    # "onnx" (int8, no torch: fast cold start) or "torch" (fp32 sentence-transformers).
    embed_backend: str = "onnx"
    max_question_chars: int = 2000
    top_k: int = 40  # sentences taken from each retriever before fusion
    max_quotes: int = 3
    # The learned answer model (JSON written by `assistant train`); unset: the packaged one.
    answer_model: Path | None = None
    # Share of the questions asked that the articles answer. The answer model learned from
    # SQuAD 2.0, written half unanswerable on purpose; readers asking about what they read
    # mostly ask answerable questions. Its confidence is shifted to this prior.
    answerable_share: float = 0.8
    # Largest file `ingest` and the UI's upload accept (checked before reading it).
    max_upload_bytes: int = 20_000_000
    # The chat UI loads the ingest stack (llama-index, spaCy) in the background once it is up,
    # so a first upload does not wait ~3.5 s for it; off, a UI that never ingests saves ~130 MB.
    preload_ingest: bool = True

    @property
    def server_mode(self) -> bool:
        return bool(self.chroma_host)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        kwargs: dict = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            default = getattr(cls, f.name, None)
            try:
                if f.name in ("data_dir", "seeds_dir", "answer_model"):
                    kwargs[f.name] = Path(raw).expanduser().resolve()
                elif isinstance(default, bool):
                    kwargs[f.name] = raw.lower() in ("1", "true", "yes")
                elif isinstance(default, int):
                    kwargs[f.name] = int(raw)
                elif isinstance(default, float):
                    kwargs[f.name] = float(raw)
                else:
                    kwargs[f.name] = raw or None
            except ValueError as exc:
                raise UserFacingError(f"{PREFIX}{f.name.upper()}={raw!r} is not a valid {type(default).__name__}.") from exc
        if not 0.0 < kwargs.get("answerable_share", 0.5) < 1.0:
            raise UserFacingError(f"{PREFIX}ANSWERABLE_SHARE must be between 0 and 1 (exclusive), not {kwargs['answerable_share']}.")
        if kwargs.get("embed_backend", "onnx") not in ("onnx", "torch"):
            raise UserFacingError(f"{PREFIX}EMBED_BACKEND must be 'onnx' or 'torch', not {kwargs['embed_backend']!r}.")
        url = kwargs.get("articles_url")
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise UserFacingError(f"{PREFIX}ARTICLES_URL must be a postgresql://USER:PASSWORD@HOST:PORT/DATABASE URL "
                                  "(unset: the SQLite store in the data dir).")
        return cls(**kwargs)

