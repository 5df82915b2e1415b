"""Deadline reminders and escalations (reporting.reminders), on the demo regions.

The scenario is TW I 2027 (lokal-id has the 2027 holidays): Klaten's DINDIK has submitted
every report, its other agencies have not; Ngawi has submitted its region report.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from indicators.models import Assignment, CatalogYear, ServiceType
from regions.models import Agency, Region, User
from reporting import reminders
from reporting.models import (
    Notification,
    Period,
    RegionSubmission,
    ReminderRule,
    Report,
    SentMessage,
)

YEAR, QUARTER = 2027, 1
DUE = dt.date(2027, 4, 20)  # Tuesday


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def open_reports(period: Period, code: str) -> list[Report]:
    """One report per service type of the region's level, owned by the assigned agency."""
    region = Region.objects.get(code=code)
    edition = CatalogYear.objects.get(year=period.year).edition
    assigned = dict(
        Assignment.objects.filter(region=region).values_list("service_code", "agency_id")
    )
    reports = []
    for st in ServiceType.objects.filter(edition=edition, level=region.service_level):
        report, _ = Report.objects.get_or_create(
            region=region,
            period=period,
            service_type=st,
            defaults={"agency_id": assigned.get(st.code)},
        )
        reports.append(report)
    return reports


def build_scenario(due: dt.date = DUE) -> Period:
    period, _ = Period.objects.update_or_create(
        year=YEAR, quarter=QUARTER, defaults={"due_date": due, "state": Period.State.OPEN}
    )
    klaten = open_reports(period, "33.10")
    dindik = Agency.objects.get(region__code="33.10", short_name="DINDIK")
    Report.objects.filter(pk__in=[r.pk for r in klaten], agency=dindik).update(
        status=Report.Status.SUBMITTED
    )
    open_reports(period, "35.21")
    RegionSubmission.objects.update_or_create(
        region=Region.objects.get(code="35.21"),
        period=period,
        defaults={"status": RegionSubmission.Status.SUBMITTED},
    )
    return period


def run_tick(now: dt.datetime) -> list[str]:
    """What the tick + delivery tasks do, inline: plan, then deliver each new row."""
    return [reminders.deliver(mid) for mid in reminders.plan_messages(now)]


def emails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


# --- working days ------------------------------------------------------------------------------


def test_working_days_skip_idulfitri_2026():
    # 20–24 March 2026: Idulfitri 1447 H (libur nasional + cuti bersama); 18–19 Nyepi.
    for day in range(18, 25):
        assert not reminders.is_working_day(dt.date(2026, 3, day))
    assert reminders.add_working_days(dt.date(2026, 3, 25), -1) == dt.date(2026, 3, 17)
    assert reminders.add_working_days(dt.date(2026, 3, 17), 1) == dt.date(2026, 3, 25)


def test_default_thresholds_before_the_q1_2026_due_date():
    # 20 April 2026 (Monday); Good Friday 3 April is a holiday.
    due = dt.date(2026, 4, 20)
    assert reminders.add_working_days(due, -1) == dt.date(2026, 4, 17)
    assert reminders.add_working_days(due, -3) == dt.date(2026, 4, 15)
    assert reminders.add_working_days(due, -7) == dt.date(2026, 4, 9)
    assert reminders.add_working_days(due, -12) == dt.date(2026, 4, 1)  # skips 3 April


def test_years_without_holiday_data_fall_back_to_weekends_with_a_warning(caplog):
    reminders._warn_no_holidays.cache_clear()
    with caplog.at_level("WARNING", logger="reporting.reminders"):
        assert reminders.add_working_days(dt.date(2031, 1, 6), -1) == dt.date(2031, 1, 3)
    assert "weekends only" in caplog.text


# --- reminders ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_default_rules_exist():
    rules = set(ReminderRule.objects.values_list("kind", "working_days"))
    assert {("reminder", 7), ("reminder", 3), ("reminder", 1), ("escalation", 1)} <= rules


@pytest.mark.django_db
def test_reminder_lists_exactly_the_missing_reports_once_per_threshold():
    period = build_scenario()
    h3 = reminders.add_working_days(DUE, -3)
    assert h3 == dt.date(2027, 4, 15)

    run_tick(at(h3, 7))  # before the send time (08:00): nothing
    assert not SentMessage.objects.filter(period=period).exists()

    run_tick(at(h3, 9))
    run_tick(at(h3, 10))  # beat fires again: nothing new
    mine = emails_to("klaten.dinkes@demo.espm.local")
    assert len(mine) == 1
    body = mine[0].body
    dinkes = Report.objects.filter(period=period, agency__short_name="DINKES", region__code="33.10")
    assert dinkes.count() == 12
    for report in dinkes.select_related("service_type"):
        assert report.service_type.code in body
    assert "K-DIK-01" not in body
    assert "H-3" in mine[0].subject and "3 hari kerja lagi" in body
    assert "20 April 2027" in body
    assert "/laporan/daftar/" in body  # leads to the agency's report list

    user = User.objects.get(username="klaten.dinkes")
    assert Notification.objects.filter(user=user, kind="reminder").count() == 1
    sent = SentMessage.objects.filter(period=period, kind="reminder")
    assert sent.filter(status="sent").count() == sent.count()
    assert sent.filter(recipient="klaten.dinkes@demo.espm.local").count() == 1


