"""One timeliness rule (reporting.rules.windows) on every page that shows it.

Asia/Jakarta is UTC+7: 23:30 WIB on the due date is 16:30 UTC that day, 00:10 WIB the next
day is still 17:10 UTC *on the due date* — a date taken in UTC would call it on time.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from regions.models import Region, User
from reporting.models import Period, RegionSubmission
from reporting.rules import windows
from tests import factories_review as f

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
DUE = dt.date(2027, 4, 20)
S = RegionSubmission.Status


def wib(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def period() -> Period:
    return f.period(2027, 1, due_date=DUE)


def make(
    code: str,
    p: Period,
    sent: dt.datetime | None,
    status: str = S.SUBMITTED,
    due_date: dt.date | None = None,
) -> RegionSubmission:
    RegionSubmission.objects.filter(region=region(code), period=p).delete()
    return RegionSubmission.objects.create(
        region=region(code), period=p, status=status, submitted_at=sent, due_date=due_date
    )


def sql_timeliness(sub: RegionSubmission) -> str:
    qs = windows.annotate_timeliness(RegionSubmission.objects.filter(pk=sub.pk))
    return qs.values_list("timeliness_sql", flat=True).get()


def both(sub: RegionSubmission) -> tuple[str, str]:
    sub = RegionSubmission.objects.select_related("period").get(pk=sub.pk)
    return windows.timeliness(sub), sql_timeliness(sub)


# ---------------------------------------------------------------- the rule, at its edges


def test_submitted_at_2330_local_on_the_due_date_is_on_time(period):
    sub = make("33.10", period, wib(DUE, 23, 30))
    assert sub.submitted_at.astimezone(dt.UTC).date() == DUE  # 16:30 UTC
    assert both(sub) == ("on_time", "on_time")
    assert sub.is_late is False
    assert RegionSubmission.objects.filter(windows.on_time_q(), pk=sub.pk).exists()


def test_submitted_at_0010_local_the_next_day_is_late(period):
    sub = make("33.10", period, wib(DUE + dt.timedelta(days=1), 0, 10))
    # 17:10 UTC on the due date: the local date decides, not the UTC one.
    assert sub.submitted_at.astimezone(dt.UTC).date() == DUE
    assert both(sub) == ("late", "late")
    assert sub.is_late is True
    assert RegionSubmission.objects.filter(windows.late_q(), pk=sub.pk).exists()


def test_reopened_region_by_its_own_due_date_is_on_time(period):
    own_due = dt.date(2027, 5, 10)
    sub = make("33.10", period, wib(dt.date(2027, 5, 9), 9, 0), due_date=own_due)
    assert windows.effective_due_date(period, sub) == own_due
    assert both(sub) == ("on_time", "on_time")
    after = make("33.10", period, wib(dt.date(2027, 5, 11), 9, 0), due_date=own_due)
    assert both(after) == ("late", "late")


def test_not_submitted_is_missing_and_overdue_only_after_the_due_date(period):
    sub = make("33.10", period, None, status=S.IN_PROGRESS)
    assert both(sub) == ("missing", "missing")
    assert windows.timeliness(None) == "missing"
    assert windows.is_overdue(period, sub, today=DUE) is False
    assert windows.is_overdue(period, sub, today=DUE + dt.timedelta(days=1)) is True


def test_a_returned_region_has_not_submitted_whatever_its_last_time(period):
    sub = make("33.10", period, wib(DUE + dt.timedelta(days=3), 9, 0), status=S.RETURNED)
    assert both(sub) == ("missing", "missing")
    assert sub.is_late is False


def test_sql_and_python_agree_on_every_demo_submission():
    subs = list(RegionSubmission.objects.select_related("period"))
    assert len(subs) >= 12  # 6 demo regions × TW I, TW II (+ TW III opened)
    sql = dict(
        windows.annotate_timeliness(RegionSubmission.objects).values_list("pk", "timeliness_sql")
    )
    assert {s.pk: windows.timeliness(s) for s in subs} == sql
    for value in windows.TIMELINESS:
        by_q = set(
            RegionSubmission.objects.filter(windows.timeliness_q(value)).values_list(
                "pk", flat=True
            )
        )
        assert by_q == {pk for pk, t in sql.items() if t == value}


def test_demo_closed_quarters_are_on_time_but_one_late_region_each():
    """TW I/II of the demo: submitted on or before the due date, except LATE_REGION; in TW II
    Ngawi (PARTIAL_REGION) reported only part of its services and never submitted."""
    for quarter, late_code, missing in ((1, "35.21", set()), (2, "36", {"35.21"})):
        subs = RegionSubmission.objects.filter(period__year=2026, period__quarter=quarter)
        got = {
            s.region.code: windows.timeliness(s) for s in subs.select_related("period", "region")
        }
        assert got[late_code] == "late"
        assert {c for c, t in got.items() if t == "late"} == {late_code}
        assert {c for c, t in got.items() if t == "missing"} == missing
        assert {c for c, t in got.items() if t == "on_time"} == set(got) - missing - {late_code}


# ---------------------------------------------------------------- one scenario, every page


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def timeliness_in_row(html: str, href: str) -> str:
    """The data-timeliness of the table row that links to `href`."""
    rows = re.findall(r"<tr>.*?</tr>", html, flags=re.S)
    row = next(r for r in rows if f'href="{href}"' in r)
    found = re.search(r'data-timeliness="(\w+)"', row)
    assert found, row
    return found.group(1)


@pytest.fixture
def scenario(period):
    """Klaten submitted at 00:10 WIB the day after the due date (late), Ngawi at 23:30 WIB on
    it (on time), Serang returned (missing), Jawa Tengah accepted by Bangda on the due date."""
    return {
        "klaten": make("33.10", period, wib(DUE + dt.timedelta(days=1), 0, 10)),
        "ngawi": make("35.21", period, wib(DUE, 23, 30)),
        "serang": make("36.73", period, wib(DUE, 10, 0), status=S.RETURNED),
        "jateng": make("33", period, wib(DUE, 8, 0), status=S.ACCEPTED),
    }


def test_region_submission_list_pages_and_inbox_agree(login, scenario):
    klaten, ngawi = scenario["klaten"], scenario["ngawi"]
    klaten_url = reverse("reporting:submission_detail", args=[klaten.pk])
    ngawi_url = reverse("reporting:submission_detail", args=[ngawi.pk])

    listing = login("jateng.biro").get(reverse("reporting:review_regions"))
    assert listing.status_code == 200
    assert timeliness_in_row(listing.content.decode(), klaten_url) == "late"

    other = login("jatim.biro").get(reverse("reporting:review_regions"))
    assert other.status_code == 200
    assert timeliness_in_row(other.content.decode(), ngawi_url) == "on_time"

    inbox = login("klaten.tapem").get(reverse("reporting:review_inbox"))
    assert inbox.status_code == 200
    assert timeliness_in_row(inbox.content.decode(), klaten_url) == "late"

    returned = login("serang.tapem").get(reverse("reporting:review_inbox"))
    assert returned.status_code == 200
    serang_url = reverse("reporting:submission_detail", args=[scenario["serang"].pk])
    assert timeliness_in_row(returned.content.decode(), serang_url) == "missing"

    detail = login("jateng.biro").get(klaten_url)
    assert detail.status_code == 200
    assert 'class="badge late"' in detail.content.decode()


def test_national_dashboard_regions_list_agrees(login, scenario):
    client = login("bangda.admin")
    url = reverse("reporting:dashboard_regions")

    def codes(status: str) -> set[str]:
        response = client.get(url, {"year": 2027, "quarter": 1, "status": status})
        assert response.status_code == 200
        return set(re.findall(r"<td>(\d{2}(?:\.\d{2})?)</td>", response.content.decode()))

    late, on_time, missing = codes("late"), codes("on_time"), codes("missing")
    assert "33.10" in late and "33.10" not in on_time
    assert "35.21" in on_time and "35.21" not in late
    assert "33" in on_time
    assert "36.73" in missing and "36.73" not in late | on_time


def test_recap_agrees(login, scenario):
    jateng = scenario["jateng"]
    page = login("jateng.biro").get(reverse("reporting:recap", args=[jateng.pk]))
    assert page.status_code == 200
    data = api("jateng.biro").get(reverse("api:region-submission-recap", kwargs={"pk": jateng.pk}))
    assert data.status_code == 200
    rows = {r["region"]: r["timeliness"] for r in data.json()["rows"]}
    assert rows["33.10"] == "late"
    assert rows["33"] == "on_time"


def test_api_is_late_timeliness_and_filter_agree(scenario):
    client = api("bangda.admin")
    listing = reverse("api:region-submission-list")
    response = client.get(listing, {"year": 2027, "quarter": 1, "page_size": 500})
    assert response.status_code == 200
    rows = {r["region"]: r for r in response.json()["results"]}
    assert (rows["33.10"]["is_late"], rows["33.10"]["timeliness"]) == (True, "late")
    assert (rows["35.21"]["is_late"], rows["35.21"]["timeliness"]) == (False, "on_time")
    assert (rows["36.73"]["is_late"], rows["36.73"]["timeliness"]) == (False, "missing")
    late = client.get(listing, {"year": 2027, "quarter": 1, "timeliness": "late"})
    assert late.status_code == 200
    assert {r["region"] for r in late.json()["results"]} == {"33.10"}
    bad = client.get(listing, {"timeliness": "soon"})
    assert bad.status_code == 400
