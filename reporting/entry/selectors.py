"""Reads of the data-entry area: home lists, the report list with filters, history, capaian explanation."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import lokal
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from espm.parsing import parse_int
from regions.scoping import Action, AnyUser
from reporting import reads
from reporting.models import (
    BudgetLine,
    Evidence,
    Period,
    Report,
    ReportQuality,
    ReportStage,
)
from reporting.rules import breakdown as breakdown_rules
from reporting.rules import capaian, completeness

SORTS: dict[str, tuple[str, ...]] = {
    "wilayah": ("region__code", "service_type__order"),
    "layanan": ("service_type__order", "region__code"),
    "status": ("status", "region__code", "service_type__order"),
    "capaian": ("capaian_index", "region__code"),
    "-capaian": ("-capaian_index", "region__code"),
    "diubah": ("-updated_at",),
}
NOT_ENTERED = "belum"
INCOMPLETE = "belum-lengkap"  # entered but not complete: no index (rules.completeness)


def with_progress(qs: QuerySet[Report]) -> QuerySet[Report]:
    """Annotate what is still missing, for the operator's to-do list."""
    return qs.annotate(
        n_quality=Count("quality", distinct=True),
        n_quality_missing=Count(
            "quality",
            filter=Q(quality__realised__isnull=True, quality__met__isnull=True),
            distinct=True,
        ),
        n_stages_missing=Count("stages", filter=Q(stages__status=""), distinct=True),
        n_budget=Count("budget_lines", distinct=True),
        n_evidence=Count("evidence", filter=Q(evidence__deleted_at__isnull=True), distinct=True),
    )


def missing_parts(report: Any) -> list[str]:
    """Human list of what an annotated report still lacks."""
    out = []
    if report.recipients_served is None:
        out.append(_("penerima terlayani"))
    if getattr(report, "n_quality_missing", 0):
        out.append(_("%(n)s item mutu") % {"n": report.n_quality_missing})
    if getattr(report, "n_stages_missing", 0):
        out.append(_("%(n)s tahap") % {"n": report.n_stages_missing})
    if not getattr(report, "n_budget", 1):
        out.append(_("anggaran"))
    if not report.problems.strip():
        out.append(_("permasalahan"))
    if not getattr(report, "n_evidence", 1):
        out.append(_("bukti dukung"))
    return out


def agency_reports(agency_id: int, user: AnyUser) -> list[Report]:
    """The agency's reports in the open period(s), with progress, as the operator sees them."""
    qs = (
        Report.objects.visible_to(user)
        .filter(agency_id=agency_id, period__state=Period.State.OPEN)
        .select_related("service_type", "period", "region")
        .prefetch_related("quality", "stages", "service_type__quality_items")
        .order_by("-period__year", "-period__quarter", "service_type__order")
    )
    return list(with_progress(qs))


def submission_missing(report: Report) -> list[str]:
    """What the submit check still asks of a report (``rules.completeness``), from prefetched
    quality rows, stages and the service type's items."""
    answers = completeness.quality_answers(
        report.service_type.quality_items.all(), report.quality.all()
    )
    return completeness.submission_missing(
        report.recipients_served,
        report.recipients_target,
        answers,
        (s.status for s in report.stages.all()),
    )


@dataclass
class ReportFilters:
    period: int | None = None
    region: str = ""
    sector: str = ""
    agency: int | None = None
    status: str = ""
    band: str = ""
    sort: str = "wilayah"

    @classmethod
    def from_query(cls, data: Any) -> ReportFilters:
        def as_int(v: str | None) -> int | None:
            return parse_int(v)

        sort = data.get("urut", "wilayah")
        return cls(
            period=as_int(data.get("periode")),
            region=(data.get("wilayah") or "").strip(),
            sector=(data.get("bidang") or "").strip(),
            agency=as_int(data.get("opd")),
            status=(data.get("status") or "").strip(),
            band=(data.get("capaian") or "").strip(),
            sort=sort if sort in SORTS else "wilayah",
        )

    def to_query(self) -> str:
        """The filters as the page's query string (``from_query`` reads it back); empty ones
        left out, in a fixed order, so equal filters give equal strings."""
        pairs = [
            ("periode", self.period or ""),
            ("wilayah", self.region),
            ("bidang", self.sector),
            ("opd", self.agency or ""),
            ("status", self.status),
            ("capaian", self.band),
            ("urut", "" if self.sort == "wilayah" else self.sort),
        ]
        return urlencode([(k, v) for k, v in pairs if v])


