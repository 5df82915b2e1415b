"""The verifier's workspace (issue #17, part 3): bulk verify tells the truth before it acts,
the next step is always said, the province reviewer is warned about kab/kota that have not
submitted, and "changes since return" formats numbers the Indonesian way."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from regions.models import Region
from reporting import workflow
from reporting.entry import services
from reporting.models import RegionSubmission, Report
from tests import factories_review as f
from tests.factories_reporting import demo_report, tw3

pytestmark = pytest.mark.django_db


def _klaten_tw3_submission() -> RegionSubmission:
    return RegionSubmission.objects.get(region__code="33.10", period=tw3())


def test_bulk_verify_lists_frozen_reports_apart_with_the_reason(login):
    submitted = list(
        Report.objects.filter(region__code="33.10", period=tw3(), status=Report.Status.SUBMITTED)
    )
    assert submitted, "the demo has submitted Klaten reports in TW III"
    f.set_status(_klaten_tw3_submission(), RegionSubmission.Status.SUBMITTED)  # with the province
    client = login("klaten.tapem")
    url = reverse("reporting:review_bulk_verify")
    response = client.get(url, {"ids": [r.pk for r in submitted]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "lolos semua pemeriksaan" not in html  # nothing passes while the region is frozen
    blocked = html[html.index("Tidak ikut diverifikasi") :]
    for report in submitted:
        assert report.service_type.code in blocked
    assert "sedang ditinjau tingkat di atasnya" in blocked
    # Confirming anyway verifies nothing and says why, never a bare "lengkapi dulu:".
    done = client.post(url, {"ids": [r.pk for r in submitted], "confirm": "1"}, follow=True)
    assert done.status_code == 200
    assert not Report.objects.filter(pk__in=[r.pk for r in submitted], status="verified").exists()


def test_every_report_verified_says_the_next_step_with_the_button(login):
    klaten = Region.objects.get(code="33.10")
    period = f.period(2027, 2)
    sub = f.verified_region(klaten, period)
    assert sub.status == RegionSubmission.Status.IN_PROGRESS
    client = login("klaten.tapem")
    prompt = "Semua laporan terverifikasi — ajukan laporan wilayah"
    inbox = client.get(reverse("reporting:review_inbox"))
    assert inbox.status_code == 200
    html = inbox.content.decode()
    assert prompt in html
    button = re.search(r'<button[^>]*data-action="submit_region"[^>]*>', html)
    assert button and "data-confirm=" in button.group(0) and "disabled" not in button.group(0)
    page = client.get(reverse("reporting:submission_detail", kwargs={"pk": sub.pk}))
    assert page.status_code == 200
    assert prompt in page.content.decode()
    # TW III still has unverified reports: no prompt for it.
    tw3_page = client.get(
        reverse("reporting:submission_detail", kwargs={"pk": _klaten_tw3_submission().pk})
    )
    assert tw3_page.status_code == 200 and prompt not in tw3_page.content.decode()


def test_province_reviewer_is_warned_about_kabkota_not_submitted(login):
    province = RegionSubmission.objects.get(region__code="33", period=tw3())
    not_submitted = RegionSubmission.objects.filter(
        period=tw3(), region__province_code="33", region__level__in=("kabupaten", "kota")
    ).exclude(status__in=("submitted", "accepted"))
    names = sorted(s.region.name for s in not_submitted)
    assert "Kabupaten Klaten" in names  # Klaten's TW III is still in progress in the demo
    response = login("jateng.biro").get(
        reverse("reporting:submission_detail", kwargs={"pk": province.pk})
    )
    assert response.status_code == 200
    html = response.content.decode()
    box = html[html.index('data-testid="kabkota-not-submitted"') :]
    box = box[: box.index("</section>")]
    total = RegionSubmission.objects.filter(
        period=tw3(), region__province_code="33", region__level__in=("kabupaten", "kota")
    ).count()
    assert f"{len(names)} dari {total} kabupaten/kota belum mengajukan" in box
    for name in names:
        assert name in box
    assert "belum ada data" not in box  # Klaten has entered data
    # A kab/kota that has entered nothing at all is named as such.
    Report.objects.filter(region__code="33.10", period=tw3()).update(entered_at=None)
    html = (
        login("jateng.biro")
        .get(reverse("reporting:submission_detail", kwargs={"pk": province.pk}))
        .content.decode()
    )
    box = html[html.index('data-testid="kabkota-not-submitted"') :]
    box = box[: box.index("</section>")]
    assert "1 di antaranya belum mengisi data sama sekali" in box
    assert "(belum ada data)" in box


def test_changes_since_return_format_numbers(login, cast):
    report = demo_report(code="K-KES-04")
    assert report.status == Report.Status.RETURNED
    services.save_fields(
        report.pk,
        cast["klaten.dinkes"],
        {"recipients_served": 264250},
        {"recipients_served": report.recipients_served},
    )
    response = login("klaten.tapem").get(
        reverse("reporting:report_review", kwargs={"pk": report.pk})
    )
    assert response.status_code == 200
    html = response.content.decode()
    changes = html[html.index('id="changes"') :]
    assert "264.250" in changes and "264250" not in changes


def test_resubmitting_without_changes_asks_first(login, cast):
    report = demo_report(code="K-KES-03")  # submitted and complete in the demo
    workflow.transition(report, "return", cast["klaten.tapem"], reason="Periksa rincian.")
    client = login("klaten.dinkes")
    url = reverse("reporting:report_detail", kwargs={"pk": report.pk})
    response = client.get(url)
    assert response.status_code == 200
    button = re.search(r'<button[^>]*data-action="submit"[^>]*>', response.content.decode())
    assert button and "disabled" not in button.group(0)
    assert "Belum ada perubahan sejak laporan dikembalikan" in button.group(0)
    # After a change the step fires without asking.
    services.save_fields(
        report.pk,
        cast["klaten.dinkes"],
        {"problems": "Rincian diperbaiki."},
        {"problems": report.problems},
    )
    again = client.get(url)
    assert again.status_code == 200
    button = re.search(r'<button[^>]*data-action="submit"[^>]*>', again.content.decode())
    assert button and "data-confirm" not in button.group(0)


def test_forwarding_confirmation_counts_kabkota_of_their_total(db):
    from reporting.templatetags.review_tags import _confirm

    province = RegionSubmission.objects.get(region__code="33", period=tw3())
    subs = RegionSubmission.objects.filter(
        period=tw3(), region__province_code="33", region__level__in=("kabupaten", "kota")
    )
    missing = subs.exclude(status__in=("submitted", "accepted")).count()
    text = _confirm("submit_region", province)
    assert f"{missing} dari {subs.count()} kabupaten/kota belum mengajukan laporan" in text
    assert "0 belum mengisi data sama sekali" in text  # Klaten has entered data
