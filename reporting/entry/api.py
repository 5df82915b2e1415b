"""API of quarterly reports: read them (scoped), change their sections (the entry form's
rules, ``reporting.entry.patch``), the workflow steps on one report, its timeline and review notes,
evidence (list, upload, download, delete), budget lines and data-quality flags.

Writes call the same services as the pages (``reporting.entry.services``, ``reporting.workflow``,
``reporting.review.services``); the shared workflow-step pieces are in
``reporting.review.api``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from espm import versioning
from espm.api_base import ERROR_DESCRIPTIONS, Conflict, ErrorSerializer, Pagination
from regions.models import Region
from regions.scoping import Action, AnyUser, may_edit_report_data, scoped_get
from reporting import workflow
from reporting.entry import patch, services
from reporting.entry.evidence import SERVED_TYPE, open_stored
from reporting.models import (
    BudgetLine,
    Evidence,
    Report,
    ReportCheck,
    ReportQuality,
    ReportStage,
    ReviewNote,
    Section,
)
from reporting.periods.api import PeriodRefSerializer
from reporting.quality import check_api
from reporting.review import selectors as review_selectors
from reporting.review import services as review_services
from reporting.review.api import (
    TIMELINE_ACTION,
    ReportTransitionSerializer,
    TableSteps,
    TimelineEventSerializer,
    _timeline_schema,
    step_actions,
)
from reporting.rules import breakdown as breakdown_rules
from reporting.rules import completeness
from reporting.rules.capaian import round2

if TYPE_CHECKING:
    from indicators.models import ServiceType
    from regions.models import Agency

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
    base = serializers.CharField(
        allow_blank=True,
        # Room for a stored note whose line breaks come back as CRLF.
        max_length=2 * review_services.NOTE_MAX_LENGTH,
        help_text="Wajib: isi catatan bagian ini yang Anda baca (review_notes laporan), kosong "
        "bila belum ada. Bila catatan sudah berubah sejak itu, tidak ada yang disimpan: 409 "
        "(code stale) dengan catatan terkini di current.",
    )


class BreakdownGroupValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    label: Any = serializers.CharField()
    count = serializers.IntegerField(allow_null=True, help_text="Kosong (null) bila belum diisi.")


class BreakdownDimensionValueSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Kode dimensi katalog, mis. jenis_kelamin.")
    label: Any = serializers.CharField()
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
    """Checked against the catalog in ``reporting.entry.patch`` (the form's rules)."""


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
    required: Any = serializers.DecimalField(
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


class VersionQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class TransitionResultSerializer(serializers.Serializer):
    already_done = serializers.BooleanField()
    report = ReportSerializer()


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
    if not may_edit_report_data(user, report):
        return exceptions.PermissionDenied(exc.reason)
    return Conflict(exc.reason, code="locked")


VERSION_QUERY = OpenApiParameter(
    "version",
    OpenApiTypes.INT,
    OpenApiParameter.QUERY,
    description="Versi laporan yang Anda baca (alternatif header If-Match).",
)


@step_actions(
    workflow.Kind.REPORT,
    tag="reports",
    request=ReportTransitionSerializer,
    result=TransitionResultSerializer,
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
class ReportViewSet(TableSteps, viewsets.ReadOnlyModelViewSet):
    serializer_class = ReportSerializer
    step_request = ReportTransitionSerializer
    step_body = "report"
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
            409: OpenApiResponse(
                ErrorSerializer,
                f"{ERROR_DESCRIPTIONS['409']} Catatan berubah sejak dibaca (code stale): "
                "current.text adalah catatan terkini (kosong bila tidak ada), current.note "
                "catatan itu selengkapnya (null bila tidak ada).",
            ),
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
        """The review page's note form: `review_services.save_note` (the same rule), with the
        note the caller read as `base`: a note changed since is a 409, never replaced unseen."""
        report = self.get_object()
        form = ReviewNoteInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            note = review_services.save_note(
                report.pk, request.user, data["section"], data["text"], base=data["base"]
            )
        except workflow.NotAllowed as exc:
            raise exceptions.PermissionDenied(exc.message) from exc
        except review_services.NoteChanged as exc:
            now = exc.current
            current = {
                "text": now.text if now is not None else "",
                "note": ReviewNoteSerializer(now).data if now is not None else None,
            }
            raise Conflict(exc.message, code="stale", current=current) from exc
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