def report_list(user: AnyUser | None, f: ReportFilters) -> QuerySet[Report]:
    """The scoped, filtered, sorted report list used by the page AND the exports."""
    qs = Report.objects.visible_to(user, Action.VIEW).select_related(
        "region", "service_type__sector", "agency", "period"
    )
    if f.period:
        qs = qs.filter(period_id=f.period)
    if f.region:
        qs = qs.filter(region__code=f.region)
    if f.sector:
        qs = qs.filter(service_type__sector__code=f.sector)
    if f.agency:
        qs = qs.filter(agency_id=f.agency)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.band == NOT_ENTERED:
        qs = qs.filter(entered_at__isnull=True)
    elif f.band == INCOMPLETE:
        qs = qs.filter(entered_at__isnull=False, capaian_index__isnull=True)
    elif f.band:
        qs = qs.filter(band=f.band)
    return qs.order_by(*SORTS[f.sort])


def report_table(qs: QuerySet[Report]) -> tuple[list[str], Iterator[list[Any]]]:
    """The report list's download: headers, and its rows read lazily (a national list is
    15k rows: the job reads them in chunks)."""
    # Labels once: get_status_display() re-hashes the lazy choices on every row (15k rows).
    status_label = {value: str(label) for value, label in Report.Status.choices}
    yes, no = _("ya"), _("tidak")
    headers = [
        _("Periode"),
        _("Kode wilayah"),
        _("Wilayah"),
        _("Bidang"),
        _("Kode layanan"),
        _("Jenis pelayanan dasar"),
        _("Perangkat daerah"),
        _("Status"),
        _("Target penerima"),
        _("Penerima terlayani"),
        _("Capaian penerima (%)"),
        _("Capaian mutu (%)"),
        _("Indeks capaian"),
        _("Kategori"),
        _("Keterangan capaian"),
        _("Dihitung dalam angka resmi"),
        _("Pertama diisi"),
        _("Rincian penerima"),
    ]
    # One service type: a column per breakdown group (the catalog's dimensions); several:
    # the breakdown as one "dimensi:kelompok=jumlah; …" cell (docs/data-entry.md).
    group_columns = breakdown_rules.columns(_export_dimensions(qs))
    headers += [header for header, _d, _g in group_columns]
    return headers, _report_rows(qs, group_columns, status_label, yes, no)


# The columns the report list's download reads, as plain values: no model instances (five per
# row with their relations, ≈ half the time of a national export) and no unused datetimes.
EXPORT_FIELDS = (
    "period__year",
    "period__quarter",
    "region__code",
    "region__name",
    "service_type__sector__name",
    "service_type__code",
    "service_type__name",
    "agency__short_name",
    "status",
    "recipients_target",
    "recipients_served",
    "recipients_pct",
    "quality_pct",
    "capaian_index",
    "band",
    "entered_at",
    "recipients_breakdown",
)


def _report_rows(
    qs: QuerySet[Report],
    group_columns: list[tuple[str, str, str]],
    status_label: dict[str, str],
    yes: str,
    no: str,
) -> Iterator[list[Any]]:
    periods: dict[tuple[int, int], str] = {}
    reasons: dict[str, str] = {}
    for (
        year,
        quarter,
        region_code,
        region_name,
        sector,
        service_code,
        service_name,
        agency,
        status,
        target,
        served,
        recipients_pct,
        quality_pct,
        index,
        band,
        entered_at,
        breakdown,
    ) in qs.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000):
        period = periods.get((year, quarter))
        if period is None:
            period = periods[year, quarter] = str(Period(year=year, quarter=quarter))
        stand = completeness.standing(_StoredFigures(index, entered_at, status), provisional=True)
        reason = reasons.get(stand.reason)
        if reason is None:
            reason = reasons[stand.reason] = stand.reason_label
        yield [
            period,
            region_code,
            region_name,
            sector,
            service_code,
            service_name,
            agency or "",
            status_label.get(status, status),
            target,
            served,
            # Half up (capaian.round2), as every page and export: 20.025 → 20.03, not 20.02.
            float(capaian.round2(recipients_pct)) if recipients_pct is not None else None,
            float(capaian.round2(quality_pct)) if quality_pct is not None else None,
            float(capaian.round2(index)) if index is not None else None,
            band,
            reason,
            yes if completeness.counts_values(index, status) else no,
            timezone.localtime(entered_at).strftime("%Y-%m-%d %H:%M") if entered_at else "",
            breakdown_rules.compact(breakdown),
            *[breakdown_rules.cell(breakdown, d, g) for _h, d, g in group_columns],
        ]


