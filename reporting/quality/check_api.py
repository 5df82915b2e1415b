"""A report's data-quality flags in the API: ``checks`` on every report, and the operator's
explanation / the verifier's "checked — correct" as actions on the report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from regions.scoping import AnyUser, may_edit_report_data
from reporting.models import Report, ReportCheck
from reporting.quality import follow_up, selectors, services

if TYPE_CHECKING:
    from regions.models import User


class ReportCheckSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="rule.code", read_only=True)
    item = serializers.CharField(source="item_key", read_only=True)
    message = serializers.SerializerMethodField()
    numbers = serializers.JSONField(source="values", read_only=True)
    explained_by: serializers.StringRelatedField[User] = serializers.StringRelatedField(
        read_only=True
    )
    confirmed = serializers.BooleanField(source="is_confirmed", read_only=True)
    confirmed_by: serializers.StringRelatedField[User] = serializers.StringRelatedField(
        read_only=True
    )
    blocks = serializers.BooleanField(read_only=True)

    class Meta:
        model = ReportCheck
        fields = [
            "id",
            "code",
            "severity",
            "section",
            "item",
            "message",
            "numbers",
            "explanation",
            "explained_by",
            "explained_at",
            "confirmed",
            "confirmed_note",
            "confirmed_by",
            "confirmed_at",
            "blocks",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_message(self, obj: ReportCheck) -> str:
        return selectors.message(obj)


class ExplainSerializer(serializers.Serializer):
    explanation = serializers.CharField(allow_blank=True, max_length=4000)


class ConfirmSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=4000)
    undo = serializers.BooleanField(required=False, default=False)


def active_checks(report: Report) -> list[ReportCheck]:
    """The report's flags of active rules (prefetched as ``report.active_checks`` in lists)."""
    rows = getattr(report, "active_checks", None)
    if rows is None:
        rows = list(
            ReportCheck.objects.filter(report=report, rule__is_active=True).select_related(
                "rule", "explained_by", "confirmed_by"
            )
        )
    return rows


def _check_of(report: Report, check_id: str | int) -> ReportCheck:
    return get_object_or_404(ReportCheck, pk=int(check_id), report_id=report.pk)


def explain(report: Report, check_id: str | int, user: AnyUser, data: Any) -> ReportCheck:
    if not may_edit_report_data(user, report):
        raise exceptions.PermissionDenied("Hanya operator perangkat daerah pemilik laporan.")
    form = ExplainSerializer(data=data)
    form.is_valid(raise_exception=True)
    try:
        return follow_up.explain(
            _check_of(report, check_id), user, form.validated_data["explanation"]
        )
    except services.CheckError as exc:
        raise exceptions.ValidationError({"explanation": [str(exc)]}) from exc


def confirm(report: Report, check_id: str | int, user: AnyUser, data: Any) -> ReportCheck:
    check = _check_of(report, check_id)
    if not follow_up.may_confirm(check, user):
        raise exceptions.PermissionDenied(
            "Hanya verifikator wilayah ini yang dapat menandai temuan."
        )
    form = ConfirmSerializer(data=data)
    form.is_valid(raise_exception=True)
    try:
        return follow_up.confirm(
            check, user, form.validated_data["note"], undo=form.validated_data["undo"]
        )
    except services.CheckError as exc:
        raise exceptions.ValidationError({"note": [str(exc)]}) from exc
