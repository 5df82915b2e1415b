"""API: periods (Bangda manages them), quarterly reports (read, update, workflow actions,
timeline), evidence, region submissions (steps, timeline, province recap), the caller's
notifications and dashboards.

Reads go through the scoping layer and the pages' selectors (reporting.review.selectors,
reporting.recap); writes call the same services as the pages (reporting.services,
reporting.workflow, reporting.dashboards), so no rule lives here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from espm import versioning
from espm.api_base import ERROR_DESCRIPTIONS, Conflict, ErrorSerializer, Pagination
from regions.models import Level, Region
from regions.scoping import Action, AnyUser, scoped_get, sees_everything
from reporting import (
    locks,
    notifications,
    patch,
    recap,
    services,
    workflow,
)
from reporting.dashboards import selectors as dashboards
from reporting.evidence import SERVED_TYPE, open_stored
from reporting.forms import PeriodForm, YearForm
from reporting.models import (
    BudgetLine,
    Evidence,
    Notification,
    Period,
    PeriodOpening,
    RegionSubmission,
    Report,
    ReportCheck,
    ReportQuality,
    ReportStage,
    ReviewNote,
    Section,
    WorkflowEvent,
)
from reporting.quality import check_api
from reporting.quality.api import DataQualityView
from reporting.review import selectors as review_selectors
from reporting.review import services as review_services
from reporting.rules import annual, completeness, universe, windows
from reporting.rules import breakdown as breakdown_rules
from reporting.rules.capaian import round2

if TYPE_CHECKING:
    from indicators.models import ServiceType
    from regions.models import Agency

# ---------------------------------------------------------------- periods


class PeriodSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="quarter_label", read_only=True)  # type: ignore[assignment]

    class Meta:
        model = Period
        fields = [
            "id",
            "year",
            "quarter",
            "label",
            "due_date",
            "state",
            "allow_late",
            "opened_at",
            "closed_at",
            "version",
        ]


class PeriodFilter(filters.FilterSet):
    year = filters.NumberFilter(min_value=2000, max_value=2100)
    quarter = filters.NumberFilter(min_value=1, max_value=4)
    state = filters.ChoiceFilter(choices=Period.State.choices)
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")

    class Meta:
        model = Period
        fields = ["year", "quarter", "state", "due_before", "due_after"]


def _form_messages(form_class: type[forms.Form], name: str, **aliases: str) -> dict[str, Any]:
    """The page form field's own messages, for the API field that types the same input.

    `aliases` maps a DRF-only error key to the form's key that says the same (e.g. null → required).
    """
    messages = dict(form_class.base_fields[name].error_messages)
    for drf_key, form_key in aliases.items():
        messages[drf_key] = messages[form_key]
    return messages


def _form_cleaned(form_class: type[forms.Form], values: dict[str, Any]) -> dict[str, Any]:
    """Run the page's form on the typed values: its rules and messages, errors in the API shape."""
    form = form_class(values)
    if not form.is_valid():
        raise exceptions.ValidationError(
            {
                ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
                for name, messages in form.errors.items()
            }
        )
    return form.cleaned_data


_YEAR = YearForm.base_fields["year"]


class PeriodCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=_YEAR.min_value,  # type: ignore[attr-defined]
        max_value=_YEAR.max_value,  # type: ignore[attr-defined]
        error_messages=_form_messages(YearForm, "year", null="required"),
        help_text="Tahun pelaporan; TW I–IV dibuat bila belum ada (idempoten).",
    )


class PeriodUpdateSerializer(serializers.Serializer):
    """Only what is sent changes; the rest keeps its current value (PATCH)."""

    due_date = serializers.DateField(
        required=False,
        error_messages=_form_messages(PeriodForm, "due_date", null="required", datetime="invalid"),
        help_text="Batas waktu pengisian (YYYY-MM-DD).",
    )
    allow_late = serializers.BooleanField(
        required=False, help_text="Izinkan pengisian setelah batas waktu (ditandai terlambat)."
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Versi periode yang Anda baca (atau header If-Match). Wajib salah satunya "
        "bila ada yang diubah; versi lama: 409 (412 lewat If-Match).",
    )


