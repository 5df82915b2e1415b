"""API of the reporting periods (the national calendar, managed by Bangda): the list, one
period, providing a year's quarters, due date and late entry, opening (a Celery job, polled),
the regions a period is measured against, closing.

Reads are national (every signed-in user sees the same calendar); writes call the period
page's forms and services (``reporting.entry.services``), so no rule lives here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from espm import versioning
from espm.api_base import Conflict, Pagination, form_cleaned, form_messages
from regions.scoping import sees_everything
from reporting.models import Period, PeriodOpening
from reporting.periods import services
from reporting.periods.forms import PeriodForm, YearForm
from reporting.rules import universe


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


class PeriodRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = ["id", "year", "quarter"]


_YEAR = YearForm.base_fields["year"]


class PeriodCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=_YEAR.min_value,  # type: ignore[attr-defined]
        max_value=_YEAR.max_value,  # type: ignore[attr-defined]
        error_messages=form_messages(YearForm, "year", null="required"),
        help_text="Tahun pelaporan; TW I–IV dibuat bila belum ada (idempoten).",
    )


class PeriodUpdateSerializer(serializers.Serializer):
    """Only what is sent changes; the rest keeps its current value (PATCH)."""

    due_date = serializers.DateField(
        required=False,
        error_messages=form_messages(PeriodForm, "due_date", null="required", datetime="invalid"),
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
        year = form_cleaned(YearForm, dict(form.validated_data))["year"]
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
        cleaned = form_cleaned(PeriodForm, {**values, "version": version})
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
