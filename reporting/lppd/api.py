"""API of the LPPD annex tracking, as on the page (``reporting.lppd.views``).

- ``GET lppd/?year=&level=&status=``: the due date, the counts per level and each region's
  status (who sees which region: ``selectors.regions_for``);
- ``POST lppd/{code}/{year}/hand-in/`` and ``.../withdraw/``: the region's verifier;
- ``PUT lppd/due-dates/{year}/``: Bangda sets the year's due date.
Each write names the version it was made on (``version`` in the body or ``If-Match``; 0 for a
row not saved yet): without one 400, a stale one 409 (412 via ``If-Match``) with the current
row; a refused input 400 in the API's error shape. The per-level ``summary`` is the page's:
over every region of the year's universe in the user's scope, whatever ``level``/``status``
filter the list has.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from espm import versioning
from reporting.lppd import selectors, services
from reporting.models import LppdDueDate
from reporting.rules import lppd


class QuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    level = serializers.ChoiceField(choices=list(selectors.LEVELS), required=False)
    status = serializers.ChoiceField(choices=list(lppd.STATUSES), required=False)


class RowSerializer(serializers.Serializer):
    region = serializers.CharField(help_text="Kode wilayah (Kepmendagri).")
    name = serializers.CharField()
    level = serializers.CharField()
    status = serializers.ChoiceField(choices=list(lppd.STATUSES))
    status_label = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    submitted_by = serializers.CharField(allow_null=True)
    annual_index = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="Indeks tahunan resmi saat ini (data terverifikasi; layanan tanpa data = 0).",
    )
    services_counted = serializers.IntegerField()
    services_expected = serializers.IntegerField()
    figures_final = serializers.BooleanField(
        help_text="Semua jenis pelayanan yang diharapkan terhitung di TW IV."
    )
    handed_in_index = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="Indeks saat diserahkan."
    )
    document = serializers.IntegerField(
        allow_null=True, help_text="Dokumen yang diserahkan (GET /laporan/dokumen/{id}/unduh/)."
    )
    version = serializers.IntegerField()


class LevelCountSerializer(serializers.Serializer):
    level = serializers.CharField()
    label: Any = serializers.CharField()
    total = serializers.IntegerField(help_text="Penyebut: wilayah tingkat ini dalam cakupan.")
    by_status = serializers.DictField(child=serializers.IntegerField())


class ListSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    due_date = serializers.DateField()
    default_due_date = serializers.DateField()
    due_date_version = serializers.IntegerField(
        help_text="Versi batas waktu tahun ini (0 = belum ditetapkan Bangda), untuk PUT due-dates."
    )
    summary = LevelCountSerializer(many=True)
    results = RowSerializer(many=True)


VERSION_HELP = (
    "Versi yang Anda baca (0 bila belum ada); wajib, kecuali dikirim sebagai header If-Match."
)


class HandInSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Wajib bila angka sementara."
    )
    version = serializers.IntegerField(required=False, min_value=0, help_text=VERSION_HELP)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    version = serializers.IntegerField(required=False, min_value=0, help_text=VERSION_HELP)


class DueDateSerializer(serializers.Serializer):
    due_date = serializers.DateField()
    reason = serializers.CharField(max_length=500)
    version = serializers.IntegerField(required=False, min_value=0, help_text=VERSION_HELP)


def row_data(r: selectors.Row) -> dict[str, Any]:
    a = r.annex
    handed = r.handed_in and a is not None
    overall = r.annual.overall
    return {
        "region": r.region.code,
        "name": r.region.name,
        "level": r.region.level,
        "status": r.status,
        "status_label": r.label,
        "submitted_at": a.submitted_at if handed and a else None,
        "submitted_by": (a.submitted_by.username if a.submitted_by else None)
        if handed and a
        else None,
        "annual_index": r.index,
        "services_counted": overall.reported,
        "services_expected": len(r.annual.lines),
        "figures_final": r.annual.complete_year,
        "handed_in_index": a.annual_index if handed and a else None,
        "document": a.document_id if handed and a else None,
        "version": a.version if a else 0,
    }


def _seen(request: Request, body_version: int | None) -> versioning.Seen:
    """The version the write was made on: ``If-Match`` or the body's; 400 without either."""
    seen = versioning.seen(request).or_body(body_version)
    seen.required()
    return seen


def _refused(error: ValidationError, seen: versioning.Seen, current: Any = None) -> Exception:
    if "version" in getattr(error, "message_dict", {}):
        return versioning.stale_error(
            error.message_dict["version"][0], from_header=seen.from_header, current=current
        )
    return error


