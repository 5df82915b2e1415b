"""Opening a period is a Celery job (PeriodOpening): Bangda's *Buka* queues it and returns at
once, the period's row polls its progress (HTMX), the result is shown, a second click joins
the running job, a failure midway leaves the period closed with whole regions and a retry
completes it, and the requester is recorded."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import ServiceType
from indicators.selectors import edition_for_year_or_none
from regions.models import Level, Membership, Region
from reporting import tasks
from reporting.models import Period, PeriodOpening, RegionSubmission, Report, ReportStage
from reporting.periods import services

pytestmark = pytest.mark.django_db

YEAR = 2027
HTMX = {"HX-Request": "true"}


@pytest.fixture
def small_nation(db):
    """Only Jawa Tengah and its kab/kota are active (36 regions): fast, still several chunks."""
    Region.objects.exclude(level=Level.NATIONAL).exclude(code__startswith="33").update(
        is_active=False
    )
    return Region.objects.filter(is_active=True).exclude(level=Level.NATIONAL)


@pytest.fixture
def queued(settings):
    """A broker is configured (not eager) and enqueued tasks are recorded, not sent."""
    from espm.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with mock.patch.object(tasks.open_period_job, "apply_async") as apply_async:
        yield apply_async
    app.conf.task_always_eager = saved


def planned_period() -> Period:
    period = services.ensure_periods(YEAR)[0]
    assert period.state == Period.State.PLANNED
    return period


def expected_reports(regions) -> int:
    edition = edition_for_year_or_none(YEAR)
    per_level = {
        level: ServiceType.objects.filter(edition=edition, level=level).count()
        for level in ("province", "kabkota")
    }
    n_prov = regions.filter(level=Level.PROVINCE).count()
    return n_prov * per_level["province"] + (regions.count() - n_prov) * per_level["kabkota"]


def kabkota_types() -> int:
    return ServiceType.objects.filter(
        edition=edition_for_year_or_none(YEAR), level="kabkota"
    ).count()


def id_int(n: int) -> str:
    """As the page shows it (Indonesian thousands separator)."""
    return f"{n:,}".replace(",", ".")


def click_open(client, period, capture):
    with capture(execute=True):
        return client.post(reverse("reporting:period_open", kwargs={"pk": period.pk}))


def test_open_queues_the_task_and_answers_at_once(
    login, cast, queued, django_capture_on_commit_callbacks
):
    period = planned_period()
    client = login("bangda.admin")
    response = click_open(client, period, django_capture_on_commit_callbacks)
    assert response.status_code == 302

    job = PeriodOpening.objects.get(period=period)
    assert job.status == PeriodOpening.Status.QUEUED
    assert job.requested_by == cast["bangda.admin"]
    queued.assert_called_once_with((job.pk,), task_id=job.task_id)
    # Nothing was done in the request: the worker does it.
    period.refresh_from_db()
    assert period.state == Period.State.PLANNED
    assert not Report.objects.filter(period=period).exists()

    page = client.get(response["Location"]).content.decode()
    assert "sedang dibuka" in page
    poll = reverse("reporting:period_opening", kwargs={"pk": period.pk})
    assert f'hx-get="{poll}"' in page and 'hx-trigger="every 1s"' in page
    assert f'value="{job.progress}"' in page


def test_second_click_while_running_starts_no_second_run(
    login, queued, django_capture_on_commit_callbacks
):
    period = planned_period()
    client = login("bangda.admin")
    click_open(client, period, django_capture_on_commit_callbacks)
    job = PeriodOpening.objects.get(period=period)
    PeriodOpening.objects.filter(pk=job.pk).update(status=PeriodOpening.Status.RUNNING)
    response = click_open(client, period, django_capture_on_commit_callbacks)
    assert PeriodOpening.objects.filter(period=period).count() == 1
    assert queued.call_count == 1
    assert "tidak dimulai dua kali" in client.get(response["Location"]).content.decode()
    # The page offers no Buka button while it runs.
    page = client.get(reverse("reporting:period_list")).content.decode()
    assert reverse("reporting:period_open", kwargs={"pk": period.pk}) not in page


def test_a_lost_job_is_replaced(login, queued, django_capture_on_commit_callbacks):
    period = planned_period()
    client = login("bangda.admin")
    click_open(client, period, django_capture_on_commit_callbacks)
    lost = PeriodOpening.objects.get(period=period)
    PeriodOpening.objects.filter(pk=lost.pk).update(
        updated_at=timezone.now() - services.STALE_OPENING - dt.timedelta(minutes=1)
    )
    click_open(client, period, django_capture_on_commit_callbacks)
    lost.refresh_from_db()
    assert lost.status == PeriodOpening.Status.FAILED
    assert PeriodOpening.objects.filter(period=period, status="queued").count() == 1
    assert queued.call_count == 2
    # The lost task, delivered late after all, does nothing.
    assert services.run_open_period(lost.pk) == "skipped"


def test_progress_is_polled_and_shows_the_result(
    login, cast, queued, small_nation, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "OPEN_CHUNK", 10)
    period = planned_period()
    client = login("bangda.admin")
    click_open(client, period, django_capture_on_commit_callbacks)
    job = PeriodOpening.objects.get(period=period)
    poll = reverse("reporting:period_opening", kwargs={"pk": period.pk})

    seen: list[tuple[int, int, int]] = []
    real = services._open_regions

    def watched(*args, **kwargs):
        # What the polling page shows between two chunks (progress written outside them).
        row = client.get(poll, headers=HTMX)
        assert row.status_code == 200
        j = PeriodOpening.objects.get(pk=job.pk)
        assert j.status == PeriodOpening.Status.RUNNING
        assert 'hx-trigger="every 1s"' in row.content.decode()
        assert f"{j.regions_done} dari 36 wilayah" in row.content.decode()
        seen.append((j.regions_done, j.progress, j.reports_created))
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_open_regions", watched)
    assert tasks.open_period_job.apply(args=(job.pk,)).get() == PeriodOpening.Status.DONE

    total = small_nation.count()
    assert total == 36
    assert [s[0] for s in seen] == [0, 10, 20, 30]
    assert [s[1] for s in seen] == sorted(s[1] for s in seen) and seen[-1][1] < 100
    job.refresh_from_db()
    expected = expected_reports(small_nation)
    assert (job.status, job.progress, job.regions_done, job.regions_total) == ("done", 100, 36, 36)
    assert (job.reports_created, job.submissions_created) == (expected, 36)
    assert Report.objects.filter(period=period).count() == expected
    assert ReportStage.objects.filter(report__period=period).count() == expected * 4

    # The finished row stops polling and shows who opened it and what was created.
    row = client.get(poll, headers=HTMX).content.decode()
    assert "hx-trigger" not in row
    assert 'data-opening-status="done"' in row
    assert f"{id_int(expected)} laporan baru dan 36 laporan wilayah baru untuk 36 wilayah" in row
    assert str(cast["bangda.admin"]) in row
    # Attribution: the period, its history and the job name the Bangda admin who started it.
    period.refresh_from_db()
    assert period.state == Period.State.OPEN
    assert period.opened_by == cast["bangda.admin"]
    assert period.history.first().history_user == cast["bangda.admin"]


def test_failure_midway_leaves_whole_regions_and_a_retry_completes(
    login, small_nation, monkeypatch, celery_eager, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "OPEN_CHUNK", 10)
    period = planned_period()
    real = services._open_regions
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_open_regions", flaky)
    client = login("bangda.admin")
    click_open(client, period, django_capture_on_commit_callbacks)

    job = PeriodOpening.objects.get(period=period)
    assert job.status == PeriodOpening.Status.FAILED
    assert "database went away" in job.message
    assert (job.regions_done, job.regions_total) == (20, 36)
    period.refresh_from_db()
    assert period.state == Period.State.PLANNED  # not open with regions missing
    done_regions = set(Report.objects.filter(period=period).values_list("region_id", flat=True))
    assert len(done_regions) == 20
    assert RegionSubmission.objects.filter(period=period).count() == 20
    row = client.get(reverse("reporting:period_list")).content.decode()
    assert 'data-opening-status="failed"' in row and "Klik Buka lagi" in row
    assert reverse("reporting:period_open", kwargs={"pk": period.pk}) in row

    monkeypatch.setattr(services, "_open_regions", real)
    first_part = Report.objects.filter(period=period).count()
    click_open(client, period, django_capture_on_commit_callbacks)
    retry = PeriodOpening.objects.filter(period=period).first()
    assert retry.pk != job.pk and retry.status == PeriodOpening.Status.DONE
    expected = expected_reports(small_nation)
    assert retry.reports_created == expected - first_part
    assert retry.submissions_created == 16
    assert Report.objects.filter(period=period).count() == expected  # no duplicates
    period.refresh_from_db()
    assert period.state == Period.State.OPEN


def test_opening_twice_never_duplicates(
    login, cast, small_nation, celery_eager, django_capture_on_commit_callbacks
):
    period = planned_period()
    client = login("bangda.admin")
    click_open(client, period, django_capture_on_commit_callbacks)
    count = Report.objects.filter(period=period).count()
    assert count == expected_reports(small_nation)
    # Opening again (the service, as the management shell or bench would) creates nothing.
    again, started = services.request_open_period(period.pk, cast["bangda.admin"])
    assert started
    assert services.run_open_period(again.pk) == PeriodOpening.Status.DONE
    again.refresh_from_db()
    assert (again.reports_created, again.submissions_created) == (0, 0)
    assert Report.objects.filter(period=period).count() == count
    # A redelivered task of a finished job does nothing.
    assert services.run_open_period(again.pk) == "skipped"


def test_requester_who_lost_the_role_opens_nothing(
    login, cast, queued, small_nation, django_capture_on_commit_callbacks
):
    period = planned_period()
    click_open(login("bangda.admin"), period, django_capture_on_commit_callbacks)
    job = PeriodOpening.objects.get(period=period)
    Membership.objects.filter(user=cast["bangda.admin"]).update(is_active=False)
    assert services.run_open_period(job.pk) == PeriodOpening.Status.FAILED
    job.refresh_from_db()
    assert job.status == PeriodOpening.Status.FAILED and "Akses" in job.message
    assert not Report.objects.filter(period=period).exists()


def test_eager_celery_opens_end_to_end_from_the_page(
    login, cast, celery_eager, django_capture_on_commit_callbacks
):
    """`make run` (no REDIS_URL): the same click opens all 546 reporting regions inline."""
    period = planned_period()
    client = login("bangda.admin")
    click_open(client, period, django_capture_on_commit_callbacks)
    job = PeriodOpening.objects.get(period=period)
    regions = Region.objects.filter(is_active=True).exclude(level=Level.NATIONAL)
    assert regions.count() == 546  # DKI's six administrative units are not active
    # DKI's province (31) reports the 29 kab/kota service types too.
    expected = expected_reports(regions) + kabkota_types()
    assert (job.status, job.regions_total, job.reports_created) == ("done", 546, expected)
    assert Report.objects.filter(period=period).count() == expected
    page = client.get(reverse("reporting:period_list")).content.decode()
    assert f"{id_int(expected)} laporan baru dan 546 laporan wilayah baru" in page


@pytest.mark.parametrize("username", ["klaten.tapem", "jateng.biro", "klaten.dinkes"])
def test_only_bangda_starts_or_watches_an_opening(login, cast, username, queued):
    period = planned_period()
    client = login(username)
    assert (
        client.post(reverse("reporting:period_open", kwargs={"pk": period.pk})).status_code == 404
    )
    assert not PeriodOpening.objects.exists()
    queued.assert_not_called()
    poll = reverse("reporting:period_opening", kwargs={"pk": period.pk})
    assert client.get(poll, headers=HTMX).status_code == 404
    # and the period list shows them no job or polling
    PeriodOpening.objects.create(period=period, requested_by=cast["bangda.admin"])
    assert poll not in client.get(reverse("reporting:period_list")).content.decode()


def test_year_without_catalog_is_refused_at_once(login, queued):
    period = Period.objects.create(year=2090, quarter=1, due_date=dt.date(2090, 4, 20))
    client = login("bangda.admin")
    response = client.post(reverse("reporting:period_open", kwargs={"pk": period.pk}), follow=True)
    assert "belum memiliki edisi katalog" in response.content.decode()
    assert not PeriodOpening.objects.exists()
    queued.assert_not_called()
