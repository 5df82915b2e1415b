"""Home-page panels of the review chain: what waits for this role's decision."""

from __future__ import annotations

from django.http import HttpRequest

from regions.models import Membership
from regions.roles import Role
from regions.views import Panel
from reporting.models import RegionSubmission
from reporting.review import selectors as review_selectors


def panels(request: HttpRequest, membership: Membership | None) -> list[Panel]:
    if membership is None:
        return []
    user = request.user
    out: list[Panel] = []
    if membership.role == Role.OPD_OPERATOR and membership.agency_id:
        returned = review_selectors.returned_to_agency(user, membership.agency_id)
        if returned:
            out.append(Panel("reporting/review/_panel_returned.html", {"rows": returned}, order=5))
    if membership.role in (Role.VERIFIER, Role.OPD_HEAD):
        rows = review_selectors.reports_waiting(user)
        out.append(
            Panel(
                "reporting/review/_panel_inbox.html",
                {"rows": rows[:5], "count": len(rows), "overdue": sum(r.overdue for r in rows)},
                order=10,
            )
        )
    if membership.role == Role.VERIFIER:
        own = list(review_selectors.own_submissions(user)[:4])
        out.append(Panel("reporting/review/_panel_own.html", {"subs": own}, order=12))
    if membership.role in (Role.PROVINCE_REVIEWER, Role.BANGDA_ADMIN):
        waiting = review_selectors.submissions_waiting(user)
        pending = list(waiting.filter(status=RegionSubmission.Status.SUBMITTED)[:8])
        out.append(
            Panel(
                "reporting/review/_panel_regions.html",
                {
                    "pending": pending,
                    "count": waiting.filter(status=RegionSubmission.Status.SUBMITTED).count(),
                    "role": membership.role,
                },
                order=11,
            )
        )
    return out
