"""Paths → articles, with a reason for every file that cannot be read."""
from __future__ import annotations

from pathlib import Path

from ..errors import IngestError
from ..models import Article
from . import formats, seedpages

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".jsonl"}
MAX_BYTES = 50_000_000


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise IngestError(f"{path}: the file is empty")
    if len(data) > MAX_BYTES:
        raise IngestError(f"{path}: {len(data) // 1_000_000} MB is too large for one article file")
    if b"\x00" in data[:65536]:
        raise IngestError(f"{path}: binary file, not text (expected .txt, .md, .html or .jsonl articles)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise IngestError(f"{path}: not UTF-8 text")
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.01 * min(len(text), 65536):
        raise IngestError(f"{path}: looks binary (control characters), not an article")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_path(path: Path) -> tuple[list[Article], list[tuple[str, str]]]:
    """Articles in one file, and (place, reason) for what failed inside it."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(f"{path}: unsupported file type {suffix or '(none)'}; use .txt, .md, .html or .jsonl")
    text = read_text(path)
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


def expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
                            and f.suffix.lower() in SUPPORTED)
        else:
            files.append(p)
    return files


def read_paths(paths: list[Path]) -> tuple[list[Article], list[tuple[str, str]]]:
    articles: list[Article] = []
    failed: list[tuple[str, str]] = []
    for f in expand(paths):
        if not f.exists():
            failed.append((str(f), "no such file or folder"))
            continue
        try:
            got, bad = read_path(f)
        except IngestError as exc:
            failed.append((str(f), str(exc)))
            continue
        except Exception as exc:  # a parser bug must not sink the other files
            failed.append((str(f), f"could not parse ({type(exc).__name__}: {exc})"))
            continue
        if not got and not bad:
            failed.append((str(f), "no articles found"))
        articles += got
        failed += bad
    return articles, failed
