"""Spreadsheet exports: the one CSV and XLSX writer, and formula-injection escaping.

Every table download goes through ``csv_response`` / ``csv_lines`` and ``xlsx_response``
(or ``csv_bytes`` / ``xlsx_bytes`` for a file a job stores).
The CSV follows the UI language, so Excel with that locale opens it straight into columns:
Indonesian (the default) is semicolon-separated with decimal commas, English comma-separated
with decimal points; both UTF-8 with a BOM. XLSX carries real numbers and opens anywhere.

A cell starting with = + - @ (or a tab / carriage return) is run as a formula by Excel
and LibreOffice, so a region's free text could call out to a URL or a command when an
auditor opens the file. Such text cells are prefixed with an apostrophe; numbers stay
numbers.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str
    decimal: str


CSV_ID = CsvFormat(delimiter=";", decimal=",")  # Excel with an Indonesian locale
CSV_EN = CsvFormat(delimiter=",", decimal=".")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_format() -> CsvFormat:
    """The CSV that Excel opens correctly in the active UI language."""
    return CSV_EN if (translation.get_language() or "id").startswith("en") else CSV_ID


def csv_value(value: Any, fmt: CsvFormat) -> str:
    """One cell as the sheet shows it: decimal separator of the locale, dates ISO, None empty."""
    if isinstance(value, str):  # most cells: tested first (a national list has ≈ 300,000)
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", fmt.decimal)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def csv_lines(
    headers: Iterable[Any], rows: Iterable[Iterable[Any]], fmt: CsvFormat | None = None
) -> Iterator[str]:
    """The file line by line (a BOM first, so Excel reads UTF-8): for streaming responses."""
    fmt = fmt or csv_format()
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=fmt.delimiter)

    def take() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    buf.write("\ufeff")
    writer.writerow([str(h) for h in headers])
    yield take()
    for row in rows:
        writer.writerow([csv_value(v, fmt) for v in row])
        yield take()


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'


def csv_response(
    headers: Iterable[Any], rows: Iterable[Iterable[Any]], filename: str
) -> HttpResponse:
    response = HttpResponse(
        "".join(csv_lines(headers, rows)), content_type="text/csv; charset=utf-8"
    )
    _attachment(response, filename)
    return response


STREAM_CHUNK = 32 * 1024  # characters per piece of a streamed CSV after its header line


def _pieces(lines: Iterator[str], size: int = STREAM_CHUNK) -> Iterator[str]:
    """The header line at once (the first byte leaves before any row is read), then the rows in
    pieces of ``size``: one write, and one gzip flush, per piece instead of per row."""
    yield next(lines, "")
    batch: list[str] = []
    length = 0
    for line in lines:
        batch.append(line)
        length += len(line)
        if length >= size:
            yield "".join(batch)
            batch, length = [], 0
    if batch:
        yield "".join(batch)


def csv_stream_response(
    headers: Iterable[Any], rows: Iterable[Iterable[Any]], filename: str
) -> StreamingHttpResponse:
    """For long files (the national report list, the audit trail): lines leave as written."""
    fmt = csv_format()  # the request's language, fixed before the generator outlives it
    response = StreamingHttpResponse(
        _pieces(csv_lines(headers, rows, fmt)), content_type="text/csv; charset=utf-8"
    )
    _attachment(response, filename)
    return response


def xlsx_value(value: Any) -> Any:
    value = safe_cell(value)
    return float(value) if isinstance(value, Decimal) else value


def csv_bytes(headers: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """The CSV of ``csv_response`` as a file's content (for a job that stores it)."""
    return "".join(csv_lines(headers, rows)).encode("utf-8")


def xlsx_response(
    headers: Iterable[Any], rows: Iterable[Iterable[Any]], filename: str, sheet: str
) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(headers, rows, sheet), content_type=XLSX_TYPE)
    _attachment(response, filename)
    return response


def table_download(
    headers: Iterable[Any], rows: Iterable[Iterable[Any]], name: str, fmt: str
) -> HttpResponse:
    """A page's table as ``espm-<name>-<today>.csv`` (``fmt`` "csv") or ``.xlsx`` (sheet ``name``)."""
    filename = f"espm-{name}-{timezone.localdate().isoformat()}"
    if fmt == "csv":
        return csv_response(headers, rows, f"{filename}.csv")
    return xlsx_response(headers, rows, f"{filename}.xlsx", name)


def xlsx_bytes(headers: Iterable[Any], rows: Iterable[Iterable[Any]], sheet: str) -> bytes:
    """One sheet, header row bold and frozen; numbers stay numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=str(h))
        cell.font = bold
        head.append(cell)
    ws.append(head)
    for row in rows:
        ws.append([xlsx_value(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
