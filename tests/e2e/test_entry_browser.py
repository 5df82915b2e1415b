"""The report form in a real browser: klaten.dinkes logs in through the login form, fills a
report section by section (HTMX autosave), attaches a PDF, sees the capaian panel update,
reloads and finds everything saved."""

from __future__ import annotations

import os
import re

import pytest
from django.conf import settings

from reporting.demo import DEMO_DOCUMENT
from reporting.entry import selectors
from reporting.models import BudgetLine, Evidence, Report, ReportStage
from tests.conftest import ensure_seeded
from tests.factories_reporting import PDF_BYTES

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
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
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _login(page, live_server, username="klaten.dinkes"):
    page.goto(f"{live_server.url}/akun/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    with page.expect_navigation():
        page.click(".login-box button[type=submit]")


def _saved(page, section):
    page.wait_for_selector(f"#status-{section} .saved-note")


def test_operator_fills_a_report_in_the_browser(transactional_db, live_server, browser):
    ensure_seeded()
    report = Report.objects.get(
        region__code="33.10", period__year=2026, period__quarter=3, service_type__code="K-KES-08"
    )
    assert report.entered_at is None
    evidence_before = Evidence.objects.count()

    page = browser.new_context(locale="id-ID").new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(page, live_server)
    # The home panel lists the agency's reports; open the empty one.
    with page.expect_navigation():
        page.click("a:has-text('K-KES-08')")
    assert page.url.endswith(f"/laporan/{report.pk}/")
    assert "Belum diisi" in page.inner_text("#capaian-panel")

    # 1. Recipients (Indonesian thousands separator), autosaved on change.
    page.fill("#id_recipients_served", "1.500")
    page.press("#id_recipients_served", "Tab")
    _saved(page, "recipients")
    # Quality items still unanswered: the report has no index yet, and says why (never 0).
    panel = page.inner_text("#capaian-panel")
    assert "Belum lengkap" in panel and "butir mutu belum dijawab" in panel

    # 2. Quality: every realised quantity well above the minimum (capped at 100%).
    for field in page.locator("#sec-quality input[name^=q_]").all():
        field.fill("100.000")
    for select in page.locator("#sec-quality select[name^=m_]").all():
        select.select_option("1")
    page.click("#sec-quality button[type=submit]")
    _saved(page, "quality")
    first_index = page.inner_text("[data-testid=capaian-index]")
    assert re.match(r"^\d+,\d\d$", first_index)
    assert "Mutu" in page.inner_text("#capaian-panel")

    # 3. A stage.
    page.select_option("#id_status_1", "done")
    page.fill("#id_note_1", "Data sasaran dari Puskesmas")
    page.click("#sec-stages button[type=submit]")
    _saved(page, "stages")

    # 4. A budget line, typed the Indonesian way.
    page.click("#sec-budget summary")
    page.fill("#id_new-activity_code", "1.02.02.2.02")
    page.fill("#id_new-activity_name", "Penyediaan Layanan Kesehatan untuk UKM dan UKP")
    page.fill("#id_new-allocated", "2.500.000")
    page.fill("#id_new-realised", "1.000.000")
    page.click("#sec-budget .budget-add button[type=submit]")
    page.wait_for_selector("#sec-budget .budget-line")
    assert "Rp2.500.000" in page.inner_text("#budget-totals")

    # 5. Problems and solutions.
    page.fill("#id_problems", "Skrining hipertensi belum merata")
    page.fill("#id_solutions", "Posbindu di setiap desa")
    page.click("#sec-problems button[type=submit]")
    _saved(page, "problems")

    # 6. Evidence: a PDF.
    page.set_input_files(
        "#id_file",
        files=[{"name": "skrining.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}],
    )
    page.click("#sec-evidence button[type=submit]")
    page.wait_for_selector("#sec-evidence a:has-text('skrining.pdf')")

    # Reload: everything is there.
    index_shown = page.inner_text("[data-testid=capaian-index]")
    page.reload()
    assert page.input_value("#id_recipients_served") == "1.500"
    assert page.input_value("#id_status_1") == "done"
    assert page.input_value("#id_problems") == "Skrining hipertensi belum merata"
    assert "skrining.pdf" in page.inner_text("#sec-evidence")
    assert page.inner_text("[data-testid=capaian-index]") == index_shown

    report.refresh_from_db()
    assert report.recipients_served == 1500
    assert report.entered_at is not None
    assert report.capaian_index == selectors.capaian_of(report).index.quantize(report.capaian_index)
    assert ReportStage.objects.get(report=report, stage=1).status == "done"
    assert BudgetLine.objects.get(report=report).allocated == 2_500_000
    assert Evidence.objects.count() == evidence_before + 1
    assert not [e for e in errors if "Content Security Policy" in e], errors
    for ev in Evidence.objects.filter(report=report).exclude(file=DEMO_DOCUMENT):
        ev.file.storage.delete(ev.file.name)

    # Phase 2 (same session DB, no second re-seed): nothing typed is lost.
    other = Report.objects.get(
        region__code="33.10", period__year=2026, period__quarter=3, service_type__code="K-KES-02"
    )
    url = f"{live_server.url}/laporan/{other.pk}/"
    page.goto(url)
    # Typed but never sent (no blur, tab closed/reloaded): restored from the browser.
    page.fill("#id_problems", "Draf yang belum terkirim")
    page.reload()
    page.wait_for_selector("#sec-problems .draft-note")
    assert page.input_value("#id_problems") == "Draf yang belum terkirim"
    page.click("#sec-problems button[type=submit]")
    _saved(page, "problems")
    assert Report.objects.get(pk=other.pk).problems == "Draf yang belum terkirim"

    # A colleague saves the same report in another browser; our stale save is refused.
    colleague = browser.new_context(locale="id-ID").new_page()
    colleague.set_default_timeout(15000)
    _login(colleague, live_server)
    colleague.goto(url)
    colleague.fill("#id_recipients_served", "777")
    colleague.click("#sec-recipients button[type=submit]")
    _saved(colleague, "recipients")
    page.fill("#id_recipients_served", "888")
    page.click("#sec-recipients button[type=submit]")
    page.wait_for_selector("#sec-recipients .conflict")
    conflict = page.inner_text("#sec-recipients .conflict")
    assert "Isian Anda belum disimpan" in conflict and "777" in conflict and "888" in conflict
    assert page.input_value("#id_recipients_served") == "888"
    assert Report.objects.get(pk=other.pk).recipients_served == 777
    page.click("#sec-recipients button[type=submit]")  # deliberate second save
    _saved(page, "recipients")
    assert Report.objects.get(pk=other.pk).recipients_served == 888