@dataclass(frozen=True, slots=True)
class _StoredFigures:
    """What ``completeness.standing`` reads of a report, from one exported row."""

    capaian_index: Decimal | None
    entered_at: Any
    status: str


def _export_dimensions(qs: QuerySet[Report]) -> list[breakdown_rules.Dimension]:
    """The breakdown dimensions of the export's one service type (by code, over its catalog
    editions); none when the export holds several service types."""
    pairs = set(qs.order_by().values_list("service_type__code", "service_type_id").distinct())
    if len({code for code, _id in pairs}) != 1:
        return []
    by_type = breakdown_rules.dimensions_by_service_type(pk for _code, pk in pairs)
    dims: dict[str, breakdown_rules.Dimension] = {}
    for pk in sorted(by_type):
        for dim in by_type[pk]:
            dims.setdefault(dim.key, dim)
    return list(dims.values())


def status_counts(qs: QuerySet[Report]) -> dict[str, int]:
    rows = qs.order_by().values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


def band_counts(qs: QuerySet[Report]) -> dict[str, int]:
    """Reports per band; without a band: not entered, or entered but incomplete."""
    rows = (
        qs.order_by()
        .values("band")
        .annotate(n=Count("id"), entered=Count("id", filter=Q(entered_at__isnull=False)))
    )
    out: dict[str, int] = {}
    for r in rows:
        if r["band"]:
            out[r["band"]] = r["n"]
            continue
        if r["n"] - r["entered"]:
            out[NOT_ENTERED] = r["n"] - r["entered"]
        if r["entered"]:
            out[INCOMPLETE] = r["entered"]
    return out


# ---------------------------------------------------------------- the report page


def required_editable(report: Report) -> bool:
    """Quality minimums come from the year's verified target; without one the OPD fills them."""
    from indicators.models import Target

    return not Target.objects.filter(
        region_id=report.region_id,
        year=report.period.year,
        service_type__code=report.service_type.code,
        status=Target.Status.VERIFIED,
    ).exists()


def report_quality_rows(report: Report) -> list[ReportQuality]:
    return reads.quality_rows_of(report)


def report_stages(report: Report) -> list[ReportStage]:
    return list(report.stages.order_by("stage"))


def report_budget(report: Report) -> list[BudgetLine]:
    return list(report.budget_lines.order_by("order", "id"))


def realised_share(allocated: int, realised: int) -> Decimal | None:
    """The realised share of a budget (%), rounded half up to 2 decimals (``capaian.round2``)
    in Decimal, as the dashboards (``dashboards.selectors.pct``) and the PDFs show it: 1 of
    800 → 0.13, not 0.12. None without an allocation."""
    return capaian.round2(Decimal(realised) * 100 / Decimal(allocated)) if allocated else None


def budget_totals(lines: list[BudgetLine]) -> dict[str, Any]:
    """Allocated and realised rupiah of a report's lines, and the realised share (%)."""
    allocated = sum(line.allocated for line in lines)
    realised = sum(line.realised for line in lines)
    return {
        "allocated": lokal.format_rupiah(allocated),
        "realised": lokal.format_rupiah(realised),
        "pct": realised_share(allocated, realised),
    }


def report_evidence(report: Report) -> list[Evidence]:
    return list(
        report.evidence.filter(deleted_at__isnull=True)
        .select_related("uploaded_by", "stage", "quality__quality_item")
        .order_by("-uploaded_at")
    )


