"""Bad input gets a clear error, through the API and the CLI, and loses nothing."""
import pytest
from conftest import free_port, run_cli

from assistant import api, ask
from assistant.errors import InvalidQuestion, StoreUnavailable


@pytest.mark.parametrize("question", ["", "   \n\t ", None, 42])
def test_empty_or_non_text_question(seeded_env, question):
    with pytest.raises(InvalidQuestion, match="question"):
        ask(question)


def test_huge_question_is_refused_with_its_size(seeded_env):
    with pytest.raises(InvalidQuestion, match="100,000 characters"):
        ask("why " * 25_000)


def test_question_in_another_script_is_declined_clearly(seeded_env):
    with pytest.raises(InvalidQuestion, match="English"):
        ask("김정은은 어디에서 러시아 문화부 장관을 만났습니까?")


def test_question_in_another_latin_language_does_not_invent(seeded_env):
    a = ask("¿Quién ganó la Copa del Mundo de fútbol?")
    assert not a.answered and a.citations == []


def test_cli_exits_non_zero_with_the_message(seeded_env):
    r = run_cli("ask", "   ")
    assert r.returncode == 1 and "question is empty" in r.stderr


def test_chroma_server_that_is_down(seeded_env):
    port = free_port()
    r = run_cli("ask", "Who is Hong Min?", env={"NEWSQA_CHROMA_HOST": "127.0.0.1", "NEWSQA_CHROMA_PORT": str(port)})
    assert r.returncode == 1
    assert f"Cannot reach the Chroma server at 127.0.0.1:{port}" in r.stderr
    assert "Traceback" not in r.stderr
    # the articles live in the article store, not in Chroma: they are still listed
    r = run_cli("articles", env={"NEWSQA_CHROMA_HOST": "127.0.0.1", "NEWSQA_CHROMA_PORT": str(port)})
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == len(api.list_articles()) > 0 and "Chroma" not in r.stderr


BRIDGE_MD = "---\ntitle: Bridge opens\noutlet: Test Wire\n---\nThe Tumen river bridge opened on Friday after 14 months of work.\n"
BRIDGE_Q = "How many months of work did the Tumen river bridge take?"


def test_a_corrupted_index_is_rebuilt_from_the_article_store_without_deleting(fresh_env, tmp_path):
    (tmp_path / "bridge.md").write_text(BRIDGE_MD)
    assert api.ingest([tmp_path / "bridge.md"]).added
    api.reset()
    (fresh_env / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    r = run_cli("ask", BRIDGE_Q, env={"NEWSQA_DATA_DIR": str(fresh_env)})
    assert r.returncode == 0, r.stderr
    assert "14 months" in r.stdout and "moved it aside" in r.stderr
    assert list(fresh_env.glob("chroma.broken-*"))  # the damaged copy is kept


def test_an_old_layout_index_that_cannot_be_opened_is_reported_then_rebuilt(fresh_env):
    """Before the article store, Chroma held the only copy: never moved without being asked."""
    api.engine()
    api.reset()
    for f in fresh_env.glob("articles.sqlite3*"):
        f.unlink()
    (fresh_env / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnavailable, match="assistant index --rebuild"):
        api.engine()
    r = run_cli("index", "--rebuild", env={"NEWSQA_DATA_DIR": str(fresh_env)})
    assert r.returncode == 0, r.stderr
    assert "Indexed 9 articles" in r.stdout
    assert list(fresh_env.glob("chroma.broken-*"))


def test_missing_index_is_built_on_first_use(fresh_env):
    assert not (fresh_env / "chroma").exists()
    a = ask("How many member states does the ICC have?")
    assert a.answered and (fresh_env / "chroma").exists()


def test_rebuild_after_the_index_is_destroyed_keeps_ingested_articles(fresh_env, tmp_path):
    """The flow of issue 8: ingest, destroy the index, rebuild: the user's article is still answered."""
    import shutil

    (tmp_path / "bridge.md").write_text(BRIDGE_MD)
    assert api.ingest([tmp_path / "bridge.md"]).added
    api.reset()
    shutil.rmtree(fresh_env / "chroma")
    r = run_cli("index", "--rebuild", env={"NEWSQA_DATA_DIR": str(fresh_env)})
    assert r.returncode == 0, r.stderr
    assert "Indexed 10 articles" in r.stdout
    r = run_cli("ask", BRIDGE_Q, env={"NEWSQA_DATA_DIR": str(fresh_env)})
    assert r.returncode == 0 and "14 months" in r.stdout


@pytest.mark.parametrize("history", [12, "Who is Hong Min?", [("only one item",)]])
def test_malformed_history_is_refused_clearly(seeded_env, history):
    with pytest.raises(InvalidQuestion, match="history"):
        ask("What did he say?", history=history)


@pytest.mark.parametrize("var, value, message", [
    ("NEWSQA_CHROMA_PORT", "abc", "NEWSQA_CHROMA_PORT='abc' is not a valid int"),
    ("NEWSQA_EMBED_BACKEND", "foo", "must be 'onnx' or 'torch'"),
])
def test_bad_settings_name_the_variable(seeded_env, var, value, message):
    r = run_cli("ask", "Who is Hong Min?", env={var: value})
    assert r.returncode == 1 and message in r.stderr and "Traceback" not in r.stderr


def test_empty_corpus_says_what_to_do(tmp_path):
    r = run_cli("ask", "Who is Hong Min?", env={"NEWSQA_DATA_DIR": str(tmp_path / "d"), "NEWSQA_SEEDS_DIR": str(tmp_path / "none")})
    assert r.returncode == 1 and "assistant ingest PATH" in r.stderr
