"""The verifier's workspace in a real browser: klaten.tapem opens a submitted report and reads
every section in Indonesian number format with its image and PDF shown inline, leaves a note
on one section and returns the report pointing at two others; klaten.dinkes sees the note and
the reason beside those sections of the form. Both pages pass axe (WCAG 2.1 AA) and fit a
360 px phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages

from reporting.models import Report, ReviewNote, WorkflowEvent
from tests import factories_workspace as w
from tests.conftest import ensure_seeded

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SECTIONS = ("recipients", "quality", "stages", "budget", "problems", "evidence")

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; only for this test.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def private_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    storages._storages.pop("private", None)
    yield
    storages._storages.pop("private", None)


def _page_as(browser, live_server, username, **context):
    page = browser.new_context(locale="id-ID", **context).new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/akun/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    with page.expect_navigation():
        page.click(".login-box button[type=submit]")
    assert page.url == f"{live_server.url}/", page.content()[:2000]
    return page


def _axe_and_phone(page, url) -> list[str]:
    """WCAG 2.1 AA violations of the page, and whether it scrolls sideways at 360 px."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        TAGS,
    )
    problems = [
        f"{v['id']}: {v['nodes'][0]['target']} {v['nodes'][0]['failureSummary'][:120]}"
        for v in result["violations"]
    ]
    page.set_viewport_size({"width": 360, "height": 780})
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 360:
        problems.append(f"{width} px wide at 360 px")
    return problems


@pytest.mark.django_db(transaction=True)
def test_verifier_reviews_the_whole_report_and_points_the_operator(
    live_server, browser, private_tmp
):
    ensure_seeded()
    report = w.full_report()
    review_url = f"{live_server.url}/laporan/{report.pk}/tinjau/"
    form_url = f"{live_server.url}/laporan/{report.pk}/"
    note = "Realisasi 744,12 dosis belum sesuai rekap kohort."
    reason = "Rincian penerima dan bukti kohort belum sesuai."

    # klaten.tapem reads every section, numbers the Indonesian way.
    page = _page_as(browser, live_server, "klaten.tapem")
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.goto(review_url)
    for key in SECTIONS:
        assert page.locator(f"#sec-{key} h2").is_visible(), key
    assert page.inner_text("[data-testid=recipients-served]").strip() == "264.250"
    assert page.inner_text("[data-testid=recipients-target]").strip() == "300.000"
    assert page.inner_text("[data-testid=summary-served]").strip() == "264.250"
    breakdown = page.inner_text("[data-testid=breakdown]")
    assert "130.125" in breakdown and "134.125" in breakdown
    first = w.quality_rows(report)[0].quality_item.code
    row = page.inner_text(f"#sec-quality tr[data-quality='{first}']")
    assert "1.706" in row and "744,12" in row and "43,62%" in row
    total = page.inner_text("[data-testid=budget-total]")
    assert "Rp1.500.000" in total and "Rp1.250.000" in total and "83,33" in total
    assert w.PROBLEMS in page.inner_text("#sec-problems")
    assert "berita-acara.pdf" in page.inner_text("#sec-stages li[data-stage='1']")

    # The image is shown, the PDF is framed, both from the checked preview view.
    image = page.locator("#sec-evidence img.evidence-image")
    image.scroll_into_view_if_needed()
    for _ in range(50):  # wait_for_function would eval a string, which the page's CSP forbids
        if image.evaluate("img => img.complete && img.naturalWidth > 0"):
            break
        page.wait_for_timeout(100)
    assert image.evaluate("img => img.naturalWidth") > 0
    frame = page.locator("#sec-evidence iframe.evidence-pdf")
    frame.scroll_into_view_if_needed()
    pdf_url = frame.get_attribute("src")
    assert pdf_url and pdf_url.endswith("/lihat/")
    for _ in range(50):  # the frame navigates to the preview once it is near the viewport
        if any(f.url == live_server.url + pdf_url for f in page.frames):
            break
        page.wait_for_timeout(100)
    assert any(f.url == live_server.url + pdf_url for f in page.frames), page.frames
    served = page.evaluate(
        """url => fetch(url).then(r => [r.status, r.headers.get('content-type'),
            r.headers.get('content-disposition').split(';')[0],
            r.headers.get('x-content-type-options'), r.headers.get('x-frame-options')])""",
        pdf_url,
    )
    assert served == [200, "application/pdf", "inline", "nosniff", "SAMEORIGIN"]
    assert not blocked, blocked  # the page's own policy lets it frame the preview
    assert page.locator("#sec-evidence [data-preview=none]").count() == 1  # the spreadsheet

    # A note on the quality section.
    page.fill("#note-quality", note)
    with page.expect_navigation():
        page.click("#sec-quality button[data-note=quality]")
    assert page.input_value("#note-quality") == note
    assert "Catatan bagian Mutu minimal disimpan." in page.inner_text(".messages")

    # Both pages pass axe and fit a phone while the verifier can write notes.
    checker = _page_as(browser, live_server, "klaten.tapem", bypass_csp=True)
    assert _axe_and_phone(checker, review_url) == []
    checker.context.close()

    # Return, pointing at two sections.
    form = page.locator("form.workflow-action:has(button[data-action='return'])")
    form.locator("textarea[name=reason]").fill(reason)
    form.locator("input[name=sections][value=recipients]").check()
    form.locator("input[name=sections][value=evidence]").check()
    with page.expect_navigation():
        form.locator("button[data-action='return']").click()
    assert page.locator(".workflow-bar [data-status]").get_attribute("data-status") == "returned"
    page.context.close()

    # klaten.dinkes sees the note and the reason beside those sections, and nowhere else.
    page = _page_as(browser, live_server, "klaten.dinkes")
    page.goto(form_url)
    assert note in page.inner_text("#sec-quality [data-testid=review-note-quality]")
    assert reason in page.inner_text("#sec-recipients [data-testid=return-pointer-recipients]")
    assert reason in page.inner_text("#sec-evidence [data-testid=return-pointer-evidence]")
    for key in ("quality", "stages", "budget", "problems"):
        assert page.locator(f"#sec-{key} .return-pointer").count() == 0, key
    links = page.locator("[data-testid=return-sections] a")
    assert links.all_inner_texts() == ["Penerima layanan", "Bukti dukung"]
    links.nth(1).click()
    page.wait_for_url("**#sec-evidence")
    page.context.close()

    checker = _page_as(browser, live_server, "klaten.dinkes", bypass_csp=True)
    assert _axe_and_phone(checker, form_url) == []
    checker.context.close()

    assert Report.objects.get(pk=report.pk).status == Report.Status.RETURNED
    event = WorkflowEvent.objects.get(report=report, action="return")
    assert event.sections == ["recipients", "evidence"] and event.reason == reason
    assert ReviewNote.objects.get(report=report, section="quality").text == note