class PeriodOpeningSerializer(serializers.ModelSerializer):
    """One run of opening a period (a Celery job); poll `periods/{id}/opening/` until finished."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)

    class Meta:
        model = PeriodOpening
        fields = [
            "id",
            "period",
            "status",
            "status_label",
            "progress",
            "regions_done",
            "regions_total",
            "reports_created",
            "submissions_created",
            "message",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class PeriodOpenResultSerializer(PeriodOpeningSerializer):
    started = serializers.BooleanField(
        read_only=True,
        help_text="true: proses baru dimulai; false: proses yang sedang berjalan dikembalikan.",
    )

    class Meta(PeriodOpeningSerializer.Meta):
        fields = [*PeriodOpeningSerializer.Meta.fields, "started"]
        read_only_fields = fields


class UniverseChangeInSerializer(serializers.Serializer):
    add = serializers.ListField(
        child=serializers.CharField(max_length=13), required=False, default=list, max_length=600
    )
    remove = serializers.ListField(
        child=serializers.CharField(max_length=13), required=False, default=list, max_length=600
    )
    reason = serializers.CharField(max_length=2000, help_text="Wajib: mengapa diubah.")


class UniverseChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    kind = serializers.CharField(help_text="snapshot (saat dibuka) atau edit (oleh Bangda).")
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField(allow_blank=True)


class UniverseSerializer(serializers.Serializer):
    """The regions a period is measured against (``reporting.rules.universe``)."""

    period = serializers.IntegerField()
    fixed = serializers.BooleanField(
        help_text="true: ditetapkan saat periode dibuka; false: mengikuti daftar wilayah kini."
    )
    counts = serializers.DictField(child=serializers.IntegerField())
    total = serializers.IntegerField()
    regions = serializers.ListField(child=serializers.CharField(), help_text="Kode wilayah.")
    changes = UniverseChangeSerializer(many=True)


def universe_data(period: Period) -> dict[str, Any]:
    counts = universe.counts(period)
    return {
        "period": period.pk,
        "fixed": universe.has_snapshot(period),
        "counts": counts,
        "total": sum(counts.values()),
        "regions": list(
            universe.regions_of(period).order_by("code").values_list("code", flat=True)
        ),
        "changes": [
            {
                "at": c.at,
                "actor": str(c.actor) if c.actor else None,
                "kind": c.kind,
                "added": c.added,
                "removed": c.removed,
                "reason": c.reason,
            }
            for c in period.universe_changes.select_related("actor")
        ],
    }


class BangdaOnly(permissions.BasePermission):
    """Managing the national calendar is Bangda's, as on the period pages (`sees_everything`)."""

    message = _("Hanya admin Bangda yang dapat mengelola periode pelaporan.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return sees_everything(request.user)


def _period_step_schema(summary: str, responses: dict[Any, Any]) -> Any:
    return extend_schema(tags=["periods"], summary=summary, request=None, responses=responses)


@extend_schema_view(
    list=extend_schema(tags=["periods"], summary="Periode pelaporan (triwulan)"),
    retrieve=extend_schema(tags=["periods"], summary="Satu periode"),
    create=extend_schema(
        tags=["periods"],
        summary="Sediakan periode TW I–IV satu tahun (admin Bangda; idempoten)",
        request=PeriodCreateSerializer,
        responses={201: PeriodSerializer(many=True)},
    ),
    partial_update=extend_schema(
        tags=["periods"],
        summary="Ubah batas waktu dan izin terlambat satu periode (admin Bangda)",
        request=PeriodUpdateSerializer,
        parameters=[versioning.IF_MATCH],
        responses={200: PeriodSerializer},
    ),
)
class PeriodViewSet(viewsets.ReadOnlyModelViewSet):
    """Periods are national: every signed-in user sees the same calendar; Bangda manages it.

    The writes are the period page's buttons: its forms (`YearForm`, `PeriodForm`) and services
    (`ensure_periods`, `update_period`, `request_open_period`, `close_period`).
    """

    serializer_class = PeriodSerializer
    pagination_class = Pagination
    filterset_class = PeriodFilter
    lookup_value_regex = r"[^/]+"
    queryset = Period.objects.none()
    bangda_actions = frozenset({"create", "partial_update", "open", "opening", "close", "universe"})

    def get_queryset(self) -> QuerySet[Period]:
        return Period.objects.order_by("-year", "-quarter")

    def get_permissions(self) -> list[Any]:
        checks = list(super().get_permissions())
        if self.action in self.bangda_actions:
            checks.append(BangdaOnly())
        return checks

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = PeriodCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        year = _form_cleaned(YearForm, dict(form.validated_data))["year"]
        periods = services.ensure_periods(year, request.user)
        return Response(
            self.get_serializer(periods, many=True).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        period = self.get_object()
        form = PeriodUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        sent = dict(form.validated_data)
        body_version = sent.pop("version", None)
        if not sent:  # nothing sent: nothing to change or record
            return Response(self.get_serializer(period).data)
        seen = versioning.seen(request, body_version)
        version = seen.required(_("Kirim versi periode yang Anda baca (version atau If-Match)."))
        values = {"due_date": period.due_date, "allow_late": period.allow_late, **sent}
        cleaned = _form_cleaned(PeriodForm, {**values, "version": version})
        try:
            updated = services.update_period(period.pk, request.user, **cleaned)
        except services.PeriodChanged as exc:
            raise versioning.stale_error(
                str(exc),
                from_header=seen.from_header,
                current=self.get_serializer(exc.period).data,
            ) from exc
        return Response(self.get_serializer(updated).data)

    @_period_step_schema(
        "Buka periode untuk semua wilayah (admin Bangda): tugas latar; pantau di opening/",
        {202: PeriodOpenResultSerializer},
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def open(self, request: Request, pk: str | None = None) -> Response:
        """Queue the opening job, or join the one already running (never two at once)."""
        period = self.get_object()
        try:
            job, started = services.request_open_period(period.pk, request.user)
        except services.PeriodError as exc:
            raise exceptions.ValidationError({"non_field_errors": [str(exc)]}) from exc
        job.refresh_from_db()  # eager Celery (no broker) may have run it already
        body = {**PeriodOpeningSerializer(job).data, "started": started}
        response = Response(body, status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("api:period-opening", kwargs={"pk": period.pk})
        return response

    @_period_step_schema(
        "Proses pembukaan terakhir periode ini: status dan kemajuan (admin Bangda)",
        {200: PeriodOpeningSerializer},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def opening(self, request: Request, pk: str | None = None) -> Response:
        """The newest opening job of the period, finished or not (the period page's row)."""
        period = self.get_object()
        job = period.openings.select_related("requested_by").first()  # newest (Meta.ordering)
        if job is None:
            raise exceptions.NotFound(_("Periode ini belum pernah dibuka."))
        return Response(PeriodOpeningSerializer(job).data)

    @extend_schema(
        methods=["GET"],
        tags=["periods"],
        summary="Wilayah pelapor periode: penyebut semua angka periode ini (admin Bangda)",
        responses={200: UniverseSerializer},
    )
    @extend_schema(
        methods=["POST"],
        tags=["periods"],
        summary="Tambah/keluarkan wilayah pelapor periode dengan alasan (admin Bangda)",
        request=UniverseChangeInSerializer,
        responses={200: UniverseSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def universe(self, request: Request, pk: str | None = None) -> Response:
        """``rules.universe.change`` with a recorded reason; a refused change writes nothing."""
        period = self.get_object()
        if request.method == "POST":
            form = UniverseChangeInSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            try:
                universe.change(period, request.user, **form.validated_data)
            except universe.UniverseError as exc:
                raise exceptions.ValidationError({"non_field_errors": [str(exc)]}) from exc
        return Response(UniverseSerializer(universe_data(period)).data)

    @_period_step_schema(
        "Tutup periode yang sedang dibuka (admin Bangda); periode lain: 409 refused",
        {200: PeriodSerializer},
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def close(self, request: Request, pk: str | None = None) -> Response:
        """`services.close_period`; a period that is not open is a refused step (409)."""
        period = self.get_object()
        try:
            closed = services.close_period(period.pk, request.user)
        except services.PeriodError as exc:
            period.refresh_from_db()
            raise Conflict(str(exc), code="refused", current={"state": period.state}) from exc
        return Response(self.get_serializer(closed).data)


# ---------------------------------------------------------------- reports


class CapaianSerializer(serializers.Serializer):
    """The stored capaian of a report (reporting.rules.capaian), rounded to 2 decimals for display."""

    recipients_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    quality_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    index = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        allow_null=True,
        help_text="Null bila laporan belum lengkap atau belum diisi (tidak pernah 0 karena "
        "kosong); alasannya di `reason`.",
    )
    band = serializers.CharField(allow_blank=True)
    reason = serializers.ChoiceField(
        choices=["", completeness.NOT_ENTERED, completeness.INCOMPLETE],
        allow_blank=True,
        help_text="Mengapa tidak ada indeks: not_entered (belum diisi), incomplete (belum "
        "lengkap); kosong bila ada indeks.",
    )
    reason_label = serializers.CharField(allow_blank=True)
    official = serializers.BooleanField(
        help_text="Dihitung dalam angka resmi (laporan lengkap dan terverifikasi)."
    )
    no_target = serializers.BooleanField()
    over_target = serializers.BooleanField()
    zero_required = serializers.BooleanField(
        help_text="Ada butir mutu dengan jumlah minimal 0 (dihitung 100, ditandai)."
    )


def capaian_of(report: Report) -> dict[str, Any]:
    """A report's own capaian (``rules.completeness.standing``, drafts included)."""

    def r(value: Any) -> Any:
        return round2(value) if value is not None else None

    stand = completeness.standing(report, provisional=True)
    return {
        "recipients_pct": r(report.recipients_pct),
        "quality_pct": r(report.quality_pct),
        "index": r(stand.index),
        "band": report.band if stand.index is not None else "",
        "reason": stand.reason,
        "reason_label": stand.reason_label,
        "official": completeness.counts(report),
        "no_target": report.flag_no_target,
        "over_target": report.flag_over_target,
        "zero_required": report.flag_zero_required,
    }


class ReportQualitySerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="quality_item.code", read_only=True)
    description = serializers.CharField(source="quality_item.description", read_only=True)
    unit = serializers.CharField(source="quality_item.unit", read_only=True)
    has_quantity = serializers.BooleanField(source="quality_item.has_quantity", read_only=True)

    class Meta:
        model = ReportQuality
        fields = ["code", "description", "unit", "has_quantity", "required", "realised", "met"]


class ReportStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportStage
        fields = ["stage", "status", "note"]


class BudgetLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = BudgetLine
        fields = [
            "id",
            "activity_code",
            "activity_name",
            "sub_activity_code",
            "sub_activity_name",
            "allocated",
            "realised",
            "order",
        ]


class ReviewNoteSerializer(serializers.ModelSerializer):
    """The verifier's note on one section of the report form (read-only here)."""

    section_label = serializers.CharField(
        source="get_section_display", read_only=True, help_text="Nama bagian seperti di formulir."
    )
    author = serializers.CharField(
        source="author.username", read_only=True, help_text="Nama pengguna verifikator."
    )
    author_name = serializers.CharField(
        source="author", read_only=True, help_text="Nama tampilan verifikator."
    )

    class Meta:
        model = ReviewNote
        fields = ["section", "section_label", "text", "author", "author_name", "updated_at"]
        read_only_fields = fields


class ReviewNoteInSerializer(serializers.Serializer):
    section = serializers.ChoiceField(
        choices=Section.choices, help_text="Bagian formulir laporan yang diberi catatan."
    )
    text = serializers.CharField(
        allow_blank=True,
        max_length=review_services.NOTE_MAX_LENGTH,
        help_text="Isi catatan; kosong menghapus catatan bagian ini.",
    )


class PeriodRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = ["id", "year", "quarter"]


class BreakdownGroupValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField(allow_null=True, help_text="Kosong (null) bila belum diisi.")


class BreakdownDimensionValueSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Kode dimensi katalog, mis. jenis_kelamin.")
    label = serializers.CharField()  # type: ignore[assignment]
    sums_to_total = serializers.BooleanField(
        help_text="Bila lengkap, jumlah kelompok semestinya sama dengan recipients_served."
    )
    complete = serializers.BooleanField(help_text="Semua kelompok terisi.")
    total = serializers.IntegerField(allow_null=True, help_text="Jumlah bila lengkap, else null.")
    groups = BreakdownGroupValueSerializer(many=True)


@extend_schema_field(
    {
        "type": "object",
        "description": "Jenis layanan dengan dimensi rincian di katalog (service-types → "
        "breakdown_dimensions): {dimensi: {kelompok: jumlah}}, kelompok kosong = null atau "
        "tidak dikirim; {} mengosongkan. Tanpa dimensi: {kelompok: jumlah} teks bebas. Kode "
        "tak dikenal atau jumlah negatif/pecahan → 400 dengan kunci "
        "recipients_breakdown.<dimensi>[.<kelompok>].",
        "additionalProperties": {
            "oneOf": [
                {"type": "integer", "minimum": 0},
                {
                    "type": "object",
                    "additionalProperties": {"type": "integer", "minimum": 0, "nullable": True},
                },
            ]
        },
        "example": {"jenis_kelamin": {"laki_laki": 70, "perempuan": 80}},
    }
)
class BreakdownInputField(serializers.JSONField):
    """Checked against the catalog in ``reporting.patch`` (the form's rules)."""


class ReportSerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    period = PeriodRefSerializer(read_only=True)
    service_type: serializers.SlugRelatedField[ServiceType] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    sector = serializers.CharField(source="service_type.sector.code", read_only=True)
    agency: serializers.PrimaryKeyRelatedField[Agency] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    agency_name = serializers.CharField(source="agency.short_name", read_only=True, default="")
    capaian = serializers.SerializerMethodField()
    quality = ReportQualitySerializer(many=True, read_only=True)
    stages = ReportStageSerializer(many=True, read_only=True)
    budget_lines = BudgetLineSerializer(many=True, read_only=True)
    review_notes = ReviewNoteSerializer(
        many=True,
        read_only=True,
        help_text="Catatan verifikator per bagian formulir (recipients, quality, stages, "
        "budget, problems, evidence); operator melihatnya di samping bagian tersebut.",
    )
    checks = serializers.SerializerMethodField()
    recipients_breakdown_dimensions = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "region",
            "region_name",
            "period",
            "service_type",
            "sector",
            "agency",
            "agency_name",
            "status",
            "version",
            "recipients_target",
            "recipients_served",
            "recipients_breakdown",
            "recipients_breakdown_dimensions",
            "problems",
            "solutions",
            "capaian",
            "quality",
            "stages",
            "budget_lines",
            "checks",
            "review_notes",
            "entered_at",
            "submitted_at",
            "verified_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(BreakdownDimensionValueSerializer(many=True))
    def get_recipients_breakdown_dimensions(self, obj: Report) -> Any:
        """The breakdown per catalog dimension with labels (empty for a free-text breakdown,
        which ``recipients_breakdown`` carries as {kelompok: jumlah})."""
        stored = obj.recipients_breakdown
        if not breakdown_rules.is_structured(stored):
            return []
        rows = breakdown_rules.rows(stored, breakdown_rules.dimensions_of(obj.service_type))
        return [
            {
                "key": r.key,
                "label": r.label,
                "sums_to_total": r.sums_to_total,
                "complete": r.complete,
                "total": r.total,
                "groups": [{"key": k, "label": lb, "count": n} for k, lb, n in r.groups],
            }
            for r in rows
        ]

    @extend_schema_field(CapaianSerializer)
    def get_capaian(self, obj: Report) -> dict[str, Any]:
        return CapaianSerializer(capaian_of(obj)).data

    @extend_schema_field(check_api.ReportCheckSerializer(many=True))
    def get_checks(self, obj: Report) -> Any:
        """Data-quality flags (``docs/data-quality.md``): code, severity, message, numbers."""
        return check_api.ReportCheckSerializer(check_api.active_checks(obj), many=True).data


class ReportFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code", help_text="Kode wilayah, mis. 33.10")
    province = filters.CharFilter(field_name="region__province_code", help_text="Kode provinsi")
    year = filters.NumberFilter(field_name="period__year", min_value=2000, max_value=2100)
    quarter = filters.NumberFilter(field_name="period__quarter", min_value=1, max_value=4)
    period = filters.NumberFilter(field_name="period_id", min_value=1, max_value=2**31 - 1)
    service_type = filters.CharFilter(field_name="service_type__code", help_text="Kode katalog")
    sector = filters.CharFilter(field_name="service_type__sector__code", help_text="Kode bidang")
    status = filters.ChoiceFilter(choices=Report.Status.choices)
    agency = filters.NumberFilter(field_name="agency_id", min_value=1, max_value=2**63 - 1)

    class Meta:
        model = Report
        fields = [
            "region",
            "province",
            "year",
            "quarter",
            "period",
            "service_type",
            "sector",
            "status",
            "agency",
        ]


def reports_for(user: AnyUser, action: Action = Action.VIEW) -> QuerySet[Report]:
    return (
        Report.objects.visible_to(user, action)
        .select_related("region", "period", "service_type__sector", "agency")
        .prefetch_related(
            "quality__quality_item",
            "stages",
            "budget_lines",
            "review_notes__author",
            "service_type__breakdown_dimensions__groups",
            Prefetch(
                "checks",
                queryset=ReportCheck.objects.filter(rule__is_active=True).select_related(
                    "rule", "explained_by", "confirmed_by"
                ),
                to_attr="active_checks",
            ),
        )
        .order_by("period__year", "period__quarter", "region__code", "service_type__order", "id")
    )


# ---------------------------------------------------------------- report updates


class QualityPatchSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=30, help_text="Kode mutu (lihat service-types).")
    realised = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    required = serializers.DecimalField(  # type: ignore[assignment]
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Hanya bila tahun ini belum ada target terverifikasi.",
    )
    met = serializers.BooleanField(
        required=False, allow_null=True, help_text="Untuk mutu tanpa jumlah."
    )


class StagePatchSerializer(serializers.Serializer):
    stage = serializers.IntegerField(help_text="1–4 (Permendagri 59/2021).")
    status = serializers.ChoiceField(
        choices=[("", "—"), *ReportStage.Status.choices], required=False
    )
    note = serializers.CharField(required=False, allow_blank=True)


class BudgetLinePatchSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False, allow_null=True, help_text="Kosong: tambah baris baru."
    )
    activity_code = serializers.CharField(required=False, allow_blank=True)
    activity_name = serializers.CharField(required=False, allow_blank=True)
    sub_activity_code = serializers.CharField(required=False, allow_blank=True)
    sub_activity_name = serializers.CharField(required=False, allow_blank=True)
    allocated = serializers.IntegerField(required=False, min_value=0)
    realised = serializers.IntegerField(required=False, min_value=0)


class ReportUpdateSerializer(serializers.Serializer):
    """Only the sections sent are changed; each is validated by the report form's rules."""

    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Versi yang Anda baca (atau header If-Match). Wajib salah satunya.",
    )
    recipients_served = serializers.IntegerField(required=False, allow_null=True)
    recipients_breakdown = BreakdownInputField(required=False)
    problems = serializers.CharField(required=False, allow_blank=True)
    solutions = serializers.CharField(required=False, allow_blank=True)
    quality = QualityPatchSerializer(many=True, required=False)
    stages = StagePatchSerializer(many=True, required=False)
    budget_lines = BudgetLinePatchSerializer(many=True, required=False)


class TransitionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Wajib untuk return/reopen."
    )
    target_exception_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="verify: alasan memverifikasi walau target tahunan layanan ini belum "
        "terverifikasi (tercatat di riwayat alur). Tanpa target terverifikasi atau alasan ini, "
        "verifikasi ditolak (409).",
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Versi yang Anda lihat (atau header If-Match); langkah ganda tidak diulang.",
    )


class ReportTransitionSerializer(TransitionSerializer):
    sections = serializers.ListField(
        child=serializers.ChoiceField(choices=Section.choices),
        required=False,
        max_length=len(Section.choices),
        help_text="return, head-return, reopen: bagian formulir yang dimaksud alasan "
        "(operator melihat alasan di samping bagian itu). Langkah lain menolaknya (400).",
    )


class VersionQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class TransitionResultSerializer(serializers.Serializer):
    already_done = serializers.BooleanField()
    report = ReportSerializer()


class TimelineEventSerializer(serializers.ModelSerializer):
    """One workflow step as the review pages' "Riwayat alur" shows it (no snapshot, no e-mail)."""

    label = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text="Nama langkah seperti di halaman, mis. Dikembalikan verifikator."
    )
    actor = serializers.CharField(
        source="actor.username", read_only=True, help_text="Nama pengguna yang melakukan langkah."
    )
    actor_name = serializers.CharField(
        source="actor",
        read_only=True,
        help_text="Nama tampilan pelaku (nama lengkap, atau nama pengguna bila kosong).",
    )

    action = serializers.CharField(
        read_only=True,
        help_text="Langkah pada tabel alur kerja (reporting.workflow), mis. submit, return, "
        "verify, submit_region, accept, return_region, reopen_region.",
    )
    from_status = serializers.CharField(read_only=True, help_text="Status sebelum langkah.")
    to_status = serializers.CharField(read_only=True, help_text="Status sesudah langkah.")
    reason = serializers.CharField(
        read_only=True, help_text="Alasan/catatan; kosong bila tidak ada."
    )
    sections = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Pengembalian laporan: bagian formulir yang dimaksud alasan (kosong: "
        "seluruh laporan).",
    )

    class Meta:
        model = WorkflowEvent
        fields = [
            "id",
            "action",
            "label",
            "from_status",
            "to_status",
            "actor",
            "actor_name",
            "at",
            "reason",
            "sections",
        ]
        read_only_fields = fields


