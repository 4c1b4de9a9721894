"""Paths → articles, with a reason for every file that cannot be read."""
from __future__ import annotations

from pathlib import Path

from ..errors import IngestError
from ..models import Article
from . import formats, seedpages

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".jsonl"}
MAX_BYTES = 20_000_000  # the default of Settings.max_upload_bytes


def read_text(path: Path, max_bytes: int | None = None) -> str:
    limit = MAX_BYTES if max_bytes is None else max_bytes
    try:
        size = path.stat().st_size
        if size > limit:  # checked before reading: a huge file is never loaded
            raise IngestError(f"{_megabytes(size)} is over the {_megabytes(limit)} limit for one file "
                              "(NEWSQA_MAX_UPLOAD_BYTES); split it into smaller files")
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise IngestError("the file is empty")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a byte-order mark
        try:
            return data.decode("utf-16").replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError as exc:
            raise IngestError("not valid UTF-16 text") from exc
    if b"\x00" in data[:65536]:
        raise IngestError("binary file, not text (expected .txt, .md, .html or .jsonl articles)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise IngestError("not UTF-8 text")
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.01 * min(len(text), 65536):
        raise IngestError("looks binary (control characters), not an article")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{n / 1000:.1f} kB"


def read_path(path: Path, max_bytes: int | None = None) -> tuple[list[Article], list[tuple[str, str]]]:
    """Articles in one file, and (place, reason) for what failed inside it.

    The file name only labels the articles (``source``); it is never used to build a path."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(f"unsupported file type {suffix or '(none)'}; use .txt, .md, .html or .jsonl")
    text = read_text(path, max_bytes)
    source, title = path.name, formats.title_from_path(path)
    if suffix == ".jsonl":
        return formats.parse_jsonl(text, source)
    if suffix in (".html", ".htm"):
        return formats.parse_html(text, source, title), []
    if suffix in (".md", ".markdown"):
        return formats.parse_markdown(text, source, title), []
    if seedpages.is_upi_page(text):
        return seedpages.parse_upi(text, source), []
    if seedpages.is_aggregator_page(text):
        return seedpages.parse_aggregator(text, source), []
    return formats.parse_plain(text, source, title), []


MIN_WORDS = 5  # "Menu" from a page of navigation is not an article


def expand(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    files: list[Path] = []
    failed: list[tuple[str, str]] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            if not found:
                failed.append((str(p), "no .txt, .md, .html or .jsonl files in this folder"))
            files += found
        else:
            files.append(p)
    return files, failed


def read_paths(paths: list[Path], max_bytes: int | None = None) -> tuple[list[Article], list[tuple[str, str]]]:
    articles: list[Article] = []
    files, failed = expand(paths)
    for f in files:
        if not f.exists():
            failed.append((str(f), "no such file or folder"))
            continue
        try:
            got, bad = read_path(f, max_bytes)
        except IngestError as exc:
            failed.append((str(f), str(exc)))
            continue
        except Exception as exc:  # a parser bug must not sink the other files
            failed.append((str(f), f"could not parse ({type(exc).__name__}: {exc})"))
            continue
        if not got and not bad:
            failed.append((str(f), "no articles found"))
        for a in got:
            if len(a.text.split()) < MIN_WORDS:
                failed.append((a.source, f"too little text to be an article ({len(a.text.split())} words)"))
            else:
                articles.append(a)
        failed += bad
    return articles, failed
