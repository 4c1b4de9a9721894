"""Where ingest time goes: one `assistant ingest` of the ~85k-word profile corpus under
cProfile, summed into stages (spaCy, embedding, Chroma writes, BM25, table loads).

    python benchmarks/scale_profile.py [--no-profile] [--out PATH] [--pstats PATH]

Runs in this process (same code path as the CLI's ``ingest``: ``api.ingest`` on a
fresh data dir with an empty seeds dir). Prints JSON with wall time, words/s and the
cumulative seconds of each stage's entry points; stages can nest (table loads
include the BM25 build), so they do not sum to the wall time. Threads started during
the ingest (the sentence splitter) are profiled too and merged in: their stages ran
at the same time as the calling thread's, so they overlap its stages.

``ingest_s`` is the wall time of ``ingest_articles`` alone (store, split, embed, index
writes; without the tables loaded after it). cProfile slows Python-heavy code (spaCy's
and the sentence post-processing) far more than ONNX, so compare speeds with
``--no-profile``, which times the same run without the profiler.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale_corpus import write_profile_corpus  # noqa: E402

# Stage → entry points (file suffix, function[, only when called from this function]).
STAGES: dict[str, list[tuple[str, ...]]] = {
    "read_files": [("corpus/reader.py", "read_paths")],
    "sqlite_article_store": [("vectorstore/articles.py", "put_many")],
    "spacy_load": [("assistant/index/sentences.py", "nlp")],
    "spacy_split (incl. load)": [("assistant/index/sentences.py", "split_articles"), ("assistant/index/sentences.py", "iter_split")],
    "embed_sentences": [("vectorstore/embedder.py", "encode", "index_batch"), ("vectorstore/embedder.py", "encode", "ingest_articles"),
                        ("vectorstore/embedder.py", "encode", "embed_batch")],
    "wait_for_splitter (caller idle)": [("assistant/index/ingestion.py", "sentences_of")],
    "build_nodes": [("assistant/index/ingestion.py", "sentence_nodes")],
    "chroma_sentences_upsert": [("vectorstore/store.py", "add_nodes")],
    "chroma_articles_upsert": [("vectorstore/store.py", "upsert_articles"), ("vectorstore/store.py", "upsert_article")],
    "chroma_delete_stale": [("vectorstore/store.py", "delete_stale_sentences_of"), ("vectorstore/store.py", "delete_stale_sentences")],
    "chroma_version_bump": [("vectorstore/store.py", "bump_version")],
    "ingest_articles_total": [("assistant/index/ingestion.py", "ingest_articles")],
    "snapshot_total (tables after ingest)": [("assistant/engine.py", "_swap"), ("assistant/engine.py", "_load_tables")],
    "chroma_read_all_nodes": [("vectorstore/store.py", "all_nodes")],
    "bm25_load_or_build": [("vectorstore/bm25.py", "load_or_build")],
    "vocabulary_build": [("assistant/vocabulary.py", "build")],
    "synonym_vectors (embed vocabulary)": [("assistant/synonyms.py", "matrix")],
}


def stage_seconds(stats: pstats.Stats) -> dict[str, float]:
    """Cumulative seconds per stage: the largest matching entry point (cumulative times
    nest, so an outer and an inner ``encode`` must not be added)."""
    out: dict[str, float] = {}
    raw = stats.stats  # type: ignore[attr-defined]
    for stage, points in STAGES.items():
        found = [0.0]
        for (filename, _line, func), (_cc, _nc, _tt, ct, callers) in raw.items():
            for suffix, name, *caller in points:
                if not (filename.endswith(suffix) and func == name):
                    continue
                if caller:  # only the time spent under calls from ``caller``
                    ct = sum(c[3] for key, c in callers.items() if key[2] == caller[0])
                found.append(ct)
        out[stage] = round(max(found), 2)
    return out


class _ThreadProfiles:
    """Profile every thread started while active (cProfile sees only its own thread)."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._run = threading.Thread.run

    def __enter__(self) -> _ThreadProfiles:
        profiles, run = self.profiles, self._run

        def profiled_run(thread: threading.Thread) -> None:
            profiler = cProfile.Profile()
            profiles.append(profiler)
            profiler.runcall(run, thread)

        threading.Thread.run = profiled_run  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc) -> None:
        threading.Thread.run = self._run  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--pstats", type=Path, help="also save the raw profile here")
    parser.add_argument("--no-profile", action="store_true", help="wall times only, without cProfile's overhead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scale-profile-") as tmp:
        tmp_path = Path(tmp)
        corpus = write_profile_corpus(tmp_path / "corpus")
        (tmp_path / "no-seeds").mkdir()
        os.environ.update({"NEWSQA_DATA_DIR": str(tmp_path / "data"), "NEWSQA_SEEDS_DIR": str(tmp_path / "no-seeds")})
        from assistant import api
        from assistant.index import ingestion

        api.engine()  # an empty index: store, embedder and (no) tables are open before timing
        ingest_wall: list[float] = []
        ingest_articles = ingestion.ingest_articles

        def timed_ingest_articles(*a, **kw):
            t = time.perf_counter()
            try:
                return ingest_articles(*a, **kw)
            finally:
                ingest_wall.append(time.perf_counter() - t)

        ingestion.ingest_articles = timed_ingest_articles
        profiler = None if args.no_profile else cProfile.Profile()
        threads = _ThreadProfiles()
        load_before = os.getloadavg()
        t0, c0 = time.perf_counter(), time.process_time()
        if profiler:
            threads.__enter__()
            profiler.enable()
        report = api.ingest([tmp_path / "corpus"])
        if profiler:
            profiler.disable()
            threads.__exit__()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        ingestion.ingest_articles = ingest_articles
        eng = api.engine()
        result = {"corpus": corpus, "articles": len(eng.articles), "sentences": len(eng.rows),
                  "failed": report.failed, "profiled": profiler is not None,
                  "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "words_per_s": round(corpus["words"] / wall),
                  "ingest_s": round(sum(ingest_wall), 2), "ingest_words_per_s": round(corpus["words"] / sum(ingest_wall)),
                  "load_average_before": [round(x, 2) for x in load_before],
                  "load_average": [round(x, 2) for x in os.getloadavg()]}
        if profiler:
            stats = pstats.Stats(profiler)
            for p in threads.profiles:
                stats.add(p)
            if args.pstats:
                stats.dump_stats(str(args.pstats))
            result["stages_cumulative_s"] = stage_seconds(stats)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
