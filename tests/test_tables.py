"""The per-version read tables (assistant/index/tables): built once, reopened without reading the
corpus, rebuilt when missing or damaged, and equivalent to what they replaced."""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant import api, ask
from assistant.index.tables.store import TablesFile, tables_dir
from assistant.index.tables.vocabulary import Vocabulary

QUESTION = "Where did Kim Jong Un meet the Russian culture minister?"


def _tables(data: Path) -> list[Path]:
    return sorted(tables_dir(data, "news").glob("*.sqlite"))


def test_reopening_a_version_reads_no_sentence_from_the_index(seeded_copy, monkeypatch):
    before = ask(QUESTION)
    files = _tables(seeded_copy)
    assert len(files) == 1
    # Tripwire, not a stand-in: any read of every sentence at open fails the test.
    from vectorstore.store import ChromaStore

    def no_full_read(self, *a, **k):
        raise AssertionError("opening an existing version read the whole index")

    monkeypatch.setattr(ChromaStore, "iter_sentences", no_full_read)
    api.reset()
    snap = api.engine().snapshot()
    assert snap.rows._get.cache_info().currsize == 0  # nothing per sentence loaded at open
    after = ask(QUESTION)
    assert (after.short_answer, [c.quote for c in after.citations]) == (before.short_answer, [c.quote for c in before.citations])
    assert _tables(seeded_copy) == files


@pytest.mark.parametrize("damage", ["delete_tables", "delete_bm25", "garbage"])
def test_missing_or_damaged_tables_are_rebuilt(seeded_copy, damage):
    import shutil

    before = ask(QUESTION)
    (path,) = _tables(seeded_copy)
    api.reset()
    if damage == "delete_tables":
        shutil.rmtree(path.parent)
    elif damage == "delete_bm25":
        shutil.rmtree(seeded_copy / "bm25")
    else:
        path.write_bytes(b"not a database" * 100)
    after = ask(QUESTION)
    assert after.short_answer == before.short_answer and after.citations[0].quote == before.citations[0].quote
    assert [p.name for p in _tables(seeded_copy)] == [path.name]


def test_a_new_version_reuses_word_vectors_and_drops_old_files(seeded_copy, tmp_path, monkeypatch):
    from assistant.index.tables import store

    monkeypatch.setattr(store, "GRACE_S", 0)  # old files go at once (by default after 10 minutes)
    snap = api.engine().snapshot()
    old_words = [w for (w,) in snap.vocab._db.query("SELECT word FROM words ORDER BY pos")]
    old_matrix = np.array(snap.synonyms.matrix)
    f = tmp_path / "ferry.md"
    f.write_text("---\ntitle: Ferry Morning Lark enters service\noutlet: Wonsan Gazette\ndate: July 3, 2025\n---\n"
                 "The passenger ferry Morning Lark was launched in Wonsan with 412 berths and a zymurgical bar.\n")
    api.ingest([f])
    new = api.engine().snapshot()
    assert new.version != snap.version and len(_tables(seeded_copy)) == 1
    words = [w for (w,) in new.vocab._db.query("SELECT word FROM words ORDER BY pos")]
    matrix = np.asarray(new.synonyms.matrix)
    position = {w: i for i, w in enumerate(words)}
    assert "zymurgical" in position and "zymurgical" not in old_words
    for i, w in enumerate(old_words):  # carried over bit for bit
        assert np.array_equal(matrix[position[w]], old_matrix[i])
    fresh = new.embed.encode(["zymurgical"])[0]
    assert float(fresh @ matrix[position["zymurgical"]]) > 0.9999
    assert ask("How many berths does the ferry Morning Lark have?").short_answer is not None


# -- the gazetteer lookup against the one-regex reference it replaced ----------------
NAMES = ["Kim Jong Un", "Kim", "Jong", "Shoigu", "Sergei Shoigu", "U.S.", "Kim Jong-un", "Pyongyang", "Olga Lyubimova",
         "Lyubimova", "Kursk", "Kursk Oblast", "al-Assad", "“Rodong Sinmun”"]


