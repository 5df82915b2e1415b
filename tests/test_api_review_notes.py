"""Section notes and a return's sections through the API: the same rules as the review page
(`review_services.save_note`, `workflow.transition`), read back on the report and its timeline.

Klaten's K-KES-03 of the demo's TW III is submitted (with klaten.tapem).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from regions.models import User
from reporting.models import Report, ReviewNote
from tests import factories_review as f
from tests.factories_reporting import demo_report

pytestmark = pytest.mark.django_db


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def _notes_url(report: Report) -> str:
    return reverse("api:report-review-notes", kwargs={"pk": report.pk})


def _post(client: Client, report: Report, body: dict):
    """A note as the client read it before (`base`: the section's note then, here none)."""
    return client.post(_notes_url(report), {"base": "", **body}, content_type="application/json")


def test_verifier_sets_a_note_and_the_report_carries_it():
    report = demo_report(code="K-KES-03")
    assert report.status == Report.Status.SUBMITTED
    response = _post(api("klaten.tapem"), report, {"section": "budget", "text": "Pagu 0?"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["section"] == "budget" and body["section_label"] == "Anggaran"
    assert body["text"] == "Pagu 0?" and body["author"] == "klaten.tapem"
    detail = api("klaten.dinkes").get(reverse("api:report-detail", kwargs={"pk": report.pk}))
    assert detail.status_code == 200
    assert [(n["section"], n["text"]) for n in detail.json()["review_notes"]] == [
        ("budget", "Pagu 0?")
    ]
    # A blank text removes it (the note read: the one just set).
    removed = _post(
        api("klaten.tapem"), report, {"section": "budget", "text": "", "base": "Pagu 0?"}
    )
    assert removed.status_code == 204
    assert not ReviewNote.objects.filter(report=report).exists()


def test_notes_refused_as_on_the_page():
    report = demo_report(code="K-KES-03")
    body = {"section": "quality", "text": "x"}
    assert _post(api("klaten.dinkes"), report, body).status_code == 403
    assert _post(api("ngawi.tapem"), report, body).status_code == 404
    bad = _post(api("klaten.tapem"), report, {"section": "anggaran", "text": "x"})
    assert bad.status_code == 400 and "section" in bad.json()["errors"]
    long = _post(api("klaten.tapem"), report, {"section": "quality", "text": "x" * 3001})
    assert long.status_code == 400 and "text" in long.json()["errors"]
    f.set_status(report, Report.Status.VERIFIED)
    late = _post(api("klaten.tapem"), report, body)
    assert late.status_code == 409
    assert not ReviewNote.objects.filter(report=report).exists()


def test_return_with_sections_shows_on_the_timeline():
    report = demo_report(code="K-KES-03")
    client = api("klaten.tapem")
    response = client.post(
        reverse("api:report-return", kwargs={"pk": report.pk}),
        {
            "reason": "Periksa anggaran.",
            "sections": ["budget", "quality"],
            "version": report.version,
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["report"]["status"] == "returned"
    timeline = client.get(reverse("api:report-timeline", kwargs={"pk": report.pk})).json()
    assert timeline[-1]["action"] == "return"
    assert timeline[-1]["sections"] == ["quality", "budget"]
    assert all(e["sections"] == [] for e in timeline[:-1])


def test_sections_only_on_a_return():
    report = demo_report(code="K-KES-03")
    client = api("klaten.tapem")
    unknown = client.post(
        reverse("api:report-return", kwargs={"pk": report.pk}),
        {"reason": "x", "sections": ["anggaran"]},
        content_type="application/json",
    )
    assert unknown.status_code == 400
    verify = client.post(
        reverse("api:report-verify", kwargs={"pk": report.pk}),
        {"sections": ["budget"], "target_exception_reason": "uji", "version": report.version},
        content_type="application/json",
    )
    assert verify.status_code == 400 and "sections" in verify.json()["errors"]
    assert Report.objects.get(pk=report.pk).status == Report.Status.SUBMITTED
