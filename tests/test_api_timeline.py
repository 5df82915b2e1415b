"""The workflow timeline of reports and region submissions, and the province recap, in the API.

Real steps through `reporting.workflow.transition` on a 2027 TW I period (tests.factories_review)
with the demo cast: Klaten (kabupaten of Jawa Tengah) → jateng.biro, Jawa Tengah → bangda.admin.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from regions.models import Region, User
from reporting import workflow
from reporting.models import RegionSubmission, Report
from reporting.recap import recap_snapshot
from reporting.review import selectors as review_selectors
from tests import factories_review as f
from tests import factories_targets as targets

pytestmark = pytest.mark.django_db

RETURN_REASON = "Jumlah penerima tidak sesuai data Puskesmas"
EVENT_FIELDS = {
    "id",
    "action",
    "label",
    "from_status",
    "to_status",
    "actor",
    "actor_name",
    "at",
    "reason",
    "sections",
}


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def user(username: str) -> User:
    return User.objects.get(username=username)


def fire(obj: Report | RegionSubmission, action: str, username: str, **kwargs) -> None:
    obj.refresh_from_db()
    workflow.transition(obj, action, user(username), expected_version=obj.version, **kwargs)


def report_url(report: Report, name: str = "timeline") -> str:
    return reverse(f"api:report-{name}", kwargs={"pk": report.pk})


def submission_url(sub: RegionSubmission, name: str = "timeline") -> str:
    return reverse(f"api:region-submission-{name}", kwargs={"pk": sub.pk})


@pytest.fixture
def world():
    """Klaten and Jawa Tengah with every report verified; Klaten's first DINKES report."""
    p = f.period(2027, 1)
    klaten, jateng = Region.objects.get(code="33.10"), Region.objects.get(code="33")
    klaten_sub = f.verified_region(klaten, p)
    jateng_sub = f.verified_region(jateng, p)
    report = (
        Report.objects.filter(region=klaten, period=p, agency__short_name="DINKES")
        .order_by("service_type__code")
        .first()
    )
    return p, report, klaten_sub, jateng_sub


@pytest.fixture
def draft(world) -> Report:
    """Klaten's DINKES report back in draft, for its operator to submit; its year's target is
    verified, as verifying it needs (reporting.workflow.target_problem)."""
    report = world[1]
    targets.target(report.region, report.period.year, report.service_type.code)
    return f.set_status(report, Report.Status.DRAFT)  # type: ignore[return-value]


# ---------------------------------------------------------------- report timeline


def test_report_timeline_lists_each_step_in_order_with_actor_and_reason(draft):
    report = draft
    fire(report, "submit", "klaten.dinkes")
    fire(report, "return", "klaten.tapem", reason=RETURN_REASON)
    fire(report, "submit", "klaten.dinkes")
    fire(report, "verify", "klaten.tapem")

    response = api("klaten.dinkes").get(report_url(report))
    assert response.status_code == 200, response.content
    events = response.json()
    assert [set(e) for e in events] == [EVENT_FIELDS] * 4  # no e-mail, no snapshot
    steps = [(e["action"], e["from_status"], e["to_status"], e["actor"]) for e in events]
    assert steps == [
        ("submit", "draft", "submitted", "klaten.dinkes"),
        ("return", "submitted", "returned", "klaten.tapem"),
        ("submit", "returned", "submitted", "klaten.dinkes"),
        ("verify", "submitted", "verified", "klaten.tapem"),
    ]
    assert [e["reason"] for e in events] == ["", RETURN_REASON, "", ""]
    assert events[1]["label"] == "Dikembalikan verifikator"
    assert events[1]["actor_name"] == str(user("klaten.tapem"))
    times = [dt.datetime.fromisoformat(e["at"]) for e in events]
    assert times == sorted(times)
    # The same events, in the same order, as the pages' selector.
    assert [e["id"] for e in events] == [e.pk for e in review_selectors.timeline(report)]


def test_report_timeline_is_scoped_like_retrieve(draft):
    report = draft
    fire(report, "submit", "klaten.dinkes")
    fire(report, "return", "klaten.tapem", reason=RETURN_REASON)
    for username in ("klaten.tapem", "klaten.kadinkes", "jateng.biro", "bangda.admin"):
        assert api(username).get(report_url(report)).status_code == 200, username
    # Another region, or another agency of the same region: 404, exactly as the report itself.
    for username in ("ngawi.tapem", "jatim.biro", "serang.tapem", "klaten.dindik"):
        client = api(username)
        assert client.get(report_url(report, "detail")).status_code == 404, username
        denied = client.get(report_url(report))
        assert denied.status_code == 404, username
        assert denied.json()["code"] == "not_found"
        assert RETURN_REASON not in denied.content.decode()


