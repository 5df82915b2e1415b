"""The report form in a real browser tells the truth (issue #17): two tabs never lose each
other's text, Ajukan enables as soon as the autosaves make the report complete, and an operator
withdraws a submitted report before it is verified."""

from __future__ import annotations

import pytest

from reporting import workflow
from reporting.models import Report, WorkflowEvent
from tests.conftest import ensure_seeded
from tests.e2e.test_entry_browser import _login, _saved, browser  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _empty_report() -> Report:
    report = Report.objects.get(
        region__code="33.10", period__year=2026, period__quarter=3, service_type__code="K-KES-08"
    )
    assert report.entered_at is None and report.status == Report.Status.DRAFT
    return report


def _stored(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


def _until(page, condition, seconds: float = 10) -> None:
    """Wait (letting the page work) until the database shows what the page saved."""
    for _ in range(int(seconds * 10)):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("the page did not save in time")


def _leave(page, selector: str, text: str) -> None:
    page.fill(selector, text)
    page.press(selector, "Tab")


def test_two_tabs_keep_both_texts(transactional_db, live_server, browser):  # noqa: F811
    ensure_seeded()
    report = _empty_report()
    context = browser.new_context(locale="id-ID")
    tab_a = context.new_page()
    tab_a.set_default_timeout(15000)
    _login(tab_a, live_server)
    url = f"{live_server.url}/laporan/{report.pk}/"
    tab_a.goto(url)
    tab_b = context.new_page()
    tab_b.set_default_timeout(15000)
    tab_b.goto(url)

    # A changes Solusi (saved); B, opened before, changes Permasalahan: no conflict at all.
    _leave(tab_a, "#id_solutions", "Solusi dari tab A")
    _saved(tab_a, "problems")
    _leave(tab_b, "#id_problems", "Permasalahan dari tab B")
    _saved(tab_b, "problems")
    assert tab_b.locator("#sec-problems .conflict").count() == 0
    # B's page now shows A's text, and editing its own field again keeps it.
    assert tab_b.input_value("#id_solutions") == "Solusi dari tab A"
    _leave(tab_b, "#id_problems", "Permasalahan dari tab B, kedua")
    _until(tab_b, lambda: _stored(report).problems == "Permasalahan dari tab B, kedua")
    assert _stored(report).solutions == "Solusi dari tab A"

    # Both change Permasalahan (A after a reload): B sees one conflicting row, keeps its text.
    tab_a.reload()
    _leave(tab_a, "#id_problems", "Versi A")
    _until(tab_a, lambda: _stored(report).problems == "Versi A")
    _leave(tab_b, "#id_problems", "Versi B")
    tab_b.wait_for_selector("#sec-problems .conflict table.diff")
    rows = tab_b.locator("#sec-problems .conflict tbody tr")
    assert rows.count() == 1 and "Permasalahan" in rows.inner_text()
    assert "Belum tersimpan" in tab_b.inner_text("#status-problems")
    # A third section of tab B still saves (no knock-on conflicts).
    _leave(tab_b, "#id_recipients_served", "1.250")
    _saved(tab_b, "recipients")
    tab_b.click("#sec-problems .conflict button[data-choice=mine]")
    _saved(tab_b, "problems")
    assert tab_b.locator("#sec-problems .conflict").count() == 0
    report.refresh_from_db()
    assert (report.problems, report.solutions) == ("Versi B", "Solusi dari tab A")
    assert report.recipients_served == 1250


def test_ajukan_enables_after_the_autosaves(transactional_db, live_server, browser):  # noqa: F811
    ensure_seeded()
    report = _empty_report()
    page = browser.new_context(locale="id-ID").new_page()
    page.set_default_timeout(15000)
    _login(page, live_server)
    page.goto(f"{live_server.url}/laporan/{report.pk}/")
    submit = "#workflow-bar button[data-action=submit]"
    assert page.is_disabled(submit)
    assert "jumlah penerima terlayani belum diisi" in page.inner_text("#workflow-bar")

    # Above TW II's 210.067 (cumulative) and within the target: no data-quality warning.
    _leave(page, "#id_recipients_served", "250.000")
    _saved(page, "recipients")
    assert "jumlah penerima terlayani belum diisi" not in page.inner_text("#workflow-bar")
    assert page.is_disabled(submit)
    for field in page.locator("#sec-quality input[name^=q_]").all():
        field.fill("100.000")
    for select in page.locator("#sec-quality select[name^=m_]").all():
        select.select_option("1")
    page.click("#sec-quality button[type=submit]")
    _saved(page, "quality")
    assert page.is_disabled(submit)  # still no stage status
    assert "belum ada status tahap penerapan" in page.inner_text("#workflow-bar")
    # In progress (a stage marked done would ask for its document first).
    page.select_option("#id_status_1", "in_progress")
    page.click("#sec-stages button[type=submit]")
    _saved(page, "stages")
    page.wait_for_selector(f"{submit}:not([disabled])")
    with page.expect_navigation():
        page.click(submit)
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED


def test_operator_withdraws_a_submitted_report(transactional_db, live_server, browser):  # noqa: F811
    ensure_seeded()
    report = Report.objects.get(
        region__code="33.10", period__year=2026, period__quarter=3, service_type__code="K-KES-03"
    )
    assert report.status == Report.Status.SUBMITTED
    page = browser.new_context(locale="id-ID").new_page()
    page.set_default_timeout(15000)
    _login(page, live_server)
    page.goto(f"{live_server.url}/laporan/{report.pk}/")
    with page.expect_navigation():
        page.click("#workflow-bar button[data-action=withdraw]")
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT
    event = WorkflowEvent.objects.filter(report=report).order_by("-at", "-id").first()
    assert event.action == "withdraw" and event.actor.username == "klaten.dinkes"
    assert event.from_status == "submitted" and event.to_status == "draft"
    page.goto(f"{live_server.url}/laporan/{report.pk}/?tab=linimasa")
    assert str(workflow.ACTION_LABELS["withdraw"]) in page.inner_text("main")
    # Editable again: the form is open and Ajukan is back.
    page.goto(f"{live_server.url}/laporan/{report.pk}/")
    assert page.locator("#workflow-bar button[data-action=submit]").count() == 1