def _timeline_schema(tag: str, what: str) -> Any:
    return extend_schema(
        tags=[tag],
        summary=f"Riwayat alur {what}: siapa, kapan, langkah apa dan alasannya (urut waktu)",
        request=None,
        responses={200: TimelineEventSerializer(many=True)},
    )


TIMELINE_ACTION: dict[str, Any] = {
    "detail": True,
    "methods": ["get"],
    "pagination_class": None,
    "filterset_class": None,
}


class EvidenceSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    stage = serializers.IntegerField(source="stage.stage", read_only=True, allow_null=True)
    quality = serializers.CharField(
        source="quality.quality_item.code", read_only=True, allow_null=True
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "description",
            "stage",
            "quality",
            "uploaded_by",
            "uploaded_at",
        ]


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(required=False, allow_blank=True, max_length=300)
    stage = serializers.IntegerField(required=False, min_value=1, max_value=4)
    quality = serializers.CharField(required=False, max_length=30, help_text="Kode mutu")


def _required_version(request: Request) -> tuple[int, bool]:
    """The report version a DELETE acts on: `If-Match` or `?version=`; 400 without one.

    The flag says whether it came from `If-Match` (a stale one is then 412, else 409).
    """
    seen = versioning.seen(request)
    if not seen.from_header:
        query = VersionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        seen = seen.or_body(query.validated_data.get("version"))
    message = "Kirim header If-Match atau ?version= (versi laporan yang Anda baca)."
    return seen.required(message), seen.from_header