class LppdListView(APIView):
    @extend_schema(
        tags=["dashboard"],
        summary="Status lampiran LPPD per wilayah dan rekap per tingkat untuk satu tahun",
        parameters=[QuerySerializer],
        responses={200: ListSerializer},
    )
    def get(self, request: Request) -> Response:
        if not selectors.may_view(request.user):
            raise exceptions.NotFound()
        form = QuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        year = form.validated_data.get("year") or selectors.years()[0]
        found = selectors.rows(request.user, year)
        shown = [
            r
            for r in found
            if r.region.level == form.validated_data.get("level", r.region.level)
            and r.status == form.validated_data.get("status", r.status)
        ]
        due, saved = selectors.due_of(year)
        return Response(
            ListSerializer(
                {
                    "year": year,
                    "due_date": due,
                    "default_due_date": lppd.default_due(year),
                    "due_date_version": saved.version if saved else 0,
                    # The page's counts: over the whole scope, not the filtered list (the
                    # denominator of each level is every region of it the user follows).
                    "summary": [
                        {
                            "level": c.level,
                            "label": c.label,
                            "total": c.total,
                            "by_status": c.by_status,
                        }
                        for c in selectors.summary(found)
                    ],
                    "results": [row_data(r) for r in shown],
                }
            ).data
        )


def _row(request: Request, code: str, year: int) -> selectors.Row:
    if not 2000 <= year <= 2100:
        raise Http404
    found = selectors.rows(request.user, year, code=code)
    if not found:
        raise Http404
    return found[0]


class _StepView(APIView):
    """A step on a region's annex: the body checked, the service run, the row as it is now."""

    body: type[serializers.Serializer]
    denied: str  # the service's refusal, said before asking for a version

    def run(
        self, request: Request, row: selectors.Row, year: int, data: dict[str, Any], version: int
    ) -> None:
        raise NotImplementedError

    def step(self, request: Request, code: str, year: int) -> Response:
        row = _row(request, code, year)
        if not selectors.may_hand_in(request.user, row.region):
            raise exceptions.PermissionDenied(_(self.denied))
        form = self.body(data=request.data)
        form.is_valid(raise_exception=True)
        seen = _seen(request, form.validated_data.get("version"))
        try:
            self.run(request, row, year, form.validated_data, seen.required())
        except ValidationError as e:
            raise _refused(e, seen, row_data(row)) from e
        return Response(RowSerializer(row_data(_row(request, code, year))).data)


class HandInView(_StepView):
    body = HandInSerializer
    denied = gettext_noop("Hanya verifikator wilayah ini yang dapat menyerahkan lampiran.")

    def run(
        self, request: Request, row: selectors.Row, year: int, data: dict[str, Any], version: int
    ) -> None:
        services.hand_in(
            request.user, row.region, year, note=data.get("note", ""), seen_version=version
        )

    @extend_schema(
        tags=["dashboard"],
        summary="Serahkan lampiran LPPD wilayah (verifikator wilayah)",
        request=HandInSerializer,
        parameters=[versioning.IF_MATCH],
        responses={200: RowSerializer, **versioning.STALE_RESPONSES},
    )
    def post(self, request: Request, code: str, year: int) -> Response:
        return self.step(request, code, year)


class WithdrawView(_StepView):
    body = WithdrawSerializer
    denied = gettext_noop("Hanya verifikator wilayah ini yang dapat menarik lampiran.")

    def run(
        self, request: Request, row: selectors.Row, year: int, data: dict[str, Any], version: int
    ) -> None:
        services.withdraw(
            request.user, row.region, year, reason=data["reason"], seen_version=version
        )

    @extend_schema(
        tags=["dashboard"],
        summary="Tarik penyerahan lampiran LPPD (verifikator wilayah), dengan alasan",
        request=WithdrawSerializer,
        parameters=[versioning.IF_MATCH],
        responses={200: RowSerializer, **versioning.STALE_RESPONSES},
    )
    def post(self, request: Request, code: str, year: int) -> Response:
        return self.step(request, code, year)


def _due_data(row: LppdDueDate) -> dict[str, Any]:
    return dict(
        DueDateSerializer(
            {"due_date": row.due_date, "reason": row.reason, "version": row.version}
        ).data
    )


class DueDateView(APIView):
    @extend_schema(
        tags=["dashboard"],
        summary="Tetapkan batas waktu lampiran LPPD suatu tahun (Bangda)",
        request=DueDateSerializer,
        parameters=[versioning.IF_MATCH],
        responses={200: DueDateSerializer, **versioning.STALE_RESPONSES},
    )
    def put(self, request: Request, year: int) -> Response:
        if not selectors.may_view(request.user) or not 2000 <= year <= 2100:
            raise exceptions.NotFound()
        if not selectors.may_set_due_date(request.user):
            raise exceptions.PermissionDenied(
                _("Hanya Bangda yang dapat mengubah batas waktu lampiran LPPD.")
            )
        form = DueDateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        seen = _seen(request, form.validated_data.get("version"))
        try:
            row = services.set_due_date(
                request.user,
                year,
                form.validated_data["due_date"],
                reason=form.validated_data["reason"],
                seen_version=seen.required(),
            )
        except ValidationError as e:
            current = LppdDueDate.objects.filter(year=year).first()
            raise _refused(e, seen, _due_data(current) if current else None) from e
        return Response(_due_data(row))


urlpatterns = [
    path("lppd/", LppdListView.as_view(), name="lppd"),
    path("lppd/due-dates/<int:year>/", DueDateView.as_view(), name="lppd-due-date"),
    path("lppd/<str:code>/<int:year>/hand-in/", HandInView.as_view(), name="lppd-hand-in"),
    path("lppd/<str:code>/<int:year>/withdraw/", WithdrawView.as_view(), name="lppd-withdraw"),
]
