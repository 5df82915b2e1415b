"""API: the regions' action plans (/api/v1/action-plans/) and Tim Penerapan SPM
(/api/v1/spm-teams/).

Reads go through the scoping layer; writes call the same services as the pages
(``reporting.plans.services``) and are the region's verifier's (and Bangda's): anyone else who
sees the object gets 403, outside the scope 404. A change names the version read, in
``If-Match`` or the body's ``version`` (stale: 412 / 409).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from espm import versioning
from espm.api_base import Conflict, Pagination
from regions.models import Level, Region
from regions.scoping import Action
from reporting.entry.evidence import open_stored
from reporting.models import ActionPlan, ActionPlanCommitment, SpmTeam, SpmTeamMember
from reporting.plans import selectors, services

LEVELS = [(v, label) for v, label in Level.choices if v != Level.NATIONAL]


def _refusal(exc: DjangoValidationError, from_header: bool) -> exceptions.APIException:
    if isinstance(exc, services.Stale):
        current = {
            "version": exc.current_version,
            "changed_by": exc.changed_by,
            "changed_at": exc.changed_at.isoformat() if exc.changed_at else None,
        }
        return versioning.stale_error(exc.messages[0], from_header=from_header, current=current)
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def _maintainer(request: Request, region: Region) -> None:
    if not selectors.can_maintain(request.user, region):
        raise exceptions.PermissionDenied(
            "Hanya verifikator wilayah ini yang dapat mengubah rencana aksi dan Tim Penerapan SPM."
        )


def _region(request: Request, code: str) -> Region:
    region = (
        Region.objects.visible_to(request.user, Action.VIEW)
        .filter(code=code, level__in=[v for v, _ in LEVELS])
        .first()
    )
    if region is None:
        raise exceptions.NotFound("Wilayah tidak ditemukan atau di luar cakupan Anda.")
    return region


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF peraturan/keputusan (isi diperiksa).")
    version = serializers.IntegerField(
        required=False, min_value=0, help_text="Versi yang Anda baca (alternatif If-Match)."
    )


FILE_RESPONSE = {(200, "application/pdf"): OpenApiTypes.BINARY}


# ---------------------------------------------------------------- action plans


class CommitmentSerializer(serializers.ModelSerializer):
    service_type = serializers.CharField(source="service_type.code", read_only=True)
    service_type_name = serializers.CharField(source="service_type.name", read_only=True)

    class Meta:
        model = ActionPlanCommitment
        fields = ["service_type", "service_type_name", "commitment", "budget"]
        read_only_fields = fields


class CommitmentInSerializer(serializers.Serializer):
    service_type = serializers.CharField(
        max_length=30, help_text="Kode jenis pelayanan, mis. K-KES-01"
    )
    commitment = serializers.CharField(max_length=4000)
    budget = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**15, help_text="Rupiah"
    )


class ActionPlanSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    level = serializers.CharField(source="region.level", read_only=True)
    instrument = serializers.SerializerMethodField(
        help_text="Peraturan Gubernur (provinsi), Peraturan Bupati atau Peraturan Wali Kota."
    )
    file_name = serializers.CharField(source="original_name", read_only=True)
    file_url = serializers.SerializerMethodField()
    commitments = CommitmentSerializer(many=True, read_only=True)
    updated_by = serializers.CharField(
        source="updated_by.username", read_only=True, allow_null=True
    )

    class Meta:
        model = ActionPlan
        fields = [
            "id",
            "region",
            "region_name",
            "level",
            "year",
            "status",
            "instrument",
            "number",
            "date",
            "title",
            "file_name",
            "file_url",
            "commitments",
            "version",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields

    def get_instrument(self, obj: ActionPlan) -> str:
        return selectors.instrument(obj.region)

    def get_file_url(self, obj: ActionPlan) -> str | None:
        return reverse("api:action-plan-file", kwargs={"pk": obj.pk}) if obj.file else None


class ActionPlanWriteSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ActionPlan.Status.choices, required=False)
    number = serializers.CharField(max_length=200, required=False, allow_blank=True)
    date = serializers.DateField(required=False, allow_null=True)
    title = serializers.CharField(max_length=500, required=False, allow_blank=True)
    commitments = CommitmentInSerializer(
        many=True, required=False, help_text="Bila dikirim, menggantikan seluruh komitmen."
    )
    version = serializers.IntegerField(
        required=False, min_value=0, help_text="Versi yang Anda baca (alternatif If-Match)."
    )


class ActionPlanCreateSerializer(ActionPlanWriteSerializer):
    region = serializers.CharField(max_length=13, help_text="Kode wilayah, mis. 33.10")
    year = serializers.IntegerField(min_value=selectors.FIRST_YEAR, max_value=2100)
    status = serializers.ChoiceField(choices=ActionPlan.Status.choices)


class ActionPlanFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code", help_text="Kode wilayah, mis. 33.10")
    province = filters.CharFilter(field_name="region__province_code", help_text="Kode provinsi")
    level = filters.ChoiceFilter(field_name="region__level", choices=LEVELS)
    year = filters.NumberFilter(min_value=2000, max_value=2100)
    status = filters.ChoiceFilter(choices=ActionPlan.Status.choices)

    class Meta:
        model = ActionPlan
        fields = ["region", "province", "level", "year", "status"]


def _commitment_inputs(rows: list[dict[str, Any]]) -> list[services.CommitmentInput]:
    return [
        services.CommitmentInput(r["service_type"], r["commitment"], r.get("budget")) for r in rows
    ]


def _plan_input(data: dict[str, Any], plan: ActionPlan | None) -> services.PlanInput:
    def pick(name: str, default: Any) -> Any:
        return data.get(name, default)

    return services.PlanInput(
        pick("status", plan.status if plan else ActionPlan.Status.NONE),
        pick("number", plan.number if plan else "") or "",
        pick("date", plan.date if plan else None),
        pick("title", plan.title if plan else "") or "",
    )


@extend_schema_view(
    list=extend_schema(tags=["action-plans"], summary="Rencana aksi wilayah yang boleh saya lihat"),
    retrieve=extend_schema(tags=["action-plans"], summary="Satu rencana aksi (ETag = versi)"),
    create=extend_schema(
        tags=["action-plans"],
        summary="Catat rencana aksi wilayah untuk satu tahun (verifikator wilayah)",
        request=ActionPlanCreateSerializer,
        responses={201: ActionPlanSerializer},
    ),
    partial_update=extend_schema(
        tags=["action-plans"],
        summary="Ubah rencana aksi (verifikator wilayah), dengan version atau If-Match",
        request=ActionPlanWriteSerializer,
        parameters=[versioning.IF_MATCH],
        responses={200: ActionPlanSerializer, **versioning.STALE_RESPONSES},
    ),
)
class ActionPlanViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ActionPlanSerializer
    pagination_class = Pagination
    filterset_class = ActionPlanFilter
    queryset = ActionPlan.objects.none()

    def get_queryset(self) -> QuerySet[ActionPlan]:
        user = self.request.user
        commitments = ActionPlanCommitment.objects.visible_to(user, Action.VIEW).select_related(
            "service_type"
        )
        return (
            ActionPlan.objects.visible_to(user, Action.VIEW)
            .select_related("region", "updated_by")
            .prefetch_related(Prefetch("commitments", queryset=commitments))
            .order_by("region__code", "-year")
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        return versioning.with_etag(Response(self.get_serializer(plan).data), plan)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = ActionPlanCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        region = _region(request, data["region"])
        _maintainer(request, region)
        if ActionPlan.objects.filter(region=region, year=data["year"]).exists():
            raise Conflict(
                "Rencana aksi wilayah ini untuk tahun tersebut sudah ada; ubah dengan PATCH.",
                code="exists",
            )
        try:
            plan = services.save_action_plan(
                request.user,
                region,
                data["year"],
                _plan_input(data, None),
                _commitment_inputs(data["commitments"]) if "commitments" in data else None,
                seen_version=0,
            )
        except DjangoValidationError as exc:
            raise _refusal(exc, False) from exc
        fresh = self.get_queryset().get(pk=plan.pk)
        body = self.get_serializer(fresh).data
        return versioning.with_etag(Response(body, status=status.HTTP_201_CREATED), fresh)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        _maintainer(request, plan.region)
        form = ActionPlanWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        seen = versioning.seen(request, data.pop("version", None))
        try:
            services.save_action_plan(
                request.user,
                plan.region,
                plan.year,
                _plan_input(data, plan),
                _commitment_inputs(data["commitments"]) if "commitments" in data else None,
                seen_version=seen.required(),
            )
        except DjangoValidationError as exc:
            raise _refusal(exc, seen.from_header) from exc
        fresh = self.get_queryset().get(pk=plan.pk)
        return versioning.with_etag(Response(self.get_serializer(fresh).data), fresh)

    @extend_schema(
        methods=["GET"],
        tags=["action-plans"],
        summary="Unduh berkas peraturan rencana aksi",
        responses=FILE_RESPONSE,
    )
    @extend_schema(
        methods=["POST"],
        tags=["action-plans"],
        summary="Unggah berkas PDF peraturan (verifikator wilayah), dengan version atau If-Match",
        request={"multipart/form-data": FileUploadSerializer},
        parameters=[versioning.IF_MATCH],
        responses={200: ActionPlanSerializer, **versioning.STALE_RESPONSES},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
        pagination_class=None,
        filterset_class=None,
    )
    def file(self, request: Request, pk: str | None = None) -> Any:
        return _file_action(
            self,
            request,
            lambda plan, version, upload: services.save_action_plan(
                request.user, plan.region, plan.year, _plan_input({}, plan),
                seen_version=version, upload=upload,
            ),
        )  # fmt: skip


def _file_action(
    view: Any, request: Request, save: Callable[[Any, int, services.Upload], Any]
) -> Any:
    """The ``file`` action of plans and teams: GET downloads the decree, POST replaces it
    through the object's own save service (maintainer only, version-checked)."""
    obj = view.get_object()
    if request.method == "GET":
        return _download(obj)
    _maintainer(request, obj.region)
    form = FileUploadSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    seen = versioning.seen(request, form.validated_data.get("version"))
    upload = form.validated_data["file"]
    try:
        save(obj, seen.required(), services.Upload(upload, upload.name, upload.size))
    except DjangoValidationError as exc:
        raise _refusal(exc, seen.from_header) from exc
    fresh = view.get_queryset().get(pk=obj.pk)
    return versioning.with_etag(Response(view.get_serializer(fresh).data), fresh)


