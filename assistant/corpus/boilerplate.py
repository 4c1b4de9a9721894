"""Page chrome that trails article bodies on tag pages: share bars, promos, credits.

Written by hand because these are site-specific strings no extractor knows for plain
text; trimming them keeps every article a verbatim slice of its file (we only cut ends).
"""
import re

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
