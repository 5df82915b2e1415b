"""Excel sheets: the catalog (Bangda) and an agency's yearly target sheet.

Both are django-import-export resources. The target sheet is "long": one row for the
recipients target of a service type (``kode_mutu`` empty) and one row per quality item,
so every cell error points at one row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget, NumberWidget

from espm import workbooks
from espm.exports import safe_cell
from indicators import selectors
from indicators.models import CatalogEdition, QualityItem, Sector, ServiceType
from regions.models import Region
from regions.scoping import AnyUser

SHEET_HEADERS = [
    "kode_wilayah",
    "tahun",
    "kode_layanan",
    "jenis_pelayanan",
    "kode_mutu",
    "uraian",
    "satuan",
    "nilai",
    "versi",
    "status",
]
RECIPIENTS_LABEL = "Target jumlah penerima layanan"
# Numbers stay numbers in the .xlsx (Excel would flag text-numbers).
NATIVE_NUMBER = NumberWidget(coerce_to_string=False)


class SheetError(ValueError):
    """The uploaded file cannot be read as a target sheet at all."""


class TargetSheetResource(resources.Resource):
    """Columns of the target sheet; rows are plain dicts built by `target_sheet_rows`."""

    kode_wilayah = fields.Field(attribute="kode_wilayah", column_name="kode_wilayah")
    tahun = fields.Field(attribute="tahun", column_name="tahun", widget=NATIVE_NUMBER)
    kode_layanan = fields.Field(attribute="kode_layanan", column_name="kode_layanan")
    jenis_pelayanan = fields.Field(attribute="jenis_pelayanan", column_name="jenis_pelayanan")
    kode_mutu = fields.Field(attribute="kode_mutu", column_name="kode_mutu")
    uraian = fields.Field(attribute="uraian", column_name="uraian")
    satuan = fields.Field(attribute="satuan", column_name="satuan")
    nilai = fields.Field(attribute="nilai", column_name="nilai", widget=NATIVE_NUMBER)
    versi = fields.Field(attribute="versi", column_name="versi", widget=NATIVE_NUMBER)
    status = fields.Field(attribute="status", column_name="status")

    class Meta:
        fields = SHEET_HEADERS
        export_order = SHEET_HEADERS


def target_sheet_rows(user: AnyUser, region: Region, year: int) -> list[dict[str, Any]]:
    """The prefilled rows the user may fill: its agency's service types (all for region-wide users)."""
    data = selectors.region_targets(user, region, year)
    rows: list[dict[str, Any]] = []
    for row in data.rows:
        st = row.service_type
        target = row.target
        quantities = {}
        if target is not None:
            quantities = {tq.quality_item.code: tq.required_quantity for tq in target.quality.all()}
        common = {
            "kode_wilayah": region.code,
            "tahun": year,
            "kode_layanan": st.code,
            "jenis_pelayanan": safe_cell(st.name),
            "versi": target.version if target else "",
            "status": target.get_status_display() if target else "",
        }
        rows.append(
            {
                **common,
                "kode_mutu": "",
                "uraian": RECIPIENTS_LABEL,
                "satuan": "orang",
                "nilai": target.recipients_target if target else "",
            }
        )
        for qi in st.quality_items.all():
            if not qi.has_quantity:
                continue
            qty = quantities.get(qi.code)
            rows.append(
                {
                    **common,
                    "kode_mutu": qi.code,
                    "uraian": safe_cell(qi.description),
                    "satuan": safe_cell(qi.unit),
                    "nilai": _plain_number(qty) if qty is not None else "",
                }
            )
    return rows


def _plain_number(value: Any) -> Any:
    """Whole numbers as int so Excel shows 120, not 120.00."""
    return int(value) if value == int(value) else float(value)


def target_sheet(user: AnyUser, region: Region, year: int) -> tablib.Dataset:
    dataset = TargetSheetResource().export(target_sheet_rows(user, region, year))
    dataset.title = f"Target {region.code} {year}"[:31]
    return dataset


@dataclass
class SheetRow:
    line: int  # the spreadsheet row number (header = 1)
    region_code: str
    year: str
    service_code: str
    quality_code: str
    value: Any
    version: str
    errors: list[str] = field(default_factory=list)
    label: str = ""
    status: str = ""  # "new", "changed", "unchanged", "error"
    parsed: Decimal | None = None  # the value read as a number (the preview shows it 1.250,5)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class SheetTooLarge(SheetError):
    """Over a size limit of espm.workbooks (the page answers 422 naming it)."""


