"""Region submissions through the API: the review pages' steps, through the one transition table.

A 2027 TW I period (tests.factories_review) with Klaten (kabupaten, province Jawa Tengah) and
Jawa Tengah itself: Klaten → jateng.biro, Jawa Tengah → bangda.admin.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from regions.models import Region, User
from reporting.models import RegionSubmission, Report, WorkflowEvent
from tests import factories_review as f

pytestmark = pytest.mark.django_db


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def step(sub: RegionSubmission, name: str, client: Client, body: dict | None = None, **headers):
    """POST a step as a client that has just read the submission: with its version now, unless
    the call names a version itself (body or If-Match). A step needs one (400 without)."""
    body = dict(body or {})
    if "version" not in body and "If-Match" not in headers:
        body["version"] = RegionSubmission.objects.values_list("version", flat=True).get(pk=sub.pk)
    url = reverse(f"api:region-submission-{name}", kwargs={"pk": sub.pk})
    return client.post(url, body, content_type="application/json", headers=headers)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def klaten_ready() -> RegionSubmission:
    """Klaten with every report filled and verified: ready to go to the province."""
    return f.verified_region(region("33.10"), f.period(2027, 1))


def snapshot(sub: RegionSubmission) -> tuple:
    sub.refresh_from_db()
    return (sub.status, sub.version, sub.return_reason, sub.events.count())


# ---------------------------------------------------------------- reading


def test_list_and_detail_follow_the_scoping_layer(klaten_ready):
    f.open_region(region("33"), klaten_ready.period)
    f.open_region(region("35.21"), klaten_ready.period)
    listing = reverse("api:region-submission-list")

    def codes(user: str) -> set[str]:
        body = api(user).get(listing, {"year": 2027, "quarter": 1, "page_size": 500}).json()
        return {row["region"] for row in body["results"]}

    assert codes("klaten.tapem") == {"33.10"}
    assert codes("jateng.biro") == {"33", "33.10"}
    assert codes("ngawi.tapem") == {"35.21"}
    assert {"33", "33.10", "35.21"} <= codes("bangda.admin")
    detail = reverse("api:region-submission-detail", kwargs={"pk": klaten_ready.pk})
    ok = api("klaten.tapem").get(detail)
    assert ok.status_code == 200 and ok["ETag"] == f'"{klaten_ready.version}"'
    body = ok.json()
    assert (body["region"], body["level"], body["status"]) == ("33.10", "kabupaten", "in_progress")
    assert body["actions"] == ["submit"]
    assert api("jateng.biro").get(detail).json()["actions"] == ["reopen"]
    assert api("ngawi.tapem").get(detail).status_code == 404
    assert api("jatim.biro").get(detail).status_code == 404
    bad = api("bangda.admin").get(listing, {"status": "maybe", "level": "planet"})
    assert bad.status_code == 400 and {"status", "level"} <= set(bad.json()["errors"])


# ---------------------------------------------------------------- the chain, with its audit


def test_kabupaten_submits_province_returns_with_reason_then_accepts(klaten_ready):
    sub = klaten_ready
    submitted = step(sub, "submit", api("klaten.tapem"), {"version": sub.version})
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    sub.refresh_from_db()
    assert body["already_done"] is False and body["submission"]["status"] == "submitted"
    assert submitted["ETag"] == f'"{sub.version}"'
    assert sub.status == RegionSubmission.Status.SUBMITTED
    assert sub.submitted_by.username == "klaten.tapem" and sub.submitted_at is not None
    event = WorkflowEvent.objects.filter(submission=sub).latest("id")
    assert (event.action, event.from_status, event.to_status, event.actor.username) == (
        "submit_region",
        "in_progress",
        "submitted",
        "klaten.tapem",
    )
    assert event.snapshot["reports"]
    assert sub.history.first().history_user.username == "klaten.tapem"

    province = api("jateng.biro")
    missing = step(sub, "return", province, {"reason": "  "})
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    returned = step(sub, "return", province, {"reason": "Rekap anggaran belum lengkap."})
    assert returned.status_code == 200
    sub.refresh_from_db()
    assert sub.status == RegionSubmission.Status.RETURNED
    assert sub.return_reason == "Rekap anggaran belum lengkap."
    assert sub.decided_by.username == "jateng.biro"
    event = WorkflowEvent.objects.filter(submission=sub).latest("id")
    assert (event.action, event.reason, event.actor.username) == (
        "return_region",
        "Rekap anggaran belum lengkap.",
        "jateng.biro",
    )

    assert step(sub, "submit", api("klaten.tapem")).status_code == 200
    accepted = step(sub, "accept", province)
    assert accepted.status_code == 200
    sub.refresh_from_db()
    assert sub.status == RegionSubmission.Status.ACCEPTED
    actions = list(sub.events.order_by("id").values_list("action", flat=True))
    assert actions == ["submit_region", "return_region", "submit_region", "accept"]


def test_province_goes_to_bangda_and_reopen_needs_reason_and_due_date(klaten_ready):
    jateng = f.verified_region(region("33"), klaten_ready.period)
    assert step(jateng, "submit", api("jateng.biro")).status_code == 200
    assert step(jateng, "accept", api("jateng.biro")).status_code == 403  # not its own
    assert step(jateng, "accept", api("bangda.admin")).status_code == 200
    jateng.refresh_from_db()
    assert jateng.status == RegionSubmission.Status.ACCEPTED
    bangda = api("bangda.admin")
    no_date = step(jateng, "reopen", bangda, {"reason": "Koreksi data"})
    assert no_date.status_code == 400 and "due_date" in no_date.json()["errors"]
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    old = step(jateng, "reopen", bangda, {"reason": "Koreksi data", "due_date": past})
    assert old.status_code == 400 and "due_date" in old.json()["errors"]
    bad = step(jateng, "reopen", bangda, {"reason": "Koreksi", "due_date": "31-12-2099"})
    assert bad.status_code == 400 and "due_date" in bad.json()["errors"]
    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    reopened = step(jateng, "reopen", bangda, {"reason": "Koreksi data", "due_date": due})
    assert reopened.status_code == 200
    jateng.refresh_from_db()
    assert jateng.status == RegionSubmission.Status.IN_PROGRESS
    assert jateng.due_date.isoformat() == due
    assert reopened.json()["submission"]["effective_due_date"] == due


# ---------------------------------------------------------------- who may act


def test_only_the_tables_actor_may_act_others_403_or_404(klaten_ready):
    sub = klaten_ready
    before = snapshot(sub)
    assert step(sub, "submit", api("klaten.dinkes")).status_code == 403
    assert step(sub, "submit", api("jateng.biro")).status_code == 403
    assert step(sub, "submit", api("klaten.inspektorat")).status_code == 403
    denied = step(sub, "submit", api("kemenkes.viewer"))
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    assert step(sub, "submit", api("ngawi.tapem")).status_code == 404
    assert step(sub, "submit", api("jatim.biro")).status_code == 404
    assert snapshot(sub) == before
    f.set_status(sub, RegionSubmission.Status.SUBMITTED)
    before = snapshot(sub)
    assert step(sub, "accept", api("klaten.tapem")).status_code == 403  # its own submission
    assert step(sub, "accept", api("bangda.admin")).status_code == 403  # kab/kota: the province's
    assert step(sub, "return", api("serang.tapem"), {"reason": "x"}).status_code == 404
    assert snapshot(sub) == before


# ---------------------------------------------------------------- refusals and conflicts


def test_unverified_reports_are_a_409_listing_what_is_missing():
    sub = f.verified_region(region("33.10"), f.period(2027, 1), except_codes=("K-KES-01",))
    before = snapshot(sub)
    response = step(sub, "submit", api("klaten.tapem"))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "refused" and body["current"]["status"] == "in_progress"
    assert any("K-KES-01" in p for p in body["current"]["problems"])
    assert snapshot(sub) == before
    # The page refuses it the same way.
    page = Client()
    page.force_login(User.objects.get(username="klaten.tapem"))
    refused = page.post(
        reverse(
            "reporting:submission_transition", kwargs={"pk": sub.pk, "action": "submit_region"}
        ),
        {"status": sub.status, "version": sub.version},
    )
    assert "K-KES-01" in refused.content.decode()
    assert snapshot(sub) == before


def test_stale_version_409_if_match_412_and_a_repeat_is_already_done(klaten_ready):
    sub = klaten_ready
    seen = sub.version
    first = step(sub, "submit", api("klaten.tapem"), {"version": seen})
    assert first.status_code == 200
    again = step(sub, "submit", api("klaten.tapem"), {"version": seen})
    assert again.status_code == 200 and again.json()["already_done"] is True
    assert sub.events.filter(action="submit_region").count() == 1
    province = api("jateng.biro")
    stale = step(sub, "accept", province, {"version": seen})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale" and stale.json()["current"]["version"] == seen + 1
    pre = step(sub, "accept", province, **{"If-Match": f'"{seen}"'})
    assert pre.status_code == 412 and pre.json()["code"] == "precondition_failed"
    garbled = step(sub, "accept", province, **{"If-Match": "soon"})
    assert garbled.status_code == 400 and "If-Match" in garbled.json()["errors"]
    sub.refresh_from_db()
    assert sub.status == RegionSubmission.Status.SUBMITTED
    ok = step(sub, "accept", province, **{"If-Match": f'"{sub.version}"'})
    assert ok.status_code == 200 and ok.json()["submission"]["status"] == "accepted"


def test_api_and_page_write_the_same_event(klaten_ready):
    ngawi = f.verified_region(region("35.21"), klaten_ready.period)
    assert step(klaten_ready, "submit", api("klaten.tapem")).status_code == 200
    page = Client()
    page.force_login(User.objects.get(username="ngawi.tapem"))
    page.post(
        reverse(
            "reporting:submission_transition",
            kwargs={"pk": ngawi.pk, "action": "submit_region"},
        ),
        {"status": ngawi.status, "version": ngawi.version},
    )
    rows = [
        WorkflowEvent.objects.filter(submission=s)
        .values("action", "from_status", "to_status")
        .get()
        for s in (klaten_ready, ngawi)
    ]
    assert rows[0] == rows[1]
    assert Report.objects.filter(region__code="33.10", period=klaten_ready.period).exists()
