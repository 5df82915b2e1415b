"""Reading an uploaded .xlsx without letting a small file cost minutes and gigabytes.

An .xlsx is a zip of XML: 247 KB can declare three million cells. Before openpyxl parses
anything we check the zip (total unpacked size, ratio) and each sheet's declared dimension;
then sheets are read in read-only (streaming) mode with caps on rows, columns, cells and time.
A refusal is ``WorkbookTooLarge`` whose message names the limit (pages answer 422).
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterator
from typing import Any, Protocol, cast

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

MAX_ROWS = 5_000  # per sheet; a region's quarter or year is a few hundred rows
MAX_COLUMNS = 40
MAX_CELLS = 100_000  # declared, over all sheets
MAX_UNZIPPED = 20 * 1024 * 1024
MAX_RATIO = 100  # unpacked / packed, per member
MAX_SECONDS = 1.5
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


class WorkbookTooLarge(ValueError):
    """The workbook exceeds a limit; the message names it."""


class NotAWorkbook(ValueError):
    """Not a readable .xlsx."""


def _limit(message: str, **values: Any) -> WorkbookTooLarge:
    return WorkbookTooLarge(message % values)


def check_declared(data: bytes) -> None:
    """Refuse by the zip's sizes and the sheets' declared dimensions, before parsing cells."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise NotAWorkbook(str(exc)) from exc
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED:
        raise _limit(
            _("Isi berkas terlalu besar setelah dibuka (batas %(mb)d MB)."), mb=MAX_UNZIPPED >> 20
        )
    cells = 0
    for member in members:
        if member.compress_size and member.file_size / member.compress_size > MAX_RATIO:
            raise _limit(_("Berkas terkompresi tidak wajar (rasio di atas %(n)d)."), n=MAX_RATIO)
        if not member.filename.startswith("xl/worksheets/") or not member.filename.endswith(".xml"):
            continue
        with archive.open(member) as sheet:
            head = sheet.read(4096)
        found = DIMENSION.search(head)
        if not found:
            continue
        ref = found.group(1).decode()
        min_col, min_row, max_col, max_row = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
        rows = (max_row or 1) - (min_row or 1) + 1
        columns = (max_col or 1) - (min_col or 1) + 1
        if rows > MAX_ROWS + 1:
            raise _limit(_("Lembar kerja lebih dari %(n)d baris."), n=MAX_ROWS)
        if columns > MAX_COLUMNS:
            raise _limit(_("Lembar kerja lebih dari %(n)d kolom."), n=MAX_COLUMNS)
        cells += rows * columns
    if cells > MAX_CELLS:
        raise _limit(_("Berkas lebih dari %(n)s sel."), n=f"{MAX_CELLS:,}".replace(",", "."))


def open_workbook(data: bytes) -> Any:
    """A read-only (streaming) workbook, after the declared sizes were checked."""
    check_declared(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise NotAWorkbook(str(exc)) from exc
    cast(_WithDeadline, wb).espm_deadline = time.monotonic() + MAX_SECONDS  # one for all sheets
    return wb


class _WithDeadline(Protocol):
    espm_deadline: float


def rows(ws: Any, deadline: float | None = None) -> Iterator[tuple[Any, ...]]:
    """A sheet's rows (values), refused past MAX_ROWS rows, MAX_COLUMNS columns or the deadline."""
    if deadline is None:
        deadline = getattr(ws.parent, "espm_deadline", None) or time.monotonic() + MAX_SECONDS
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS + 1:
            raise _limit(_("Lembar kerja lebih dari %(n)d baris."), n=MAX_ROWS)
        if len(row) > MAX_COLUMNS and any(v not in (None, "") for v in row[MAX_COLUMNS:]):
            raise _limit(_("Lembar kerja lebih dari %(n)d kolom."), n=MAX_COLUMNS)
        if time.monotonic() > deadline:
            raise _limit(_("Berkas terlalu lama dibaca (batas %(s)s detik)."), s=MAX_SECONDS)
        yield row[:MAX_COLUMNS]