def served_so_far(report: Report) -> list[tuple[str, int | None]]:
    """Earlier quarters of the same year for this service (cumulative figures), for context."""
    rows = (
        Report.objects.filter(
            region_id=report.region_id,
            service_type__code=report.service_type.code,
            period__year=report.period.year,
            period__quarter__lt=report.period.quarter,
        )
        .select_related("period")
        .order_by("period__quarter")
    )
    return [(r.period.quarter_label, r.recipients_served) for r in rows]


def quality_inputs(rows: Iterable[ReportQuality]) -> list[capaian.QualityInput]:
    return [
        capaian.QualityInput(
            required=r.required,
            realised=r.realised,
            has_quantity=r.quality_item.has_quantity,
            met=r.met,
            label=r.quality_item.description,
        )
        for r in rows
    ]


def capaian_of(report: Report, rows: Iterable[ReportQuality] | None = None) -> capaian.Capaian:
    """THE capaian of a report, from its current data (capaian.compute, nothing else)."""
    if rows is None:
        rows = report.quality.select_related("quality_item")
    return capaian.compute(report.recipients_served, report.recipients_target, quality_inputs(rows))


@dataclass(frozen=True)
class Explanation:
    """The capaian panel: inputs and arithmetic, so a verifier sees why a band."""

    result: capaian.Capaian
    entered: bool
    # What keeps the report from having an index (rules.completeness); empty = complete.
    missing: list[str]
    w_r_pct: Decimal
    w_q_pct: Decimal
    recipients_part: Decimal
    quality_part: Decimal
    items: list[tuple[ReportQuality, capaian.QualityTerm]]


def explain(report: Report, rows: list[ReportQuality]) -> Explanation:
    c = capaian_of(report, rows)
    answers = completeness.quality_answers(reads.quality_items_of(report), rows)
    return Explanation(
        result=c,
        entered=report.entered_at is not None,
        missing=completeness.index_missing(
            report.recipients_served, report.recipients_target, answers
        ),
        w_r_pct=c.weights[0] * 100,
        w_q_pct=c.weights[1] * 100,
        recipients_part=capaian.round2(c.weights[0] * c.recipients_pct),
        quality_part=capaian.round2(c.weights[1] * c.quality_pct),
        items=list(zip(rows, c.quality_terms, strict=True)),
    )


# ---------------------------------------------------------------- history (Riwayat)


@dataclass
class HistoryEntry:
    at: Any
    user: str
    what: str
    kind: str  # created / changed / deleted
    changes: list[tuple[str, str, str]]


SKIP_FIELDS = {
    "id",
    "version",
    "updated_at",
    "updated_by",
    "created_at",
    "entered_at",
    "recipients_pct",
    "quality_pct",
    "flag_no_target",
    "flag_over_target",
    "flag_zero_required",
    "report",
    "file",
    "sha256",
    "order",
}


FIRST_ENTRY_FIELDS: dict[Any, tuple[str, ...]] = {
    Report: ("recipients_served", "recipients_breakdown", "problems", "solutions"),
    ReportQuality: ("required", "realised", "met"),
    ReportStage: ("status", "note"),
}


# Fields without an Indonesian verbose_name, named as the report page names them.
FIELD_LABELS: dict[str, Any] = {
    "status": gettext_lazy("Status"),
    "capaian_index": gettext_lazy("Indeks capaian"),
    "band": gettext_lazy("Kategori"),
    "submitted_at": gettext_lazy("Waktu diajukan"),
    "verified_at": gettext_lazy("Waktu diverifikasi"),
    "agency": gettext_lazy("Perangkat daerah"),
    "original_name": gettext_lazy("Nama berkas"),
    "content_type": gettext_lazy("Jenis berkas"),
    "size": gettext_lazy("Ukuran (byte)"),
    "stage": gettext_lazy("Tahap"),
    "quality": gettext_lazy("Butir mutu"),
    "uploaded_by": gettext_lazy("Diunggah oleh"),
    "uploaded_at": gettext_lazy("Waktu unggah"),
    "deleted_at": gettext_lazy("Waktu dihapus"),
    "deleted_by": gettext_lazy("Dihapus oleh"),
}
TWO_DECIMALS = {"capaian_index", "recipients_pct", "quality_pct"}