class _Names:
    """A TablesFile stand-in holding only a names table, so the lookup is tested alone."""

    def __init__(self):
        self.labels = {n: "PERSON" if i % 2 else "GPE" for i, n in enumerate(NAMES)}

    def meta(self, key):
        return {"sentences": "10", "longest_name": str(max(map(len, NAMES)))}.get(key)

    def query_in(self, sql, values):
        return [(v, self.labels[v]) for v in values if v in self.labels]


def _regex_names(labels: dict[str, str], text: str) -> list[tuple[str, str]]:
    alts = "|".join(re.escape(s) for s in sorted(labels, key=len, reverse=True))
    return [(m.group(), labels[m.group()]) for m in re.finditer(rf"(?<!\w)(?:{alts})(?!\w)", text)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(NAMES), st.sampled_from([" ", "-", "'s ", ", ", "x", "Kimchi", ".", "é", "“", "_"])),
                max_size=12))
def test_find_names_matches_the_regex_it_replaced(parts):
    text = "".join(parts)
    names = _Names()
    assert Vocabulary(names).find_names(text) == _regex_names(names.labels, text)


def test_tables_file_is_read_only(seeded_env):
    (path,) = _tables(seeded_env)
    db = TablesFile(path)
    with pytest.raises(Exception, match="readonly|read-only"):
        db.query("DELETE FROM sentences")


def test_clean_reopen_skips_the_hash_comparison_but_a_store_change_is_reconciled(seeded_copy, monkeypatch):
    from vectorstore.articles import ArticleStore
    from vectorstore.store import ChromaStore

    eng = api.engine()
    victim = sorted(eng.articles)[0]
    real = ChromaStore.article_hashes
    calls = []
    monkeypatch.setattr(ChromaStore, "article_hashes", lambda self, *a: calls.append(1) or real(self, *a))
    api.reset()
    api.engine()
    assert calls == []  # store and index untouched since the last writer: nothing compared
    api.reset()
    # Another process deletes an article from the store and dies before touching the index.
    db = ArticleStore.open(seeded_copy)
    db.delete([victim])
    db.close()
    eng = api.engine()
    assert calls, "a changed store must be compared with the index"
    assert victim not in eng.articles
    assert victim not in {d for d, _ in eng.store.sentence_owners().values()}, "its index rows were left behind"


def test_bm25_index_scores_as_llama_index_bm25_retriever_does(tmp_path, seeded_env):
    """The index is built with bm25s directly (no TextNode per sentence): same scores as
    llama-index's BM25Retriever.from_defaults over the same texts."""
    from llama_index.core.schema import QueryBundle, TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    from vectorstore import bm25

    texts = [r.text for r in api.engine().snapshot().rows.values()]
    bm25.build(tmp_path, "k", texts)
    ours = bm25.load(tmp_path, "k", lambda positions: [str(p) for p in positions], top_k=15)
    theirs = BM25Retriever.from_defaults(nodes=[TextNode(text=t, id_=str(i)) for i, t in enumerate(texts)], similarity_top_k=15)
    for q in ("How many troops did North Korea send to Kursk?", "Shoigu Pyongyang talks", "the of and"):
        a = [(node_id, round(score, 5)) for node_id, score in ours.retrieve(q) if score > 0]
        b = [(n.node.node_id, round(n.score, 5)) for n in theirs.retrieve(QueryBundle(q)) if n.score > 0]
        assert a == b
    assert a == [] and len(b) == 0  # a question of stop words only matches nothing


def _synthetic_sentences(n: int, seed: int) -> list[str]:
    """``n`` sentences made of the seeds' words, with repeats, empty and stop-word-only
    ones: ties and zero scores happen, as in a real corpus of wire copies."""
    import random

    from conftest import SEEDS

    text = " ".join(p.read_text() for p in sorted(SEEDS.glob("*.txt")))
    words = re.findall(r"[A-Za-z][A-Za-z'-]+|\d[\d,.]*", text)
    rng = random.Random(seed)
    out = [" ".join(rng.choices(words, k=rng.randint(3, 30))) for _ in range(n)]
    for i in rng.sample(range(n), n // 20):
        out[i] = out[rng.randrange(n)]  # the same sentence twice
    out[rng.randrange(n)], out[rng.randrange(n)] = "", "the of and it"
    return out


LEXICAL_QUERIES = ("How many troops did North Korea send to Kursk?", "Shoigu Pyongyang talks", "the of and",
                   "zzzz unknownword", "Kim Kim Kim said on Tuesday", "Russia")


def _bm25s_top(texts: list[str], query: str, k: int) -> list[tuple[str, float]]:
    import bm25s
    import Stemmer

    from vectorstore import bm25

    stemmer = Stemmer.Stemmer("english")
    index = bm25s.BM25()
    index.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, token_pattern=bm25.TOKEN_PATTERN,
                               show_progress=False), show_progress=False)
    tokens = bm25s.tokenize(query, stemmer=stemmer, token_pattern=bm25.TOKEN_PATTERN, show_progress=False)
    if not tokens.vocab:
        return []
    docs, scores = index.retrieve(tokens, k=k, show_progress=False)
    return [(str(int(d)), float(s)) for d, s in zip(docs[0], scores[0])]


