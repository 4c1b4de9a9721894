"""Answers on the seed corpus: the fact, verbatim cited quotes, refusals, conflicts, follow-ups."""
import pytest

from assistant import ask, get_article


def verbatim(answer) -> None:
    for c in answer.citations:
        art = get_article(c.doc_id)
        assert art.text[c.start:c.end] == c.quote
        assert (c.title, c.outlet) == (art.title, art.outlet)
        assert f"[{c.marker}]" in answer.text


@pytest.mark.parametrize("question, expected", [
    ("How many soldiers has Russia lost in the Kursk operation?", "more than 62,000 soldiers"),
    ("When did Shoigu announce that North Korea would send 6,000 military workers?", "June 18"),
    ("Who is the Russian culture minister who met Kim Jong Un?", "Olga Lyubimova"),
    ("How many member states does the ICC have?", "124"),
    pytest.param("Where were the rockets launched from?", "Sunan", marks=pytest.mark.xfail(
        strict=True, reason="known miss of the model retrained when headlines stopped lending their predicate "
        "(2026-11-30, eighth session): 'Sunan' is still its pick, at 49% against a threshold of 50.3% (52.5% against "
        "51.6% before), so the answer is not_stated with Sunan's sentence quoted first")),
])
def test_short_answer_is_the_fact(seeded_env, question, expected):
    a = ask(question)
    assert a.answered, a.text
    assert expected in a.short_answer
    assert 1 <= len(a.citations) <= 3
    assert any(expected.split()[-1] in c.quote for c in a.citations)
    verbatim(a)


def test_where_kim_met_the_culture_minister(seeded_env):
    a = ask("Where did Kim Jong Un meet the Russian culture minister?", history=None)
    assert a.answered
    assert any(p in a.short_answer for p in ("Pyongyang", "Workers’ Party", "headquarters"))
    assert any("Lyubimova" in c.quote for c in a.citations)
    verbatim(a)


@pytest.mark.parametrize("question", [
    "How old is Hong Min?",
    "Who won the 2022 World Cup?",
    "What is the name of the ship raised at Chongjin?",
    # a place the articles never mention: declined since the confidence learned grounding (issue 13)
    "How many troops did North Korea send to Syria?",
])
def test_declines_when_the_articles_do_not_say(seeded_env, question):
    """No short answer. Either nothing is relevant (no_match: no quotes), or the closest
    passages are quoted as context (not_stated), verbatim like any quote."""
    from assistant import get_article

    a = ask(question)
    assert not a.answered and a.short_answer is None, a.text
    assert a.status in ("not_stated", "no_match")
    if a.status == "no_match":
        assert a.citations == [] and "don't say" in a.text
    else:
        assert a.citations and a.text.startswith("**Not stated in the articles.**")
        assert all(get_article(c.doc_id).text[c.start:c.end] == c.quote for c in a.citations)


def test_near_miss_names_what_the_corpus_does_mention(seeded_env):
    a = ask("How old is Hong Min?")
    assert "Hong Min" in a.text


@pytest.mark.xfail(strict=True, reason="known miss of the model retrained when headlines stopped lending their "
                   "predicate (2026-11-30, eighth session): the March 21 side scores 49.5%, under the 50.3% a rival "
                   "must reach, so only 'March 22 and June 4' is asserted (57%); the conflict logic is unchanged")
def test_conflicting_dates_are_reported_with_both_sides_quoted(seeded_env):
    a = ask("When did Shoigu visit Pyongyang in March?")
    assert a.answered and a.conflict
    assert "March 21" in a.text and "March 22" in a.text
    outlets = {c.outlet for c in a.citations}
    assert "Korea Herald" in outlets and outlets & {"The Star", "Straits Times"}
    verbatim(a)


def test_one_wire_story_is_quoted_once_and_names_both_outlets(seeded_env):
    a = ask("How far is the train journey between Moscow and Pyongyang?")
    assert a.answered
    quotes = [c.quote for c in a.citations]
    assert sum("world's longest direct rail trip" in q for q in quotes) == 1
    cite = next(c for c in a.citations if "rail trip" in c.quote)
    assert {cite.outlet, *cite.also_in} == {"The Star", "Straits Times"}


def test_follow_up_uses_the_conversation(seeded_env):
    question = "Who is the Russian culture minister who met Kim Jong Un in Pyongyang?"
    first = ask(question)
    assert "Lyubimova" in (first.short_answer or "")
    for history in ([(question, first.text)],
                    [{"role": "user", "content": question}, {"role": "assistant", "content": first.text}]):
        a = ask("What did she say about cultural cooperation?", history=history)
        assert "Lyubimova" in a.resolved_question
        verbatim(a)


@pytest.mark.xfail(strict=True, reason="known miss of the learned answer model (issue #7): a 'what did X announce' "
                   "question is answered with a noun phrase naming X, not what was announced")
def test_what_someone_announced_is_the_announcement(seeded_env):
    a = ask("What did Sergei Shoigu announce on his visit to Pyongyang on June 17?")
    assert a.answered and "6,000" in a.short_answer


def test_to_dict_is_json_ready(seeded_env):
    import json

    d = ask("How many member states does the ICC have?").to_dict()
    assert json.loads(json.dumps(d))["citations"][0]["quote"]
    assert set(d) >= {"answered", "short_answer", "text", "citations"}


def test_no_made_up_conflict_from_one_sentence(seeded_env):
    # "June 19, 2024 ... his first since 2000": one sentence, one report, no disagreement.
    a = ask("When was the strategic partnership treaty signed?")
    assert a.answered and not a.conflict and "June 19" in a.short_answer


def test_follow_up_pronouns_that_are_not_references(seeded_env):
    history = [("Where did Kim meet the culture minister?", "Pyongyang")]
    a = ask("Is there a direct train between Moscow and Pyongyang?", history=history)
    assert a.resolved_question is None  # existential "there" is not a place


def test_one_word_questions_ask_for_more(seeded_env):
    from assistant.errors import InvalidQuestion

    with pytest.raises(InvalidQuestion, match="too short"):
        ask("Against?")