def _stale_error(exc: services.StaleVersion, from_header: bool) -> exceptions.APIException:
    return versioning.stale_error(str(exc), from_header=from_header, current=_stale(exc))


def _stale(exc: services.StaleVersion) -> dict[str, Any]:
    return {
        "version": exc.current_version,
        "changed_by": exc.changed_by,
        "changed_at": exc.changed_at.isoformat() if exc.changed_at else None,
        "changes": [
            {"field": c.label, "key": c.key, "base": c.base, "theirs": c.theirs, "yours": c.yours}
            for c in exc.changes
        ],
    }


def _locked(report: Report, user: AnyUser, exc: services.EntryLocked) -> exceptions.APIException:
    """Not the owning operator: 403; the operator at the wrong moment (state, window): 409."""
    if not locks.is_agency_operator(user, report):
        return exceptions.PermissionDenied(exc.reason)
    return Conflict(exc.reason, code="locked")


VERSION_QUERY = OpenApiParameter(
    "version",
    OpenApiTypes.INT,
    OpenApiParameter.QUERY,
    description="Versi laporan yang Anda baca (alternatif header If-Match).",
)


def _fire(
    obj: Report | RegionSubmission,
    name: str,
    request: Request,
    data: dict[str, Any],
    **extra: Any,
) -> workflow.Result:
    """One step through `workflow.transition` (the table the pages use), errors in the API shape.

    The version seen comes from `If-Match` or the body's `version`; someone acting first is a
    409 (412 for a stale `If-Match`), a refused step a 409 listing what is missing.
    """
    seen = versioning.seen(request, data.get("version"))
    try:
        return workflow.transition(
            obj,
            name,
            request.user,
            reason=data.get("reason", ""),
            expected_version=seen.version,
            target_exception_reason=data.get("target_exception_reason", ""),
            sections=data.get("sections", ()),
            **extra,
        )
    except workflow.NotAllowed as exc:
        raise exceptions.PermissionDenied(exc.message) from exc
    except workflow.TransitionError as exc:
        if exc.field:
            raise exceptions.ValidationError({exc.field: [exc.message]}) from exc
        obj.refresh_from_db(fields=["status", "version"])
        stale = isinstance(exc, workflow.Stale)
        current = {
            "status": obj.status,
            "version": obj.version,
            "problems": [p.message for p in exc.problems],
        }
        if stale:
            raise versioning.stale_error(
                exc.message, from_header=seen.from_header, current=current, code="stale"
            ) from exc
        raise Conflict(exc.message, code="refused", current=current) from exc


TRANSITION_DOC = {
    "submit": "Ajukan ke verifikator (operator OPD). Sama dengan tombol di halaman laporan.",
    "withdraw": "Tarik kembali laporan yang diajukan selama belum diverifikasi (operator OPD).",
    "verify": "Verifikasi laporan (verifikator Tapem/Biro).",
    "return": "Kembalikan laporan dengan alasan (verifikator).",
    "head_approve": "Setujui dan teruskan (kepala OPD, bila wilayah mewajibkan).",
    "head_return": "Kembalikan ke operator dengan alasan (kepala OPD).",
    "reopen": "Buka kembali laporan terverifikasi dengan alasan (verifikator).",
}


def _transition_schema(name: str) -> Any:
    return extend_schema(
        tags=["reports"],
        summary=TRANSITION_DOC[name],
        request=ReportTransitionSerializer,
        parameters=[versioning.IF_MATCH],
        responses={200: TransitionResultSerializer, **versioning.STALE_RESPONSES},
    )