def _fingerprint(value) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def test_the_seeds_sentences_and_tables_are_byte_for_byte_what_main_wrote(seeded_env):
    """Fingerprints of the seeds' split (sentences, offsets, entities, noun phrases,
    governors) and of their version's tables (every table, rows sorted, ingest times left
    out), computed with main at 0255bf7, before BM25 became incremental and a write stopped
    reading every article record: what ingest writes has not changed. A deliberate change
    updates them (with PIPELINE_VERSION or the tables' FORMAT)."""
    import json
    import sqlite3

    from conftest import SEEDS

    from assistant.corpus import read_paths
    from assistant.index.sentences import split_articles
    from assistant.index.stories import fingerprint
    from assistant.wordforms import stored_forms

    articles, _ = read_paths([SEEDS])
    split = split_articles(articles)
    assert _fingerprint([(d, [(s.idx, s.start, s.end, s.text, [list(e) for e in s.entities]) for s in ss])
                         for d, ss in sorted(split.items())]) == "32be513abb96f5cc"
    (path,) = _tables(seeded_env)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    tables, derived = {}, {}
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        rows = [list(r) for r in conn.execute(f"SELECT * FROM {name}")]
        if name == "articles":
            texts = {a.doc_id: a.text for a in articles}
            assert all(story == fingerprint(texts[d]) for d, _, story in rows)
            derived[name] = sorted([d, story.hex()] for d, _, story in rows)
            rows = [[d, {k: v for k, v in json.loads(m).items() if k != "ingested_at"}] for d, m, _ in rows]
        if name == "sentences":
            assert all(r[-1] == stored_forms(r[6]) and r[-1] for r in rows)
            derived[name] = sorted([r[1], r[-1]] for r in rows)
            rows = [r[:-1] for r in rows]
        tables[name] = sorted(json.dumps(r, sort_keys=True) for r in rows)
    # the lookups by node id and by article are indexed (the build makes the indexes last)
    plans = [" ".join(str(x) for r in conn.execute(f"EXPLAIN QUERY PLAN SELECT * FROM sentences WHERE {w}", ("x",))
                      for x in r) for w in ("node_id = ?", "doc_id = ? ORDER BY idx")]
    assert "USING INDEX sentences_node" in plans[0] and "USING INDEX sentences_doc" in plans[1], plans
    conn.close()
    assert _fingerprint(tables) == "97f785b192afbdd1"
    # An incremental build copies stored words and fingerprints forward: a change to how they
    # are derived must come with a new FORMAT (index/tables/store.py), and this fingerprint.
    assert _fingerprint(derived) == "21eb13d7826ae23e"


def test_bm25_scores_are_bm25s_scores_to_the_bit(tmp_path):
    """Our index keeps term frequencies and scores at query time; bm25s precomputes the
    scores. Same sentences in the same order, same float32 scores, ties and zeros too."""
    from vectorstore import bm25

    texts = _synthetic_sentences(3000, seed=1)
    bm25.build(tmp_path, "k", texts)
    ours = bm25.load(tmp_path, "k", lambda positions: [str(p) for p in positions], top_k=40)
    for q in LEXICAL_QUERIES:
        assert ours.retrieve(q) == _bm25s_top(texts, q, 40), q


