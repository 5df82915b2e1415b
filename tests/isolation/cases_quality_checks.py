"""Isolation cases for a report's data-quality flags (reporting/quality/check_urls.py and the
report API's ``checks/<id>/explain|confirm`` actions).

Only the owning agency's operator explains a warning; only the region's verifier marks one
"checked — correct". Everyone else fails (404 outside their scope) and changes nothing.
"""

from __future__ import annotations

from typing import Any

from reporting.models import Report, ReportCheck
from reporting.quality import services as quality
from tests.isolation.framework import Case

KLATEN_DINKES = ("33.10", "DINKES", "KES")


def _explainable() -> dict[str, int]:
    """Klaten K-KES-01 TW III (draft): served below TW II's → a CUM-TURUN warning."""
    report = Report.objects.get(
        region__code="33.10", period__year=2026, period__quarter=3, service_type__code="K-KES-01"
    )
    Report.objects.filter(pk=report.pk).update(recipients_served=1)
    quality.evaluate([report.pk])
    check = ReportCheck.objects.get(report=report, rule__code="CUM-TURUN")
    return {"pk": report.pk, "check_pk": check.pk}


def _confirmable() -> dict[str, int]:
    """Klaten K-KES-05 TW III (submitted, its over-target warning explained)."""
    check = ReportCheck.objects.get(
        report__region__code="33.10",
        report__period__year=2026,
        report__period__quarter=3,
        report__service_type__code="K-KES-05",
        rule__code="MELEBIHI-TARGET",
    )
    return {"pk": check.report_id, "check_pk": check.pk}


def _api(kwargs: dict[str, int]) -> dict[str, int]:
    return {"pk": kwargs["pk"], "check_id": kwargs["check_pk"]}


def _state() -> Any:
    return list(
        ReportCheck.objects.order_by("pk").values_list(
            "pk", "explanation", "confirmed_note", "confirmed_at"
        )
    )


CASES = [
    Case(
        "reporting:check_explain",
        allowed={"klaten.dinkes"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=_explainable,
        data=lambda: {"explanation": "Koreksi data ganda triwulan lalu."},
        snapshot=_state,
    ),
    Case(
        "reporting:check_confirm",
        allowed={"klaten.tapem"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=_confirmable,
        data=lambda: {"note": "Dicek ke data kohort: benar."},
        snapshot=_state,
    ),
    Case(
        "api:report-check-explain",
        allowed={"klaten.dinkes"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=lambda: _api(_explainable()),
        data=lambda: {"explanation": "Koreksi data ganda triwulan lalu."},
        snapshot=_state,
    ),
    Case(
        "api:report-check-confirm",
        allowed={"klaten.tapem"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=lambda: _api(_confirmable()),
        data=lambda: {"note": "Dicek ke data kohort: benar."},
        snapshot=_state,
    ),
]
