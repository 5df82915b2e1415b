"""Periods: default due dates, Bangda-only pages, opening a quarter for all 546 regions."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from indicators.models import Assignment, ServiceType, Target
from indicators.selectors import edition_for_year_or_none
from regions.models import Level, Region
from reporting.models import Period, RegionSubmission, Report, ReportQuality, ReportStage
from reporting.periods import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("quarter", "due"),
    [
        (1, datetime.date(2027, 4, 20)),
        (2, datetime.date(2027, 7, 20)),
        (3, datetime.date(2027, 10, 20)),
        (4, datetime.date(2028, 1, 20)),
    ],
)
def test_default_due_date_is_20th_of_month_after_quarter(quarter, due):
    assert services.default_due_date(2027, quarter) == due


def test_due_day_is_a_setting(settings):
    settings.SPM_DUE_DAY = 5
    assert services.default_due_date(2027, 2) == datetime.date(2027, 7, 5)


def test_ensure_periods_is_idempotent(cast):
    first = services.ensure_periods(2031, cast["bangda.admin"])
    again = services.ensure_periods(2031, cast["bangda.admin"])
    assert [p.pk for p in first] == [p.pk for p in again]
    assert [p.state for p in first] == [Period.State.PLANNED] * 4


def test_opening_creates_one_report_per_region_and_service_of_its_level(
    cast, django_assert_max_num_queries
):
    year = 2027
    edition = edition_for_year_or_none(year)
    assert edition is not None, "the catalog maps 2027 to an edition"
    period = services.ensure_periods(year)[0]
    n_province_types = ServiceType.objects.filter(edition=edition, level="province").count()
    n_kabkota_types = ServiceType.objects.filter(edition=edition, level="kabkota").count()
    regions = Region.objects.filter(is_active=True).exclude(level=Level.NATIONAL)
    n_prov = regions.filter(level=Level.PROVINCE).count()
    n_kab = regions.exclude(level=Level.PROVINCE).count()
    assert (n_prov, n_kab) == (38, 508)  # 415 kabupaten + 93 kota (DKI's six do not report)
    # ~15.4k reports + ~150k children: queries grow with batches of 2000 rows and a fixed
    # handful per transaction of OPEN_CHUNK regions, never per row.
    chunks = -(-546 // services.OPEN_CHUNK)
    with django_assert_max_num_queries(120 + 10 * chunks):
        result = services.open_period(period.pk, cast["bangda.admin"])
    # DKI's province (31) carries the kab/kota service types as well.
    expected = n_prov * n_province_types + (n_kab + 1) * n_kabkota_types
    assert result.reports_created == expected
    reports = Report.objects.filter(period=period)
    assert reports.count() == expected
    assert reports.filter(region__level=Level.PROVINCE).count() == (
        n_prov * n_province_types + n_kabkota_types
    )
    assert set(
        reports.filter(region__level=Level.PROVINCE, service_type__level="kabkota")
        .values_list("region__code", flat=True)
        .distinct()
    ) == {"31"}
    assert ReportStage.objects.filter(report__period=period).count() == expected * 4
    assert RegionSubmission.objects.filter(period=period).count() == 546
    assert set(RegionSubmission.objects.filter(period=period).values_list("status", flat=True)) == {
        RegionSubmission.Status.IN_PROGRESS
    }
    period.refresh_from_db()
    assert period.state == Period.State.OPEN and period.opened_by == cast["bangda.admin"]

    # Owner = the assigned agency (by service code); unassigned → None.
    klaten = Region.objects.get(code="33.10")
    for report in reports.filter(region=klaten).select_related("service_type"):
        assignment = Assignment.objects.filter(
            region=klaten, service_code=report.service_type.code
        ).first()
        assert report.agency_id == (assignment.agency_id if assignment else None)
    # Targets and required quality are copied from the year's target.
    target = Target.objects.filter(region=klaten, year=year).prefetch_related("quality").first()
    if target is not None:
        report = reports.get(region=klaten, service_type=target.service_type)
        assert report.recipients_target == target.recipients_target
        for tq in target.quality.all():
            assert (
                ReportQuality.objects.get(report=report, quality_item=tq.quality_item).required
                == tq.required_quantity
            )

    # Idempotent: re-opening creates only what is missing.
    Report.objects.filter(pk=reports.filter(region=klaten).first().pk).delete()
    again = services.open_period(period.pk, cast["bangda.admin"])
    assert again.reports_created == 1
    assert again.submissions_created == 0
    assert Report.objects.filter(period=period).count() == expected


def test_opening_a_year_without_catalog_is_refused(cast):
    period = Period.objects.create(year=2090, quarter=1, due_date=datetime.date(2090, 4, 20))
    with pytest.raises(services.PeriodError):
        services.open_period(period.pk, cast["bangda.admin"])
    period.refresh_from_db()
    assert period.state == Period.State.PLANNED


def test_bangda_opens_and_closes_from_the_page(login):
    period = services.ensure_periods(2031)[0]
    client = login("bangda.admin")
    # 2031 may have no edition: then the page explains instead of failing.
    response = client.post(reverse("reporting:period_open", kwargs={"pk": period.pk}), follow=True)
    assert response.status_code == 200
    period.refresh_from_db()
    if period.state == Period.State.OPEN:
        client.post(reverse("reporting:period_close", kwargs={"pk": period.pk}))
        period.refresh_from_db()
        assert period.state == Period.State.CLOSED


def test_bangda_edits_due_date(login):
    period = services.ensure_periods(2031)[1]
    client = login("bangda.admin")
    prefix = f"p{period.pk}"
    page = client.get(reverse("reporting:period_list")).content.decode()
    assert f'name="{prefix}-version" value="{period.version}"' in page
    client.post(
        reverse("reporting:period_update", kwargs={"pk": period.pk}),
        {f"{prefix}-due_date": "2031-07-05", f"{prefix}-allow_late": "", f"{prefix}-version": "1"},
    )
    period.refresh_from_db()
    assert period.due_date == datetime.date(2031, 7, 5)
    assert period.allow_late is False
    assert period.version == 2
    assert period.history.first().history_user.username == "bangda.admin"


def test_two_admins_editing_one_period_never_overwrite_silently(login):
    period = services.ensure_periods(2031)[2]
    prefix = f"p{period.pk}"
    url = reverse("reporting:period_update", kwargs={"pk": period.pk})
    first, second = login("bangda.admin"), login("bangda.admin")
    # Both read version 1; the first saves, the second's save is refused, its typing kept.
    first.post(url, {f"{prefix}-due_date": "2031-10-25", f"{prefix}-version": "1"})
    response = second.post(
        url,
        {
            f"{prefix}-due_date": "2031-11-30",
            f"{prefix}-allow_late": "on",
            f"{prefix}-version": "1",
        },
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "telah diubah oleh" in page and "25-10-2031" in page
    assert 'value="2031-11-30"' in page  # what the second admin typed
    assert f'name="{prefix}-version" value="2"' in page  # saving again is now a choice
    period.refresh_from_db()
    assert (period.due_date, period.allow_late, period.version) == (
        datetime.date(2031, 10, 25),
        False,
        2,
    )
    second.post(
        url,
        {
            f"{prefix}-due_date": "2031-11-30",
            f"{prefix}-allow_late": "on",
            f"{prefix}-version": "2",
        },
    )
    period.refresh_from_db()
    assert (period.due_date, period.allow_late, period.version) == (
        datetime.date(2031, 11, 30),
        True,
        3,
    )


def test_an_invalid_period_edit_keeps_what_was_typed(login):
    period = services.ensure_periods(2031)[3]
    prefix = f"p{period.pk}"
    response = login("bangda.admin").post(
        reverse("reporting:period_update", kwargs={"pk": period.pk}),
        {f"{prefix}-due_date": "31-31-2031", f"{prefix}-version": "1"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tanggal tidak valid." in page and 'value="31-31-2031"' in page
    period.refresh_from_db()
    assert period.version == 1


@pytest.mark.parametrize("username", ["klaten.tapem", "jateng.biro", "klaten.dinkes"])
def test_only_bangda_manages_periods(login, username):
    period = services.ensure_periods(2031)[0]
    client = login(username)
    response = client.post(reverse("reporting:period_open", kwargs={"pk": period.pk}))
    assert response.status_code == 404
    period.refresh_from_db()
    assert period.state == Period.State.PLANNED


def test_period_list_and_exports(login):
    client = login("klaten.dinkes")
    assert client.get(reverse("reporting:period_list")).status_code == 200
    csv = client.get(reverse("reporting:period_list") + "?export=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert "TW III" in csv.content.decode("utf-8-sig")
    xlsx = client.get(reverse("reporting:period_list") + "?export=xlsx")
    assert xlsx.content[:2] == b"PK"


def test_closing_raises_the_version_so_an_edit_read_before_is_refused(cast):
    period = services.ensure_periods(2031)[0]
    Period.objects.filter(pk=period.pk).update(state=Period.State.OPEN)
    closed = services.close_period(period.pk, cast["bangda.admin"])
    assert closed.version == 2
    with pytest.raises(services.PeriodChanged):
        services.update_period(
            period.pk,
            cast["bangda.admin"],
            due_date=datetime.date(2031, 5, 1),
            allow_late=True,
            version=1,
        )
