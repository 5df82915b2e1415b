"""The report form with a keyboard and on a phone (issue #18): at 360 px nothing scrolls
sideways and a quantity shows whole; focus stays where the person works after a budget line is
added, refused or deleted; a status select saves once, when the person leaves it, not on every
arrow key that moves through its options."""

from __future__ import annotations

import pytest

from reporting.models import BudgetLine, Report, ReportStage
from tests.conftest import ensure_seeded
from tests.e2e.test_entry_browser import _login, _saved, browser  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _report() -> Report:
    return Report.objects.get(
        region__code="33.10", period__year=2026, period__quarter=3, service_type__code="K-KES-08"
    )


def _focused(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def _until(page, expression: str, seconds: float = 10) -> None:
    """Wait until a page expression holds (wait_for_function would need 'unsafe-eval')."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"not true in time: {expression} (focus on {_focused(page)!r})")


def test_focus_stays_in_the_budget_section(transactional_db, live_server, browser):  # noqa: F811
    ensure_seeded()
    report = _report()
    page = browser.new_context(locale="id-ID", viewport={"width": 360, "height": 740}).new_page()
    page.set_default_timeout(15000)
    _login(page, live_server)
    page.goto(f"{live_server.url}/laporan/{report.pk}/")

    # A phone: the form does not scroll sideways and a quantity shows whole in its input.
    quantity = page.locator("#sec-quality input[name^=q_]").first
    quantity.fill("744,12")
    assert quantity.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Typed with the keyboard, sent with Enter from the last field.
    page.click("#sec-budget summary")
    page.fill("#id_new-activity_code", "1.02.02.2.02")
    page.fill("#id_new-activity_name", "Penyediaan Layanan Kesehatan untuk UKM dan UKP")
    page.fill("#id_new-allocated", "2.500.000")
    page.fill("#id_new-realised", "1.000.000")
    page.press("#id_new-realised", "Enter")
    page.wait_for_selector("#sec-budget .budget-line")
    # The add form stays open, empty, with the cursor in its first field for the next line.
    _until(page, "document.activeElement.id === 'id_new-activity_code'")
    assert page.locator("#sec-budget details.budget-add[open]").count() == 1
    assert page.input_value("#id_new-activity_code") == ""
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0  # the page did not jump back to its top

    # A second line added with a tap on Tambah: the same.
    page.fill("#id_new-activity_code", "1.02.02.2.03")
    page.fill("#id_new-activity_name", "Peningkatan Kapasitas SDM Kesehatan")
    page.click("#sec-budget .budget-add button[type=submit]")
    _until(page, "document.querySelectorAll('#sec-budget .budget-line').length === 2")
    _until(page, "document.activeElement.id === 'id_new-activity_code'")
    assert BudgetLine.objects.filter(report=report).count() == 2

    # A line refused (realised above the allocation): the cursor lands on the field to fix.
    page.fill("#id_new-activity_code", "1.02.02.2.04")
    page.fill("#id_new-activity_name", "Pengadaan Alat Kesehatan")
    page.fill("#id_new-allocated", "1.000.000")
    page.fill("#id_new-realised", "2.000.000")
    page.click("#sec-budget .budget-add button[type=submit]")
    page.wait_for_selector("#sec-budget .budget-add .errorlist")
    _until(page, "document.activeElement.id === 'id_new-realised'")
    assert page.input_value("#id_new-activity_code") == "1.02.02.2.04"
    assert BudgetLine.objects.filter(report=report).count() == 2

    # A line deleted: focus goes to the budget section's heading, not to the top of the page.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#sec-budget .budget-line >> nth=0 >> button:has-text('Hapus baris')")
    _until(page, "document.querySelectorAll('#sec-budget .budget-line').length === 1")
    _until(page, "document.activeElement.id === 'h-budget'")
    assert BudgetLine.objects.filter(report=report).count() == 1


def test_a_select_saves_when_left_not_per_arrow_key(transactional_db, live_server, browser):  # noqa: F811
    ensure_seeded()
    report = _report()
    page = browser.new_context(locale="id-ID").new_page()
    page.set_default_timeout(15000)
    _login(page, live_server)
    page.goto(f"{live_server.url}/laporan/{report.pk}/")
    saves: list[str] = []
    page.on(
        "request",
        lambda r: saves.append(r.url) if r.method == "POST" and "/stages/" in r.url else None,
    )
    version = report.version

    # The keyboard walks the closed select's options; each key is a change in the browser.
    page.focus("#id_status_1")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(800)  # longer than the autosave's 500 ms pause
    moved_to = page.input_value("#id_status_1")
    assert moved_to != ""
    assert saves == []
    assert _focused(page) == "id_status_1"
    assert "Belum tersimpan" in page.inner_text("#status-stages")

    # Leaving the select saves once, with the option it was left on.
    page.keyboard.press("Tab")
    _saved(page, "stages")
    page.wait_for_timeout(800)
    assert len(saves) == 1
    assert _focused(page) == "id_note_1"  # the save did not move the cursor
    assert ReportStage.objects.get(report=report, stage=1).status == moved_to
    assert Report.objects.get(pk=report.pk).version == version + 1

    # Focus in and out again without a change: nothing more is sent.
    page.focus("#id_status_1")
    page.keyboard.press("Tab")
    page.wait_for_timeout(800)
    assert len(saves) == 1

    # A text field still saves on its own change-and-leave.
    page.fill("#id_note_1", "Data sasaran dari Puskesmas")
    page.keyboard.press("Tab")
    page.wait_for_timeout(800)
    assert len(saves) == 2