def _bounded_xlsx(content: bytes) -> tablib.Dataset:
    """The active sheet as a Dataset, read through espm.workbooks' caps (not tablib's loader)."""
    wb = workbooks.open_workbook(content)
    ws = wb.active
    rows = list(workbooks.rows(ws))
    dataset = tablib.Dataset()
    if rows:
        width = len(rows[0])
        dataset.headers = [str(h) if h is not None else "" for h in rows[0]]
        for row in rows[1:]:
            dataset.append(
                tuple(row) + (None,) * (width - len(row)) if len(row) < width else row[:width]
            )
    return dataset


def read_target_sheet(upload: Any) -> list[SheetRow]:
    """The rows of an uploaded .xlsx (or .csv) target sheet; SheetError if it is unreadable."""
    name = getattr(upload, "name", "").lower()
    content = upload.read()
    fmt = "csv" if name.endswith(".csv") else "xlsx"
    try:
        if fmt == "csv":
            dataset = tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
        else:
            dataset = _bounded_xlsx(content)
    except workbooks.WorkbookTooLarge as exc:
        raise SheetTooLarge(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 — any parser failure means "not a sheet"
        raise SheetError("Berkas tidak dapat dibaca sebagai lembar Excel (.xlsx).") from exc
    headers = [_text(h).lower() for h in (dataset.headers or [])]
    missing = [
        h
        for h in ("kode_wilayah", "tahun", "kode_layanan", "kode_mutu", "nilai")
        if h not in headers
    ]
    if missing:
        raise SheetError("Kolom wajib tidak ada: " + ", ".join(missing))
    idx = {h: headers.index(h) for h in headers}
    rows: list[SheetRow] = []
    for n, raw in enumerate(dataset, start=2):
        if not any(_text(c) for c in raw):
            continue

        def cell(col: str, raw: Any = raw) -> Any:
            return raw[idx[col]] if col in idx and idx[col] < len(raw) else None

        rows.append(
            SheetRow(
                line=n,
                region_code=_text(cell("kode_wilayah")),
                year=_text(cell("tahun")),
                service_code=_text(cell("kode_layanan")).upper(),
                quality_code=_text(cell("kode_mutu")).upper(),
                value=cell("nilai"),
                version=_text(cell("versi")),
                label=_text(cell("uraian")),
            )
        )
    if not rows:
        raise SheetError("Lembar tidak berisi baris data.")
    return rows


# --------------------------------------------------------------------------- catalog (Bangda)


class EditionWidget(ForeignKeyWidget):
    def __init__(self) -> None:
        super().__init__(CatalogEdition, field="code")


class ServiceTypeResource(resources.ModelResource):
    """The catalog's service types; import only into a draft edition."""

    edition = fields.Field(attribute="edition", column_name="edisi", widget=EditionWidget())
    sector = fields.Field(
        attribute="sector", column_name="bidang", widget=ForeignKeyWidget(Sector, field="code")
    )

    class Meta:
        model = ServiceType
        import_id_fields = ("edition", "code")
        fields = (
            "edition",
            "code",
            "sector",
            "level",
            "name",
            "regulation",
            "recipient_definition",
            "order",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = False
        use_transactions = True

    def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        _require_draft(instance.edition)


class ServiceTypeKeyWidget(ForeignKeyWidget):
    """A service type as "edition code|service code" (unique across editions)."""

    def __init__(self) -> None:
        super().__init__(ServiceType, field="code")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        edition, _, code = _text(value).partition("|")
        if not code:
            raise ValueError("Format jenis pelayanan harus 'edisi|kode', mis. 2026.1|K-KES-01")
        try:
            return ServiceType.objects.get(edition__code=edition, code=code)
        except ServiceType.DoesNotExist as exc:
            raise ValueError(f"Jenis pelayanan tidak dikenal: {value}") from exc

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return f"{value.edition.code}|{value.code}" if value else ""


class QualityItemResource(resources.ModelResource):
    """The catalog's quality items; import only into a draft edition."""

    service_type = fields.Field(
        attribute="service_type", column_name="jenis_pelayanan", widget=ServiceTypeKeyWidget()
    )

    class Meta:
        model = QualityItem
        import_id_fields = ("service_type", "code")
        fields = (
            "service_type",
            "code",
            "kind",
            "description",
            "unit",
            "has_quantity",
            "source",
            "order",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = False
        use_transactions = True

    def get_queryset(self) -> Any:
        return QualityItem.objects.select_related("service_type__edition")

    def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        _require_draft(instance.service_type.edition)


def _require_draft(edition: CatalogEdition | None) -> None:
    if edition is None or edition.status != CatalogEdition.Status.DRAFT:
        code = edition.code if edition else "?"
        raise ValidationError(
            f"Edisi {code} sudah terbit dan tidak dapat diubah; buat edisi draf lalu impor ke sana."
        )