@extend_schema_view(
    list=extend_schema(tags=["reports"], summary="Laporan triwulan yang boleh saya lihat"),
    retrieve=extend_schema(
        tags=["reports"],
        summary="Satu laporan triwulan dengan capaiannya (ETag = versi)",
    ),
    partial_update=extend_schema(
        tags=["reports"],
        summary="Ubah isi laporan (operator OPD pemilik), dengan version atau If-Match",
        request=ReportUpdateSerializer,
        parameters=[versioning.IF_MATCH],
    ),
)
class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReportSerializer
    pagination_class = Pagination
    filterset_class = ReportFilter
    lookup_value_regex = r"[^/]+"
    queryset = Report.objects.none()

    def get_queryset(self) -> QuerySet[Report]:
        return reports_for(self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        return versioning.with_etag(Response(self.get_serializer(report).data), report)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        header = versioning.seen(request)
        form = ReportUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        seen = header.or_body(data.pop("version", None))
        version = seen.required()
        plan = patch.plan(report, data)
        if not plan.ok:
            raise exceptions.ValidationError(plan.errors)
        try:
            updated = patch.apply(plan, request.user, version)
        except services.EntryLocked as exc:
            raise _locked(report, request.user, exc) from exc
        except services.StaleVersion as exc:
            raise _stale_error(exc, seen.from_header) from exc
        fresh = self.get_queryset().get(pk=updated.pk)
        return versioning.with_etag(Response(self.get_serializer(fresh).data), fresh)

    def _transition(self, request: Request, name: str) -> Response:
        report = self.get_object()
        form = ReportTransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        result = _fire(report, name, request, form.validated_data)
        fresh = self.get_queryset().get(pk=report.pk)
        body = {"already_done": result.already_done, "report": self.get_serializer(fresh).data}
        return versioning.with_etag(Response(body), fresh)

    @_transition_schema("submit")
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "submit")

    @_transition_schema("withdraw")
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "withdraw")

    @_transition_schema("verify")
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "verify")

    @_transition_schema("return")
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "return")

    @_transition_schema("head_approve")
    @action(detail=True, methods=["post"], url_path="head-approve", url_name="head-approve")
    def head_approve(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "head_approve")

    @_transition_schema("head_return")
    @action(detail=True, methods=["post"], url_path="head-return", url_name="head-return")
    def head_return(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "head_return")

    @_transition_schema("reopen")
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "reopen")

    @_timeline_schema("reports", "laporan")
    @action(**TIMELINE_ACTION)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """`review_selectors.timeline`, the events the report's pages list, oldest first."""
        report = self.get_object()
        return Response(TimelineEventSerializer(review_selectors.timeline(report), many=True).data)

    @extend_schema(
        tags=["reports"],
        summary="Catatan verifikator pada satu bagian laporan (verifikator wilayah, selama "
        "laporan diverifikasi); teks kosong menghapusnya",
        request=ReviewNoteInSerializer,
        responses={
            200: ReviewNoteSerializer,
            204: OpenApiResponse(description="Catatan bagian itu dihapus."),
            409: OpenApiResponse(ErrorSerializer, ERROR_DESCRIPTIONS["409"]),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="review-notes",
        url_name="review-notes",
        pagination_class=None,
        filterset_class=None,
    )
    def review_notes(self, request: Request, pk: str | None = None) -> Response:
        """The review page's note form: `review_services.save_note` (the same rule)."""
        report = self.get_object()
        form = ReviewNoteInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            note = review_services.save_note(
                report.pk, request.user, form.validated_data["section"], form.validated_data["text"]
            )
        except workflow.NotAllowed as exc:
            raise exceptions.PermissionDenied(exc.message) from exc
        except workflow.TransitionError as exc:
            if exc.field:
                raise exceptions.ValidationError({exc.field: [exc.message]}) from exc
            raise Conflict(exc.message, code="refused") from exc
        if note is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ReviewNoteSerializer(note).data)

    # ------------------------------------------------------------ evidence

    @extend_schema(
        methods=["GET"],
        tags=["evidence"],
        summary="Bukti dukung laporan",
        responses={200: EvidenceSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        tags=["evidence"],
        summary="Unggah bukti dukung (PDF, gambar, lembar kerja; diperiksa menurut isinya)",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
        pagination_class=None,
        filterset_class=None,
    )
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        report = self.get_object()
        if request.method == "GET":
            rows = services.active_evidence(report).order_by("-uploaded_at", "-id")
            return Response(EvidenceSerializer(rows, many=True).data)
        form = EvidenceUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        stage_id = quality_id = None
        if "stage" in form.validated_data:
            stage_id = (
                report.stages.filter(stage=form.validated_data["stage"])
                .values_list("pk", flat=True)
                .first()
            )
            if stage_id is None:
                raise exceptions.ValidationError({"stage": ["Tahap tidak ada pada laporan ini."]})
        if form.validated_data.get("quality"):
            quality_id = (
                report.quality.filter(quality_item__code=form.validated_data["quality"])
                .values_list("pk", flat=True)
                .first()
            )
            if quality_id is None:
                raise exceptions.ValidationError(
                    {"quality": ["Kode mutu tidak ada pada laporan ini."]}
                )
        try:
            evidence = services.add_evidence(
                report.pk,
                request.user,
                upload,
                name=upload.name,
                size=upload.size,
                description=form.validated_data.get("description", ""),
                stage_id=stage_id,
                quality_id=quality_id,
            )
        except services.EntryLocked as exc:
            raise _locked(report, request.user, exc) from exc
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"file": exc.messages}) from exc
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["evidence"],
        summary="Unduh satu bukti dukung",
        responses={
            **{(200, media): OpenApiTypes.BINARY for media in sorted(set(SERVED_TYPE.values()))},
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"evidence/(?P<evidence_id>[^/]+)/download",
        url_name="evidence-download",
        pagination_class=None,
        filterset_class=None,
    )
    def evidence_download(
        self, request: Request, pk: str | None = None, evidence_id: str | None = None
    ) -> FileResponse:
        report = self.get_object()
        # The page's rule: the file is reachable only through the scoping layer.
        evidence = scoped_get(
            Evidence,
            request.user,
            Action.VIEW,
            pk=evidence_id,
            report_id=report.pk,
            deleted_at__isnull=True,
        )
        response = FileResponse(
            open_stored(evidence.file),
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        tags=["reports"],
        summary="Jelaskan satu peringatan kualitas data (operator OPD pemilik)",
        request=check_api.ExplainSerializer,
        responses={200: check_api.ReportCheckSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"checks/(?P<check_id>[0-9]+)/explain",
        url_name="check-explain",
        pagination_class=None,
        filterset_class=None,
    )
    def check_explain(
        self, request: Request, pk: str | None = None, check_id: str | None = None
    ) -> Response:
        check = check_api.explain(self.get_object(), check_id or "0", request.user, request.data)
        return Response(check_api.ReportCheckSerializer(check).data)

    @extend_schema(
        tags=["reports"],
        summary="Tandai temuan kualitas data 'sudah diperiksa — benar' (verifikator wilayah)",
        request=check_api.ConfirmSerializer,
        responses={200: check_api.ReportCheckSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"checks/(?P<check_id>[0-9]+)/confirm",
        url_name="check-confirm",
        pagination_class=None,
        filterset_class=None,
    )
    def check_confirm(
        self, request: Request, pk: str | None = None, check_id: str | None = None
    ) -> Response:
        check = check_api.confirm(self.get_object(), check_id or "0", request.user, request.data)
        return Response(check_api.ReportCheckSerializer(check).data)

    @extend_schema(
        tags=["evidence"],
        summary="Hapus satu bukti dukung (operator OPD pemilik), dengan If-Match atau ?version=",
        parameters=[versioning.IF_MATCH, VERSION_QUERY],
        request=None,
        responses={200: ReportSerializer, **versioning.STALE_RESPONSES},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"evidence/(?P<evidence_id>[^/]+)",
        url_name="evidence-item",
        pagination_class=None,
        filterset_class=None,
    )
    def evidence_item(
        self, request: Request, pk: str | None = None, evidence_id: str | None = None
    ) -> Response:
        """The page's delete button: `services.delete_evidence` (lock, soft delete, history)."""
        report = self.get_object()
        evidence = scoped_get(
            Evidence,
            request.user,
            Action.VIEW,
            pk=evidence_id,
            report_id=report.pk,
            deleted_at__isnull=True,
        )
        version, from_header = _required_version(request)
        try:
            services.delete_evidence(
                evidence.pk, request.user, report_id=report.pk, version=version
            )
        except services.EntryLocked as exc:
            raise _locked(report, request.user, exc) from exc
        except services.StaleVersion as exc:
            raise _stale_error(exc, from_header) from exc
        except Evidence.DoesNotExist as exc:  # deleted by someone else meanwhile
            raise exceptions.NotFound() from exc
        fresh = self.get_queryset().get(pk=report.pk)
        return versioning.with_etag(Response(self.get_serializer(fresh).data), fresh)

    # ------------------------------------------------------------ budget lines

    @extend_schema(
        tags=["reports"],
        summary="Hapus satu baris anggaran (operator OPD pemilik), dengan If-Match atau ?version=",
        parameters=[versioning.IF_MATCH, VERSION_QUERY],
        request=None,
        responses={200: ReportSerializer, **versioning.STALE_RESPONSES},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"budget-lines/(?P<line_id>[^/]+)",
        url_name="budget-line",
        pagination_class=None,
        filterset_class=None,
    )
    def budget_line(
        self, request: Request, pk: str | None = None, line_id: str | None = None
    ) -> Response:
        """The page's delete button: `services.delete_budget_line` (lock, version, history)."""
        report = self.get_object()
        line = scoped_get(BudgetLine, request.user, Action.VIEW, pk=line_id, report_id=report.pk)
        version, from_header = _required_version(request)
        try:
            services.delete_budget_line(report.pk, request.user, version, line.pk)
        except services.EntryLocked as exc:
            raise _locked(report, request.user, exc) from exc
        except services.StaleVersion as exc:
            raise _stale_error(exc, from_header) from exc
        except BudgetLine.DoesNotExist as exc:  # deleted by someone else meanwhile
            raise exceptions.NotFound() from exc
        fresh = self.get_queryset().get(pk=report.pk)
        return versioning.with_etag(Response(self.get_serializer(fresh).data), fresh)


# ---------------------------------------------------------------- region submissions


class RegionSubmissionSerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    level = serializers.CharField(source="region.level", read_only=True)
    period = PeriodRefSerializer(read_only=True)
    effective_due_date = serializers.DateField(
        read_only=True, help_text="Batas waktu khusus wilayah (pembukaan kembali) atau periode."
    )
    is_late = serializers.BooleanField(
        read_only=True,
        help_text="Diajukan (status submitted/accepted) pada tanggal (WIB) setelah batas waktu "
        "efektif; sama dengan timeliness == late (reporting.rules.windows).",
    )
    timeliness = serializers.ChoiceField(
        choices=windows.TIMELINESS,
        read_only=True,
        help_text="on_time (diajukan paling lambat pada batas waktu), late, atau missing "
        "(belum/tidak sedang diajukan: in_progress, returned).",
    )
    submitted_by = serializers.CharField(
        source="submitted_by.username", read_only=True, allow_null=True
    )
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True
    )
    actions = serializers.SerializerMethodField(
        help_text="Langkah yang boleh Anda lakukan sekarang (pemeriksaan isi belum dihitung)."
    )

    class Meta:
        model = RegionSubmission
        fields = [
            "id",
            "region",
            "region_name",
            "level",
            "period",
            "status",
            "version",
            "due_date",
            "effective_due_date",
            "is_late",
            "timeliness",
            "submitted_at",
            "submitted_by",
            "decided_at",
            "decided_by",
            "return_reason",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, obj: RegionSubmission) -> list[str]:
        user = self.context["request"].user
        return [SUBMISSION_ACTION_NAMES[t.action] for t in workflow.available_actions(obj, user)]


class RegionSubmissionFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code", help_text="Kode wilayah, mis. 33.10")
    province = filters.CharFilter(field_name="region__province_code", help_text="Kode provinsi")
    level = filters.ChoiceFilter(
        field_name="region__level",
        choices=[(v, label) for v, label in Level.choices if v != "national"],
    )
    year = filters.NumberFilter(field_name="period__year", min_value=2000, max_value=2100)
    quarter = filters.NumberFilter(field_name="period__quarter", min_value=1, max_value=4)
    period = filters.NumberFilter(field_name="period_id", min_value=1, max_value=2**31 - 1)
    status = filters.ChoiceFilter(choices=RegionSubmission.Status.choices)
    timeliness = filters.ChoiceFilter(
        choices=[(t, t) for t in windows.TIMELINESS],
        method="filter_timeliness",
        help_text="on_time, late atau missing: aturan yang sama dengan field timeliness.",
    )

    class Meta:
        model = RegionSubmission
        fields = ["region", "province", "level", "year", "quarter", "period", "status"]

    def filter_timeliness(
        self, qs: QuerySet[RegionSubmission], name: str, value: str
    ) -> QuerySet[RegionSubmission]:
        return qs.filter(windows.timeliness_q(value))


class SubmissionTransitionSerializer(TransitionSerializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Wajib untuk return dan reopen."
    )
    due_date = serializers.DateField(
        required=False, help_text="Wajib untuk reopen: batas waktu baru (tidak sebelum hari ini)."
    )


class SubmissionResultSerializer(serializers.Serializer):
    already_done = serializers.BooleanField()
    submission = RegionSubmissionSerializer()


# API step name → the transition table's action (reporting.workflow.TABLE).
SUBMISSION_ACTIONS = {
    "submit": "submit_region",
    "accept": "accept",
    "return": "return_region",
    "reopen": "reopen_region",
}
SUBMISSION_ACTION_NAMES = {table: api for api, table in SUBMISSION_ACTIONS.items()}
SUBMISSION_DOC = {
    "submit": "Ajukan laporan wilayah ke tingkat di atasnya (verifikator wilayah): "
    "kab/kota ke provinsi, provinsi ke Bangda. Semua laporan layanan harus terverifikasi.",
    "accept": "Terima laporan wilayah (Biro Pemerintahan provinsi untuk kab/kota; "
    "Bangda untuk provinsi).",
    "return": "Kembalikan laporan wilayah dengan alasan (provinsi untuk kab/kota; Bangda).",
    "reopen": "Buka kembali wilayah dengan alasan dan batas waktu baru (provinsi untuk "
    "kab/kota selama laporan provinsi belum di Bangda; Bangda).",
}


class RecapSectorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RecapCellSerializer(serializers.Serializer):
    """A rolled-up capaian (`reporting.rules.capaian.rollup`): missing reports are counted, not zero."""

    sector = serializers.CharField(help_text="Kode bidang.")
    capaian = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="Indeks atas semua jenis pelayanan yang wajib (tidak ada/belum lengkap/belum "
        "terverifikasi = 0); null bila tidak ada laporan terhitung.",
    )
    mean_reported = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="Rata-rata indeks jenis pelayanan yang dihitung saja.",
    )
    reported = serializers.IntegerField(help_text="Jenis pelayanan yang dihitung.")
    missing = serializers.IntegerField(help_text="Jenis pelayanan tanpa laporan (bukan 0).")


