"""Reading numbers from URLs, filters and forms without a 500 on odd input.

``str.isdigit`` accepts superscripts ("²") that ``int`` refuses, and a 20-digit number
passes it but overflows the database's integer columns. One helper for every raw read.
"""

from __future__ import annotations

# PostgreSQL's integer (int4) range: ids, years, quarters, counts in filters.
INT_MAX = 2**31 - 1


def parse_int(value: object, low: int = 0, high: int = INT_MAX) -> int | None:
    """``value`` as an int when it is ASCII digits within [low, high]; otherwise None."""
    text = str(value if value is not None else "").strip()
    if not text or not (text.isascii() and text.isdigit()) or len(text) > 12:
        return None
    number = int(text)
    return number if low <= number <= high else None


# The most people a count or target can name (the columns are 32-bit integers).
MAX_PEOPLE = 2_000_000_000
