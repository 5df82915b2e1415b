"""A reason (return, reopen, exception, correction) must say something a person can read.

Whitespace, zero-width and other format or control characters (U+200B, U+FEFF, U+2060, bidi
marks) print as nothing: a reason made only of them is no reason. One rule, used by the
workflow and the target services.
"""

from __future__ import annotations

import unicodedata

# Unicode categories that print nothing: separators, control, format, unassigned/private.
INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cn", "Co", "Cs"})


def clean(text: str | None) -> str:
    """The reason as stored: trimmed of invisible characters at both ends."""
    text = text or ""
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def is_blank(text: str | None) -> bool:
    """True when the text has no visible character."""
    return not clean(text)


def _invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in INVISIBLE_CATEGORIES
