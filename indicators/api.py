"""API: the SPM catalog (service types with their quality items) and yearly targets."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, viewsets

from espm.api_base import Pagination
from indicators.models import (
    CatalogEdition,
    CatalogYear,
    QualityItem,
    ServiceLevel,
    ServiceType,
    Target,
    TargetQuality,
)
from regions.scoping import Action


def edition_for_year(year: int | None) -> CatalogEdition | None:
    """The edition a reporting year uses; without a year, this year's, else the newest published."""
    year = year or timezone.localdate().year
    chosen = CatalogYear.objects.filter(year=year).select_related("edition").first()
    if chosen:
        return chosen.edition
    published = CatalogEdition.objects.filter(status=CatalogEdition.Status.PUBLISHED)
    return published.order_by("-published_at", "-code").first() or (
        CatalogEdition.objects.order_by("-code").first()
    )


class QualityItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualityItem
        fields = ["code", "kind", "description", "unit", "has_quantity", "source", "order"]


class ServiceTypeSerializer(serializers.ModelSerializer):
    edition = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    sector = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    sector_name = serializers.CharField(source="sector.name", read_only=True)
    quality_items = QualityItemSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceType
        fields = [
            "code",
            "edition",
            "sector",
            "sector_name",
            "level",
            "name",
            "regulation",
            "recipient_definition",
            "order",
            "quality_items",
        ]


class ServiceTypeFilter(filters.FilterSet):
    sector = filters.CharFilter(field_name="sector__code", help_text="Kode bidang, mis. KES")
    level = filters.ChoiceFilter(choices=ServiceLevel.choices)

    class Meta:
        model = ServiceType
        fields = ["sector", "level"]


YEAR_PARAM = OpenApiParameter(
    "year",
    OpenApiTypes.INT,
    description="Tahun pelaporan: katalog edisi tahun itu (bawaan: tahun berjalan).",
)
EDITION_PARAM = OpenApiParameter(
    "edition", OpenApiTypes.STR, description="Kode edisi katalog (menggantikan `year`)."
)


@extend_schema_view(
    list=extend_schema(
        tags=["catalog"], summary="Jenis pelayanan dasar", parameters=[YEAR_PARAM, EDITION_PARAM]
    ),
    retrieve=extend_schema(
        tags=["catalog"],
        summary="Satu jenis pelayanan dasar menurut kode katalog",
        parameters=[YEAR_PARAM, EDITION_PARAM],
    ),
)
class ServiceTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalog is national and the same for every signed-in user."""

    serializer_class = ServiceTypeSerializer
    pagination_class = Pagination
    filterset_class = ServiceTypeFilter
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    queryset = ServiceType.objects.none()

    def _edition(self) -> CatalogEdition | None:
        params = self.request.query_params
        if params.get("edition"):
            edition = CatalogEdition.objects.filter(code=params["edition"]).first()
            if edition is None:
                raise exceptions.ValidationError({"edition": ["Edisi katalog tidak dikenal."]})
            return edition
        year = params.get("year")
        if year is not None and not (year.isdigit() and 2000 <= int(year) <= 2100):
            raise exceptions.ValidationError({"year": ["Tahun harus angka 2000–2100."]})
        return edition_for_year(int(year) if year else None)

    def get_queryset(self) -> QuerySet[ServiceType]:
        edition = self._edition()
        if edition is None:
            return ServiceType.objects.none()
        return (
            ServiceType.objects.filter(edition=edition)
            .select_related("edition", "sector")
            .prefetch_related("quality_items")
            .order_by("order", "code")
        )


class TargetQualitySerializer(serializers.ModelSerializer):
    quality_item = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = TargetQuality
        fields = ["quality_item", "required_quantity"]


class TargetSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    agency = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # type: ignore[var-annotated]
    quality = TargetQualitySerializer(many=True, read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "region",
            "year",
            "service_type",
            "agency",
            "recipients_target",
            "status",
            "version",
            "verified_at",
            "updated_at",
            "quality",
        ]


class TargetFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code", help_text="Kode wilayah")
    year = filters.NumberFilter()
    service_type = filters.CharFilter(field_name="service_type__code", help_text="Kode katalog")
    sector = filters.CharFilter(field_name="service_type__sector__code")
    status = filters.ChoiceFilter(choices=Target.Status.choices)
    agency = filters.NumberFilter(field_name="agency_id")

    class Meta:
        model = Target
        fields = ["region", "year", "service_type", "sector", "status", "agency"]


@extend_schema_view(
    list=extend_schema(tags=["catalog"], summary="Target tahunan yang boleh saya lihat"),
    retrieve=extend_schema(tags=["catalog"], summary="Satu target tahunan"),
)
class TargetViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TargetSerializer
    pagination_class = Pagination
    filterset_class = TargetFilter
    lookup_value_regex = r"[^/]+"
    queryset = Target.objects.none()

    def get_queryset(self) -> QuerySet[Target]:
        return (
            Target.objects.visible_to(self.request.user, Action.VIEW)
            .select_related("region", "service_type")
            .prefetch_related("quality__quality_item")
            .order_by("region__code", "year", "service_type__order", "id")
        )