class RecapRowSerializer(serializers.Serializer):
    region = serializers.CharField(help_text="Kode wilayah.")
    region_name = serializers.CharField()
    level = serializers.CharField()
    is_own = serializers.BooleanField(help_text="Baris layanan provinsi sendiri (baris pertama).")
    submission = serializers.IntegerField(
        allow_null=True,
        help_text="Id laporan wilayah (region-submissions/), null bila belum dibuka.",
    )
    status = serializers.CharField(allow_blank=True, help_text="Kosong bila belum dibuka.")
    status_label = serializers.CharField()
    timeliness = serializers.ChoiceField(
        choices=["on_time", "late", "not_submitted", "overdue"],
        help_text="Ketepatan waktu: on_time, late, not_submitted (belum lewat batas), overdue.",
    )
    timeliness_label = serializers.CharField(help_text="Ketepatan waktu seperti di halaman.")
    submitted_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(
        help_text="Batas waktu wilayah (pembukaan kembali) atau periode."
    )
    expected = serializers.IntegerField(help_text="Jenis pelayanan yang diharapkan.")
    reported = serializers.IntegerField(help_text="Laporan yang dihitung (lengkap, terverifikasi).")
    verified = serializers.IntegerField(help_text="Laporan yang terverifikasi.")
    missing = serializers.IntegerField(help_text="Jenis pelayanan tanpa laporan terhitung.")
    capaian = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="Capaian wilayah: indeks atas semua jenis pelayanan yang wajib (yang tidak "
        "terhitung = 0); null bila tidak ada laporan terhitung.",
    )
    mean_reported = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="Rata-rata indeks laporan yang dihitung saja.",
    )
    sectors = RecapCellSerializer(many=True)


