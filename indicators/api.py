"""API: the SPM catalog (service types with their quality items) and yearly targets.

Target writes take the target page's path: the page's visibility and edit rules
(`indicators.selectors.may_see_target` / `may_edit_target`), its form (`TargetForm`) for
validation and `indicators.services.save_target` for the write, version check and history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, status, views, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from espm import versioning
from espm.api_base import (
    Conflict,
    ErrorSerializer,
    Pagination,
)
from indicators import selectors, services
from indicators.forms import TargetForm
from indicators.models import (
    BreakdownDimension,
    BreakdownGroup,
    CatalogEdition,
    CatalogYear,
    QualityItem,
    ServiceLevel,
    ServiceType,
    Target,
    TargetQuality,
)
from regions.models import Region
from regions.scoping import Action, scoped_get
from reporting import workflow
from reporting.review.api import step_actions

if TYPE_CHECKING:
    from indicators.models import Sector
    from regions.models import Agency


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
        fields = [
            "code",
            "kind",
            "description",
            "unit",
            "has_quantity",
            "per_recipient",
            "source",
            "order",
        ]


class BreakdownGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = BreakdownGroup
        fields = ["key", "label", "order"]


class BreakdownDimensionSerializer(serializers.ModelSerializer):
    groups = BreakdownGroupSerializer(many=True, read_only=True)

    class Meta:
        model = BreakdownDimension
        fields = ["key", "label", "order", "sums_to_total", "source", "groups"]
        extra_kwargs = {
            "sums_to_total": {
                "help_text": "Bila semua kelompok terisi, jumlahnya sama dengan penerima "
                "terlayani (peringatan RINCIAN-JUMLAH bila tidak)."
            }
        }


class ServiceTypeSerializer(serializers.ModelSerializer):
    edition: serializers.SlugRelatedField[CatalogEdition] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    sector: serializers.SlugRelatedField[Sector] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    sector_name = serializers.CharField(source="sector.name", read_only=True)
    quality_items = QualityItemSerializer(many=True, read_only=True)
    breakdown_dimensions = BreakdownDimensionSerializer(
        many=True,
        read_only=True,
        help_text="Rincian penerima menurut standar teknis: laporan mengisi "
        "recipients_breakdown sebagai {dimensi: {kelompok: jumlah}} dengan kode-kode ini.",
    )

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
            "breakdown_dimensions",
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
            code = params["edition"]
            # A code is short printable text; anything else (a NUL byte would be a database
            # error) cannot name an edition.
            valid = len(code) <= 20 and code.isprintable()
            edition = CatalogEdition.objects.filter(code=code).first() if valid else None
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
            .prefetch_related("quality_items", "breakdown_dimensions__groups")
            .order_by("order", "code")
        )


class TargetQualitySerializer(serializers.ModelSerializer):
    quality_item: serializers.SlugRelatedField[QualityItem] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = TargetQuality
        fields = ["quality_item", "required_quantity"]


class TargetSerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    service_type: serializers.SlugRelatedField[ServiceType] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    agency: serializers.PrimaryKeyRelatedField[Agency] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
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


# ---------------------------------------------------------------- target writes


class TargetQualityInputSerializer(serializers.Serializer):
    quality_item = serializers.CharField(max_length=30, help_text="Kode butir mutu.")
    required_quantity = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="Jumlah minimal; null = kosong."
    )


class TargetWriteSerializer(serializers.Serializer):
    """What the target page's form takes; PATCH sends only what changes, PUT sends it all."""

    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Versi yang Anda baca (atau header If-Match). Wajib salah satunya.",
    )
    recipients_target = serializers.IntegerField(
        required=False, allow_null=True, max_value=2**31 - 1, help_text="Target jumlah penerima."
    )
    quality = TargetQualityInputSerializer(
        many=True,
        required=False,
        help_text="Butir mutu yang memiliki jumlah; pada PUT semuanya wajib dikirim.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Alasan perubahan: wajib untuk target terverifikasi (terkunci).",
    )


class TargetCreateSerializer(TargetWriteSerializer):
    version = None  # type: ignore[assignment]
    region = serializers.CharField(max_length=13, help_text="Kode wilayah, mis. 33.10")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    service_type = serializers.CharField(max_length=30, help_text="Kode katalog tahun itu.")


