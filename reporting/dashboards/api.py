"""API of the dashboards: the input status per level, the capaian roll-ups and a region's
year, with the same numbers as the dashboard pages (``reporting.dashboards.selectors``), and
the data-quality figures (``reporting.quality.api``). Plain views, not router viewsets:
``espm/api.py`` includes ``urlpatterns``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from regions.models import Region
from regions.scoping import Action, scoped_get
from reporting.dashboards import selectors as dashboards
from reporting.quality.api import DataQualityView
from reporting.rules import annual
from reporting.rules.capaian import round2


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
    label: Any = serializers.CharField()
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
    label: Any = serializers.CharField()
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


urlpatterns: list[Any] = [
    path("dashboard/input-status/", InputStatusView.as_view(), name="dashboard-input-status"),
    path("dashboard/capaian/", CapaianRollupView.as_view(), name="dashboard-capaian"),
    path("dashboard/annual/", AnnualView.as_view(), name="dashboard-annual"),
    path("dashboard/data-quality/", DataQualityView.as_view(), name="dashboard-data-quality"),
]
