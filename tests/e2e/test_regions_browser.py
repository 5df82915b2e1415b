"""Login, role switcher, language switch and agency management in a real browser (strict CSP)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from regions.models import Agency
from tests.conftest import ensure_seeded

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]

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


def _new_page(browser, csp_errors):
    page = browser.new_context(locale="id-ID").new_page()
    page.set_default_timeout(15000)
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return page


def _login(page, live_server, username, password):
    page.goto(f"{live_server.url}/akun/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click(".login-box button[type=submit]")


@pytest.mark.django_db(transaction=True)
def test_login_switch_role_language_and_manage_an_agency(live_server, browser):
    ensure_seeded()
    csp_errors: list[str] = []

    # Wrong password: one generic message, the username kept.
    page = _new_page(browser, csp_errors)
    _login(page, live_server, "jateng.biro", "bukan-kata-sandi")
    assert "Nama pengguna atau kata sandi salah." in page.content()
    assert page.input_value("#id_username") == "jateng.biro"

    # Right password; the role switcher submits itself on change (static JS, no inline script).
    _login(page, live_server, "jateng.biro", settings.DEMO_PASSWORD)
    assert page.url == f"{live_server.url}/"
    select = page.locator("#role-switch")
    options = select.locator("option")
    assert options.count() == 2
    other = options.nth(1).get_attribute("value")
    with page.expect_navigation():
        select.select_option(other)
    assert page.locator("#role-switch").input_value() == other

    # English by choice, Indonesian back.
    with page.expect_navigation():
        page.click(".langswitch button")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.click(".langswitch button")
    assert page.locator("html").get_attribute("lang") == "id"
    page.context.close()

    # The verifier adds an agency; a duplicate short name is refused next to the field.
    page = _new_page(browser, csp_errors)
    _login(page, live_server, "klaten.tapem", settings.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/wilayah/33.10/perangkat-daerah/baru/")
    page.fill("#id_name", "Dinas Kesehatan Kedua")
    page.fill("#id_short_name", "DINKES")
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    assert "Singkatan ini sudah dipakai di wilayah ini." in page.content()
    assert page.input_value("#id_name") == "Dinas Kesehatan Kedua"
    page.fill("#id_short_name", "RSUD")
    page.fill("#id_contact_name", "Sri Wahyuni")
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    assert page.url.endswith("/wilayah/33.10/perangkat-daerah/")
    assert "Sri Wahyuni" in page.content()
    assert Agency.objects.filter(region__code="33.10", short_name="RSUD").exists()
    page.context.close()

    assert csp_errors == []