def test_the_query_side_tokenises_as_bm25s_without_importing_it(tmp_path):
    """The query path tokenises and selects without bm25s (its import is scipy's): same
    stop words, same stems in the same order as bm25s.tokenize, as BM25Retriever calls it."""
    import bm25s
    import Stemmer

    from vectorstore import bm25

    assert bm25.STOPWORDS == set(bm25s.stopwords.STOPWORDS_EN)
    bm25.build(tmp_path, "k", ["one sentence"])
    ours = bm25.load(tmp_path, "k", lambda positions: [str(p) for p in positions], top_k=1)
    stemmer = Stemmer.Stemmer("english")
    for text in _synthetic_sentences(300, seed=4) + list(LEXICAL_QUERIES) + ["Ünïcode Straße's 2024 isn't A1 x y"]:
        theirs = bm25s.tokenize(text, stemmer=stemmer, token_pattern=bm25.TOKEN_PATTERN, show_progress=False)
        assert ours.tokenize(text) == bm25s.tokenization.convert_tokenized_to_string_list(theirs)[0], text


def test_a_data_dir_written_with_bm25s_indexes_gets_ours_on_first_open(seeded_copy):
    """Before the incremental index, each version's BM25 directory held bm25s's own files.
    Opening such a data dir rebuilds that version once, replacing them, and BM25 works."""
    import shutil

    import bm25s
    import Stemmer

    from vectorstore import bm25

    before = ask(QUESTION)
    (path,) = _tables(seeded_copy)
    folder = seeded_copy / "bm25" / "news" / path.stem
    texts = [t for (t,) in TablesFile(path).query("SELECT text FROM sentences ORDER BY pos")]
    shutil.rmtree(folder)
    old = bm25s.BM25()  # what the older code saved there
    old.index(bm25s.tokenize(texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False),
              show_progress=False)
    old.save(str(folder))
    assert not bm25.exists(folder.parent, folder.name)
    api.reset()
    eng = api.engine()
    assert bm25.exists(folder.parent, folder.name) and eng.bm25 is not None
    assert eng.bm25.retrieve("Shoigu Pyongyang")
    after = ask(QUESTION)
    assert (after.status, after.short_answer, [c.quote for c in after.citations]) == \
        (before.status, before.short_answer, [c.quote for c in before.citations])


def test_an_incremental_bm25_add_ranks_as_a_full_build_and_reads_only_the_new_sentences(tmp_path):
    """Adding articles to (and removing some from) a 6,000-sentence index tokenises only the
    new sentences, places them at their positions, and retrieves exactly what a full
    bm25s build of the resulting corpus does."""
    import random

    from vectorstore import bm25

    rng = random.Random(7)
    before = _synthetic_sentences(6000, seed=2)
    bm25.build(tmp_path, "before", before)
    removed = list(range(100, 160)) + list(range(5000, 5012))  # two articles
    kept = [t for i, t in enumerate(before) if i not in set(removed)]
    new = _synthetic_sentences(40, seed=3) + ["Ferry line to Ulleung reopens: the new ship carries 1,340 passengers"]
    slots = sorted(rng.sample(range(len(kept) + len(new)), len(new)))
    after, old, fresh = [], iter(kept), iter(new)
    for pos in range(len(kept) + len(new)):
        after.append(next(fresh) if pos in set(slots) else next(old))

    tokenised = bm25.build_incremental(tmp_path, "after", "before", removed, slots, [after[p] for p in slots])
    assert tokenised == len(new)  # a full build tokenises all 5,969
    bm25.build(tmp_path, "full", after)
    incremental = bm25.load(tmp_path, "after", lambda positions: [str(p) for p in positions], top_k=40)
    full = bm25.load(tmp_path, "full", lambda positions: [str(p) for p in positions], top_k=40)
    for q in LEXICAL_QUERIES + ("Ulleung ferry passengers",):
        got = incremental.retrieve(q)
        assert got == full.retrieve(q) == _bm25s_top(after, q, 40), q
    assert incremental.retrieve("Ulleung ferry passengers")[0][0] == str(after.index(new[-1]))
    assert bm25.build_incremental(tmp_path, "never", "missing", [], [], []) is None  # no previous index: build whole


