"""The OPD operator's home panel: the agency's reports for the open period and what is missing."""

from __future__ import annotations

from django.http import HttpRequest

from regions.models import Membership
from regions.roles import Role
from regions.views import Panel
from reporting.entry import locks, selectors
from reporting.models import Report
from reporting.periods import selectors as period_selectors

SENT = (Report.Status.SUBMITTED, Report.Status.AWAITING_HEAD, Report.Status.VERIFIED)


def panels(request: HttpRequest, membership: Membership | None) -> list[Panel]:
    if membership is None or membership.role not in (Role.OPD_OPERATOR, Role.OPD_HEAD):
        return []
    if membership.agency_id is None:
        return []
    reports = selectors.agency_reports(membership.agency_id, request.user)
    # "Lengkap" is the submit check's rule (rules.completeness), never a stricter local one;
    # what else is still empty (budget, evidence, problems) is shown beside it as optional.
    rows = [
        {
            "report": r,
            "incomplete": selectors.submission_missing(r),
            "missing": selectors.missing_parts(r),
            "sent": r.status in SENT,
        }
        for r in reports
    ]
    first = reports[0] if reports else None
    context = {
        "rows": rows,
        "period": first.period if first else period_selectors.current_period(),
        "due_date": locks.effective_due_date(first) if first else None,
        "days_left": locks.days_left(first) if first else None,
        "done": sum(1 for row in rows if not row["incomplete"]),
        "sent": sum(1 for row in rows if row["sent"]),
        "ready": sum(1 for row in rows if not row["incomplete"] and not row["sent"]),
        "agency": membership.agency,
        "is_operator": membership.role == Role.OPD_OPERATOR,
    }
    return [Panel("reporting/_home_entry.html", context, order=10)]
