"""API: the SPM Award ranking of a year and category (GET /api/v1/award/), as on the page.

Bangda reads every category; a province reviewer its own province's kab/kota; anyone else,
or a category outside what the user may rank, gets 404.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reporting.award import selectors
from reporting.rules import award


class AwardQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    category = serializers.ChoiceField(
        choices=list(award.CATEGORIES), help_text="province, kabupaten, kota atau team."
    )


class AwardComponentSerializer(serializers.Serializer):
    key = serializers.CharField()
    label: Any = serializers.CharField()  # a field named like Field.label
    weight = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    raw = serializers.DecimalField(max_digits=20, decimal_places=2)
    denominator = serializers.DecimalField(max_digits=20, decimal_places=2)
    missing = serializers.BooleanField(help_text="Tanpa data: skor komponen 0.")


class AwardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    components = AwardComponentSerializer(many=True)


class AwardCriterionSerializer(serializers.Serializer):
    key = serializers.CharField()
    weight = serializers.IntegerField()
    definition = serializers.CharField()


class AwardSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    category = serializers.CharField()
    configured = serializers.BooleanField(
        help_text="false: konfigurasi bawaan (belum ditetapkan Bangda untuk tahun ini)."
    )
    categories = serializers.ListField(child=serializers.CharField())
    criteria = AwardCriterionSerializer(many=True)
    results = AwardRowSerializer(many=True)


class AwardView(APIView):
    @extend_schema(
        tags=["dashboard"],
        summary="Peringkat Penghargaan SPM per tahun dan kategori, dengan setiap komponen",
        parameters=[AwardQuerySerializer],
        responses={200: AwardSerializer},
    )
    def get(self, request: Request) -> Response:
        if not selectors.may_view(request.user):
            raise exceptions.NotFound()
        form = AwardQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        year = form.validated_data.get("year") or selectors.years()[0]
        category = form.validated_data["category"]
        config, rows = selectors.ranking(request.user, year, category)
        weights = dict(config.weights)
        return Response(
            AwardSerializer(
                {
                    "year": year,
                    "category": category,
                    "configured": config.pk is not None,
                    "categories": selectors.categories_for(request.user, config),
                    "criteria": [
                        {"key": k, "weight": w, "definition": str(award.COMPONENTS[k])}
                        for k, w in config.weights
                    ],
                    "results": [
                        {
                            "rank": r.rank,
                            "code": r.code,
                            "name": r.name,
                            "level": r.level,
                            "score": r.score,
                            "components": [
                                {
                                    "key": c.key,
                                    "label": c.label,
                                    "weight": weights[c.key],
                                    "score": award.round2(c.score),
                                    "raw": c.raw,
                                    "denominator": c.denominator,
                                    "missing": c.missing,
                                }
                                for c in r.components.values()
                            ],
                        }
                        for r in rows
                    ],
                }
            ).data
        )
