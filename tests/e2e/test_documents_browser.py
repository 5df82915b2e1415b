"""The province recap PDF in a real browser, with tasks eager (the embedded default of
`make run`): the click returns at once to a page whose progress bar polls the job, then the
download appears. The build is held at its first step until the test has seen the progress,
so a build that ran inside the request would hang the click instead of passing by luck."""

from __future__ import annotations

import os
import threading

import pytest

from reporting import recap
from reporting.models import GeneratedDocument, RegionSubmission
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
def held_recap(monkeypatch):
    """The recap PDF's layout waits for ``release`` (at most 60 s)."""
    release = threading.Event()
    real = recap.to_pdf

    def held(r, progress=None):
        release.wait(60)
        return real(r, progress)

    monkeypatch.setattr(recap, "to_pdf", held)
    yield release
    release.set()  # never leave the job's thread waiting


@pytest.mark.django_db(transaction=True)
def test_recap_pdf_job_shows_progress_then_the_download(
    live_server, browser, celery_eager, settings, held_recap, tmp_path
):
    settings.JOBS_EAGER_IN_THREAD = True  # the embedded default: a thread after the response
    ensure_seeded()
    sub = RegionSubmission.objects.get(region__code="33", period__year=2026, period__quarter=2)
    context = browser.new_context(locale="id-ID", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/akun/login/")
    page.fill("#id_username", "jateng.biro")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    with page.expect_navigation():
        page.click(".login-box button[type=submit]")

    page.goto(f"{live_server.url}/laporan/pengajuan/{sub.pk}/rekap/")
    with page.expect_navigation():
        page.get_by_role("button", name="Buat PDF").click()
    doc = GeneratedDocument.objects.get(kind="recap")
    assert page.url == f"{live_server.url}/laporan/dokumen/{doc.pk}/"

    # The build is held: what the page shows now is the job in progress, polled by HTMX.
    bar = page.get_by_role("progressbar")
    bar.wait_for()
    assert int(bar.get_attribute("value")) < 100
    page.get_by_text("Rekap dihitung").wait_for()  # the job's own step, polled in
    assert page.get_by_label("Kemajuan: 30%").count() == 1
    assert not page.get_by_role("link", name="Unduh").count()
    assert GeneratedDocument.objects.get(pk=doc.pk).status == "running"

    held_recap.set()
    link = page.get_by_role("link", name="Unduh rekap-spm-33-2026-tw2.pdf")
    link.wait_for()
    assert page.locator("progress").get_attribute("value") == "100"
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "rekap-spm-33-2026-tw2.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")

    # The same click again, over unchanged data, opens the finished document: no rebuild.
    page.goto(f"{live_server.url}/laporan/pengajuan/{sub.pk}/rekap/")
    with page.expect_navigation():
        page.get_by_role("button", name="Buat PDF").click()
    assert page.url == f"{live_server.url}/laporan/dokumen/{doc.pk}/"
    assert GeneratedDocument.objects.filter(kind="recap").count() == 1
    context.close()