def _current(target: Target | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {
        "id": target.pk,
        "version": target.version,
        "status": target.status,
        "recipients_target": target.recipients_target,
        "quality": {
            tq.quality_item.code: None
            if tq.required_quantity is None
            else str(tq.required_quantity)
            for tq in target.quality.select_related("quality_item")
        },
    }


class TargetWrite:
    """One write of a target, as the target page does it: rules, form, service, errors."""

    def __init__(
        self,
        request: Request,
        region: Region,
        service_type: ServiceType,
        target: Target | None,
    ) -> None:
        self.request = request
        self.user = request.user
        self.region = region
        self.service_type = service_type
        self.target = target
        self.assignment = selectors.assignment_for(region, service_type.code)
        self.items = list(selectors.quality_items_for(service_type))

    def check_may_edit(self) -> None:
        if selectors.may_edit_target(self.user, self.region, self.assignment, self.target):
            return
        owner = self.target is not None and self.target.agency_id in (
            selectors.agency_ids_operated(self.user, self.region)
        )
        if not owner or self.target is None:
            raise exceptions.PermissionDenied(
                "Peran Anda tidak dapat mengubah target ini; target diisi oleh perangkat daerah "
                "penanggung jawab dan, setelah terverifikasi, diubah oleh verifikator wilayah."
            )
        # A verified target belongs to the verifier now (403, as on the page); a submitted one
        # comes back to its agency if returned, so that is the moment, not the role (409).
        if self.target.is_locked:
            raise exceptions.PermissionDenied(
                "Target sudah diverifikasi dan terkunci; perubahan hanya oleh verifikator."
            )
        raise Conflict(
            "Target sedang menunggu verifikasi dan tidak dapat diubah.",
            code="locked",
            current=_current(self.target),
        )

    def values(self, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
        """The form's data: the target's current values under what was sent (PATCH), or only
        what was sent (PUT/POST), checked against this service type's quality items."""
        with_qty = {qi.code: qi for qi in self.items if qi.has_quantity}
        errors: dict[str, list[str]] = {}
        form: dict[str, Any] = {}
        if partial and self.target is not None:
            form["recipients_target"] = self.target.recipients_target
            for tq in self.target.quality.select_related("quality_item"):
                form[f"q_{tq.quality_item.code}"] = tq.required_quantity
        if "recipients_target" in data:
            form["recipients_target"] = data["recipients_target"]
        elif not partial:
            errors["recipients_target"] = ["Wajib dikirim (null untuk kosong)."]
        self.positions: dict[str, int] = {}
        for i, row in enumerate(data.get("quality", [])):
            code = row["quality_item"]
            key = f"quality[{i}].quality_item"
            if code in self.positions:
                errors[key] = [f"Butir mutu {code} dikirim dua kali."]
            elif code not in with_qty:
                known = {qi.code for qi in self.items}
                errors[key] = [
                    f"Butir mutu {code} tidak memiliki jumlah."
                    if code in known
                    else f"Kode mutu {code} tidak dikenal untuk {self.service_type.code}."
                ]
            else:
                self.positions[code] = i
                form[f"q_{code}"] = row["required_quantity"]
        if not partial and self.target is not None:
            missing = sorted(set(with_qty) - set(self.positions))
            if missing:
                errors["quality"] = [
                    "PUT mengganti seluruh target; kirim juga butir mutu: " + ", ".join(missing)
                ]
        if errors:
            raise exceptions.ValidationError(errors)
        form["reason"] = data.get("reason", "")
        return form

    def _field(self, name: str | None) -> str:
        if name and name.startswith("q_"):
            code = name[2:]
            if code in self.positions:
                return f"quality[{self.positions[code]}].required_quantity"
            return "quality"
        if name in ("recipients_target", "reason"):
            return name
        return "non_field_errors"

    def save(self, data: dict[str, Any], *, partial: bool, version: int, if_match: bool) -> Target:
        locked = bool(self.target and self.target.is_locked)
        form = TargetForm(self.values(data, partial=partial), items=self.items, locked=locked)
        if not form.is_valid():
            errors: dict[str, list[str]] = {}
            for name, messages in form.errors.items():
                key = self._field(None if name == "__all__" else name)
                errors.setdefault(key, []).extend(str(m) for m in messages)
            raise exceptions.ValidationError(errors)
        cd = form.cleaned_data
        values = services.TargetInput(
            recipients_target=cd.get("recipients_target"),
            quality={qi.code: cd.get(f"q_{qi.code}") for qi in form.items},
        )
        try:
            return services.save_target(
                self.user,
                self.region,
                self.target.year if self.target else data["year"],
                self.service_type,
                values,
                version=version,
                reason=cd.get("reason") or "",
            )
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(*exc.args) from exc
        except services.StaleVersion as exc:
            raise versioning.stale_error(
                exc.message, from_header=if_match, current=_current(exc.current)
            ) from exc
        except services.TargetError as exc:
            if exc.field:
                raise exceptions.ValidationError({self._field(exc.field): [exc.message]}) from exc
            raise Conflict(exc.message, code="refused", current=_current(self.target)) from exc


class TargetStepSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Versi yang Anda lihat (atau header If-Match).",
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Wajib untuk return."
    )


def _write_schema(summary: str, request: Any, responses: dict[Any, Any]) -> Any:
    return extend_schema(
        tags=["catalog"],
        summary=summary,
        request=request,
        parameters=[versioning.IF_MATCH] if request is TargetWriteSerializer else None,
        responses={**responses, **versioning.STALE_RESPONSES},
    )


@step_actions(
    workflow.Kind.TARGET, tag="catalog", request=TargetStepSerializer, result=TargetSerializer
)
@extend_schema_view(
    list=extend_schema(tags=["catalog"], summary="Target tahunan yang boleh saya lihat"),
    retrieve=extend_schema(tags=["catalog"], summary="Satu target tahunan (ETag = versi)"),
    create=_write_schema(
        "Buat target tahunan (staf OPD yang ditugaskan), seperti halaman target",
        TargetCreateSerializer,
        {201: TargetSerializer},
    ),
    update=_write_schema(
        "Ganti seluruh isi target (PUT), dengan version atau If-Match",
        TargetWriteSerializer,
        {200: TargetSerializer},
    ),
    partial_update=_write_schema(
        "Ubah sebagian target (PATCH), dengan version atau If-Match",
        TargetWriteSerializer,
        {200: TargetSerializer},
    ),
)
class TargetViewSet(viewsets.ReadOnlyModelViewSet):
    """Targets per region × year × service type. Writes: the assigned agency's staff while
    draft/returned; once verified (locked) only the region's verifier, with a reason."""

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

    def _fresh(self, target: Target) -> Response:
        fresh = self.get_queryset().get(pk=target.pk)
        return versioning.with_etag(Response(self.get_serializer(fresh).data), fresh)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = self.get_object()
        return versioning.with_etag(Response(self.get_serializer(target).data), target)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = TargetCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        region = scoped_get(Region, request.user, Action.VIEW, code=data["region"])
        service_type = (
            selectors.service_types_for_region(region, data["year"])
            .filter(code=data["service_type"])
            .first()
        )
        if service_type is None:
            raise exceptions.ValidationError(
                {
                    "service_type": [
                        f"{data['service_type']} bukan jenis pelayanan wilayah ini "
                        f"dalam katalog tahun {data['year']}."
                    ]
                }
            )
        existing = Target.objects.filter(
            region=region, year=data["year"], service_type=service_type
        ).first()
        write = TargetWrite(request, region, service_type, None)
        # The page's rule: who cannot see the target (or where it would be) finds nothing.
        if not selectors.may_see_target(
            request.user, region, service_type, write.assignment, existing
        ):
            raise exceptions.NotFound()
        if existing is not None:
            raise Conflict(
                f"Target ini sudah ada (id {existing.pk}); ubah dengan PUT/PATCH targets/{existing.pk}/.",
                current=_current(existing),
            )
        write.check_may_edit()
        target = write.save(data, partial=False, version=0, if_match=False)
        response = self._fresh(target)
        response.status_code = status.HTTP_201_CREATED
        return response

    def _update(self, request: Request, *, partial: bool) -> Response:
        target = self.get_object()
        header = versioning.seen(request)
        form = TargetWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        seen = header.or_body(data.pop("version", None))
        version = seen.required()
        write = TargetWrite(request, target.region, target.service_type, target)
        write.check_may_edit()
        saved = write.save(data, partial=partial, version=version, if_match=seen.from_header)
        return self._fresh(saved)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request, partial=False)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request, partial=True)

    def _step(self, request: Request, spec: workflow.Transition) -> Response:
        """The target page's buttons: the workflow table's step (``reporting.workflow``)."""
        target = self.get_object()
        header = versioning.seen(request)
        form = TargetStepSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        seen = header.or_body(data.get("version"))
        version = seen.required()  # a step on a state nobody saw is not taken
        try:
            workflow.transition(
                target,
                spec.action,
                request.user,
                reason=data.get("reason", ""),
                expected_version=version,
            )
        except workflow.NotAllowed as exc:
            raise exceptions.PermissionDenied(exc.message) from exc
        except workflow.TransitionError as exc:
            if exc.field:
                raise exceptions.ValidationError({exc.field: [exc.message]}) from exc
            target.refresh_from_db()
            if isinstance(exc, workflow.Stale):
                raise versioning.stale_error(
                    exc.message, from_header=seen.from_header, current=_current(target)
                ) from exc
            message = " ".join([exc.message, *(p.message for p in exc.problems)])
            raise Conflict(message, code="refused", current=_current(target)) from exc
        target.refresh_from_db()
        return self._fresh(target)


