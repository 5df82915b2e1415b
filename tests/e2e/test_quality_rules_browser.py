"""Bangda's rule editor in a real browser: the form shows what fits the chosen kind and
"checked on", "Uji aturan" answers in place (HTMX) before anything is saved, a refused
expression keeps what was typed, a saved edit lands in the history, and every state of the
page passes axe (WCAG 2.1 AA) and fits 360 px."""

from __future__ import annotations

import pytest

from reporting.models import ValidationRule
from tests.conftest import ensure_seeded
from tests.e2e.test_accessibility_browser import AXE, TAGS, _format
from tests.e2e.test_entry_browser import _login, browser  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _clean(page, axe: str) -> None:
    """No axe violation at desktop width, nothing sideways at 360 px."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.add_script_tag(content=axe)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        TAGS,
    )
    assert not result["violations"], _format(result["violations"])
    page.set_viewport_size({"width": 360, "height": 780})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1280, "height": 900})


def test_bangda_writes_tests_and_saves_a_rule(transactional_db, live_server, browser):  # noqa: F811
    ensure_seeded()
    axe = AXE.read_text(encoding="utf-8")
    page = browser.new_context(locale="id-ID", bypass_csp=True).new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"script: {exc}"))
    _login(page, live_server, "bangda.admin")

    with page.expect_navigation():
        page.click("nav.mainnav >> text=Aturan kualitas data")
    assert page.locator("table.rule-table tbody tr").count() == ValidationRule.objects.count()
    with page.expect_navigation():
        page.click("text=Tambah aturan")

    # What is shown follows the chosen kind and "checked on".
    assert page.is_visible("#id_expression") and not page.is_visible("#id_threshold")
    assert page.is_visible("code:text-is('served')")
    assert not page.is_visible("code:text-is('line_realised')")
    page.select_option("#id_each", "budget")
    assert page.is_visible("code:text-is('line_realised')")
    assert not page.is_visible("code:text-is('item_realised')")
    page.select_option("#id_kind", "outlier_peers")
    assert not page.is_visible("#id_expression") and page.is_visible("#id_threshold")
    assert not page.is_visible("#id_each")
    page.select_option("#id_kind", "expression")

    # A draft tested in place: nothing saved, the page stays.
    page.fill("#id_code", "realisasi-nol")
    page.fill("#id_expression", "line_realised == 0")
    page.fill("#id_message_id", "Realisasi {line_name} masih Rp {line_realised}.")
    page.fill("#id_message_en", "Realisation of {line_name} is still Rp {line_realised}.")
    page.fill("#id_reason", "Baris anggaran tanpa realisasi perlu dijelaskan.")
    url = page.url
    page.click("button:text('Uji aturan')")
    page.wait_for_selector("[data-testid=try-count]")
    assert page.url == url
    assert "Diuji pada TW II 2026 (Ditutup)" in page.inner_text("#rule-try-result")
    assert not ValidationRule.objects.filter(code="REALISASI-NOL").exists()
    _clean(page, axe)

    # A refused expression: the message under the field, everything typed still there.
    page.fill("#id_expression", "line_realised.real == 0")
    with page.expect_navigation():
        page.click("button:text('Simpan')")
    assert "Akses atribut (tanda titik) tidak diizinkan." in page.inner_text("#id_expression_error")
    assert page.input_value("#id_expression") == "line_realised.real == 0"
    assert page.input_value("#id_reason") == "Baris anggaran tanpa realisasi perlu dijelaskan."
    assert page.input_value("#id_each") == "budget"
    _clean(page, axe)

    page.fill("#id_expression", "line_realised == 0")
    with page.expect_navigation():
        page.click("button:text('Simpan')")
    assert "Aturan REALISASI-NOL disimpan" in page.inner_text(".messages")
    _clean(page, axe)

    # An edit needs a reason and is kept in the history.
    page.check("#id_severity_1")  # Galat
    page.fill("#id_change_reason", "Harus diperbaiki sebelum diajukan.")
    with page.expect_navigation():
        page.click("button:text('Simpan')")
    history = page.inner_text(".rule-history")
    assert "Harus diperbaiki sebelum diajukan." in history
    assert "Galat (menghalangi pengajuan)" in history
    assert ValidationRule.objects.get(code="REALISASI-NOL").severity == "error"
    _clean(page, axe)

    # Switched off with a reason.
    page.fill("#switch-reason", "Uji selesai.")
    with page.expect_navigation():
        page.click("button:text('Nonaktifkan aturan')")
    assert not ValidationRule.objects.get(code="REALISASI-NOL").is_active
    assert "Nonaktif" in page.inner_text(".rule-meta")
    # The refused save answers 400 on purpose; no script failed, nothing broke the CSP.
    assert not [e for e in errors if "Content Security Policy" in e or "script:" in e], errors
