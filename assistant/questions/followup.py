"""Follow-up questions: resolve "he", "there", "it" against the conversation so far.

No coreference model ships on PyPI for offline use here, so this is rule-based: the
pronoun takes the first name of the right kind (per the corpus gazetteer) in the
previous answer's short answer, else in the previous question.
"""
from __future__ import annotations

import re
from typing import Any

from ..errors import InvalidQuestion
from ..index.tables.vocabulary import Vocabulary

PERSON_PRONOUNS = re.compile(r"\b(he|him|she|her|his|hers)\b", re.I)
# "there" as a place, not "is there a train ...": not next to a form of "to be".
PLACE_PRONOUN = re.compile(r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b(?!\s+(?:is|are|was|were|be|been)\b)", re.I)
THING_PRONOUN = re.compile(r"\b(it|its)\b", re.I)
OTHER_PRONOUNS = re.compile(r"\b(it|its|they|them|their|that|this|those|these)\b", re.I)
PLACE_LABELS = {"GPE", "LOC", "FAC"}


def normalise_history(history: Any) -> list[tuple[str, str]]:
    """Accept (question, answer) pairs or {"role", "content"} messages (Gradio's format)."""
    if not history:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, (list, tuple)):
        raise InvalidQuestion("history must be a list of (question, answer) pairs or {\"role\", \"content\"} messages.")
    pairs: list[tuple[str, str]] = []
    pending_q: str | None = None
    for item in history:
        if isinstance(item, dict):
            role, content = item.get("role"), _content_text(item.get("content"))
            if role == "user":
                pending_q = content
            elif role == "assistant" and pending_q is not None:
                pairs.append((pending_q, content))
                pending_q = None
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            pairs.append((_content_text(item[0]), _content_text(item[1])))
        else:
            raise InvalidQuestion(f"history item {item!r:.60} is neither a (question, answer) pair nor a {{role, content}} message.")
    return pairs


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # Gradio may wrap text in [{"type": "text", "text": ...}]
        return " ".join(_content_text(c) for c in content)
    if isinstance(content, dict):
        return str(content.get("text") or content.get("value") or "")
    return "" if content is None else str(content)


def _lead(answer_text: str) -> str:
    """The short answer: the first non-empty paragraph of the answer text."""
    for para in re.split(r"\n\s*\n", answer_text.strip()):
        if para.strip():
            return para.replace("*", "")
    return ""


def _first(vocab: Vocabulary, texts: list[str], labels: set[str]) -> str | None:
    for t in texts:
        for surface, label in vocab.find_names(t):
            if label in labels:
                return surface
    return None


def resolve(question: str, history: list[tuple[str, str]], vocab: Vocabulary) -> str:
    """The question with its pronouns replaced from the last turn (unchanged if none)."""
    if not history:
        return question
    prev_q, prev_a = history[-1]
    sources = [_lead(prev_a), prev_q, prev_a]
    resolved = question
    if PERSON_PRONOUNS.search(question):
        name = _first(vocab, sources, {"PERSON"})
        if name:
            resolved = PERSON_PRONOUNS.sub(lambda m: name + ("'s" if m.group(1).lower() in ("his", "hers") else ""), resolved)
    if PLACE_PRONOUN.search(resolved):
        place = _first(vocab, sources, PLACE_LABELS)
        if place:
            resolved = PLACE_PRONOUN.sub("in " + place, resolved)
    if resolved == question and THING_PRONOUN.search(question):
        # "According to it, ..." after "Rossiiskaya Gazeta, a Russian state newspaper.":
        # the thing the last answer named first.
        names = [n for n, label in vocab.find_names(_lead(prev_a)) if label not in PLACE_LABELS]
        if names:
            thing = names[0]
            resolved = THING_PRONOUN.sub(lambda m: thing + ("'s" if m.group(1).lower() == "its" else ""), question)
    if resolved == question and (OTHER_PRONOUNS.search(question) or len(question.split()) <= 4):
        # "What did they agree?" / "And the date?": carry the previous question's topic.
        resolved = f"{question} ({prev_q})"
    return resolved