def test_dense_search_is_what_llama_index_retrieves_through_chroma(seeded_env):
    """Questions query Chroma directly; llama-index's retriever over ChromaVectorStore
    returns the same sentences in the same order, with the same cosines."""
    import math

    from llama_index.core import VectorStoreIndex
    from llama_index.core.schema import QueryBundle

    from vectorstore.embedder import MiniLMEmbedding

    eng = api.engine()
    k = eng.settings.top_k
    index = VectorStoreIndex.from_vector_store(eng.store.vector_store, embed_model=MiniLMEmbedding(), transformations=[])
    theirs = index.as_retriever(similarity_top_k=k)
    for q in (QUESTION, "How many troops did North Korea send to Kursk?", "rocket launch"):
        vector = eng.embed.encode([q])[0]
        ours = [(i, 1.0 - d) for i, d in eng.store.nearest(vector, k)]
        got = [(n.node.node_id, 1.0 + math.log(n.score)) for n in theirs.retrieve(QueryBundle(q, embedding=vector.tolist()))]
        assert [i for i, _ in ours] == [i for i, _ in got]
        assert np.allclose([c for _, c in ours], [c for _, c in got], atol=1e-9)


def test_a_cold_ask_imports_no_ingest_or_indexing_library(seeded_env):
    """The query path reads what ingestion wrote without llama-index, spaCy or torch."""
    import subprocess
    import sys

    from conftest import PROJECT_ROOT

    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "assistant", "ask", "--no-server", QUESTION],
                       capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in r.stderr.splitlines() if "|" in line}
    assert "chromadb" in imported and "onnxruntime" in imported  # the query path itself
    assert not imported & {"llama_index", "spacy", "torch", "transformers", "sentence_transformers", "gradio",
                           "trafilatura", "tiktoken", "nltk", "bm25s", "scipy"}


def test_bm25_text_is_what_the_node_offers_for_embedding(seeded_env):
    from llama_index.core.schema import MetadataMode
    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    from assistant.index.tables.build import bm25_text

    checked = 0
    for _, meta, text in api.engine().store.iter_sentences():
        node = metadata_dict_to_node(meta, text=text)
        assert bm25_text(meta, text) == node.get_content(metadata_mode=MetadataMode.EMBED)
        checked += 1
    assert checked > 100


def test_files_of_a_just_built_key_survive_another_build(seeded_copy):
    """Another process may have just built a newer key and not opened it yet: a build of
    any other key leaves files younger than the grace period alone."""
    from assistant.index.tables.store import open_or_build

    eng = api.engine()
    (current,) = _tables(seeded_copy)
    # just built: the copy keeps the session index's times, which a slow run ages past the grace
    bm25_dir = seeded_copy / "bm25" / "news" / current.stem
    for f in [*current.parent.glob(current.stem + ".*"), bm25_dir, *bm25_dir.rglob("*")]:
        os.utime(f)
    open_or_build(seeded_copy, "news", "v1-other-g0", lambda conn, matrix, root, key: np.save(matrix, np.zeros((0, 384))))
    assert current in _tables(seeded_copy) and (seeded_copy / "bm25" / "news" / current.stem).is_dir()
    assert ask(QUESTION).answered and eng is api.engine()


def test_an_old_snapshot_never_hands_out_another_revisions_text(seeded_copy, tmp_path):
    f = tmp_path / "ferry.md"
    head = "---\ntitle: Ferry Morning Lark enters service\noutlet: Wonsan Gazette\ndate: July 3, 2025\n---\n"
    f.write_text(head + "The ferry Morning Lark was launched in Wonsan with 412 berths.\n")
    api.ingest([f])
    old = api.engine().snapshot()
    doc_id = next(d for d in old.articles if old.articles[d]["title"].startswith("Ferry Morning Lark"))
    f.write_text(head + "The ferry Morning Lark, launched in Wonsan, now has 512 berths after a refit.\n")
    api.ingest([f])
    assert old.articles.text(doc_id) is None  # its revision is gone: no text rather than the new one
    now = api.get_article(doc_id)
    assert "512 berths" in now.text and now.content_hash != old.articles[doc_id]["content_hash"]


def _full_build_of(eng, tmp_path: Path) -> Path:
    """The current version's tables built whole (every sentence read from the index)."""
    import sqlite3

    from assistant.index.tables.store import SCHEMA

    tmp_path.mkdir()
    path = tmp_path / "full.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    eng.build_tables(conn, tmp_path / "full.words.npy", tmp_path / "bm25", "full", incremental=False)
    conn.commit()
    conn.close()
    return path