def _fmt(value: Any, name: str = "") -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    # Numbers as the page shows them: "264.250", "82,10", "1.706,5".
    if isinstance(value, int):
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    if isinstance(value, Decimal):
        if name in TWO_DECIMALS:
            return number_format(capaian.round2(value), 2, use_l10n=True, force_grouping=True)
        exponent = value.normalize().as_tuple().exponent
        places = max(0, -exponent) if isinstance(exponent, int) else 0
        return number_format(value, places, use_l10n=True, force_grouping=True)
    return str(value)


def _label(model: Any, name: str) -> str:
    try:
        verbose = str(model._meta.get_field(name).verbose_name)
    except Exception:
        verbose = name
    if verbose == name.replace("_", " ") and name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    return verbose


def _what(model: Any, rec: Any) -> str:
    if model is ReportQuality:
        return _("Mutu: %(item)s") % {
            "item": rec.quality_item.description if rec.quality_item_id else ""
        }
    if model is ReportStage:
        return _("Tahap: %(s)s") % {
            "s": dict(ReportStage._meta.get_field("stage").choices or []).get(rec.stage, rec.stage)
        }
    if model is BudgetLine:
        return _("Anggaran: %(code)s %(name)s") % {
            "code": rec.sub_activity_code or rec.activity_code,
            "name": rec.sub_activity_name or rec.activity_name,
        }
    if model is Evidence:
        return _("Bukti dukung: %(name)s") % {"name": rec.original_name}
    return _("Laporan")


def _choice_display(model: Any, name: str, value: Any) -> str:
    try:
        choices = dict(model._meta.get_field(name).choices or [])
    except Exception:
        choices = {}
    return str(choices.get(value, _fmt(value, name))) if choices else _fmt(value, name)


def history(report: Report, limit: int = 300) -> list[HistoryEntry]:
    """Every recorded change to the report and its parts, newest first, old → new values."""
    entries: list[HistoryEntry] = []
    dims = breakdown_rules.dimensions_of(report.service_type)

    def shown(model: Any, name: str, value: Any) -> str:
        if model is Report and name == "recipients_breakdown":
            return breakdown_rules.describe(value, dims)
        return _choice_display(model, name, value)

    sources: list[tuple[Any, QuerySet[Any]]] = [
        (Report, Report.history.filter(id=report.pk)),
        (
            ReportQuality,
            ReportQuality.history.filter(report_id=report.pk).select_related("quality_item"),
        ),
        (ReportStage, ReportStage.history.filter(report_id=report.pk)),
        (BudgetLine, BudgetLine.history.filter(report_id=report.pk)),
        (Evidence, Evidence.history.filter(report_id=report.pk)),
    ]
    for model, qs in sources:
        previous: dict[int, Any] = {}
        for rec in qs.select_related("history_user").order_by("history_date", "history_id"):
            prev = previous.get(rec.id)
            previous[rec.id] = rec
            changes: list[tuple[str, str, str]] = []
            if rec.history_type == "~" and prev is None:
                # Rows bulk-created by a period opening have no "+" record: diff against empty.
                for name in FIRST_ENTRY_FIELDS.get(model, ()):
                    value = getattr(rec, name)
                    if value not in (None, "", {}, []):
                        changes.append((_label(model, name), "—", shown(model, name, value)))
                if not changes:
                    continue
            elif rec.history_type == "~" and prev is not None:
                delta = rec.diff_against(prev)
                for ch in delta.changes:
                    if ch.field in SKIP_FIELDS:
                        continue
                    changes.append(
                        (
                            _label(model, ch.field),
                            shown(model, ch.field, ch.old),
                            shown(model, ch.field, ch.new),
                        )
                    )
                if not changes:
                    continue
            kind = {"+": "created", "~": "changed", "-": "deleted"}[rec.history_type]
            if model is Evidence and rec.deleted_at and prev is not None and not prev.deleted_at:
                kind = "deleted"
            if kind == "created" and model in (ReportQuality, ReportStage) and prev is None:
                continue  # the prefilled rows of a period opening are not user changes
            entries.append(
                HistoryEntry(
                    at=rec.history_date,
                    user=str(rec.history_user) if rec.history_user else _("sistem"),
                    what=_what(model, rec),
                    kind=kind,
                    changes=changes,
                )
            )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
