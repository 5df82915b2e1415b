"""API: the data-quality view's figures, ``GET /api/v1/dashboard/data-quality/``.

The same ``reporting.quality.dashboard.quality_view`` as the page and its downloads, scoped the
same way: a province or region asked for must be visible (else 404), and only the roles of
the page may ask (else 403).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from regions.models import Region
from regions.scoping import Action, may_view_data_quality, scoped_get
from reporting.dashboards import selectors as dashboards
from reporting.quality import dashboard as q


def _pct(help_text: str = "") -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=7, decimal_places=2, allow_null=True, help_text=help_text
    )


class DataQualityQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(required=False, min_value=1, max_value=4)
    province = serializers.RegexField(
        r"^[0-9]{2}$", required=False, help_text="Batasi ke satu provinsi dan kab/kotanya."
    )
    region = serializers.RegexField(
        r"^[0-9]{2}(\.[0-9]{2})?$",
        required=False,
        help_text="Batasi ke satu wilayah (provinsi atau kab/kota); mengalahkan `province`.",
    )


class FiguresSerializer(serializers.Serializer):
    """Counts of one region or group. Flag counts are null when no report has data yet."""

    expected = serializers.IntegerField(help_text="Laporan yang wajib (penyebut kelengkapan).")
    entered = serializers.IntegerField(help_text="Laporan yang sudah diisi (penyebut temuan).")
    complete = serializers.IntegerField(help_text="Laporan lengkap (punya indeks capaian).")
    complete_pct = _pct("complete / expected × 100.")
    verified = serializers.IntegerField(help_text="Laporan yang dihitung dalam angka resmi.")
    verified_pct = _pct("verified / expected × 100.")
    errors: Any = serializers.IntegerField(allow_null=True, help_text="Galat terbuka.")
    warnings = serializers.IntegerField(
        allow_null=True, help_text="Peringatan terbuka (belum ditandai benar oleh verifikator)."
    )
    unexplained = serializers.IntegerField(
        allow_null=True, help_text="Peringatan terbuka tanpa penjelasan."
    )
    explained = serializers.IntegerField(
        allow_null=True, help_text="Peringatan yang dijelaskan atau ditandai benar."
    )
    warnings_total = serializers.IntegerField(
        allow_null=True, help_text="Semua peringatan aturan aktif (penyebut `explained_pct`)."
    )
    explained_pct = _pct()
    flagged_reports = serializers.IntegerField(
        allow_null=True, help_text="Laporan dengan sedikitnya satu temuan terbuka."
    )
    flagged_pct = _pct("flagged_reports / entered × 100.")


class GroupSerializer(FiguresSerializer):
    key = serializers.CharField(help_text="Tingkat (province/kabupaten/kota); kosong: semua.")
    label: Any = serializers.CharField()
    regions = serializers.IntegerField(help_text="Wilayah dalam universe periode.")
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    not_submitted = serializers.IntegerField()


class RegionQualitySerializer(FiguresSerializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    province = serializers.CharField()
    timeliness = serializers.ChoiceField(choices=["on_time", "late", "missing"])
    submitted_on = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True, help_text="Batas waktu efektif wilayah.")


class RuleQualitySerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["warning", "error"])
    description = serializers.CharField()
    errors: Any = serializers.IntegerField()
    warnings = serializers.IntegerField()
    unexplained = serializers.IntegerField()
    explained = serializers.IntegerField()
    warnings_total = serializers.IntegerField()
    explained_pct = _pct()
    reports = serializers.IntegerField(help_text="Laporan dengan temuan terbuka aturan ini.")
    regions = serializers.IntegerField(help_text="Wilayah dengan temuan terbuka aturan ini.")


class DataQualitySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    province = serializers.CharField(allow_null=True)
    region = serializers.CharField(allow_null=True)
    total = GroupSerializer()
    levels = GroupSerializer(many=True)
    regions = RegionQualitySerializer(many=True)
    rules = RuleQualitySerializer(many=True)


class DataQualityView(APIView):
    """Completeness, timeliness and data-quality flags per region of one quarter."""

    @extend_schema(
        tags=["dashboard"],
        summary="Kualitas data per wilayah dan triwulan (angka yang sama dengan halamannya)",
        parameters=[DataQualityQuerySerializer],
        responses={200: DataQualitySerializer},
    )
    def get(self, request: Request) -> Response:
        form = DataQualityQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        args: dict[str, Any] = dict(form.validated_data)
        province = region = None
        if args.get("region"):
            region = scoped_get(
                Region,
                request.user,
                Action.VIEW,
                code=args["region"],
                level__in=dashboards.LEVELS,
                is_active=True,
            )
        elif args.get("province"):
            province = scoped_get(
                Region, request.user, Action.VIEW, code=args["province"], level="province"
            )
        if not may_view_data_quality(request.user):
            raise PermissionDenied
        default_year, default_quarter = dashboards.default_year_quarter()
        payload = q.cached_payload(
            request.user,
            args.get("year") or default_year,
            args.get("quarter") or default_quarter,
            province,
            region,
        )
        return Response(DataQualitySerializer(payload).data)
