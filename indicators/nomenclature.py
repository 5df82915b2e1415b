"""The budget nomenclature (Kepmendagri 900.1-2850/2025): code shapes, file reading, the sector of a code.

Shared by the loader (services.load_nomenclature), the search (selectors.search_nomenclature)
and the report form's "code not in the nomenclature" warning.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

NOMENCLATURE_FILE = (
    Path(__file__).resolve().parent / "data" / "nomenclature" / "kepmendagri-900.1-2850-2025.yaml"
)
SOURCE = "Kepmendagri 900.1-2850/2025"
PROGRAM = re.compile(r"^[0-9X]\.[0-9X]{2}\.\d{2}$")
ACTIVITY = re.compile(r"^[0-9X]\.[0-9X]{2}\.\d{2}\.\d\.\d{2}$")
SUB_ACTIVITY = re.compile(r"^[0-9X]\.[0-9X]{2}\.\d{2}\.\d\.\d{2}\.\d{4}$")
# bidang urusan → SPM sector code (the six urusan wajib pelayanan dasar)
SECTOR_OF_BIDANG = {
    "1.01": "DIK",
    "1.02": "KES",
    "1.03": "PU",
    "1.04": "PKP",
    "1.05": "TRANTIB",
    "1.06": "SOS",
}
BIDANG_OF_SECTOR = {v: k for k, v in SECTOR_OF_BIDANG.items()}
CODE_COLUMNS = ("kode", "kode rekening", "code")
NAME_COLUMNS = ("nomenklatur", "uraian", "nama", "name")


class NomenclatureError(ValueError):
    """A nomenclature file that cannot be loaded (nothing is changed)."""


def level_of(code: str) -> str | None:
    """'program', 'activity', 'sub_activity' or None for another shape (urusan, bidang …)."""
    if SUB_ACTIVITY.match(code):
        return "sub_activity"
    if ACTIVITY.match(code):
        return "activity"
    if PROGRAM.match(code):
        return "program"
    return None


def parent_code(code: str) -> str | None:
    parts = code.split(".")
    if len(parts) == 6:
        return ".".join(parts[:5])
    if len(parts) == 5:
        return ".".join(parts[:3])
    return None


def sector_of(code: str) -> str | None:
    return SECTOR_OF_BIDANG.get(code[:4])


@dataclass
class NomenclatureFile:
    items: list[tuple[str, str]] = field(default_factory=list)
    services: dict[str, list[str]] | None = None
    source: str = SOURCE
    skipped: int = 0


def _clean(value: Any) -> str:
    return " ".join(str(value if value is not None else "").split())


def _from_rows(rows: Iterable[list[Any]], name: str) -> NomenclatureFile:
    """Rows of a spreadsheet: the header row (within the first 20) names 'kode' and
    'nomenklatur' (or 'uraian'); rows of other shapes (urusan, bidang) or other sectors are skipped."""
    result = NomenclatureFile()
    header: tuple[int, int] | None = None
    for number, row in enumerate(rows, start=1):
        cells = [_clean(c) for c in row]
        if header is None:
            lowered = [c.lower() for c in cells]
            code_at = next((i for i, c in enumerate(lowered) if c in CODE_COLUMNS), None)
            name_at = next((i for i, c in enumerate(lowered) if c in NAME_COLUMNS), None)
            if code_at is not None and name_at is not None:
                header = (code_at, name_at)
            elif number >= 20:
                break
            continue
        code = cells[header[0]] if header[0] < len(cells) else ""
        label = cells[header[1]] if header[1] < len(cells) else ""
        if not code and not label:
            continue
        if level_of(code) is None or sector_of(code) is None:
            result.skipped += 1
            continue
        result.items.append((code, label))
    if header is None:
        raise NomenclatureError(
            f"{name}: kolom 'kode' dan 'nomenklatur' (atau 'uraian') tidak ditemukan"
        )
    return result


def read_file(path: Path) -> NomenclatureFile:
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if not isinstance(data, dict) or not isinstance(data.get("items"), list):
                raise NomenclatureError(f"{path.name}: daftar 'items' tidak ada")
            result = NomenclatureFile(
                source=_clean((data.get("source") or {}).get("document") or SOURCE)
            )
            for entry in data["items"]:
                if not isinstance(entry, dict):
                    raise NomenclatureError(f"{path.name}: baris item tidak berbentuk kode/nama")
                result.items.append((_clean(entry.get("code")), _clean(entry.get("name"))))
            services = data.get("services")
            if services is not None:
                if not isinstance(services, dict):
                    raise NomenclatureError(f"{path.name}: 'services' harus berupa pemetaan")
                result.services = {
                    _clean(k): [_clean(c) for c in (v or [])] for k, v in services.items()
                }
            return result
        if suffix == ".csv":
            text = path.read_text(encoding="utf-8-sig")
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
            result = _from_rows(csv.reader(io.StringIO(text), dialect), path.name)
            result.source = f"{SOURCE} ({path.name})"
            return result
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True, data_only=True)
            try:
                result = _from_rows(
                    ([*r] for r in book.worksheets[0].iter_rows(values_only=True)), path.name
                )
                result.source = f"{SOURCE} ({path.name})"
                return result
            finally:
                book.close()
    except (OSError, UnicodeDecodeError, yaml.YAMLError, csv.Error) as exc:
        raise NomenclatureError(f"{path.name}: {exc}") from exc
    except NomenclatureError:
        raise
    except Exception as exc:  # openpyxl raises assorted errors on a broken workbook
        raise NomenclatureError(f"{path.name}: berkas tidak dapat dibaca ({exc})") from exc
    raise NomenclatureError(f"{path.name}: jenis berkas harus .xlsx, .csv atau .yaml")


def validate(data: NomenclatureFile, known: set[str]) -> list[str]:
    """Problems that refuse the whole file; ``known`` holds codes already in the database."""
    problems: list[str] = []
    names: dict[str, str] = {}
    for code, label in data.items:
        if level_of(code) is None:
            problems.append(f"kode {code!r} tidak berformat program/kegiatan/sub kegiatan")
        elif sector_of(code) is None:
            problems.append(f"kode {code} di luar bidang urusan SPM (1.01–1.06)")
        if not label:
            problems.append(f"kode {code}: nomenklatur kosong")
        if code in names and names[code] != label:
            problems.append(f"kode {code} tercantum dua kali dengan nama berbeda")
        names[code] = label
    codes = set(names) | known
    for code in names:
        parent = parent_code(code)
        if parent and parent not in codes:
            problems.append(f"kode {code}: induknya {parent} tidak ada")
    for service, linked in (data.services or {}).items():
        for code in linked:
            if code not in codes:
                problems.append(f"layanan {service}: kode {code} tidak ada dalam nomenklatur")
    if not data.items:
        problems.append("tidak ada kode program/kegiatan/sub kegiatan SPM")
    return problems
