"""Page chrome that trails article bodies on tag pages: share bars, promos, credits.

Written by hand because these are site-specific strings no extractor knows for plain
text; trimming them keeps every article a verbatim slice of its file (we only cut ends).
"""
import re

from ..text import MONTH_NAME

TRAILING = [
    re.compile(r"\s*Whatsapp Telegram Email Print\s*$"),
    re.compile(r"\s*Join ST's Telegram channel.*$", re.S),
    re.compile(r"\s*Support [A-Z][\w ]+ on Patreon!\s*$"),
    re.compile(r"\s*REUTERS\s*$"),
]


def trim_end(text: str) -> int:
    """Length of ``text`` once trailing chrome is cut (repeatedly, outermost first)."""
    end = len(text.rstrip())
    changed = True
    while changed:
        changed = False
        for pattern in TRAILING:
            m = pattern.search(text, 0, end)
            if m and m.start() < end:
                end = len(text[: m.start()].rstrip())
                changed = True
    return end


# Photo credits, bylines, agency tags and datelines inside article text: news conventions,
# not facts. Spans that touch them never become answers ("REUTERS/ File Photo (Reuters)
# -Sergei Shoigu" is not what Kim wore). The text itself is kept: quotes stay verbatim.
# The openings of a photo credit, a byline and an "X via Y" credit are named once: a credit
# line (below) may only open with one of them.
_PHOTO = r"(?:File )?Photos? (?:by|courtesy of)"
_VIA = r"[A-Z]{2,}(?:[-/][A-Z]{2,})*\s+via\s+[A-Z]{2,}"
_BYLINE = r"\((?:Reporting|Writing|Additional reporting|Editing) by"
_NEWS_AGENCY = r"Reuters|AP|AFP|UPI|Yonhap|Bloomberg|Xinhua|KCNA|TASS"
CREDITS = re.compile(
    r"\bFILE PHOTO:"
    rf"|\b{_PHOTO}\s+[\w.&/-]+(?:/[\w.&-]+)*"
    rf"|\b{_VIA}/?(?:\s*(?:File Photo|Handout|Pool)\b)?"
    r"|\b[A-Z]{2,}/\s*(?:File Photo|Handout|Pool)\b"
    r"|\b[A-Z]{2,}(?:/[A-Z]{2,}(?:-[A-Z]{2,})?)+"
    rf"|\((?:{_NEWS_AGENCY})\)\s*[-–—]*"
    rf"|{_BYLINE}[^)]*\)"
    # a dateline: "SEOUL, June 30 (UPI) —", "WONSAN, July 4 (Harbour Gazette) —", and without an
    # agency tag, as many outlets print it: "REYKJAVIK, July 10 —", "LIMA, Peru, June 19, 2026 -"
    rf"|^[A-Z][A-Z .'-]{{2,}}(?:, [A-Z][a-z]+(?: [A-Z][a-z]+)?)?[.,]\s+{MONTH_NAME} ?\d{{1,2}}(?:, \d{{4}})?"
    r"\s*(?:\([A-Z][\w .&'’-]{0,40}\)\s*)?[-–—]+",
    re.M)


def credit_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of credits, bylines, agency tags and datelines in ``text``."""
    return [m.span() for m in CREDITS.finditer(text) if m.end() > m.start()]


# A sentence that is a credit and nothing else ("Photo courtesy of Russian Defense Ministry Press
# Service/EPA-EFE", "(Reporting by ...)", "REUTERS/Kim Hong-Ji") says nothing a reader asked about:
# it is never retrieved, quoted or shown as a closest passage. Only a photo credit or a byline
# can open one (a dateline or an agency tag opens the story's lead: "MOSCOW, June 4 (Reuters) -
# ..."), and what the credits leave is a name at most: capitalised words, "of", "the", "via",
# slashes. A caption ("FILE PHOTO: Kim Jong Un inspects the destroyer") has a verb and stays a
# passage. A slash credit ("REUTERS/Kim Hong-Ji", "Ahn Young-joon/AP") must name a news or photo
# agency, beside short names: "Russia/Ukraine War Enters Fourth Year" and "Reuters/Ipsos Poll
# Shows 60 Percent Support" are headlines.
CREDIT_OPENING = re.compile(rf"FILE PHOTO:|{_PHOTO}\b|{_BYLINE}\b|{_VIA}")
_NAME_PART = re.compile(r"^(?:[A-Z0-9][\w.&'’-]*|of|the|and|for|de|du|la|via|[-–—;,.()/&]+)$")
_AGENCY = re.compile(rf"(?:{_NEWS_AGENCY}|EPA|EFE|EPA-EFE|Getty(?: Images)?|KCTV|Sputnik|Kyodo|Anadolu|Pool|Handout"
                     r"|File Photo)(?:\s+via\s+[A-Z][\w-]*)?", re.I)
SHORT_NAME = 4  # words: a photographer or a photo service, not a headline


def is_credit_line(text: str) -> bool:
    """Is the sentence a credit and, beside its credits, a name at most?"""
    text = text.strip()
    if _slash_credit(text):
        return True
    if not CREDIT_OPENING.match(text):
        return False
    left = re.split(r"[\s/]+", CREDITS.sub(" ", text).strip())  # what the credits leave
    return all(_NAME_PART.match(w) for w in left if w)


def _slash_credit(text: str) -> bool:
    """Parts joined by slashes, one of them an agency, the others short names."""
    parts = [p.strip() for p in text.split("/")]
    if len(parts) < 2 or not all(parts):
        return False
    others = [p.split() for p in parts if not _AGENCY.fullmatch(p)]
    return len(others) < len(parts) and all(len(w) <= SHORT_NAME and all(map(_NAME_PART.match, w)) for w in others)
