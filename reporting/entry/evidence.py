"""Evidence (bukti dukung) file checks: allowed kinds by CONTENT, not by name, and size."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# extension → accepted detected MIME types (OLE .xls is sometimes detected as .doc: same container).
ALLOWED: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    "png": frozenset({"image/png"}),
    "jpg": frozenset({"image/jpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
    "xlsx": frozenset(
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"}
    ),
    "xls": frozenset(
        {"application/vnd.ms-excel", "application/msword", "application/x-ole-storage"}
    ),
    "ods": frozenset({"application/vnd.oasis.opendocument.spreadsheet", "application/zip"}),
    "csv": frozenset({"text/csv"}),
}
SERVED_TYPE = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "csv": "text/csv",
}
ACCEPT_ATTR = ",".join(f".{ext}" for ext in ALLOWED)
# Stored types a browser shows inline (the review page's preview): images and PDFs only, whose
# kind was checked from the content at upload. Spreadsheets are always downloaded.
PREVIEW_KIND = {"application/pdf": "pdf", "image/png": "image", "image/jpeg": "image"}


def preview_kind(content_type: str) -> str | None:
    """'pdf', 'image' or None (no inline preview) for a stored evidence file's type."""
    return PREVIEW_KIND.get(content_type)


@dataclass(frozen=True)
class CheckedFile:
    extension: str
    content_type: str
    size: int
    sha256: str


def max_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".", ",")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


def _looks_like_csv(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = head.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
            return False
    if not text.strip():
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    if printable / len(text) < 0.98:
        return False
    try:
        csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        # A one-column CSV has no delimiter to sniff; plain lines of text still pass.
        return "\n" in text or len(text) < 4096
    return True


ZIP_MARKERS = {"xlsx": "xl/workbook.xml", "ods": "content.xml"}


def _zip_has(upload: IO[bytes], member: str) -> bool:
    """A generic zip passes only if it really is the office document it claims to be."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return member in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        upload.seek(0)


def check_upload(upload: IO[bytes], name: str, size: int) -> CheckedFile:
    """Validate an uploaded file; raises ValidationError with an Indonesian message."""
    ext = PurePath(name).suffix.lower().lstrip(".")
    if ext not in ALLOWED:
        raise ValidationError(
            _(
                "Jenis berkas .%(ext)s tidak diterima. Gunakan PDF, gambar (PNG/JPEG) atau lembar kerja (XLSX, XLS, ODS, CSV)."
            )
            % {"ext": ext or "?"}
        )
    if size > max_bytes():
        raise ValidationError(
            _("Ukuran berkas %(size)s melebihi batas %(max)s.")
            % {"size": human_size(size), "max": human_size(max_bytes())}
        )
    if size == 0:
        raise ValidationError(_("Berkas kosong."))
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    if ext == "csv":
        ok = kind is None and _looks_like_csv(head)
    else:
        ok = kind is not None and kind.mime in ALLOWED[ext]
        if ok and kind is not None and kind.mime == "application/zip":
            ok = _zip_has(upload, ZIP_MARKERS[ext])
    if not ok:
        found = kind.extension.upper() if kind is not None else _("tidak dikenal")
        raise ValidationError(
            _(
                "Isi berkas tidak sesuai dengan ekstensi .%(ext)s (terdeteksi: %(found)s). Berkas ditolak."
            )
            % {"ext": ext, "found": found}
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(ext, SERVED_TYPE[ext], size, digest.hexdigest())


def check_bytes(data: bytes, name: str) -> CheckedFile:
    return check_upload(io.BytesIO(data), name, len(data))


def open_stored(field: Any) -> Any:
    """The stored file, opened for a download; 404 (not a server error) when the storage no
    longer has it — the row and the page survive a file lost from the disk or the bucket."""
    from django.http import Http404

    try:
        return field.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("Berkas tidak ditemukan di penyimpanan.") from exc
