"""Home-page panels of the regions area: the verifier's shortcuts to its agencies and people."""

from __future__ import annotations

from django.http import HttpRequest

from regions import selectors
from regions.models import Membership
from regions.roles import Role
from regions.views import Panel


def panels(request: HttpRequest, membership: Membership | None) -> list[Panel]:
    if membership is None or membership.role not in (Role.VERIFIER, Role.BANGDA_ADMIN):
        return []
    region = membership.region
    if membership.role == Role.BANGDA_ADMIN:
        return [Panel("regions/_panel_bangda.html", {"region": region}, order=90)]
    completeness = selectors.contact_completeness(request.user, region)
    return [
        Panel(
            "regions/_panel_manage.html",
            {
                "region": region,
                "contacts": completeness,
                "people": selectors.people_count(request.user, region),
            },
            order=80,
        )
    ]
