"""Spreadsheet exports: neutralise formula injection in cells that carry user text.

A cell starting with = + - @ (or a tab / carriage return) is run as a formula by Excel
and LibreOffice, so a region's free text could call out to a URL or a command when an
auditor opens the file. Such text cells are prefixed with an apostrophe; numbers stay
numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]
