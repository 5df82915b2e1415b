"""The verifier's workspace in a real browser (issue #17): the next step is said with its
button when every report is verified, and bulk verify lists reports of a frozen region apart
with the reason before it acts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from regions.models import Region
from reporting.models import RegionSubmission, Report
from tests import factories_review as f
from tests.conftest import ensure_seeded
from tests.e2e.test_entry_browser import browser  # noqa: F401  (fixture)
from tests.e2e.test_review_chain_browser import _page_as

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_next_step_is_said_with_its_button(transactional_db, live_server, browser):  # noqa: F811
    ensure_seeded()
    klaten = Region.objects.get(code="33.10")
    sub = f.verified_region(klaten, f.period(2027, 2))
    assert sub.status == RegionSubmission.Status.IN_PROGRESS
    page = _page_as(browser, live_server, "klaten.tapem")
    page.goto(f"{live_server.url}{reverse('reporting:review_inbox')}")
    prompt = page.locator("[data-testid=next-step]").first
    assert "Semua laporan terverifikasi — ajukan laporan wilayah" in prompt.inner_text()
    button = page.locator("button[data-action=submit_region]").first
    assert button.is_visible() and button.is_enabled()
    # The region-submission page says the same, with the same button.
    page.goto(f"{live_server.url}{reverse('reporting:submission_detail', args=[sub.pk])}")
    assert "Semua laporan terverifikasi" in page.inner_text("[data-testid=next-step]")
    with page.expect_navigation():
        page.click("button[data-action=submit_region]")  # asks first; the user says yes
    sub.refresh_from_db()
    assert sub.status == RegionSubmission.Status.SUBMITTED


def test_bulk_verify_lists_a_frozen_regions_reports_apart(
    transactional_db,
    live_server,
    browser,  # noqa: F811
):
    ensure_seeded()
    sub = RegionSubmission.objects.get(region__code="33.10", period__year=2026, period__quarter=3)
    submitted = list(
        Report.objects.filter(region=sub.region, period=sub.period, status="submitted")
    )
    assert submitted
    f.set_status(sub, RegionSubmission.Status.SUBMITTED)  # with the province: frozen
    page = _page_as(browser, live_server, "klaten.tapem")
    page.goto(f"{live_server.url}{reverse('reporting:review_inbox')}")
    with page.expect_navigation():
        page.click("text=Periksa semua dan verifikasi yang lolos")
    text = page.inner_text("main")
    assert "lolos semua pemeriksaan" not in text
    blocked = text[text.index("Tidak ikut diverifikasi") :]
    assert "sedang ditinjau tingkat di atasnya" in blocked
    for report in submitted:
        assert report.service_type.code in blocked
    assert not Report.objects.filter(pk__in=[r.pk for r in submitted], status="verified").exists()
