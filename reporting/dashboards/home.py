"""Home panel: the input-status sentence read out in national meetings, and the dashboard link."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from regions.models import Level, Membership
from regions.scoping import PROVINCE_WIDE_ROLES
from regions.views import Panel
from reporting.dashboards import selectors as dashboards


def panels(request: HttpRequest, membership: Membership | None) -> list[Panel]:
    if membership is None:
        return []
    region = membership.region
    year, quarter = dashboards.default_year_quarter()
    if region.level == Level.NATIONAL:
        url = reverse("reporting:dashboard_national")
        rows = dashboards.input_status(request.user, year, quarter)
    elif region.is_province and membership.role in PROVINCE_WIDE_ROLES:
        url = reverse("reporting:dashboard_province", args=[region.code])
        rows = dashboards.input_status(request.user, year, quarter, province=region)
    else:
        url = reverse("reporting:dashboard_region", args=[region.code])
        rows = []
    context = {"url": url, "rows": rows, "year": year, "quarter": quarter}
    return [Panel("reporting/dashboard/_home_panel.html", context, order=60)]
