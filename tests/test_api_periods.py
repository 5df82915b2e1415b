"""Period management through the API: Bangda's buttons of the period page, as endpoints.

`POST periods/` (ensure TW I–IV), `PATCH periods/{id}/`, `POST periods/{id}/open/` with its job
at `GET periods/{id}/opening/`, and `POST periods/{id}/close/` go through the page's forms and
services; everyone else signed in reads the calendar but gets 403 for these, changing nothing.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from indicators.models import ServiceType
from indicators.selectors import edition_for_year_or_none
from regions.models import Level, Region, User
from reporting import tasks
from reporting.models import Period, PeriodOpening, RegionSubmission, Report
from reporting.periods import services

pytestmark = pytest.mark.django_db

YEAR = 2027
NOT_BANGDA = ["jateng.biro", "klaten.tapem", "klaten.dinkes", "kemenkes.viewer"]


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def url(name: str, period: Period | None = None) -> str:
    return reverse(f"api:period-{name}", kwargs={"pk": period.pk} if period else None)


def planned(year: int = YEAR, quarter: int = 1) -> Period:
    period = services.ensure_periods(year)[quarter - 1]
    assert period.state == Period.State.PLANNED
    return period


def no_catalog_period() -> Period:
    period = services.ensure_periods(2090)[0]
    assert edition_for_year_or_none(2090) is None
    return period


def periods_state() -> list[tuple]:
    return list(
        Period.objects.order_by("pk").values_list(
            "pk", "year", "quarter", "state", "due_date", "allow_late", "closed_at"
        )
    )


def assert_error_shape(body: dict, code: str) -> None:
    assert set(body) >= {"detail", "code", "errors"} and body["code"] == code, body


@pytest.fixture
def small_nation(db):
    """Only Jawa Tengah and its kab/kota are active (36 regions): a fast, real opening."""
    Region.objects.exclude(level=Level.NATIONAL).exclude(code__startswith="33").update(
        is_active=False
    )
    return Region.objects.filter(is_active=True).exclude(level=Level.NATIONAL)


@pytest.fixture
def queued():
    """A broker is configured (not eager) and the enqueued task is recorded, not sent."""
    from espm.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with mock.patch.object(tasks.open_period_job, "apply_async") as apply_async:
        yield apply_async
    app.conf.task_always_eager = saved


# ---------------------------------------------------------------- create (ensure a year)


def test_bangda_makes_a_years_four_quarters_idempotently(cast):
    client = api("bangda.admin")
    response = client.post(url("list"), {"year": 2031}, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(p["year"], p["quarter"], p["label"]) for p in body] == [
        (2031, 1, "TW I"),
        (2031, 2, "TW II"),
        (2031, 3, "TW III"),
        (2031, 4, "TW IV"),
    ]
    assert [p["due_date"] for p in body] == ["2031-04-20", "2031-07-20", "2031-10-20", "2032-01-20"]
    assert {p["state"] for p in body} == {"planned"}
    period = Period.objects.get(year=2031, quarter=1)
    assert period.history.first().history_user == cast["bangda.admin"]

    again = client.post(url("list"), {"year": 2031}, content_type="application/json")
    assert again.status_code == 201
    assert [p["id"] for p in again.json()] == [p["id"] for p in body]
    assert Period.objects.filter(year=2031).count() == 4


@pytest.mark.parametrize(
    ("year", "message"),
    [
        (2019, "Tahun minimal 2020."),
        (2101, "Tahun maksimal 2100."),
        ("dua ribu", "Isi tahun, misalnya 2027."),
        (None, "Bidang ini harus diisi."),
    ],
)
def test_create_is_validated_like_the_year_form(year, message):
    before = periods_state()
    response = api("bangda.admin").post(
        url("list"), {"year": year}, content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, "invalid")
    assert body["errors"] == {"year": [message]}
    assert periods_state() == before


def test_create_without_a_year_says_so():
    response = api("bangda.admin").post(url("list"), {}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"year": ["Bidang ini harus diisi."]}


# ---------------------------------------------------------------- update


def test_bangda_changes_due_date_and_late_entry(cast):
    period = planned()
    response = api("bangda.admin").patch(
        url("detail", period),
        {"due_date": "2027-04-30", "allow_late": False, "version": period.version},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["due_date"], response.json()["allow_late"]) == ("2027-04-30", False)
    assert response.json()["version"] == 2
    period.refresh_from_db()
    assert (period.due_date, period.allow_late) == (dt.date(2027, 4, 30), False)
    assert period.history.first().history_user == cast["bangda.admin"]


def test_patch_changes_only_what_is_sent():
    period = planned()
    Period.objects.filter(pk=period.pk).update(allow_late=False)
    client = api("bangda.admin")
    client.patch(
        url("detail", period),
        {"due_date": "2027-05-02", "version": 1},
        content_type="application/json",
    )
    period.refresh_from_db()
    assert (period.due_date, period.allow_late) == (dt.date(2027, 5, 2), False)
    client.patch(
        url("detail", period),
        {"allow_late": True},
        content_type="application/json",
        headers={"If-Match": '"2"'},
    )
    period.refresh_from_db()
    assert (period.due_date, period.allow_late, period.version) == (dt.date(2027, 5, 2), True, 3)


def test_a_stale_version_is_refused_and_changes_nothing():
    period = planned()
    client = api("bangda.admin")
    client.patch(
        url("detail", period),
        {"due_date": "2027-05-02", "version": 1},
        content_type="application/json",
    )
    before = periods_state()
    stale = client.patch(
        url("detail", period),
        {"due_date": "2027-06-01", "version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409
    body = stale.json()
    assert_error_shape(body, "conflict")
    assert "telah diubah oleh" in body["detail"]
    assert (body["current"]["due_date"], body["current"]["version"]) == ("2027-05-02", 2)
    header = client.patch(
        url("detail", period),
        {"due_date": "2027-06-01"},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )
    assert header.status_code == 412
    assert_error_shape(header.json(), "precondition_failed")
    missing = client.patch(
        url("detail", period), {"due_date": "2027-06-01"}, content_type="application/json"
    )
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"version"}
    assert periods_state() == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"due_date": "2027-13-45"}, {"due_date": ["Tanggal tidak valid."]}),
        ({"due_date": "besok"}, {"due_date": ["Tanggal tidak valid."]}),
        ({"due_date": None}, {"due_date": ["Tanggal batas waktu wajib diisi."]}),
        ({"due_date": "2027-04-30", "allow_late": "mungkin"}, {"allow_late": None}),
    ],
)
def test_patch_errors_come_back_in_the_error_shape_and_change_nothing(body, errors):
    period = planned()
    before = periods_state()
    response = api("bangda.admin").patch(
        url("detail", period), body, content_type="application/json"
    )
    assert response.status_code == 400
    got = response.json()
    assert_error_shape(got, "invalid")
    assert got["detail"] == "Data tidak valid. Periksa isian yang ditandai."
    assert set(got["errors"]) == set(errors)
    for field, messages in errors.items():
        if messages is not None:
            assert got["errors"][field] == messages
    assert periods_state() == before


def test_put_is_not_offered():
    period = planned()
    response = api("bangda.admin").put(
        url("detail", period), {"due_date": "2027-04-30"}, content_type="application/json"
    )
    assert response.status_code == 405


# ---------------------------------------------------------------- open and its job


def expected_reports(regions) -> int:
    edition = edition_for_year_or_none(YEAR)
    per_level = {
        level: ServiceType.objects.filter(edition=edition, level=level).count()
        for level in ("province", "kabkota")
    }
    n_prov = regions.filter(level=Level.PROVINCE).count()
    return n_prov * per_level["province"] + (regions.count() - n_prov) * per_level["kabkota"]


def test_bangda_opens_a_period_and_the_job_completes(
    cast, small_nation, celery_eager, django_capture_on_commit_callbacks
):
    period = planned()
    client = api("bangda.admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("open", period))
    assert response.status_code == 202, response.json()
    answer = response.json()
    assert answer["started"] is True
    assert answer["period"] == period.pk and answer["requested_by"] == "bangda.admin"
    assert answer["status"] in ("queued", "running", "done")
    assert response["Location"] == url("opening", period)

    # The task ran (eagerly) once the request committed; the job says what it did.
    job = client.get(url("opening", period))
    assert job.status_code == 200
    body = job.json()
    expected = expected_reports(small_nation)
    assert body["id"] == answer["id"]
    assert (body["status"], body["progress"]) == ("done", 100)
    assert (body["regions_done"], body["regions_total"]) == (36, 36)
    assert (body["reports_created"], body["submissions_created"]) == (expected, 36)
    assert body["started_at"] and body["finished_at"] and body["message"] == ""
    assert Report.objects.filter(period=period).count() == expected
    assert RegionSubmission.objects.filter(period=period).count() == 36
    period.refresh_from_db()
    assert period.state == Period.State.OPEN and period.opened_by == cast["bangda.admin"]
    listed = client.get(url("detail", period)).json()
    assert listed["state"] == "open" and listed["opened_at"]


def test_a_second_open_joins_the_running_job(queued, django_capture_on_commit_callbacks):
    period = planned()
    client = api("bangda.admin")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url("open", period))
    assert first.status_code == 202 and first.json()["started"] is True
    assert first.json()["status"] == "queued" and first.json()["progress"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url("open", period))
    assert second.status_code == 202
    assert second.json()["started"] is False
    assert second.json()["id"] == first.json()["id"]
    assert PeriodOpening.objects.filter(period=period).count() == 1
    queued.assert_called_once()
    polled = client.get(url("opening", period)).json()
    assert (polled["status"], polled["finished_at"]) == ("queued", None)


def test_open_refused_by_the_service_is_400_and_queues_nothing(queued):
    period = no_catalog_period()
    response = api("bangda.admin").post(url("open", period))
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, "invalid")
    assert "edisi katalog" in body["detail"]
    assert body["errors"] == {"non_field_errors": [body["detail"]]}
    assert not PeriodOpening.objects.filter(period=period).exists()
    queued.assert_not_called()


def test_opening_of_a_period_never_opened_is_404():
    period = planned()
    response = api("bangda.admin").get(url("opening", period))
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")
    assert response.json()["detail"] == "Periode ini belum pernah dibuka."


def test_opening_shows_the_newest_job(cast):
    period = planned()
    admin = cast["bangda.admin"]
    PeriodOpening.objects.create(
        period=period, requested_by=admin, status="failed", message="Antrean mati"
    )
    newest = PeriodOpening.objects.create(period=period, requested_by=admin, status="done")
    body = api("bangda.admin").get(url("opening", period)).json()
    assert (body["id"], body["status"], body["status_label"]) == (newest.pk, "done", "Selesai")


# ---------------------------------------------------------------- close


def test_close_only_an_open_period(cast):
    period = planned()
    client = api("bangda.admin")
    refused = client.post(url("close", period))
    assert refused.status_code == 409
    body = refused.json()
    assert_error_shape(body, "refused")
    assert body["detail"] == "Hanya periode yang sedang dibuka yang dapat ditutup."
    assert body["current"] == {"state": "planned"}
    period.refresh_from_db()
    assert period.state == Period.State.PLANNED

    Period.objects.filter(pk=period.pk).update(state=Period.State.OPEN)
    closed = client.post(url("close", period))
    assert closed.status_code == 200, closed.json()
    assert closed.json()["state"] == "closed" and closed.json()["closed_at"]
    period.refresh_from_db()
    assert period.state == Period.State.CLOSED
    assert period.history.first().history_user == cast["bangda.admin"]

    again = client.post(url("close", period))
    assert again.status_code == 409 and again.json()["current"] == {"state": "closed"}


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize("username", NOT_BANGDA)
def test_others_read_the_calendar_but_may_not_manage_it(username, queued):
    period = planned()
    Period.objects.filter(year=2026, quarter=3).update(state=Period.State.OPEN)
    open_one = Period.objects.get(year=2026, quarter=3)
    PeriodOpening.objects.create(
        period=open_one, requested_by=User.objects.get(username="bangda.admin"), status="done"
    )
    client = api(username)
    assert client.get(url("list")).status_code == 200
    assert client.get(url("detail", period)).json()["id"] == period.pk
    before = (periods_state(), list(PeriodOpening.objects.values_list("pk", "status")))

    attempts = [
        client.post(url("list"), {"year": 2032}, content_type="application/json"),
        client.patch(
            url("detail", period), {"due_date": "2027-12-31"}, content_type="application/json"
        ),
        client.post(url("open", period)),
        client.get(url("opening", open_one)),
        client.post(url("close", open_one)),
    ]
    for response in attempts:
        assert response.status_code == 403, (response.request["PATH_INFO"], response.status_code)
        body = response.json()
        assert_error_shape(body, "permission_denied")
        assert body["detail"] == "Hanya admin Bangda yang dapat mengelola periode pelaporan."
    assert (periods_state(), list(PeriodOpening.objects.values_list("pk", "status"))) == before
    assert not Period.objects.filter(year=2032).exists()
    queued.assert_not_called()


def test_anonymous_gets_401():
    period = planned()
    client = Client()
    for response in (
        client.post(url("list"), {"year": 2032}, content_type="application/json"),
        client.patch(url("detail", period), {}, content_type="application/json"),
        client.post(url("open", period)),
        client.get(url("opening", period)),
        client.post(url("close", period)),
    ):
        assert response.status_code == 401
        assert_error_shape(response.json(), "not_authenticated")


def test_unknown_period_is_404_for_bangda():
    client = api("bangda.admin")
    missing = Period(pk=987654321)
    for response in (
        client.patch(url("detail", missing), {}, content_type="application/json"),
        client.post(url("open", missing)),
        client.get(url("opening", missing)),
        client.post(url("close", missing)),
    ):
        assert response.status_code == 404
        assert_error_shape(response.json(), "not_found")


def test_the_refusal_follows_the_language_switch(settings):
    period = planned()
    client = api("klaten.tapem")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(url("close", period))
    assert response.status_code == 403
    assert response.json()["detail"] == "Only a Bangda admin can manage reporting periods."


def test_schema_documents_the_period_writes():
    schema = api("bangda.admin").get(reverse("api:schema"), {"format": "json"}).json()
    paths = schema["paths"]
    assert "post" in paths["/api/v1/periods/"]
    assert "patch" in paths["/api/v1/periods/{id}/"]
    assert "put" not in paths["/api/v1/periods/{id}/"]
    assert "202" in paths["/api/v1/periods/{id}/open/"]["post"]["responses"]
    assert "200" in paths["/api/v1/periods/{id}/opening/"]["get"]["responses"]
    assert {"200", "403", "409"} <= set(paths["/api/v1/periods/{id}/close/"]["post"]["responses"])
    year = schema["components"]["schemas"]["PeriodCreate"]["properties"]["year"]
    assert (year["minimum"], year["maximum"]) == (2020, 2100)
