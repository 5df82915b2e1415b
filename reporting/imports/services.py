"""Excel import of quarterly data: a prefilled workbook out, the same workbook back in.

An agency operator downloads its region × period workbook (a verifier: the whole region),
fills it offline and uploads it. `preview()` validates every row with the report form's
rules (reporting.entry.patch → reporting.entry.forms), checks scope and editing locks and shows a diff
against the current values; `commit()` writes everything through the entry services
(reporting.entry.services, via reporting.entry.patch.apply) in ONE transaction — any refused row and
nothing is written.

Sheets: Layanan (one row per service type: recipients, problems, the four stages),
Mutu (one row per quality item), Anggaran (budget lines; a blank id adds a line),
and a hidden _meta sheet naming the region and period the workbook was made for.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from espm import versioning, workbooks
from espm.exports import FORMULA_PREFIXES, safe_row
from regions.models import Region
from regions.scoping import Action, AnyUser
from reporting.entry import patch, services
from reporting.entry.locks import entry_lock_reason
from reporting.models import (
    BudgetLine,
    Period,
    Report,
    ReportCheck,
    ReportStage,
)
from reporting.quality import selectors as quality_selectors
from reporting.rules import merge

FORMAT = "espm-import-1"
MAX_BYTES = 5 * 1024 * 1024
# Stage values in the workbook are the Indonesian labels (the guide sheet names them), whatever
# language the request that happens to import this module first is in.
with translation.override(settings.LANGUAGE_CODE):
    STAGE_LABELS = {str(label).lower(): code for code, label in ReportStage.Status.choices}
    STAGE_CODES = {code: str(label) for code, label in ReportStage.Status.choices}

SERVICE_COLUMNS = [
    ("kode_wilayah", False),
    ("kode_layanan", False),
    ("jenis_pelayanan", False),
    ("perangkat_daerah", False),
    ("status", False),
    ("versi", False),
    ("target_penerima", False),
    ("penerima_terlayani", True),
    ("permasalahan", True),
    ("solusi", True),
    ("tahap_1", True),
    ("tahap_2", True),
    ("tahap_3", True),
    ("tahap_4", True),
]
QUALITY_COLUMNS = [
    ("kode_wilayah", False),
    ("kode_layanan", False),
    ("kode_mutu", False),
    ("uraian", False),
    ("satuan", False),
    ("jumlah_minimal", True),
    ("realisasi", True),
    ("terpenuhi", True),
]
BUDGET_COLUMNS = [
    ("kode_wilayah", True),
    ("kode_layanan", True),
    ("id_baris", False),
    ("kode_kegiatan", True),
    ("nama_kegiatan", True),
    ("kode_sub_kegiatan", True),
    ("nama_sub_kegiatan", True),
    ("pagu", True),
    ("realisasi", True),
]
BLANK_BUDGET_ROWS = 20
EDITABLE_FILL = PatternFill("solid", fgColor="FFF7D6")
HEADER_FONT = Font(bold=True)


# Which sheet column each report field comes from, so a message names the cell the person typed.
SERVICE_FIELDS = {
    "recipients_served": "penerima_terlayani",
    "problems": "permasalahan",
    "solutions": "solusi",
}
QUALITY_FIELDS = {"realised": "realisasi", "required": "jumlah_minimal", "met": "terpenuhi"}
BUDGET_FIELDS = {
    "activity_code": "kode_kegiatan",
    "activity_name": "nama_kegiatan",
    "sub_activity_code": "kode_sub_kegiatan",
    "sub_activity_name": "nama_sub_kegiatan",
    "allocated": "pagu",
    "realised": "realisasi",
    "id": "id_baris",
}


class WorkbookError(ValueError):
    """The file is not a workbook made by e-SPM for this region and period."""


def importable_reports(user: AnyUser, region: Region, period: Period) -> list[Report]:
    """The reports of the region and period this user may change (their agency's, or all)."""
    return list(
        Report.objects.visible_to(user, Action.CHANGE)
        .filter(region=region, period=period)
        .select_related("region", "period", "service_type", "agency")
        .prefetch_related("quality__quality_item", "stages", "budget_lines")
        .order_by("service_type__order", "service_type__code")
    )


# ---------------------------------------------------------------- download


def _header(ws: Any, columns: list[tuple[str, bool]]) -> None:
    ws.append([name for name, _editable in columns])
    for cell in ws[1]:
        cell.font = HEADER_FONT
    ws.freeze_panes = "A2"


def _mark_editable(ws: Any, columns: list[tuple[str, bool]], rows: int) -> None:
    for idx, (_name, editable) in enumerate(columns, start=1):
        if not editable:
            continue
        for r in range(2, rows + 2):
            ws.cell(row=r, column=idx).fill = EDITABLE_FILL


def build_workbook(user: AnyUser, region: Region, period: Period) -> bytes:
    """The prefilled workbook of every report of `region` × `period` the user may change."""
    reports = importable_reports(user, region, period)
    wb = Workbook()
    guide: Any = wb.active
    guide.title = "Petunjuk"
    for line in (
        [_("Impor data triwulan e-SPM")],
        [_("Wilayah"), f"{region.code} {region.name}"],
        [_("Periode"), str(period)],
        [_("Dibuat"), timezone.localtime().strftime("%d-%m-%Y %H:%M")],
        [],
        [_("Isi hanya sel berwarna kuning. Jangan ubah kode wilayah, kode layanan, kode mutu,")],
        [_("versi dan id_baris: semuanya dicocokkan saat unggah.")],
        [_("Angka ditulis tanpa pemisah ribuan atau dengan titik (1.250); desimal dengan koma.")],
        [_("Tahap: Belum dilaksanakan / Sedang dilaksanakan / Selesai. Terpenuhi: ya / tidak.")],
        [_("Anggaran: baris dengan id_baris diperbarui; baris tanpa id_baris ditambahkan.")],
        [_("Saat unggah Anda melihat pratinjau dan perbedaan; tidak ada yang disimpan sebelum")],
        [_("Anda menyetujui, dan satu baris yang salah membatalkan seluruh impor.")],
    ):
        guide.append(list(line))
    guide.column_dimensions["A"].width = 30
    guide.column_dimensions["B"].width = 60

    services_ws = wb.create_sheet("Layanan")
    _header(services_ws, SERVICE_COLUMNS)
    stage_list = DataValidation(
        type="list", formula1='"' + ",".join(STAGE_CODES.values()) + '"', allow_blank=True
    )
    services_ws.add_data_validation(stage_list)
    for report in reports:
        stages = {s.stage: s for s in report.stages.all()}
        services_ws.append(
            safe_row(
                [
                    region.code,
                    report.service_type.code,
                    report.service_type.name,
                    report.agency.short_name if report.agency else "",
                    report.get_status_display(),
                    report.version,
                    report.recipients_target,
                    report.recipients_served,
                    report.problems,
                    report.solutions,
                    *[
                        STAGE_CODES.get(stages[n].status, "") if n in stages else ""
                        for n in (1, 2, 3, 4)
                    ],
                ]
            )
        )
    stage_list.add(f"K2:N{len(reports) + 1}")
    _mark_editable(services_ws, SERVICE_COLUMNS, len(reports))
    services_ws.column_dimensions["C"].width = 50

    quality_ws = wb.create_sheet("Mutu")
    _header(quality_ws, QUALITY_COLUMNS)
    count = 0
    for report in reports:
        for row in report.quality.all():
            item = row.quality_item
            quality_ws.append(
                safe_row(
                    [
                        region.code,
                        report.service_type.code,
                        item.code,
                        item.description,
                        item.unit,
                        row.required,
                        row.realised if item.has_quantity else None,
                        None
                        if item.has_quantity or row.met is None
                        else ("ya" if row.met else "tidak"),
                    ]
                )
            )
            count += 1
    _mark_editable(quality_ws, QUALITY_COLUMNS, count)
    quality_ws.column_dimensions["D"].width = 60

    budget_ws = wb.create_sheet("Anggaran")
    _header(budget_ws, BUDGET_COLUMNS)
    count = 0
    for report in reports:
        for budget_line in report.budget_lines.all():
            budget_ws.append(
                safe_row(
                    [
                        region.code,
                        report.service_type.code,
                        budget_line.pk,
                        budget_line.activity_code,
                        budget_line.activity_name,
                        budget_line.sub_activity_code,
                        budget_line.sub_activity_name,
                        budget_line.allocated,
                        budget_line.realised,
                    ]
                )
            )
            count += 1
    _mark_editable(budget_ws, BUDGET_COLUMNS, count + BLANK_BUDGET_ROWS)

    meta = wb.create_sheet("_meta")
    for key, value in (
        ("format", FORMAT),
        ("region", region.code),
        ("year", period.year),
        ("quarter", period.quarter),
    ):
        meta.append([key, value])
    meta.sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def filename(region: Region, period: Period) -> str:
    return f"espm-{region.code}-{period.year}-TW{period.quarter}.xlsx"


# ---------------------------------------------------------------- upload


@dataclass
class RowError:
    where: str  # "Lembar Mutu baris 54, kolom G (realisasi)"
    message: str


@dataclass
class ReportPreview:
    report: Report
    changes: list[patch.FieldChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    version: int | None = None
    plan: patch.Plan | None = None
    # Data-quality warnings the import would raise (errors go to `errors` and refuse it).
    warnings: list[RowError] = field(default_factory=list)

    @property
    def shown_changes(self) -> list[tuple[str, str, str]]:
        """(what, now, from Excel) as the form and the sheet word them, never field keys."""
        quality = list(self.report.quality.all())
        return [
            (_change_label(c.field, self.report, quality), _shown(c.old), _shown(c.new))
            for c in self.changes
        ]


def _change_label(key: str, report: Report, quality: list[Any]) -> str:
    if key.startswith("budget_lines["):
        return str(_("Anggaran baris %(n)s") % {"n": int(key[13:].split("]")[0]) + 1})
    return services.field_label(key, report, quality)


def _shown(value: Any) -> str:
    if isinstance(value, str) and value in STAGE_CODES:
        return STAGE_CODES[value]
    if isinstance(value, dict):  # a budget line: code and name, realised of allocated
        return str(
            _("%(code)s %(name)s: realisasi %(realised)s dari pagu %(allocated)s")
            % {
                "code": value.get("sub_activity_code") or value.get("activity_code") or "",
                "name": value.get("sub_activity_name") or value.get("activity_name") or "",
                "realised": services._display(value.get("realised")),
                "allocated": services._display(value.get("allocated")),
            }
        )
    return services._display(value)


@dataclass
class Preview:
    region: Region
    period: Period
    reports: list[ReportPreview] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)  # rows not tied to a known report

    @property
    def all_errors(self) -> list[RowError]:
        return self.errors + [e for r in self.reports for e in r.errors]

    @property
    def ok(self) -> bool:
        return not self.all_errors

    @property
    def changed(self) -> list[ReportPreview]:
        return [r for r in self.reports if r.changes]

    @property
    def all_warnings(self) -> list[RowError]:
        return [w for r in self.reports for w in r.warnings]


def _rows(wb: Any, name: str, columns: list[tuple[str, bool]]) -> list[tuple[int, dict[str, Any]]]:
    if name not in wb.sheetnames:
        raise WorkbookError(_("Lembar %(name)s tidak ada; unduh templat baru.") % {"name": name})
    try:
        return _read_rows(wb[name], name, columns)
    except workbooks.WorkbookTooLarge as exc:
        raise WorkbookError(str(exc)) from exc


def _read_rows(
    ws: Any, name: str, columns: list[tuple[str, bool]]
) -> list[tuple[int, dict[str, Any]]]:
    rows = workbooks.rows(ws)
    header = [str(h or "").strip() for h in next(rows, ())]
    wanted = [c for c, _editable in columns]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise WorkbookError(
            _("Kolom %(cols)s tidak ada di lembar %(name)s; unduh templat baru.")
            % {"cols": ", ".join(missing), "name": name}
        )
    out = []
    for number, values in enumerate(rows, start=2):
        row = dict(zip(header, values, strict=False))
        if all(row.get(c) in (None, "") for c in wanted):
            continue
        out.append((number, row))
    return out


def _letters(wb: Any, name: str) -> dict[str, str]:
    """Column heading → column letter of one sheet, as Excel shows it."""
    header = next(wb[name].iter_rows(max_row=1, values_only=True), ())
    return {str(h or "").strip(): get_column_letter(i) for i, h in enumerate(header, start=1)}


class Cells:
    """Where each field of the upload sits in the workbook: sheet, row, column letter, heading."""

    def __init__(self, wb: Any) -> None:
        self.letters = {name: _letters(wb, name) for name in ("Layanan", "Mutu", "Anggaran")}
        self.at: dict[tuple[str, str], str] = {}  # (service code, field key) → place
        self.rows: dict[str, str] = {}  # service code → its Layanan row

    def place(self, sheet: str, row: int, column: str | None = None) -> str:
        if column is None:
            return str(_("Lembar %(sheet)s baris %(row)s") % {"sheet": sheet, "row": row})
        return str(
            _("Lembar %(sheet)s baris %(row)s, kolom %(letter)s (%(heading)s)")
            % {
                "sheet": sheet,
                "row": row,
                "letter": self.letters[sheet].get(column, "?"),
                "heading": column,
            }
        )

    def mark(self, code: str, key: str, sheet: str, row: int, column: str) -> None:
        self.at[(code, key)] = self.place(sheet, row, column)

    def of(self, code: str, key: str) -> str:
        """The cell behind a field key of ``patch.plan`` (its row when no cell matches)."""
        if (code, key) in self.at:
            return self.at[(code, key)]
        head = key.split(".")[0]
        if (code, head) in self.at:  # budget_lines[3].allocated → the line's row
            return self.at[(code, head)]
        return self.rows.get(code, code)


def _meta(wb: Any) -> dict[str, str]:
    if "_meta" not in wb.sheetnames:
        raise WorkbookError(
            _("Berkas ini bukan templat impor e-SPM; unduh templat dari halaman impor.")
        )
    try:
        return {str(k): str(v) for k, v, *_rest in workbooks.rows(wb["_meta"]) if k is not None}
    except workbooks.WorkbookTooLarge as exc:
        raise WorkbookError(str(exc)) from exc


def _cell(value: Any) -> Any:
    """A cell as the form would receive it: text stays text, numbers keep their value."""
    if isinstance(value, str):
        value = value.strip()
        # The download escaped text that looks like a formula ('=…); take it back as typed.
        if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
            value = value[1:]
        return value
    return value


def _stage_code(value: Any) -> str | None:
    text = str(value or "").strip()
    if not text:
        return ""
    if text in STAGE_CODES:
        return text
    return STAGE_LABELS.get(text.lower())


def open_workbook(upload: IO[bytes]) -> Any:
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise WorkbookError(_("Berkas lebih dari 5 MB."))
    try:
        return workbooks.open_workbook(data)  # declared sizes checked, then streamed
    except workbooks.WorkbookTooLarge as exc:
        raise WorkbookError(str(exc)) from exc
    except workbooks.NotAWorkbook as exc:
        raise WorkbookError(_("Berkas tidak terbaca sebagai lembar kerja Excel (.xlsx).")) from exc


def preview(user: AnyUser, region: Region, period: Period, upload: IO[bytes]) -> Preview:
    """Validate the whole workbook; nothing is written."""
    wb = open_workbook(upload)
    meta = _meta(wb)
    if meta.get("format") != FORMAT:
        raise WorkbookError(_("Versi templat tidak dikenal; unduh templat baru."))
    if (meta.get("region"), meta.get("year"), meta.get("quarter")) != (
        region.code,
        str(period.year),
        str(period.quarter),
    ):
        raise WorkbookError(
            _(
                "Templat ini untuk wilayah %(r)s, %(y)s TW %(q)s — bukan untuk %(region)s %(period)s."
            )
            % {
                "r": meta.get("region"),
                "y": meta.get("year"),
                "q": meta.get("quarter"),
                "region": region.code,
                "period": period,
            }
        )
    service_rows = _rows(wb, "Layanan", SERVICE_COLUMNS)
    quality_rows = _rows(wb, "Mutu", QUALITY_COLUMNS)
    budget_rows = _rows(wb, "Anggaran", BUDGET_COLUMNS)
    cells = Cells(wb)

    result = Preview(region, period)
    mine = {r.service_type.code: r for r in importable_reports(user, region, period)}
    data: dict[str, dict[str, Any]] = defaultdict(dict)
    versions: dict[str, int | None] = {}
    where: dict[str, str] = {}

    def known(sheet: str, number: int, row: dict[str, Any]) -> str | None:
        place = cells.place(sheet, number)
        region_code = str(row.get("kode_wilayah") or "").strip()
        code = str(row.get("kode_layanan") or "").strip()
        if region_code != region.code:
            result.errors.append(
                RowError(
                    place,
                    _("Kode wilayah %(got)s bukan %(want)s; baris wilayah lain tidak diterima.")
                    % {"got": region_code or "—", "want": region.code},
                )
            )
            return None
        if code not in mine:
            result.errors.append(
                RowError(
                    place,
                    _("Kode layanan %(code)s tidak dikenal atau bukan laporan yang boleh Anda isi.")
                    % {"code": code or "—"},
                )
            )
            return None
        where.setdefault(code, place)
        return code

    for number, row in service_rows:
        code = known("Layanan", number, row)
        if code is None:
            continue
        cells.rows[code] = cells.place("Layanan", number)
        for key, column in SERVICE_FIELDS.items():
            cells.mark(code, key, "Layanan", number, column)
        for n in (1, 2, 3, 4):
            cells.mark(code, f"stages.{n}.status", "Layanan", number, f"tahap_{n}")
        version = row.get("versi")
        try:
            versions[code] = int(version)  # type: ignore[arg-type]  # None/text → caught below
        except (TypeError, ValueError):
            result.errors.append(
                RowError(
                    cells.place("Layanan", number, "versi"),
                    _("Kolom versi diubah; unduh templat baru."),
                )
            )
        entry = data[code]
        entry["recipients_served"] = _cell(row.get("penerima_terlayani"))
        entry["problems"] = _cell(row.get("permasalahan")) or ""
        entry["solutions"] = _cell(row.get("solusi")) or ""
        stages = []
        for n in (1, 2, 3, 4):
            status = _stage_code(row.get(f"tahap_{n}"))
            if status is None:
                result.errors.append(
                    RowError(
                        cells.place("Layanan", number, f"tahap_{n}"),
                        _(
                            "tahap_%(n)s: pilih Belum dilaksanakan, Sedang dilaksanakan atau Selesai."
                        )
                        % {"n": n},
                    )
                )
                continue
            stages.append({"stage": n, "status": status})
        entry["stages"] = stages

    for number, row in quality_rows:
        code = known("Mutu", number, row)
        if code is None:
            continue
        item = {"code": str(row.get("kode_mutu") or "").strip()}
        for key, column in QUALITY_FIELDS.items():
            cells.mark(code, f"quality.{item['code']}.{key}", "Mutu", number, column)
        cells.mark(
            code, f"quality[{len(data[code].get('quality', []))}]", "Mutu", number, "kode_mutu"
        )
        report = mine[code]
        current = next(
            (q for q in report.quality.all() if q.quality_item.code == item["code"]), None
        )
        if current is not None and current.quality_item.has_quantity:
            item["realised"] = _cell(row.get("realisasi"))
            required = _cell(row.get("jumlah_minimal"))
            if patch.as_text(required) != patch.as_text(current.required):
                item["required"] = required
        else:
            item["met"] = _cell(row.get("terpenuhi"))
        data[code].setdefault("quality", []).append(item)

    for number, row in budget_rows:
        code = known("Anggaran", number, row)
        if code is None:
            continue
        n = len(data[code].get("budget_lines", []))
        cells.at[(code, f"budget_lines[{n}]")] = cells.place("Anggaran", number)
        for key, column in BUDGET_FIELDS.items():
            cells.mark(code, f"budget_lines[{n}].{key}", "Anggaran", number, column)
        data[code].setdefault("budget_lines", []).append(
            {
                "id": row.get("id_baris"),
                "activity_code": _cell(row.get("kode_kegiatan")),
                "activity_name": _cell(row.get("nama_kegiatan")),
                "sub_activity_code": _cell(row.get("kode_sub_kegiatan")),
                "sub_activity_name": _cell(row.get("nama_sub_kegiatan")),
                "allocated": _cell(row.get("pagu")),
                "realised": _cell(row.get("realisasi")),
            }
        )

    for code, values in data.items():
        report = mine[code]
        preview_item = ReportPreview(report, version=versions.get(code))
        result.reports.append(preview_item)
        if preview_item.version is None:
            # Without the downloaded version a concurrent change could be overwritten unseen.
            preview_item.errors.append(
                RowError(
                    where[code],
                    _("Baris Layanan %(code)s (dengan kolom versi) tidak ada; unduh templat baru.")
                    % {"code": code},
                )
            )
            continue
        plan = patch.plan(report, values)
        preview_item.plan = plan
        for key, messages in plan.errors.items():
            for message in messages:
                preview_item.errors.append(RowError(cells.of(code, key), f"{code}: {message}"))
        if not plan.ok:
            continue
        preview_item.changes = plan.changes
        if plan.changed:
            reason = entry_lock_reason(report, user)
            if reason:
                preview_item.errors.append(RowError(cells.rows.get(code, where[code]), reason))
            elif versioning.is_stale(report.version, preview_item.version):
                # Changed since the download: merged field by field (rules.merge); only a cell
                # someone else changed differently meanwhile is refused.
                base = patch.values_at(report, preview_item.version)
                wanted = patch.mine_of(plan)
                outcome = (
                    merge.merge(base, wanted, services.field_values(report))
                    if base is not None
                    else merge.Outcome(conflicts=list(wanted))
                )
                preview_item.changes = [
                    c
                    for c in plan.changes
                    if c.field in outcome.writes or c.field.startswith("budget_lines[")
                ]
                if outcome.conflicts:
                    preview_item.errors.append(
                        RowError(
                            cells.rows.get(code, where[code]),
                            _(
                                "Laporan telah diubah (versi %(now)s, templat versi %(was)s) oleh "
                                "%(who)s, dan isian ini diubah berbeda di kedua tempat: %(fields)s. "
                                "Samakan isiannya atau unduh templat baru."
                            )
                            % {
                                "now": report.version,
                                "was": preview_item.version,
                                "who": report.updated_by or _("pengguna lain"),
                                "fields": ", ".join(
                                    services.field_label(k, report, report.quality.all())
                                    for k in outcome.conflicts
                                ),
                            },
                        )
                    )
    _quality_checks(user, result, cells)
    return result


class _Rollback(Exception):
    pass


def _check_key(check: ReportCheck, budget_index: dict[int, int]) -> str:
    """The field key (``patch.plan``'s, marked in ``Cells``) behind a data-quality flag."""
    if check.section == "quality" and check.item_key:
        return f"quality.{check.item_key}.realised"
    if check.item_key.startswith("stage:"):
        return f"stages.{check.item_key[6:]}.status"
    if check.item_key.startswith("line:"):
        return f"budget_lines[{budget_index.get(int(check.item_key[5:]), 0)}].realised"
    return "recipients_served"


def _quality_checks(user: AnyUser, result: Preview, cells: Cells) -> None:
    """What the data-quality rules would flag after this import, placed on the sheet's cells.

    The import is written in a transaction that is rolled back (the services run as in the
    commit, so the flags are exactly the commit's). A new or changed **error** refuses the
    row like any other error; a new or changed warning is listed (it needs an explanation
    in the form before the report can be submitted). Flags the report already had are not
    repeated.
    """
    items = [i for i in result.reports if i.changes and not i.errors and i.plan is not None]
    if not items:
        return
    ids = [i.report.pk for i in items]
    before = {
        (c.report_id, c.rule_id, c.item_key): c.values
        for c in ReportCheck.objects.filter(report_id__in=ids)
    }
    found: list[tuple[ReportCheck, str, str]] = []  # (flag, its message, its field key)
    try:
        with transaction.atomic():
            for item in items:
                _apply(item, user)
            index = {
                pk: n
                for rid in ids
                for n, pk in enumerate(
                    BudgetLine.objects.filter(report_id=rid)
                    .order_by("order", "id")
                    .values_list("pk", flat=True)
                )
            }
            for c in ReportCheck.objects.filter(report_id__in=ids).select_related("rule"):
                if before.get((c.report_id, c.rule_id, c.item_key)) != c.values:
                    found.append((c, quality_selectors.message(c), _check_key(c, index)))
            raise _Rollback
    except _Rollback:
        pass
    except services.EntryError:
        return  # the commit meets the same refusal and reports it
    by_report = {i.report.pk: i for i in items}
    for c, text, key in found:
        item = by_report[c.report_id]
        code = item.report.service_type.code
        row = RowError(cells.of(code, key), f"{code}: {text}")
        (item.errors if c.is_error else item.warnings).append(row)


def _apply(item: ReportPreview, user: AnyUser) -> None:
    if item.plan is None:
        raise ValueError(f"report {item.report.pk} has changes but no plan")
    patch.apply(item.plan, user, item.version)


@dataclass
class CommitResult:
    reports: int
    changes: int


def commit(user: AnyUser, region: Region, period: Period, upload: IO[bytes]) -> CommitResult:
    """Validate again and write every changed report through the services, all or nothing.

    Raises WorkbookError when the workbook has any refused row; services.EntryError
    (lock, stale version) from a race between preview and commit rolls everything back.
    """
    result = preview(user, region, period, upload)
    if not result.ok:
        raise WorkbookError(
            _("Impor dibatalkan: %(n)s baris bermasalah; tidak ada data yang diubah.")
            % {"n": len(result.all_errors)}
        )
    count = 0
    with transaction.atomic():
        for item in result.changed:
            _apply(item, user)
            count += len(item.changes)
    return CommitResult(len(result.changed), count)


__all__ = [
    "CommitResult",
    "Preview",
    "WorkbookError",
    "build_workbook",
    "commit",
    "filename",
    "importable_reports",
    "preview",
]
