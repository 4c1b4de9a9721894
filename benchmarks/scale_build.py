"""Build the largest benchmark store faster: `assistant ingest` with each distinct text
embedded once.

    python benchmarks/scale_build.py CORPUS_DIR      (NEWSQA_* from the environment)

The sampled corpora repeat a pool of ~1,700 real sentences, so at 100k sentences almost
every vector is one already computed. On 2 shared cores a full ingest of 2.4 M words
would take over an hour; with the memo only spaCy, Chroma and the tables do full work.
The store is the same (a text gets the same vector alone or in any batch: cosine
≥ 0.99999 measured), so query-side figures measured on it hold; its ingest time is reported as "built with an embedding memo", not as ingest speed.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    t0 = time.perf_counter()
    from vectorstore import embedder

    plain = embedder._OnnxMiniLM.encode
    memo: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in memo]
        if missing:
            memo.update(zip(missing, plain(self, missing, batch_size)))
        return np.array([memo[t] for t in texts], dtype=np.float32).reshape(len(texts), embedder.DIMENSIONS)

    embedder._OnnxMiniLM.encode = encode  # type: ignore[method-assign]
    from assistant import api

    api.engine()
    report = api.ingest([Path(sys.argv[1])])
    print(json.dumps({"summary": report.summary(), "failed": len(report.failed), "distinct_texts_embedded": len(memo),
                      "wall_s": round(time.perf_counter() - t0, 2)}))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
