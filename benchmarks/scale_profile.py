"""Where ingest time goes: one `assistant ingest` of the ~85k-word profile corpus under
cProfile, summed into stages (spaCy, embedding, Chroma writes, BM25, table loads).

    python benchmarks/scale_profile.py [--out PATH] [--pstats PATH]

Runs in this process (same code path as the CLI's ``ingest``: ``api.ingest`` on a
fresh data dir with an empty seeds dir). Prints JSON with wall time, words/s and the
cumulative seconds of each stage's entry points; stages can nest (table loads
include the BM25 build), so they do not sum to the wall time.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale_corpus import write_profile_corpus  # noqa: E402

# Stage → entry points (file suffix, function[, only when called from this function]).
STAGES: dict[str, list[tuple[str, ...]]] = {
    "read_files": [("corpus/reader.py", "read_paths")],
    "sqlite_article_store": [("vectorstore/articles.py", "put_many")],
    "spacy_load": [("assistant/sentences.py", "nlp")],
    "spacy_split (incl. load)": [("assistant/sentences.py", "split_articles")],
    "embed_sentences": [("vectorstore/embedder.py", "encode", "index_batch"), ("vectorstore/embedder.py", "encode", "ingest_articles")],
    "build_nodes": [("assistant/ingestion.py", "sentence_nodes")],
    "chroma_sentences_upsert": [("vectorstore/store.py", "add_nodes")],
    "chroma_articles_upsert": [("vectorstore/store.py", "upsert_articles"), ("vectorstore/store.py", "upsert_article")],
    "chroma_delete_stale": [("vectorstore/store.py", "delete_stale_sentences_of"), ("vectorstore/store.py", "delete_stale_sentences")],
    "chroma_version_bump": [("vectorstore/store.py", "bump_version")],
    "ingest_articles_total": [("assistant/ingestion.py", "ingest_articles")],
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--pstats", type=Path, help="also save the raw profile here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scale-profile-") as tmp:
        tmp_path = Path(tmp)
        corpus = write_profile_corpus(tmp_path / "corpus")
        (tmp_path / "no-seeds").mkdir()
        os.environ.update({"NEWSQA_DATA_DIR": str(tmp_path / "data"), "NEWSQA_SEEDS_DIR": str(tmp_path / "no-seeds")})
        from assistant import api

        api.engine()  # an empty index: store, embedder and (no) tables are open before timing
        profiler = cProfile.Profile()
        t0, c0 = time.perf_counter(), time.process_time()
        profiler.enable()
        report = api.ingest([tmp_path / "corpus"])
        profiler.disable()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        eng = api.engine()
        stats = pstats.Stats(profiler)
        if args.pstats:
            stats.dump_stats(str(args.pstats))
        result = {"corpus": corpus, "articles": len(eng.articles), "sentences": len(eng.rows),
                  "failed": report.failed, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "words_per_s": round(corpus["words"] / wall),
                  "load_average": [round(x, 2) for x in os.getloadavg()],
                  "stages_cumulative_s": stage_seconds(stats)}
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