class RecapSerializer(serializers.Serializer):
    """The province recap page (`reporting.recap.build`) as data."""

    submission = serializers.IntegerField()
    province = serializers.CharField(help_text="Kode provinsi.")
    province_name = serializers.CharField()
    period = PeriodRefSerializer()
    generated_at = serializers.DateTimeField()
    sectors = RecapSectorSerializer(many=True, help_text="Kolom bidang, dalam urutan halaman.")
    rows = RecapRowSerializer(
        many=True, help_text="Provinsi sendiri lebih dahulu, lalu kab/kota menurut kode."
    )


def _mean(cell: recap.Cell) -> Decimal | None:
    # Rounded as the page shows it (half up), before DRF's own quantize (half even) could differ.
    return None if cell.mean is None else round2(cell.mean)


def _mean_reported(cell: recap.Cell) -> Decimal | None:
    return None if cell.mean_reported is None else round2(cell.mean_reported)


def _cell(code: str, cell: recap.Cell) -> dict[str, Any]:
    return {
        "sector": code,
        "capaian": _mean(cell),
        "mean_reported": _mean_reported(cell),
        "reported": cell.present,
        "missing": cell.missing,
    }


def recap_data(submission: RegionSubmission, r: recap.Recap) -> dict[str, Any]:
    return {
        "submission": submission.pk,
        "province": r.province.code,
        "province_name": r.province.name,
        "period": r.period,
        "generated_at": r.generated_at,
        "sectors": [{"code": s.code, "name": s.name} for s in r.sectors],
        "rows": [
            {
                "region": row.region.code,
                "region_name": row.region.name,
                "level": row.region.level,
                "is_own": row.is_own,
                "submission": row.submission_id,
                "status": row.status,
                "status_label": row.status_label,
                "timeliness": row.timeliness_code,
                "timeliness_label": row.timeliness,
                "submitted_at": row.submitted_at,
                "due_date": row.due_date,
                "expected": row.expected,
                "reported": row.reported,
                "verified": row.verified,
                "missing": row.overall.missing,
                "capaian": _mean(row.overall),
                "mean_reported": _mean_reported(row.overall),
                "sectors": [_cell(code, cell) for code, cell in row.sectors.items()],
            }
            for row in r.rows
        ],
    }


def _submission_schema(name: str) -> Any:
    return extend_schema(
        tags=["region-submissions"],
        summary=SUBMISSION_DOC[name],
        request=SubmissionTransitionSerializer,
        parameters=[versioning.IF_MATCH],
        responses={200: SubmissionResultSerializer, **versioning.STALE_RESPONSES},
    )


@extend_schema_view(
    list=extend_schema(
        tags=["region-submissions"], summary="Pengajuan laporan wilayah yang boleh saya lihat"
    ),
    retrieve=extend_schema(
        tags=["region-submissions"], summary="Satu pengajuan laporan wilayah (ETag = versi)"
    ),
)
class RegionSubmissionViewSet(viewsets.ReadOnlyModelViewSet):
    """A region's quarterly report as a whole and the steps up the chain, as on the review pages."""

    serializer_class = RegionSubmissionSerializer
    pagination_class = Pagination
    filterset_class = RegionSubmissionFilter
    lookup_value_regex = r"[^/]+"
    queryset = RegionSubmission.objects.none()

    def get_queryset(self) -> QuerySet[RegionSubmission]:
        return (
            RegionSubmission.objects.visible_to(self.request.user, Action.VIEW)
            .select_related("region", "period", "submitted_by", "decided_by")
            .order_by("period__year", "period__quarter", "region__code", "id")
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        submission = self.get_object()
        return versioning.with_etag(Response(self.get_serializer(submission).data), submission)

    def _step(self, request: Request, name: str) -> Response:
        submission = self.get_object()
        form = SubmissionTransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        result = _fire(
            submission, SUBMISSION_ACTIONS[name], request, data, due_date=data.get("due_date")
        )
        fresh = self.get_queryset().get(pk=submission.pk)
        body = {"already_done": result.already_done, "submission": self.get_serializer(fresh).data}
        return versioning.with_etag(Response(body), fresh)

    @_submission_schema("submit")
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "submit")

    @_timeline_schema("region-submissions", "laporan wilayah")
    @action(**TIMELINE_ACTION)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """`review_selectors.timeline`, the events the submission page lists, oldest first."""
        submission = self.get_object()
        events = review_selectors.timeline(submission)
        return Response(TimelineEventSerializer(events, many=True).data)

    @extend_schema(
        tags=["region-submissions"],
        summary="Rekap provinsi (laporan wilayah provinsi): status, ketepatan waktu dan capaian "
        "per bidang provinsi dan tiap kab/kota; Biro provinsi dan Bangda",
        request=None,
        responses={200: RecapSerializer},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def recap(self, request: Request, pk: str | None = None) -> Response:
        """The recap page's data and rule (`recap.of_submission`): a kab/kota submission or a
        reader who does not see the whole province is 404, as on the page."""
        submission = self.get_object()
        data = recap_data(submission, recap.of_submission(request.user, submission))
        return Response(RecapSerializer(data).data)

    @_submission_schema("accept")
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "accept")

    @_submission_schema("return")
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "return")

    @_submission_schema("reopen")
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "reopen")


# ---------------------------------------------------------------- notifications


class NotificationSerializer(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_unread(self, obj: Notification) -> bool:
        return obj.read_at is None


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(
        field_name="read_at",
        lookup_expr="isnull",
        help_text="true: hanya yang belum dibaca; false: hanya yang sudah dibaca.",
    )

    class Meta:
        model = Notification
        fields = ["unread"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=1000,
        help_text="Notifikasi Anda yang ditandai dibaca; tanpa ids: semuanya. "
        "Id milik pengguna lain tidak ditandai.",
    )


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="Jumlah yang baru ditandai dibaca.")
    unread = serializers.IntegerField(help_text="Sisa yang belum dibaca.")


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(tags=["notifications"], summary="Notifikasi saya, terbaru dahulu"),
    retrieve=extend_schema(tags=["notifications"], summary="Satu notifikasi saya"),
)
class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The bell of the pages: only the caller's own notifications (another's id is 404)."""

    serializer_class = NotificationSerializer
    pagination_class = Pagination
    filterset_class = NotificationFilter
    lookup_value_regex = r"[^/]+"
    queryset = Notification.objects.none()

    def get_queryset(self) -> QuerySet[Notification]:
        return Notification.objects.filter(user=self.request.user).order_by(  # type: ignore[misc]
            "-created_at", "-id"
        )

    @extend_schema(
        tags=["notifications"],
        summary="Tandai notifikasi saya dibaca (ids tertentu, atau semua)",
        request=MarkReadSerializer,
        responses={200: MarkReadResultSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="mark-read",
        url_name="mark-read",
        pagination_class=None,
        filterset_class=None,
    )
    def mark_read(self, request: Request) -> Response:
        """`notifications.mark_read`: only the caller's own unread ones; others' ids mark nothing."""
        form = MarkReadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        marked = notifications.mark_read(request.user, form.validated_data.get("ids"))
        return Response({"marked": marked, "unread": notifications.unread_count(request.user)})

    @extend_schema(
        tags=["notifications"],
        summary="Jumlah notifikasi saya yang belum dibaca (angka lonceng)",
        responses={200: UnreadCountSerializer},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="unread-count",
        url_name="unread-count",
        pagination_class=None,
        filterset_class=None,
    )
    def unread_count(self, request: Request) -> Response:
        """The bell's number (`notifications.unread_count`)."""
        return Response({"unread": notifications.unread_count(request.user)})


# ---------------------------------------------------------------- dashboards


class DashboardQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(required=False, min_value=1, max_value=4)
    province = serializers.RegexField(
        r"^[0-9]{2}$", required=False, help_text="Batasi ke satu provinsi dan kab/kotanya."
    )
    provisional = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: angka sementara (termasuk laporan lengkap yang belum diverifikasi). "
        "Bawaan: angka resmi, hanya laporan terverifikasi.",
    )


