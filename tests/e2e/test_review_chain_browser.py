"""The review chain in a real browser, across four logins:
klaten.dinkes submits, klaten.tapem returns with a reason, klaten.dinkes fixes and resubmits,
klaten.tapem verifies and submits the region, jateng.biro accepts and submits the province,
bangda.admin accepts."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from regions.models import Region
from reporting.models import RegionSubmission, Report
from tests import factories_review as f
from tests import factories_targets as targets
from tests.conftest import ensure_seeded

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; only for this test, never
    # process-wide (the deploy checks refuse the variable).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _page_as(browser, live_server, username):
    context = browser.new_context(locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(15000)
    # Submitting and accepting a region ask first (data-confirm): this user says yes.
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/akun/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    with page.expect_navigation():
        page.click(".login-box button[type=submit]")
    assert page.url == f"{live_server.url}/", page.content()[:2000]
    return page


def _act(page, action, reason=""):
    form = page.locator(f"form.workflow-action:has(button[data-action='{action}'])")
    if reason:
        form.locator("textarea[name=reason]").fill(reason)
    with page.expect_navigation():
        form.locator(f"button[data-action='{action}']").click()


@pytest.mark.django_db(transaction=True)
def test_review_chain_across_logins(live_server, browser, celery_eager):
    # The bell is filled by a Celery task after each step: inline here (no worker runs).
    ensure_seeded()
    p = f.period(2027, 1)
    klaten, jateng = Region.objects.get(code="33.10"), Region.objects.get(code="33")
    klaten_sub = f.verified_region(klaten, p)
    jateng_sub = f.verified_region(jateng, p)
    targets.verified_targets(klaten, p.year)  # verify needs the year's verified target
    report = Report.objects.get(region=klaten, period=p, service_type__code="K-KES-01")
    f.set_status(report, Report.Status.DRAFT)
    review_url = f"{live_server.url}/laporan/{report.pk}/tinjau/"
    reason = "Jumlah penerima tidak sesuai data Puskesmas"

    # klaten.dinkes submits
    page = _page_as(browser, live_server, "klaten.dinkes")
    page.goto(review_url)
    _act(page, "submit")
    assert page.locator(".workflow-bar [data-status]").get_attribute("data-status") == "submitted"
    page.context.close()

    # klaten.tapem sees it in the inbox and returns it with a reason
    page = _page_as(browser, live_server, "klaten.tapem")
    page.goto(f"{live_server.url}/laporan/verifikasi/")
    with page.expect_navigation():
        page.click(f"a[href='/laporan/{report.pk}/tinjau/']")
    _act(page, "return", reason)
    assert page.locator(".return-reason").inner_text().find(reason) >= 0
    page.context.close()

    # klaten.dinkes sees the reason (bell + page), fixes and resubmits
    page = _page_as(browser, live_server, "klaten.dinkes")
    assert page.locator("#bell .bell-count").inner_text().strip() != ""
    page.goto(review_url)
    assert reason in page.locator(".return-reason").inner_text()
    Report.objects.filter(pk=report.pk).update(recipients_served=97)  # the fix (data entry's form)
    page.reload()
    _act(page, "submit")
    assert page.locator(".workflow-bar [data-status]").get_attribute("data-status") == "submitted"
    page.context.close()

    # klaten.tapem sees what changed, verifies, and submits the region
    page = _page_as(browser, live_server, "klaten.tapem")
    page.goto(review_url)
    assert "97" in page.locator("#changes").inner_text()
    _act(page, "verify")
    page.goto(f"{live_server.url}/laporan/pengajuan/{klaten_sub.pk}/")
    _act(page, "submit_region")
    assert page.locator(".workflow-bar [data-status]").get_attribute("data-status") == "submitted"
    page.context.close()

    # jateng.biro accepts Klaten and submits the province with its recap
    page = _page_as(browser, live_server, "jateng.biro")
    page.goto(f"{live_server.url}/laporan/pengajuan/")
    with page.expect_navigation():
        page.click(f"a[href='/laporan/pengajuan/{klaten_sub.pk}/'] >> nth=0")
    _act(page, "accept")
    page.goto(f"{live_server.url}/laporan/pengajuan/{jateng_sub.pk}/")
    _act(page, "submit_region")
    assert page.locator(".workflow-bar [data-status]").get_attribute("data-status") == "submitted"
    page.context.close()

    # bangda.admin accepts the province
    page = _page_as(browser, live_server, "bangda.admin")
    page.goto(f"{live_server.url}/laporan/pengajuan/{jateng_sub.pk}/")
    _act(page, "accept")
    assert page.locator(".workflow-bar [data-status]").get_attribute("data-status") == "accepted"
    assert "Diterima" in page.locator("#timeline").inner_text()
    page.context.close()

    assert RegionSubmission.objects.get(pk=klaten_sub.pk).status == "accepted"
    assert RegionSubmission.objects.get(pk=jateng_sub.pk).status == "accepted"
    assert Report.objects.get(pk=report.pk).status == "verified"