@pytest.mark.django_db
def test_no_reminder_to_agencies_or_regions_that_have_submitted():
    period = build_scenario()
    run_tick(at(reminders.add_working_days(DUE, -7)))
    assert emails_to("klaten.dinkes@demo.espm.local")
    assert not emails_to("klaten.dindik@demo.espm.local")  # all its reports submitted
    assert not emails_to("ngawi.dinkes@demo.espm.local")  # region submitted
    assert not SentMessage.objects.filter(period=period, region__code="35.21").exists()
    dindik = User.objects.get(username="klaten.dindik")
    assert not Notification.objects.filter(user=dindik).exists()


@pytest.mark.django_db
def test_each_threshold_sends_its_own_reminder_and_a_late_opening_gets_only_the_tightest():
    period = build_scenario()
    for days in (7, 3, 1):
        run_tick(at(reminders.add_working_days(DUE, -days)))
    keys = set(
        SentMessage.objects.filter(
            period=period, recipient="klaten.dinkes@demo.espm.local"
        ).values_list("key", flat=True)
    )
    assert {k.split(":")[0] for k in keys} == {"H-7", "H-3", "H-1"}
    assert len(emails_to("klaten.dinkes@demo.espm.local")) == 3


@pytest.mark.django_db
def test_a_reminder_is_skipped_when_the_agency_submits_before_delivery():
    period = build_scenario()
    ids = reminders.plan_messages(at(reminders.add_working_days(DUE, -1)))
    Report.objects.filter(period=period, region__code="33.10").update(
        status=Report.Status.SUBMITTED
    )
    statuses = {reminders.deliver(i) for i in ids}
    assert statuses == {"skipped"}
    assert not mail.outbox


@pytest.mark.django_db
def test_holidays_are_skipped_idulfitri_2027():
    # Due Tuesday 16 March 2027, right after Idulfitri (9–15 March) and Nyepi (8 March):
    # one working day before is Friday 5 March.
    due = dt.date(2027, 3, 16)
    period = build_scenario(due)
    assert reminders.add_working_days(due, -1) == dt.date(2027, 3, 5)
    run_tick(at(dt.date(2027, 3, 4)))  # H-1 not reached yet; H-3 (3 March) is
    assert {
        k.split(":")[0]
        for k in SentMessage.objects.filter(period=period).values_list("key", flat=True)
    } == {"H-3"}
    run_tick(at(dt.date(2027, 3, 5)))
    assert SentMessage.objects.filter(period=period, key__startswith="H-1").exists()


@pytest.mark.django_db
def test_rules_are_data_bangda_can_change_thresholds():
    period = build_scenario()
    ReminderRule.objects.filter(kind="reminder").update(is_active=False)
    ReminderRule.objects.create(kind="reminder", working_days=2, send_time=dt.time(13, 0))
    h2 = reminders.add_working_days(DUE, -2)
    run_tick(at(h2, 12))
    assert not SentMessage.objects.filter(period=period).exists()
    run_tick(at(h2, 13))
    assert SentMessage.objects.filter(period=period, key__startswith="H-2").exists()


# --- escalation ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_escalation_day_after_due_lists_late_agencies_and_kabkota_and_digest():
    period = build_scenario()
    day_after = reminders.add_working_days(DUE, 1)
    assert day_after == dt.date(2027, 4, 21)
    run_tick(at(DUE, 23))  # the due date itself: no escalation
    assert not SentMessage.objects.filter(period=period, kind="escalation").exists()

    run_tick(at(day_after))
    run_tick(at(day_after, 11))  # twice: still once
    tapem = emails_to("klaten.tapem@demo.espm.local")
    assert len(tapem) == 1
    body = tapem[0].body
    for short in ("DINKES", "DPUPR", "DINSOS"):
        assert Agency.objects.get(region__code="33.10", short_name=short).name in body
    assert Agency.objects.get(region__code="33.10", short_name="DINDIK").name not in body

    assert not emails_to("ngawi.tapem@demo.espm.local")  # Ngawi submitted

    jateng = [m for m in emails_to("jateng.biro@demo.espm.local") if "kabupaten/kota" in m.subject]
    assert len(jateng) == 1
    assert "33.10 Kabupaten Klaten" in jateng[0].body
    jatim = [m for m in emails_to("jatim.biro@demo.espm.local") if "kabupaten/kota" in m.subject]
    assert len(jatim) == 1
    assert "Ngawi" not in jatim[0].body

    digest = emails_to("bangda.admin@demo.espm.local")
    assert len(digest) == 1
    assert "Ringkasan nasional" in digest[0].subject
    bangda = User.objects.get(username="bangda.admin")
    rows = reminders.input_status_by_level(period, bangda)
    kab = next(r for r in rows if r.level == "kabupaten")
    assert kab.submitted == 1  # Ngawi
    assert (
        f"{kab.label}: {kab.entered} dari {kab.total} telah mengisi data "
        f"({reminders.format_pct(kab.pct(kab.entered))}%), {kab.submitted} telah mengajukan"
    ) in digest[0].body
    assert Notification.objects.filter(user=bangda, kind="digest").count() == 1
