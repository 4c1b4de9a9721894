"""The same code against a real `chroma run` server on 127.0.0.1."""
import os

import pytest
from conftest import run_cli

from assistant import api, ask, get_article
from assistant.errors import StoreUnavailable

pytestmark = pytest.mark.server


def test_index_and_answer_from_a_chroma_server(chroma_server, tmp_path):
    proc, port = chroma_server
    env = {"NEWSQA_CHROMA_HOST": "127.0.0.1", "NEWSQA_CHROMA_PORT": str(port), "NEWSQA_DATA_DIR": str(tmp_path / "local")}
    r = run_cli("index", env=env)
    assert r.returncode == 0, r.stderr
    assert "Indexed 9 articles" in r.stdout
    assert not (tmp_path / "local" / "chroma").exists()  # nothing embedded: the server holds it
    r = run_cli("ask", "--json", "How many soldiers has Russia lost in the Kursk operation?", env=env)
    assert r.returncode == 0, r.stderr
    assert "62,000" in r.stdout

    old = dict(os.environ)
    os.environ.update(env)
    api.reset()
    try:
        a = ask("Who is the Russian culture minister who met Kim Jong Un?")
        assert "Olga Lyubimova" in a.short_answer
        c = a.citations[0]
        assert get_article(c.doc_id).text[c.start:c.end] == c.quote
        proc.terminate()
        proc.wait(10)
        with pytest.raises(StoreUnavailable, match="Chroma server"):
            ask("Where were the rockets launched from?")
    finally:
        os.environ.clear()
        os.environ.update(old)
        api.reset()