class CapaianQuerySerializer(DashboardQuerySerializer):
    by = serializers.ChoiceField(
        choices=["region", "sector", "service_type"], required=False, default="region"
    )


class LevelRowSerializer(serializers.Serializer):
    level = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    total = serializers.IntegerField()
    entered = serializers.IntegerField()
    entered_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    submitted = serializers.IntegerField()
    submitted_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    accepted = serializers.IntegerField()
    accepted_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    on_time = serializers.IntegerField()
    on_time_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    late = serializers.IntegerField()
    late_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


class InputStatusSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    rows = LevelRowSerializer(many=True)


class RollupRowSerializer(serializers.Serializer):
    """One roll-up row: the same numbers as the dashboard pages (reporting.dashboards)."""

    key = serializers.CharField(help_text="Kode wilayah, bidang atau jenis pelayanan.")
    label = serializers.CharField()  # type: ignore[assignment]
    capaian = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        allow_null=True,
        help_text="Angka resmi: indeks atas SEMUA laporan yang wajib, laporan yang tidak ada, "
        "belum lengkap atau belum terverifikasi dihitung 0; null bila tidak ada laporan terhitung.",
    )
    band = serializers.CharField(allow_blank=True)
    mean_reported = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        allow_null=True,
        help_text="Rata-rata indeks laporan yang dihitung saja (bukan angka peringkat).",
    )
    reported = serializers.IntegerField(help_text="Jumlah laporan yang dihitung.")
    expected = serializers.IntegerField(help_text="Jumlah laporan yang wajib (penyebut).")
    missing = serializers.IntegerField(help_text="Laporan wajib yang tidak dihitung.")
    level = serializers.CharField(required=False)
    sector = serializers.CharField(required=False)
    rank = serializers.IntegerField(required=False, allow_null=True)
    timeliness = serializers.CharField(required=False)
    accepted = serializers.BooleanField(required=False)


class CapaianSerializerOut(serializers.Serializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    by = serializers.CharField()
    provisional = serializers.BooleanField(help_text="true: angka sementara, bukan angka resmi.")
    rows = RollupRowSerializer(many=True)


def _dashboard_args(request: Request, form_class: type[serializers.Serializer]) -> dict[str, Any]:
    form = form_class(data=request.query_params)
    form.is_valid(raise_exception=True)
    data = dict(form.validated_data)
    default_year, default_quarter = dashboards.default_year_quarter()
    data.setdefault("year", default_year)
    data.setdefault("quarter", default_quarter)
    code = data.pop("province", None)
    data["province"] = None
    if code:
        province = scoped_get(Region, request.user, Action.VIEW, code=code)
        data["province"] = province
    return data


class InputStatusView(APIView):
    """Per level (province, kabupaten, kota): of all active regions, how many entered/submitted/accepted."""

    @extend_schema(
        tags=["dashboard"],
        summary="Status input per tingkat (angka yang sama dengan dasbor)",
        parameters=[DashboardQuerySerializer],
        responses={200: InputStatusSerializer},
    )
    def get(self, request: Request) -> Response:
        args = _dashboard_args(request, DashboardQuerySerializer)
        rows = dashboards.input_status(
            request.user, args["year"], args["quarter"], province=args["province"]
        )
        return Response(
            InputStatusSerializer(
                {
                    "year": args["year"],
                    "quarter": args["quarter"],
                    "rows": [r.as_dict() for r in rows],
                }
            ).data
        )


class CapaianRollupView(APIView):
    """Capaian roll-ups by region, sector or service type; missing reports are counted, not zero."""

    @extend_schema(
        tags=["dashboard"],
        summary="Capaian per wilayah, bidang atau jenis pelayanan (angka yang sama dengan dasbor)",
        parameters=[CapaianQuerySerializer],
        responses={200: CapaianSerializerOut},
    )
    def get(self, request: Request) -> Response:
        args = _dashboard_args(request, CapaianQuerySerializer)
        rows = dashboards.capaian_rollup(
            request.user,
            args["year"],
            args["quarter"],
            args["by"],
            province=args["province"],
            provisional=args["provisional"],
        )
        out = []
        for row in rows:
            d = row.as_dict()
            if "code" in d:  # a region row names its key "code"
                d["key"], d["label"] = d.pop("code"), d.pop("name")
            out.append(d)
        return Response(
            CapaianSerializerOut(
                {
                    "year": args["year"],
                    "quarter": args["quarter"],
                    "by": args["by"],
                    "provisional": args["provisional"],
                    "rows": out,
                }
            ).data
        )


class AnnualQuerySerializer(serializers.Serializer):
    region = serializers.RegexField(
        r"^[0-9]{2}(\.[0-9]{2})?$", help_text="Kode wilayah (provinsi atau kab/kota)."
    )
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    provisional = serializers.BooleanField(required=False, default=False)


class AnnualLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    sector = serializers.CharField()
    quarters = serializers.ListField(
        child=serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True),
        help_text="Indeks terhitung TW I–IV (null bila tidak terhitung).",
    )
    annual = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    from_quarter = serializers.IntegerField(allow_null=True)


class AnnualRollupSerializer(serializers.Serializer):
    key = serializers.CharField()
    capaian = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    mean_reported = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    reported = serializers.IntegerField()
    expected = serializers.IntegerField()


class AnnualSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    region = serializers.CharField()
    provisional = serializers.BooleanField()
    final = serializers.BooleanField(
        help_text="true: semua jenis layanan terhitung di TW IV; false: angka tahunan sementara."
    )
    overall = AnnualRollupSerializer()
    quarters = AnnualRollupSerializer(many=True, help_text="Capaian wilayah TW I–IV.")
    sectors = AnnualRollupSerializer(many=True)
    lines = AnnualLineSerializer(many=True)


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else round2(value)


def _rollup_out(key: str, r: Any) -> dict[str, Any]:
    return {
        "key": key,
        "capaian": _rounded(r.index),
        "mean_reported": _rounded(r.mean_reported),
        "reported": r.reported,
        "expected": r.expected,
    }


class AnnualView(APIView):
    """The year's capaian of one region (`reporting.rules.annual`), as on its dashboard."""

    @extend_schema(
        tags=["dashboard"],
        summary="Capaian tahunan satu wilayah: per jenis layanan, bidang dan wilayah, TW I–IV",
        parameters=[AnnualQuerySerializer],
        responses={200: AnnualSerializer},
    )
    def get(self, request: Request) -> Response:
        form = AnnualQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        args = form.validated_data
        region = scoped_get(Region, request.user, Action.VIEW, code=args["region"])
        if region.level not in dashboards.LEVELS:
            raise exceptions.NotFound(_("Capaian tahunan ada untuk provinsi dan kab/kota."))
        year = args.get("year") or dashboards.default_year_quarter()[0]
        a = dashboards.region_annual(request.user, region, year, provisional=args["provisional"])
        return Response(
            AnnualSerializer(
                {
                    "year": year,
                    "region": region.code,
                    "provisional": args["provisional"],
                    "final": a.complete_year,
                    "overall": _rollup_out(region.code, a.overall),
                    "quarters": [
                        _rollup_out(f"tw{q}", r)
                        for q, r in zip(annual.QUARTERS, a.quarter_rollups, strict=True)
                    ],
                    "sectors": [_rollup_out(code, r) for code, r in a.sectors.items()],
                    "lines": [
                        {
                            "code": line.code,
                            "name": line.name,
                            "sector": line.sector_code,
                            "quarters": [_rounded(v) for v in line.quarters],
                            "annual": _rounded(line.index),
                            "from_quarter": line.quarter,
                        }
                        for line in a.lines
                    ],
                }
            ).data
        )


# Plain API views that are not router viewsets; espm/api.py includes them.
extra_urlpatterns: list[Any] = [
    path("dashboard/input-status/", InputStatusView.as_view(), name="dashboard-input-status"),
    path("dashboard/capaian/", CapaianRollupView.as_view(), name="dashboard-capaian"),
    path("dashboard/annual/", AnnualView.as_view(), name="dashboard-annual"),
    path("dashboard/data-quality/", DataQualityView.as_view(), name="dashboard-data-quality"),
]
