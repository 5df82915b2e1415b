"""Reads shared by the parts of one response while it is built.

A report page or a section save's answer asks several parts — the capaian panel, the flags
beside each section, the workflow buttons and their checks — for the same rows: the region's
submission, the report's flags, its quality rows. Inside ``building_response()``, entered by a
view only after every write of its request, each such read (``once``) runs once and the parts
share its answer. Outside it every call reads afresh, so a step that writes and then checks
(``workflow.transition``, a save's data-quality refresh) never sees an earlier answer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_reads: ContextVar[dict[Hashable, Any] | None] = ContextVar("espm_response_reads", default=None)


@contextmanager
def building_response(known: Mapping[Hashable, Any] | None = None) -> Iterator[None]:
    """Share ``once`` reads until the block ends; nothing in the block may write them.

    ``known``: answers the request's own write has just read after writing (a save's), under
    the same keys."""
    token = _reads.set(dict(known or {}))
    try:
        yield
    finally:
        _reads.reset(token)


def once[T](key: Hashable, read: Callable[[], T]) -> T:
    """``read()``'s answer, shared under ``key`` while a response is built; else afresh."""
    reads = _reads.get()
    if reads is None:
        return read()
    if key not in reads:
        reads[key] = read()
    value: T = reads[key]
    return value


def active() -> bool:
    return _reads.get() is not None
