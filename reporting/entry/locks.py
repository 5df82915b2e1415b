"""Whether a user may edit a report's data now, with the sentence the form shows when not.

`entry_lock_reason(report, user)` answers None when the user may edit now, otherwise the
Indonesian sentence shown on the form: who (the owning agency's operator) is
``regions.scoping.may_edit_report_data``, when (status, freeze, window) is
``rules.editing.lock_reason``, which the review pages use too.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from regions.scoping import AnyUser, may_edit_report_data
from reporting import reads
from reporting.models import RegionSubmission, Report
from reporting.rules import editing, windows

FROZEN_SUBMISSION = frozenset({RegionSubmission.Status.SUBMITTED, RegionSubmission.Status.ACCEPTED})


def submission_for(report: Report) -> RegionSubmission | None:
    if "_submission_cache" in report.__dict__:  # a region without a submission is an answer too
        return report._submission_cache
    sub = reads.submission_of(report)
    report._submission_cache = sub
    return sub


def effective_due_date(report: Report) -> datetime.date:
    """The report's region's due date (`rules.windows.effective_due_date`)."""
    return windows.effective_due_date(report.period, submission_for(report))


def reopened(report: Report) -> bool:
    """A reopen gave the region a due date not yet passed (``rules.windows.is_reopened``)."""
    return windows.is_reopened(submission_for(report), today())


def today() -> datetime.date:
    return timezone.localdate()


def is_late(report: Report) -> bool:
    return windows.is_past_due(report.period, submission_for(report), today())


def days_left(report: Report) -> int:
    return (effective_due_date(report) - today()).days


def entry_lock_reason(report: Report, user: AnyUser) -> str | None:
    """None when `user` may edit `report` now; otherwise why not (``rules.editing``)."""
    if not may_edit_report_data(user, report):
        return _("Hanya operator perangkat daerah pemilik laporan yang dapat mengisi laporan ini.")
    return editing.lock_reason(report, submission_for(report))
