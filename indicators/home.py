"""Home-page panels of the catalog area: unassigned services and targets to act on."""

from __future__ import annotations

from django.http import HttpRequest

from indicators import selectors
from indicators.models import CatalogEdition
from regions.models import Membership
from regions.roles import AGENCY_ROLES, Role
from regions.views import Panel


def panels(request: HttpRequest, membership: Membership | None) -> list[Panel]:
    if membership is None:
        return []
    year = selectors.current_year()
    if membership.role == Role.BANGDA_ADMIN:
        return [
            Panel(
                "indicators/_panel_catalog.html",
                {
                    "year": year,
                    "edition": selectors.edition_for_year_or_none(year),
                    "drafts": list(
                        CatalogEdition.objects.filter(status=CatalogEdition.Status.DRAFT)
                    ),
                },
                order=60,
            )
        ]
    region = membership.region
    if region.level == "national":
        return []
    if membership.role == Role.VERIFIER:
        data = selectors.region_targets(request.user, region, year)
        return [
            Panel(
                "indicators/_panel_assignments.html",
                {
                    "region": region,
                    "year": year,
                    "unassigned": selectors.unassigned_codes(region, year),
                    "targets": data,
                    "submitted": data.counts.get("submitted", 0),
                },
                order=30,
            )
        ]
    if membership.role in AGENCY_ROLES:
        data = selectors.region_targets(request.user, region, year)
        mine = [r for r in data.rows if r.agency_id == membership.agency_id]
        todo = [r for r in mine if not (r.target and r.target.status == "verified")]
        return [
            Panel(
                "indicators/_panel_targets.html",
                {
                    "region": region,
                    "year": year,
                    "todo": todo,
                    "done": len(mine) - len(todo),
                    "total": len(mine),
                },
                order=40,
            )
        ]
    return []
