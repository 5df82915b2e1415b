"""Home-page panel of the verifier: this year's action plan and Tim Penerapan SPM of its region."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from regions.models import Membership
from regions.roles import Role
from regions.views import Panel
from reporting.plans import selectors


def panels(request: HttpRequest, membership: Membership | None) -> list[Panel]:
    if membership is None or membership.role != Role.VERIFIER:
        return []
    region = membership.region
    if region.level not in ("province", "kabupaten", "kota"):
        return []
    year = timezone.localdate().year
    return [
        Panel(
            "reporting/plans/_home_panel.html",
            {
                "region": region,
                "year": year,
                "plan": selectors.plan_brief(region.pk, year),
                "team": selectors.team_brief(region.pk, year),
            },
            order=13,
        )
    ]
