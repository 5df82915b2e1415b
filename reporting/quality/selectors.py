"""Reads of data-quality flags: per report, counts for lists, what blocks a step."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from espm.reads import once
from reporting.models import ReportCheck, ValidationRule
from reporting.rules import quality as rules

E = ValidationRule.Severity.ERROR
W = ValidationRule.Severity.WARNING


def message(check: ReportCheck) -> str:
    """The flag's message in the current language, with its numbers in Indonesian format."""
    return rules.render(check.rule.message(), rules.restore(check.values))


def checks_of(report_id: int) -> list[ReportCheck]:
    """The report's active flags, worst first, each with its message (shared while a response
    is built: the flags beside the sections and the workflow buttons' checks)."""
    return once(("checks", report_id), lambda: _checks_of(report_id))


def _checks_of(report_id: int) -> list[ReportCheck]:
    rows = list(
        ReportCheck.objects.filter(report_id=report_id, rule__is_active=True)
        .select_related("rule", "explained_by", "confirmed_by")
        .order_by("-severity", "section", "rule__code", "item_key")
    )
    for c in rows:
        c.text = message(c)
    return rows


def blocking_messages(report_id: int) -> list[str]:
    """Why the report may not go forward yet: errors, and warnings nobody explained."""
    out = []
    for c in checks_of(report_id):
        if c.is_error:
            out.append(_("Galat %(code)s: %(msg)s") % {"code": c.rule.code, "msg": c.text})
        elif c.needs_explanation:
            out.append(
                _("Peringatan %(code)s belum dijelaskan: %(msg)s")
                % {"code": c.rule.code, "msg": c.text}
            )
    return out


@dataclass(frozen=True)
class Counts:
    errors: int = 0
    warnings: int = 0
    unexplained: int = 0

    @property
    def total(self) -> int:
        return self.errors + self.warnings

    @property
    def blocks(self) -> bool:
        return bool(self.errors or self.unexplained)


def open_q(prefix: str = "") -> Q:
    """Flags still open: not confirmed by the verifier for the numbers they show now.

    ``confirmed_values = values`` is compared in SQL on the JSON columns.
    """
    from django.db.models import F

    return Q(**{f"{prefix}rule__is_active": True}) & (
        Q(**{f"{prefix}confirmed_at__isnull": True})
        | ~Q(**{f"{prefix}confirmed_values": F(f"{prefix}values")})
    )


def counts_for(report_ids: Iterable[int]) -> dict[int, Counts]:
    """Open flags per report, in one query (inbox and list badges)."""
    rows = (
        ReportCheck.objects.filter(report_id__in=list(report_ids))
        .filter(open_q())
        .values("report_id")
        .annotate(
            errors=Count("id", filter=Q(severity=E)),
            warnings=Count("id", filter=Q(severity=W)),
            unexplained=Count("id", filter=Q(severity=W, explanation="")),
        )
    )
    return {r["report_id"]: Counts(r["errors"], r["warnings"], r["unexplained"]) for r in rows}


def flagged_report_ids(qs: QuerySet[Any]) -> QuerySet[Any]:
    """Ids of the reports in `qs` with at least one open flag (the inbox filter)."""
    return ReportCheck.objects.filter(report__in=qs).filter(open_q()).values("report_id").distinct()


def open_checks(reports: QuerySet[Any]) -> list[ReportCheck]:
    """Every open flag of these reports (a region's quarter before it goes up), with text."""
    rows = list(
        ReportCheck.objects.filter(report__in=reports)
        .filter(open_q())
        .select_related("rule", "report__service_type", "report__agency", "explained_by")
        .order_by("report__service_type__order", "report__service_type__code", "rule__code")
    )
    for c in rows:
        c.text = message(c)
    return rows


def counts_by_region(period_id: int, region_ids: Iterable[int]) -> dict[int, Counts]:
    """Open flags per region in one period (the province recap's column), one query."""
    rows = (
        ReportCheck.objects.filter(
            report__period_id=period_id, report__region_id__in=list(region_ids)
        )
        .filter(open_q())
        .values("report__region_id")
        .annotate(
            errors=Count("id", filter=Q(severity=E)),
            warnings=Count("id", filter=Q(severity=W)),
            unexplained=Count("id", filter=Q(severity=W, explanation="")),
        )
    )
    return {
        r["report__region_id"]: Counts(r["errors"], r["warnings"], r["unexplained"]) for r in rows
    }
