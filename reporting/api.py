"""API: periods, quarterly reports (read, update, workflow actions), evidence and dashboards.

Reads go through the scoping layer; writes call the same services as the pages
(reporting.services, reporting.workflow, reporting.dashboards), so no rule lives here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets

from espm.api_base import Pagination
from regions.scoping import Action
from reporting.capaian import round2
from reporting.models import BudgetLine, Period, Report, ReportQuality, ReportStage

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


@extend_schema_view(
    list=extend_schema(tags=["periods"], summary="Periode pelaporan (triwulan)"),
    retrieve=extend_schema(tags=["periods"], summary="Satu periode"),
)
class PeriodViewSet(viewsets.ReadOnlyModelViewSet):
    """Periods are national: every signed-in user sees the same calendar."""

    serializer_class = PeriodSerializer
    pagination_class = Pagination
    filterset_class = PeriodFilter
    queryset = Period.objects.none()

    def get_queryset(self) -> QuerySet[Period]:
        return Period.objects.order_by("-year", "-quarter")


# ---------------------------------------------------------------- reports


class CapaianSerializer(serializers.Serializer):
    """The stored capaian of a report (reporting.capaian), rounded to 2 decimals for display."""

    recipients_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    quality_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    index = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    band = serializers.CharField(allow_blank=True)
    no_target = serializers.BooleanField()
    over_target = serializers.BooleanField()


def capaian_of(report: Report) -> dict[str, Any]:
    def r(value: Any) -> Any:
        return round2(value) if value is not None else None

    return {
        "recipients_pct": r(report.recipients_pct),
        "quality_pct": r(report.quality_pct),
        "index": r(report.capaian_index),
        "band": report.band,
        "no_target": report.flag_no_target,
        "over_target": report.flag_over_target,
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


class PeriodRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = ["id", "year", "quarter"]


class ReportSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    region_name = serializers.CharField(source="region.name", read_only=True)
    period = PeriodRefSerializer(read_only=True)
    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    sector = serializers.CharField(source="service_type.sector.code", read_only=True)
    agency = serializers.PrimaryKeyRelatedField(read_only=True)  # type: ignore[var-annotated]
    agency_name = serializers.CharField(source="agency.short_name", read_only=True, default="")
    capaian = serializers.SerializerMethodField()
    quality = ReportQualitySerializer(many=True, read_only=True)
    stages = ReportStageSerializer(many=True, read_only=True)
    budget_lines = BudgetLineSerializer(many=True, read_only=True)

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
            "problems",
            "solutions",
            "capaian",
            "quality",
            "stages",
            "budget_lines",
            "entered_at",
            "submitted_at",
            "verified_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CapaianSerializer)
    def get_capaian(self, obj: Report) -> dict[str, Any]:
        return capaian_of(obj)


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


def reports_for(user: Any, action: Action = Action.VIEW) -> QuerySet[Report]:
    return (
        Report.objects.visible_to(user, action)
        .select_related("region", "period", "service_type__sector", "agency")
        .prefetch_related("quality__quality_item", "stages", "budget_lines")
        .order_by("period__year", "period__quarter", "region__code", "service_type__order", "id")
    )


@extend_schema_view(
    list=extend_schema(tags=["reports"], summary="Laporan triwulan yang boleh saya lihat"),
    retrieve=extend_schema(tags=["reports"], summary="Satu laporan triwulan dengan capaiannya"),
)
class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReportSerializer
    pagination_class = Pagination
    filterset_class = ReportFilter
    queryset = Report.objects.none()

    def get_queryset(self) -> QuerySet[Report]:
        return reports_for(self.request.user)


# Plain API views that are not router viewsets (dashboards); espm/api.py includes them.
extra_urlpatterns: list[Any] = []