# ---------------------------------------------------------------- budget nomenclature


class NomenclatureItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Kode, mis. 1.02.02.2.02.0001")
    name = serializers.CharField(help_text="Nomenklatur")
    level = serializers.ChoiceField(
        choices=["activity", "sub_activity"], help_text="activity = kegiatan"
    )
    sector = serializers.CharField(source="sector.code", allow_null=True, default=None)
    parent_code = serializers.CharField(source="parent.code", allow_null=True, default=None)
    parent_name = serializers.CharField(source="parent.name", allow_null=True, default=None)
    usual = serializers.BooleanField(
        source="is_usual", help_text="Lazim untuk jenis pelayanan `service`"
    )


class NomenclatureView(views.APIView):
    """Search the budget nomenclature (Kepmendagri 900.1-2850/2025, SPM-relevant subset):
    reference data, the same for every signed-in user."""

    @extend_schema(
        tags=["catalog"],
        summary="Cari nomenklatur kegiatan/sub kegiatan anggaran",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Awal kode atau kata dalam nama."),
            OpenApiParameter("sector", OpenApiTypes.STR, description="Kode bidang, mis. KES."),
            OpenApiParameter(
                "service",
                OpenApiTypes.STR,
                description="Kode jenis pelayanan: kode yang lazim untuknya tampil lebih dulu.",
            ),
            OpenApiParameter(
                "level", OpenApiTypes.STR, enum=["activity", "sub_activity"], description="Tingkat."
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"Jumlah hasil paling banyak (bawaan {selectors.NOMENCLATURE_LIMIT}, "
                f"maks. {selectors.NOMENCLATURE_MAX}).",
            ),
        ],
        responses={200: NomenclatureItemSerializer(many=True), 400: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        limit_text = params.get("limit", "")
        if limit_text and not (
            limit_text.isascii() and limit_text.isdigit() and int(limit_text) >= 1
        ):
            raise exceptions.ValidationError({"limit": ["Harus bilangan bulat positif."]})
        level = params.get("level") or None
        if level not in (None, "activity", "sub_activity"):
            raise exceptions.ValidationError({"level": ["Pilih activity atau sub_activity."]})
        found = selectors.search_nomenclature(
            params.get("q", "")[:100].strip(),
            sector=params.get("sector", "")[:10] or None,
            service_code=params.get("service", "")[:20] or None,
            limit=int(limit_text) if limit_text else selectors.NOMENCLATURE_LIMIT,
            level=level,
        )
        return Response(NomenclatureItemSerializer(found, many=True).data)
