"""Reasons need visible characters; reopen due dates are bounded; one bad row never stops
the reminder tick (issue #19 items 10 and 11)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from regions.models import Region
from reporting import reminders, workflow
from reporting.models import RegionSubmission, Report
from reporting.rules import reasons
from tests import factories_review as f
from tests.test_reminders import DUE, at, build_scenario, emails_to, run_tick

pytestmark = pytest.mark.django_db

INVISIBLE = ["\u200b", "\u200b \u200b", "\ufeff", "\u2060\u200d", "\u202e\u200e", " \t\n"]


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_text_is_no_reason(text):
    assert reasons.is_blank(text)
    assert reasons.clean(text) == ""


def test_a_visible_reason_is_kept_and_trimmed():
    assert reasons.clean("\u200b Data belum lengkap\ufeff ") == "Data belum lengkap"
    assert not reasons.is_blank("x")


@pytest.fixture
def submitted() -> Report:
    p = f.period(2027, 1)
    klaten = Region.objects.get(code="33.10")
    f.verified_region(klaten, p)
    report = Report.objects.filter(region=klaten, period=p).order_by("id").first()
    return f.set_status(report, Report.Status.SUBMITTED)


@pytest.mark.parametrize("text", INVISIBLE)
def test_a_zero_width_return_reason_is_refused(submitted, cast, text):
    with pytest.raises(workflow.Refused) as refused:
        workflow.transition(submitted, "return", cast["klaten.tapem"], reason=text)
    assert refused.value.field == "reason"
    assert Report.objects.get(pk=submitted.pk).status == "submitted"


def test_a_zero_width_return_reason_is_refused_on_the_page(submitted, login):
    from django.urls import reverse

    url = reverse("reporting:report_transition", args=[submitted.pk, "return"])
    response = login("klaten.tapem").post(url, {"version": submitted.version, "reason": "\u200b"})
    assert response.status_code == 200  # the page again, with the refusal
    assert "Alasan wajib diisi." in response.content.decode()
    assert Report.objects.get(pk=submitted.pk).status == "submitted"


# ---------------------------------------------------------------- reopen due date


@pytest.fixture
def accepted() -> RegionSubmission:
    p = f.period(2027, 1)
    sub = f.verified_region(Region.objects.get(code="33.10"), p)
    return f.set_status(sub, RegionSubmission.Status.ACCEPTED)


@pytest.mark.parametrize(
    ("due", "ok"),
    [
        (dt.date(2028, 12, 31), True),  # the period's year + 1, last day: allowed
        (dt.date(2029, 1, 1), False),  # one day later
        (dt.date(9999, 12, 31), False),  # the value that broke the tick
    ],
)
def test_reopen_due_date_is_bounded_to_the_year_after(accepted, cast, due, ok):
    if ok:
        result = workflow.transition(
            accepted, "reopen_region", cast["bangda.admin"], reason="koreksi", due_date=due
        )
        assert result.obj.due_date == due
        return
    with pytest.raises(workflow.Refused) as refused:
        workflow.transition(
            accepted, "reopen_region", cast["bangda.admin"], reason="koreksi", due_date=due
        )
    assert refused.value.field == "due_date"
    assert "31-12-2028" in refused.value.message
    assert RegionSubmission.objects.get(pk=accepted.pk).status == "accepted"


def test_one_corrupt_due_date_does_not_stop_the_tick_for_other_regions(caplog):
    period = build_scenario()
    # A row written before the bound existed (or by hand): its due date overflows the
    # working-day arithmetic. Ngawi's submission gets it; Klaten's reminders must still go.
    RegionSubmission.objects.filter(period=period, region__code="35.21").update(
        due_date=dt.date(9999, 12, 31), status=RegionSubmission.Status.IN_PROGRESS
    )
    mail.outbox.clear()
    with caplog.at_level("ERROR", logger="reporting.reminders"):
        run_tick(at(reminders.add_working_days(DUE, -3), 9))
    assert len(emails_to("klaten.dinkes@demo.espm.local")) == 1
    assert "9999-12-31" in caplog.text
