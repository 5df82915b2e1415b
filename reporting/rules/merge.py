"""Three-way merge of one save (base, theirs, mine) — the one rule for concurrent edits.

A save carries, per field, the value the person started from (``base``) and the value they
want (``mine``); ``theirs`` is what is stored now, read under the report's row lock. Per field:

- mine equals base: the person did not change it — nothing to write (theirs stays);
- mine equals theirs: already so — nothing to write;
- base equals theirs: only this person changed it — written;
- otherwise both changed it differently — a conflict, shown side by side; nothing of the save
  is written until the person chooses.

Used by the report form, the API ``PATCH`` (base = the report at the ``version`` sent) and the
Excel import (base = the report at the workbook's version).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    writes: dict[str, Any] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)


def same(a: Any, b: Any) -> bool:
    """Equal as stored values: None and "" and {} are all "empty"."""
    if a in (None, "") or a == {}:
        return b in (None, "") or b == {}
    return bool(a == b)


def merge(base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> Outcome:
    """Decide each field of ``mine``; a key missing from ``base`` counts as changed by me."""
    out = Outcome()
    for key, value in mine.items():
        current = theirs.get(key)
        if key in base and same(value, base[key]):
            continue
        if same(value, current):
            continue
        if key not in base or same(base[key], current):
            out.writes[key] = value
        else:
            out.conflicts.append(key)
    return out
