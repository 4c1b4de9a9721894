"""The two tag-page layouts of the seed files.

- UPI: stories one after another, each closed by a ``Source link`` line; a story is
  title, optional photo caption, a dateline paragraph ``SEOUL, June 30 (UPI) — ...``.
- Aggregator: items of six lines: outlet, relative date, ``- Section``, outlet, title, body.
Every article text is a slice of the file, so offsets into it are offsets into the source.
"""
from __future__ import annotations

import re

from ..models import Article
from .article import make_article
from .boilerplate import trim_end

SOURCE_LINK = re.compile(r"^Source link\s*$", re.M)
DATELINE = re.compile(r"^(?:([A-Z][A-Z .'-]*[A-Z])[.,]\s+)?([A-Z][a-z]+\.? \d{1,2}) \(([A-Za-z]+)\)")
RELATIVE_DATE = re.compile(r"^(?:\d+ (?:minute|hour|day|week|month|year)s? ago|yesterday|today|\d{1,2}-\d{1,2}-\d{4})$", re.I)


def is_upi_page(text: str) -> bool:
    return bool(SOURCE_LINK.search(text)) and bool(re.search(r"\(UPI\)", text))


def is_aggregator_page(text: str) -> bool:
    lines = text.splitlines()
    return any(_aggregator_item_at(lines, i) for i in range(len(lines)))


def _paragraphs(text: str, base: int) -> list[tuple[int, int]]:
    return [(base + m.start(), base + m.end()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]


def parse_upi(text: str, source: str) -> list[Article]:
    articles, start = [], 0
    for n, m in enumerate([*SOURCE_LINK.finditer(text), None]):
        end = m.start() if m else len(text)
        block_paras = _paragraphs(text[start:end], start)
        start = m.end() if m else len(text)
        if not block_paras:
            continue
        # Leading short lines are headings: the last is the title (a page's tag header
        # such as "Sergei Shoigu" may stand before the first story's title).
        heads = 0
        while heads < len(block_paras) and _is_heading(text[slice(*block_paras[heads])]):
            heads += 1
        if heads == 0 or heads == len(block_paras):
            continue
        title = text[slice(*block_paras[heads - 1])].strip()
        body_start = block_paras[heads][0]
        body = text[body_start:end]
        body = body[: trim_end(body)]
        dateline, outlet = "", "UPI"
        for p0, p1 in block_paras[heads:heads + 3]:
            d = DATELINE.match(text[p0:p1])
            if d:
                dateline, outlet = d.group(0), d.group(3)
                break
        articles.append(make_article(title=title, outlet=outlet, date_text=dateline, text=body,
                                     source=f"{source}#{n + 1}"))
    return articles


def _is_heading(line: str) -> bool:
    line = line.strip()
    return len(line) < 120 and not re.search(r"[.!?\"”]$", line) and not DATELINE.match(line)


def _aggregator_item_at(lines: list[str], i: int) -> bool:
    if i + 5 >= len(lines):
        return False
    outlet, when, section, outlet2 = (lines[i + k].strip() for k in range(4))
    return bool(outlet) and outlet == outlet2.lstrip("- ").strip() and bool(RELATIVE_DATE.match(when)) and section.startswith("- ")


def parse_aggregator(text: str, source: str) -> list[Article]:
    lines = text.splitlines(keepends=True)
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    plain = [ln.rstrip("\n") for ln in lines]
    articles = []
    for i in range(len(plain)):
        if not _aggregator_item_at(plain, i):
            continue
        outlet, when, title = plain[i].strip(), plain[i + 1].strip(), plain[i + 4].strip()
        b0 = offsets[i + 5]
        body = plain[i + 5]
        lead = len(body) - len(body.lstrip())
        if body.lstrip().startswith(title):  # some outlets repeat the headline in the body
            lead += len(title) + (len(body.lstrip()[len(title):]) - len(body.lstrip()[len(title):].lstrip()))
        body_text = body[lead: trim_end(body)]
        articles.append(make_article(title=title, outlet=outlet, date_text=when, text=body_text,
                                     source=f"{source}#{len(articles) + 1}"))
        assert text[b0 + lead: b0 + lead + len(body_text)] == body_text
    return articles
