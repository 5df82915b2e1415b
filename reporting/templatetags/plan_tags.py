"""The region's action plan and Tim Penerapan SPM on other pages: one line on the report and
review pages, a card on the region page."""

from __future__ import annotations

from typing import Any

from django import template

from reporting.plans import selectors

register = template.Library()


@register.inclusion_tag("reporting/plans/_plan_line.html")
def plan_line(region: Any, year: int) -> dict[str, Any]:
    """'Rencana aksi 2026: Perbup No. 12 Tahun 2026 (ditetapkan 3 Februari 2026)' or 'belum ada',
    linking to the plan; the page has already proved the region visible."""
    plan = selectors.plan_brief(region.pk, year)
    return {
        "region": region,
        "year": year,
        "plan": plan,
        "text": selectors.plan_text(region, plan),
    }


@register.inclusion_tag("reporting/plans/_region_card.html", takes_context=True)
def region_plans(context: dict[str, Any], region: Any) -> dict[str, Any]:
    """The region's action plans and teams by year, for the region page."""
    request = context["request"]
    if region.level not in ("province", "kabupaten", "kota"):
        return {"region": region, "rows": [], "hidden": True}
    # The region page has already asked whether the user manages the region: the same rule.
    can_maintain = context.get("can_manage")
    if can_maintain is None:
        can_maintain = selectors.can_maintain(request.user, region)
    return {
        "region": region,
        "rows": selectors.years_of(request.user, region),
        "can_maintain": can_maintain,
    }
