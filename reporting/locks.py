"""Who may edit a report's data, and when: the one place the editing rules live.

`entry_lock_reason(report, user)` answers None when the user may edit now, otherwise the
Indonesian sentence shown on the form. The review workflow (reporting/workflow.py) calls it
too and may extend it for reopen/freeze.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from regions.roles import Role
from regions.scoping import grants_for
from reporting.models import Period, RegionSubmission, Report
from reporting.rules import windows

EDITABLE_STATUSES = frozenset({Report.Status.DRAFT, Report.Status.RETURNED})
FROZEN_SUBMISSION = frozenset({RegionSubmission.Status.SUBMITTED, RegionSubmission.Status.ACCEPTED})


def is_agency_operator(user: Any, report: Report) -> bool:
    """Only the operators of the owning agency enter data (not verifiers, not Bangda)."""
    if report.agency_id is None:
        return False
    return any(
        g.role == Role.OPD_OPERATOR and g.agency_id == report.agency_id for g in grants_for(user)
    )


def submission_for(report: Report) -> RegionSubmission | None:
    cached = getattr(report, "_submission_cache", None)
    if cached is not None:
        return cached
    sub = (
        RegionSubmission.objects.filter(region_id=report.region_id, period_id=report.period_id)
        .only("id", "status", "due_date")
        .first()
    )
    report._submission_cache = sub  # type: ignore[attr-defined]
    return sub


def effective_due_date(report: Report) -> datetime.date:
    """The report's region's due date (`rules.windows.effective_due_date`)."""
    return windows.effective_due_date(report.period, submission_for(report))


def reopened(report: Report) -> bool:
    """A reopen (reporting.workflow, reopen_region) gave the region a due date not yet passed."""
    sub = submission_for(report)
    return bool(sub is not None and sub.due_date and sub.due_date >= today())


def today() -> datetime.date:
    return timezone.localdate()


def is_late(report: Report) -> bool:
    return today() > effective_due_date(report)


def days_left(report: Report) -> int:
    return (effective_due_date(report) - today()).days


def entry_lock_reason(report: Report, user: Any) -> str | None:
    """None when `user` may edit `report` now; otherwise why not (with the due date)."""
    due = date_format(effective_due_date(report), "j F Y")
    if not is_agency_operator(user, report):
        return _("Hanya operator perangkat daerah pemilik laporan yang dapat mengisi laporan ini.")
    period: Period = report.period
    if period.state == Period.State.PLANNED:
        return _("Periode %(period)s belum dibuka oleh Bangda.") % {"period": period}
    if period.state == Period.State.CLOSED and not reopened(report):
        return _("Periode %(period)s sudah ditutup (batas waktu %(due)s).") % {
            "period": period,
            "due": due,
        }
    if report.status not in EDITABLE_STATUSES:
        return _(
            "Laporan berstatus “%(status)s”; hanya draf atau laporan dikembalikan yang dapat diubah."
        ) % {"status": report.get_status_display()}
    sub = submission_for(report)
    if sub is not None and sub.status in FROZEN_SUBMISSION:
        return _("Laporan wilayah untuk periode ini sudah %(status)s; data tidak dapat diubah.") % {
            "status": sub.get_status_display().lower()
        }
    if is_late(report) and not period.allow_late:
        return _("Batas waktu pengisian %(due)s telah lewat.") % {"due": due}
    return None