def test_a_report_without_steps_has_an_empty_timeline(world):
    _, report, _, _ = world
    response = api("klaten.dinkes").get(report_url(report))
    assert response.status_code == 200 and response.json() == []


# ---------------------------------------------------------------- submission timeline


def test_submission_timeline_lists_the_region_steps_in_order(world):
    _, _, klaten_sub, _ = world
    fire(klaten_sub, "submit_region", "klaten.tapem")
    fire(klaten_sub, "return_region", "jateng.biro", reason="Rekap anggaran belum lengkap.")
    fire(klaten_sub, "submit_region", "klaten.tapem")
    fire(klaten_sub, "accept", "jateng.biro")

    for username in ("klaten.tapem", "jateng.biro", "bangda.admin"):
        response = api(username).get(submission_url(klaten_sub))
        assert response.status_code == 200, (username, response.content)
        events = response.json()
        assert [(e["action"], e["actor"], e["reason"]) for e in events] == [
            ("submit_region", "klaten.tapem", ""),
            ("return_region", "jateng.biro", "Rekap anggaran belum lengkap."),
            ("submit_region", "klaten.tapem", ""),
            ("accept", "jateng.biro", ""),
        ]
        assert [(e["from_status"], e["to_status"]) for e in events] == [
            ("in_progress", "submitted"),
            ("submitted", "returned"),
            ("returned", "submitted"),
            ("submitted", "accepted"),
        ]
        assert events[1]["label"] == "Laporan wilayah dikembalikan"
        assert events[1]["actor_name"] == str(user("jateng.biro"))

    for username in ("ngawi.tapem", "jatim.biro", "serang.tapem"):
        denied = api(username).get(submission_url(klaten_sub))
        assert denied.status_code == 404, username
        assert "Rekap anggaran" not in denied.content.decode()


# ---------------------------------------------------------------- province recap


def _shown(capaian: str | None) -> str:
    """The snapshot keeps the page's cell text (decimal comma, – when nothing was reported)."""
    return "–" if capaian is None else capaian.replace(".", ",")


def test_recap_json_agrees_with_recap_snapshot(world):
    p, _, klaten_sub, jateng_sub = world
    fire(klaten_sub, "submit_region", "klaten.tapem")  # one kab/kota has moved on
    response = api("jateng.biro").get(submission_url(jateng_sub, "recap"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["submission"], body["province"]) == (jateng_sub.pk, "33")
    assert body["period"] == {"id": p.pk, "year": 2027, "quarter": 1}

    expected = recap_snapshot(Region.objects.get(code="33"), p)
    rows = {row["region"]: row for row in body["rows"]}
    assert list(rows) == list(expected)  # the province first, then its kab/kota by code
    assert body["rows"][0]["is_own"] and not any(r["is_own"] for r in body["rows"][1:])
    sector_codes = [s["code"] for s in body["sectors"]]
    for code, snap in expected.items():
        row = rows[code]
        assert row["status"] == snap["status"], code
        assert row["timeliness_label"] == snap["timeliness"], code
        assert row["capaian"] == snap["capaian"], code
        assert row["missing"] == snap["missing"], code
        assert [c["sector"] for c in row["sectors"]] == sector_codes
        assert {c["sector"]: _shown(c["capaian"]) for c in row["sectors"]} == snap["sectors"]
    klaten = rows["33.10"]
    assert (klaten["status"], klaten["timeliness"]) == ("submitted", "on_time")
    assert klaten["submission"] == klaten_sub.pk
    assert isinstance(klaten["capaian"], str) and Decimal(klaten["capaian"]) > 0
    # Bangda reads the same recap.
    assert api("bangda.admin").get(submission_url(jateng_sub, "recap")).status_code == 200


def test_recap_follows_the_recap_page_rule(world):
    _, _, klaten_sub, jateng_sub = world
    province_recap = submission_url(jateng_sub, "recap")
    page = reverse("reporting:recap", kwargs={"pk": jateng_sub.pk})
    for username in (
        "klaten.tapem",  # a kab/kota user: the province is not theirs
        "klaten.dinkes",
        "klaten.inspektorat",
        "ngawi.tapem",
        "jatim.biro",  # another province's Biro
        "jateng.dinkes",  # sees the province's submission, not the whole recap
        "kemenkes.viewer",
    ):
        response = api(username).get(province_recap)
        assert response.status_code == 404, username
        assert response.json()["code"] == "not_found"
        web = Client()
        web.force_login(user(username))
        assert web.get(page).status_code == 404, username

    # A kab/kota submission has no recap, for no one (the page answers 404 too).
    for username in ("jateng.biro", "bangda.admin", "klaten.tapem"):
        assert api(username).get(submission_url(klaten_sub, "recap")).status_code == 404