def _contents(path: Path) -> dict:
    import sqlite3

    from assistant.index.tables.build import _bm25_texts

    conn = sqlite3.connect(path)
    tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    out = {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}")), key=repr) for t in tables}
    out["indexes"] = sorted(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    out["bm25 texts"] = _bm25_texts(conn)
    conn.close()
    return out


def test_adding_and_removing_articles_updates_the_tables_incrementally(seeded_copy, tmp_path, monkeypatch):
    """A new article is answerable after reading only its own sentences back from the
    index (the full read is a tripwire), and the incremental tables are exactly what a
    full build of the same version writes."""
    from vectorstore.store import ChromaStore

    ask(QUESTION)
    full_read = ChromaStore.iter_sentences

    def no_full_read(self, *a, **k):
        raise AssertionError("an incremental build read the whole index")

    monkeypatch.setattr(ChromaStore, "iter_sentences", no_full_read)
    new = tmp_path / "ferry.md"
    new.write_text("---\ntitle: Ferry line to Ulleung reopens\noutlet: Harbour Times\ndate: 2024-07-02\n---\n"
                   "The ferry line between Pohang and Ulleung island reopened on Tuesday after repairs.\n"
                   "Harbour master Jang Min-seo said the new ship carries 1,340 passengers.\n"
                   "Officials expect about 400,000 visitors to Ulleung this year.\n", encoding="utf-8")
    report = api.ingest([new])
    assert report.added
    a = ask("How many passengers does the new Ulleung ferry carry?")
    assert a.answered and "1,340" in a.short_answer, a.text
    eng = api.engine()
    (added_file,) = [p for p in _tables(seeded_copy) if p.name.startswith(f"{_key(eng)}.")]
    monkeypatch.setattr(ChromaStore, "iter_sentences", full_read)
    assert _contents(added_file) == _contents(_full_build_of(eng, tmp_path / "added"))
    _assert_same_bm25(seeded_copy / "bm25" / "news" / added_file.stem, tmp_path / "added" / "bm25" / "full")

    monkeypatch.setattr(ChromaStore, "iter_sentences", no_full_read)
    removed = next(d for d in eng.articles if d not in report.added)
    api.remove_article(removed)
    (removed_file,) = [p for p in _tables(seeded_copy) if p.name.startswith(f"{_key(eng)}.")]
    assert removed not in api.engine().articles
    monkeypatch.setattr(ChromaStore, "iter_sentences", full_read)
    assert _contents(removed_file) == _contents(_full_build_of(eng, tmp_path / "removed"))
    _assert_same_bm25(seeded_copy / "bm25" / "news" / removed_file.stem, tmp_path / "removed" / "bm25" / "full")


def _assert_same_bm25(incremental: Path, full: Path) -> None:
    """The BM25 index kept incrementally retrieves what the full build's does."""
    from vectorstore import bm25

    same = lambda positions: [str(p) for p in positions]  # noqa: E731  (both tables have the same rows)
    a = bm25.load(incremental.parent, incremental.name, same, top_k=30)
    b = bm25.load(full.parent, full.name, same, top_k=30)
    for q in (QUESTION, "How many passengers does the new Ulleung ferry carry?", "Shoigu Pyongyang", "the of"):
        assert a.retrieve(q) == b.retrieve(q), q


def _key(eng) -> str:
    from assistant.index.tables.store import key_of

    return key_of(eng.version, eng._snapshot.generation)


def test_bm25_texts_of_the_rows_are_the_nodes_texts(seeded_env):
    """BM25 re-indexes from the table's rows; what it reads must be the nodes' own text."""
    from assistant.index.tables.build import _bm25_texts, bm25_text

    eng = api.engine()
    (path,) = _tables(seeded_env)
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    from_rows = _bm25_texts(conn)
    conn.close()
    ids = [n for (n,) in TablesFile(path).query("SELECT node_id FROM sentences ORDER BY pos")]
    by_id = {node_id: bm25_text(meta, text) for node_id, meta, text in eng.store.iter_sentences()}
    assert from_rows == [by_id[i] for i in ids]
