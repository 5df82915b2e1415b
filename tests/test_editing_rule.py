"""``rules.editing``: when a report's data may be changed — one answer for the entry form, the
API, the import and the review pages (before, the entry form and the workflow each had their
own copy with other messages). Pure: unsaved model objects, today given."""

from __future__ import annotations

import datetime as dt

import pytest

from reporting import workflow
from reporting.entry import locks
from reporting.models import Period, RegionSubmission, Report
from reporting.rules import editing, windows

pytestmark = pytest.mark.django_db
DUE = dt.date(2027, 4, 20)
DAY = dt.timedelta(days=1)


def period(state: str = "open", allow_late: bool = False) -> Period:
    return Period(year=2027, quarter=1, due_date=DUE, state=state, allow_late=allow_late)


def sub(status: str = "in_progress", due: dt.date | None = None) -> RegionSubmission:
    return RegionSubmission(status=status, due_date=due)


@pytest.mark.parametrize(
    ("status", "state", "submission", "today", "locked_by"),
    [
        ("draft", "open", None, DUE, None),  # the due date itself is still in time
        ("returned", "open", None, DUE - DAY, None),
        ("draft", "open", None, DUE + DAY, "sudah lewat"),
        ("draft", "planned", None, DUE - DAY, "belum dibuka"),
        ("draft", "closed", None, DUE - DAY, "sudah ditutup"),
        ("draft", "closed", sub(due=DUE + 5 * DAY), DUE + 5 * DAY, None),  # reopened, inclusive
        ("draft", "closed", sub(due=DUE + 5 * DAY), DUE + 6 * DAY, "sudah ditutup"),
        ("awaiting_head", "open", None, DUE, "kepala OPD"),
        ("submitted", "open", None, DUE, "sedang diverifikasi"),
        ("verified", "open", None, DUE, "sudah diverifikasi"),
        # The region's submission freezes every report, whatever its own status.
        ("draft", "open", sub("submitted"), DUE, "sedang ditinjau"),
        ("returned", "open", sub("accepted"), DUE, "dibekukan"),
        ("draft", "open", sub("returned"), DUE, None),
    ],
)
def test_lock_reason(status, state, submission, today, locked_by, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: today)
    report = Report(status=status, period=period(state))
    reason = editing.lock_reason(report, submission)
    if locked_by is None:
        assert reason is None
    else:
        assert reason is not None and locked_by in reason
    # The review pages ask the same rule.
    assert workflow.review_lock_reason(report, submission) == reason


def test_late_entry_allowed_by_the_period(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: DUE + 30 * DAY)
    report = Report(status="draft", period=period(allow_late=True))
    assert editing.lock_reason(report, None) is None
    assert windows.is_past_due(report.period, None) is True


def test_entry_form_asks_who_then_the_rule(monkeypatch, cast, db):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: DUE + DAY)
    report = Report(status="draft", period=period(), agency_id=None)
    report._submission_cache = sub()  # type: ignore[attr-defined]
    # Not the owning agency's operator: refused before the window is looked at.
    assert "Hanya operator" in locks.entry_lock_reason(report, cast["klaten.dinkes"])
