"""Data-quality flags in a real browser (issue #16): an operator enters a cumulative value
below last quarter's, sees the warning beside the field at once, explains it and submits; the
verifier sees the flag and the explanation in the inbox and on the review page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reporting.models import Report, ReportCheck
from tests.conftest import ensure_seeded
from tests.e2e.test_entry_browser import _login, _saved, browser  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

EXPLANATION = "Koreksi: TW II terhitung ganda di dua Puskesmas; angka TW III sudah dibersihkan."


def test_decreasing_cumulative_is_flagged_explained_and_seen_by_the_verifier(
    transactional_db,
    live_server,
    browser,  # noqa: F811
):
    ensure_seeded()
    report = Report.objects.get(
        region__code="33.10", period__year=2026, period__quarter=3, service_type__code="K-KES-01"
    )
    assert report.status == Report.Status.DRAFT
    previous = Report.objects.get(
        region=report.region, period__year=2026, period__quarter=2, service_type__code="K-KES-01"
    )
    assert previous.recipients_served == 9840  # what TW II said, by hand from the demo

    page = browser.new_context(locale="id-ID").new_page()
    page.set_default_timeout(15000)
    _login(page, live_server)
    page.goto(f"{live_server.url}/laporan/{report.pk}/")
    submit = "#workflow-bar button[data-action=submit]"
    assert page.locator("#checks-recipients [data-rule=CUM-TURUN]").count() == 0

    page.fill("#id_breakdown", "Laki-laki: 4.500\nPerempuan: 4.500")
    page.fill("#id_recipients_served", "9.000")
    page.press("#id_recipients_served", "Tab")
    _saved(page, "recipients")
    flag = page.locator("#checks-recipients [data-rule=CUM-TURUN]")
    flag.wait_for()
    text = flag.inner_text()
    assert "9.840" in text and "9.000" in text
    # Not submittable while the warning has no explanation; the bar says why.
    assert page.is_disabled(submit)
    assert "CUM-TURUN" in page.inner_text("#workflow-bar")

    flag.locator("textarea[name=explanation]").fill(EXPLANATION)
    flag.locator("button[type=submit]").click()
    page.wait_for_selector("#checks-recipients [data-testid=explanation-CUM-TURUN]")
    page.wait_for_selector(f"{submit}:not([disabled])")
    with page.expect_navigation():
        page.click(submit)
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    check = ReportCheck.objects.get(report=report, rule__code="CUM-TURUN")
    assert check.explanation == EXPLANATION and check.explained_by.username == "klaten.dinkes"

    verifier = browser.new_context(locale="id-ID").new_page()
    verifier.set_default_timeout(15000)
    _login(verifier, live_server, "klaten.tapem")
    verifier.goto(f"{live_server.url}{reverse('reporting:review_inbox')}")
    cell = verifier.inner_text(f"[data-testid=flags-{report.pk}]")
    assert "1 peringatan" in cell and "dijelaskan" in cell
    verifier.goto(f"{live_server.url}{reverse('reporting:report_review', args=[report.pk])}")
    seen = verifier.inner_text("#quality-checks [data-rule=CUM-TURUN]")
    assert "9.840" in seen and EXPLANATION in seen
