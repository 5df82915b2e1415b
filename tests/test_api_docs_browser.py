"""Swagger UI and Redoc render in a real browser under the strict CSP (no violations)."""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def browser(monkeypatch):
    # Only while the browser runs: set at import it would fail `check --deploy` elsewhere.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/api/v1/docs/", ".swagger-ui .opblock-tag"),
        ("/api/v1/redoc/", "[role=navigation], .menu-content"),
    ],
)
def test_api_docs_render_without_csp_violations(live_server, browser, path, ready):
    problems: list[str] = []
    page = browser.new_context().new_page()
    page.set_default_timeout(20000)
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if "Content Security Policy" in msg.text or msg.type == "error"
            else None
        ),
    )
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector(ready)
    assert "regions" in page.content()
    # Redoc's footer logo is on its CDN: the CSP blocks it, so no request leaves the site.
    problems = [
        p
        for p in problems
        if "cdn.redoc.ly" not in p and "favicon.ico" not in p and "Failed to load resource" not in p
    ]
    assert not problems, problems