def _download(obj: ActionPlan | SpmTeam) -> FileResponse:
    if not obj.file:
        raise exceptions.NotFound("Belum ada berkas.")
    response = FileResponse(
        open_stored(obj.file),
        as_attachment=True,
        filename=obj.original_name or "dokumen.pdf",
        content_type=obj.content_type or "application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- Tim Penerapan SPM


class MemberSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(
        source="agency.short_name", read_only=True, allow_null=True, help_text="Singkatan OPD"
    )
    agency_name = serializers.CharField(source="agency.name", read_only=True, allow_null=True)

    class Meta:
        model = SpmTeamMember
        fields = ["id", "name", "position", "agency", "agency_name", "unit", "role"]
        read_only_fields = fields


class MemberInSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, min_value=1, help_text="Anggota yang sudah ada")
    name = serializers.CharField(max_length=150)
    position = serializers.CharField(max_length=200)
    agency = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="Singkatan OPD wilayah ini"
    )
    unit = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Unit kerja lain (mis. Bappeda)"
    )
    role = serializers.ChoiceField(choices=SpmTeamMember.Role.choices)


class SpmTeamSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    level = serializers.CharField(source="region.level", read_only=True)
    decree = serializers.SerializerMethodField(help_text="Keputusan Gubernur/Bupati/Wali Kota")
    file_name = serializers.CharField(source="original_name", read_only=True)
    file_url = serializers.SerializerMethodField()
    members = MemberSerializer(many=True, read_only=True)
    updated_by = serializers.CharField(
        source="updated_by.username", read_only=True, allow_null=True
    )

    class Meta:
        model = SpmTeam
        fields = [
            "id",
            "region",
            "region_name",
            "level",
            "year",
            "decree",
            "decree_number",
            "decree_date",
            "chair_name",
            "chair_position",
            "file_name",
            "file_url",
            "members",
            "version",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields

    def get_decree(self, obj: SpmTeam) -> str:
        return selectors.decree(obj.region)

    def get_file_url(self, obj: SpmTeam) -> str | None:
        return reverse("api:spm-team-file", kwargs={"pk": obj.pk}) if obj.file else None


class SpmTeamWriteSerializer(serializers.Serializer):
    decree_number = serializers.CharField(max_length=200, required=False)
    decree_date = serializers.DateField(required=False)
    chair_name = serializers.CharField(max_length=150, required=False)
    chair_position = serializers.CharField(max_length=200, required=False)
    members = MemberInSerializer(
        many=True, required=False, help_text="Bila dikirim, menggantikan seluruh anggota."
    )
    version = serializers.IntegerField(required=False, min_value=0)


class SpmTeamCreateSerializer(SpmTeamWriteSerializer):
    region = serializers.CharField(max_length=13, help_text="Kode wilayah, mis. 33.10")
    year = serializers.IntegerField(min_value=selectors.FIRST_YEAR, max_value=2100)
    decree_number = serializers.CharField(max_length=200)
    decree_date = serializers.DateField()
    chair_name = serializers.CharField(max_length=150)
    chair_position = serializers.CharField(max_length=200)


class SpmTeamFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code", help_text="Kode wilayah, mis. 33.10")
    province = filters.CharFilter(field_name="region__province_code", help_text="Kode provinsi")
    level = filters.ChoiceFilter(field_name="region__level", choices=LEVELS)
    year = filters.NumberFilter(min_value=2000, max_value=2100)

    class Meta:
        model = SpmTeam
        fields = ["region", "province", "level", "year"]


def _team_input(data: dict[str, Any], team: SpmTeam | None) -> services.TeamInput:
    def pick(name: str) -> Any:
        return data.get(name, getattr(team, name, None))

    return services.TeamInput(
        pick("decree_number") or "",
        pick("decree_date"),
        pick("chair_name") or "",
        pick("chair_position") or "",
    )


def _member_inputs(region: Region, rows: list[dict[str, Any]]) -> list[services.MemberInput]:
    agencies = {a.short_name.upper(): a.pk for a in region.agencies.all()}
    out = []
    errors = []
    for n, r in enumerate(rows, start=1):
        short = (r.get("agency") or "").strip().upper()
        agency_id = agencies.get(short) if short else None
        if short and agency_id is None:
            errors.append(f"Anggota {n}: {short} bukan perangkat daerah wilayah ini.")
        out.append(
            services.MemberInput(
                r["name"], r["position"], r["role"], agency_id, r.get("unit", ""), r.get("id")
            )
        )
    if errors:
        raise exceptions.ValidationError({"members": errors})
    return out


@extend_schema_view(
    list=extend_schema(tags=["spm-teams"], summary="Tim Penerapan SPM yang boleh saya lihat"),
    retrieve=extend_schema(tags=["spm-teams"], summary="Satu Tim Penerapan SPM (ETag = versi)"),
    create=extend_schema(
        tags=["spm-teams"],
        summary="Catat Tim Penerapan SPM wilayah untuk satu tahun (verifikator wilayah)",
        request=SpmTeamCreateSerializer,
        responses={201: SpmTeamSerializer},
    ),
    partial_update=extend_schema(
        tags=["spm-teams"],
        summary="Ubah Tim Penerapan SPM (verifikator wilayah), dengan version atau If-Match",
        request=SpmTeamWriteSerializer,
        parameters=[versioning.IF_MATCH],
        responses={200: SpmTeamSerializer, **versioning.STALE_RESPONSES},
    ),
)
class SpmTeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SpmTeamSerializer
    pagination_class = Pagination
    filterset_class = SpmTeamFilter
    queryset = SpmTeam.objects.none()

    def get_queryset(self) -> QuerySet[SpmTeam]:
        user = self.request.user
        members = (
            SpmTeamMember.objects.visible_to(user, Action.VIEW)
            .select_related("agency")
            .order_by("order", "id")
        )
        return (
            SpmTeam.objects.visible_to(user, Action.VIEW)
            .select_related("region", "updated_by")
            .prefetch_related(Prefetch("members", queryset=members))
            .order_by("region__code", "-year")
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team = self.get_object()
        return versioning.with_etag(Response(self.get_serializer(team).data), team)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = SpmTeamCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        region = _region(request, data["region"])
        _maintainer(request, region)
        if SpmTeam.objects.filter(region=region, year=data["year"]).exists():
            raise Conflict(
                "Tim Penerapan SPM wilayah ini untuk tahun tersebut sudah ada; ubah dengan PATCH.",
                code="exists",
            )
        members = _member_inputs(region, data["members"]) if "members" in data else None
        try:
            team = services.save_spm_team(
                request.user,
                region,
                data["year"],
                _team_input(data, None),
                members,
                seen_version=0,
            )
        except DjangoValidationError as exc:
            raise _refusal(exc, False) from exc
        fresh = self.get_queryset().get(pk=team.pk)
        body = self.get_serializer(fresh).data
        return versioning.with_etag(Response(body, status=status.HTTP_201_CREATED), fresh)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team = self.get_object()
        _maintainer(request, team.region)
        form = SpmTeamWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        seen = versioning.seen(request, data.pop("version", None))
        members = _member_inputs(team.region, data["members"]) if "members" in data else None
        try:
            services.save_spm_team(
                request.user,
                team.region,
                team.year,
                _team_input(data, team),
                members,
                seen_version=seen.required(),
            )
        except DjangoValidationError as exc:
            raise _refusal(exc, seen.from_header) from exc
        fresh = self.get_queryset().get(pk=team.pk)
        return versioning.with_etag(Response(self.get_serializer(fresh).data), fresh)

    @extend_schema(
        methods=["GET"],
        tags=["spm-teams"],
        summary="Unduh berkas keputusan pembentukan tim",
        responses=FILE_RESPONSE,
    )
    @extend_schema(
        methods=["POST"],
        tags=["spm-teams"],
        summary="Unggah berkas PDF keputusan (verifikator wilayah), dengan version atau If-Match",
        request={"multipart/form-data": FileUploadSerializer},
        parameters=[versioning.IF_MATCH],
        responses={200: SpmTeamSerializer, **versioning.STALE_RESPONSES},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
        pagination_class=None,
        filterset_class=None,
    )
    def file(self, request: Request, pk: str | None = None) -> Any:
        return _file_action(
            self,
            request,
            lambda team, version, upload: services.save_spm_team(
                request.user, team.region, team.year, _team_input({}, team),
                seen_version=version, upload=upload,
            ),
        )  # fmt: skip
