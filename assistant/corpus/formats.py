"""Formats for articles that arrive later: plain text, Markdown, HTML, JSON Lines."""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import IngestError
from ..models import Article
from .article import DOC_ID, make_article

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def parse_plain(text: str, source: str, default_title: str) -> list[Article]:
    """First non-empty line is the title when it looks like one; the rest is the text."""
    lines = text.lstrip().split("\n", 1)
    first = lines[0].strip()
    if len(lines) == 2 and lines[1].strip() and len(first) < 200 and not first.endswith("."):
        title, body = first, lines[1]
    else:
        title, body = default_title, text
    body = body.strip()
    if not body:
        raise IngestError("no article text after the title line")
    return [make_article(title=title, outlet="", date_text="", text=body, source=source)]


def parse_markdown(text: str, source: str, default_title: str) -> list[Article]:
    meta: dict[str, str] = {}
    fm = FRONT_MATTER.match(text)
    if fm:
        for line in fm.group(1).splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                meta[k.strip().lower()] = v.strip().strip("\"'")
        text = text[fm.end():]
    heading = re.match(r"\s*#\s+(.+)$", text, re.M)  # a title only if the file starts with it
    title = meta.get("title") or (heading.group(1).strip() if heading else default_title)
    if heading and (not meta.get("title") or heading.group(1).strip() == title):
        text = text[heading.end():]
    body = text.strip()
    if not body:
        raise IngestError("no article text in this Markdown file")
    return [make_article(title=title, outlet=meta.get("outlet", meta.get("publisher", "")),
                         date_text=meta.get("date", ""), text=body, source=source, url=meta.get("url"))]


# Past these, extraction takes minutes or lxml silently drops the content: the page is
# refused with the reason rather than hanging or reporting "no text".
MAX_HTML_CHARS = 2_000_000
MAX_HTML_DEPTH = 400
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*?(/?)>")
# Elements that never nest content, or whose end tag is usually left out.
UNNESTED = frozenset("area base br col embed hr img input link meta param source track wbr p li dt dd tr td th "
                     "option thead tbody tfoot colgroup".split())


def html_depth(html: str, stop_at: int = MAX_HTML_DEPTH) -> int:
    """How deeply the page's elements nest (stops counting past ``stop_at``)."""
    depth = deepest = 0
    for m in TAG.finditer(html):
        if m[2].lower() in UNNESTED or m[3]:
            continue
        depth = max(0, depth - 1) if m[1] else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest > stop_at:
                break
    return deepest


def parse_html(html: str, source: str, default_title: str) -> list[Article]:
    """trafilatura finds the article body and drops navigation, ads and footers."""
    import trafilatura

    if len(html) > MAX_HTML_CHARS:
        raise IngestError(f"this HTML page has {len(html):,} characters; pages over {MAX_HTML_CHARS:,} are not "
                          "extracted (save the article's text as .txt or .md instead)")
    if html_depth(html) > MAX_HTML_DEPTH:
        raise IngestError(f"this HTML page nests its elements more than {MAX_HTML_DEPTH} levels deep, "
                          "too deep to extract an article from (save the article's text as .txt or .md instead)")

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_precision=True)
    if doc is None:
        raise IngestError("no article text found in this HTML page")
    get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
    body = (get("text") or "").strip()
    if not body:
        raise IngestError("no article text found in this HTML page")
    outlet = get("sitename") or get("hostname") or ""
    date_text = get("date") or ""
    return [make_article(title=get("title") or default_title, outlet=outlet, date_text=date_text,
                         text=body, source=source, url=get("url"))]


def parse_jsonl(text: str, source: str) -> tuple[list[Article], list[tuple[str, str]]]:
    """One article per line. A bad line is reported and skipped; the others still load."""
    articles, failed = [], []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{source} line {n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            failed.append((where, f"not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        if not isinstance(row, dict):
            failed.append((where, "expected a JSON object with 'title' and 'text'"))
            continue
        title, body = row.get("title"), row.get("text")
        if not isinstance(title, str) or not title.strip() or not isinstance(body, str) or not body.strip():
            failed.append((where, "needs non-empty string fields 'title' and 'text'"))
            continue
        doc_id = row.get("id")
        if doc_id is not None and not (isinstance(doc_id, str) and DOC_ID.fullmatch(doc_id)):
            failed.append((where, "'id' must be lower-case letters, digits and '-' (as `assistant export` writes it)"))
            continue
        # 'id', 'date_iso' and 'source' come from `assistant export`: an exported article
        # comes back with the same id and content hash. 'source' is only a label.
        articles.append(make_article(title=title, outlet=str(row.get("outlet") or row.get("publisher") or ""),
                                     date_text=str(row.get("date") or ""), text=body.strip(),
                                     source=_label(row.get("source")) or f"{source}#{n}", url=_label(row.get("url")),
                                     date_iso=_label(row.get("date_iso")), doc_id=doc_id))
    return articles, failed


def _label(value: object) -> str | None:
    return value.strip()[:500] or None if isinstance(value, str) else None


def title_from_path(path: Path) -> str:
    return re.sub(r"[_-]+", " ", path.stem).strip() or path.name
