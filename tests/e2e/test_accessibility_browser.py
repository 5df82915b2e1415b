"""WCAG 2.1 AA on every page of the isolation matrix, for every demo role that can open it.

The pages are exactly the GET cases of ``tests/isolation`` that answer a whole HTML page,
each opened by one allowed user of every role (operator, OPD head, verifier, auditor,
province, Bangda, sector viewer); downloads, JSON and HTMX fragments are skipped. Chromium asks Django
through the in-process test client (a Playwright route), with no live server (the test is
transactional: the database is flushed after it); one browser context serves every role.
axe-core (vendored in ``tests/e2e/vendor``) checks each page with the WCAG 2.0/2.1 A and AA
rules; the same page at 360 px must not scroll sideways.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.db import connections
from django.test import Client
from django.urls import reverse

from regions.models import User
from tests.conftest import ensure_seeded
from tests.isolation.expect import CAST_GRANTS, SUPERUSERS
from tests.isolation.framework import Case, all_cases

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ORIGIN = "http://testserver"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = 360

DUPLICATE_IDS = """() => {
  const seen = {};
  document.querySelectorAll("[id]").forEach(el => { seen[el.id] = (seen[el.id] || 0) + 1; });
  return Object.keys(seen).filter(id => seen[id] > 1);
}"""

# The outermost elements that stick out of the viewport (their parent does not).
WIDEST = """() => {
  const w = document.documentElement.clientWidth, out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const parent = el.parentElement;
    if (el.getBoundingClientRect().right > w + 1 && parent.getBoundingClientRect().right <= w + 1) {
      out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (el.className && el.className.baseVal === undefined ? "." + el.className.split(" ").join(".") : ""));
    }
  }
  return out.slice(0, 4).join(", ");
}"""

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _role(user: str) -> tuple[str, ...]:
    """What a user's pages depend on: their roles (klaten.dinkes and ngawi.dinkes see the same)."""
    return tuple(sorted({g[0] for g in CAST_GRANTS[user]}))


def _pages() -> list[tuple[str, Case, str]]:
    """(case id, case, user) for every GET page case and every role allowed to open it."""
    out = []
    for case in all_cases():
        if case.method != "get" or case.url_name.startswith("api") or case.headers:
            continue
        roles: set[tuple[str, ...]] = set()
        # A superuser without membership opens what Bangda opens, with the same templates.
        for user in sorted(set(case.allowed) - SUPERUSERS):
            if _role(user) not in roles:
                roles.add(_role(user))
                out.append((case.id, case, user))
    return out


class _Django:
    """Answers the browser's requests with the Django test client of the current user."""

    def __init__(self) -> None:
        self.client = Client()
        # Routes run in Playwright's greenlet, whose context would open a second connection
        # outside the test's transaction (no session, no rows made by the test): share this one.
        self.connection = connections["default"]
        self.prefetched: dict[str, object] = {}  # path → the response the test already fetched

    def login(self, username: str) -> None:
        self.client = Client()
        self.client.force_login(User.objects.get(username=username))

    def handle(self, route, request) -> None:
        connections["default"] = self.connection
        parts = urlsplit(request.url)
        if parts.path.startswith("/static/"):
            found = finders.find(parts.path.removeprefix("/static/"))
            if not found:
                route.fulfill(status=404, body="")
                return
            kind = {".css": "text/css", ".js": "text/javascript", ".json": "application/json"}
            route.fulfill(
                status=200,
                body=Path(found).read_bytes(),
                content_type=kind.get(Path(found).suffix, "application/octet-stream"),
            )
            return
        if request.method != "GET":  # a scan never submits anything
            route.fulfill(status=204, body="")
            return
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("hx-")}
        # Followed here: Chromium would send a redirect's next request past the route.
        response = self.prefetched.pop(path, None) or self.client.get(
            path, headers=headers, follow=True
        )
        body = b"".join(response.streaming_content) if response.streaming else response.content
        route.fulfill(
            status=response.status_code,
            body=body,
            headers={k: v for k, v in response.items() if k.lower() != "content-encoding"},
        )


def _format(violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        nodes = v["nodes"]
        targets = ", ".join(str(n["target"][0]) for n in nodes[:3])
        lines.append(f"{v['id']} ({len(nodes)}): {targets} — {nodes[0]['failureSummary'][:160]}")
    return lines


# Transactional: Playwright's greenlets can reach Django through a connection outside the test's
# transaction, so what the cases create must be flushed after the test, not rolled back.
@pytest.mark.django_db(transaction=True)
def test_every_matrix_page_passes_axe_and_fits_a_phone():
    ensure_seeded()
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed")
    axe_source = AXE.read_text(encoding="utf-8")
    django = _Django()
    failures: dict[str, list[str]] = {}
    too_wide: dict[str, str] = {}
    scanned = 0
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(
            locale="id-ID", bypass_csp=True, viewport={"width": 1280, "height": 900}
        )
        context.route("**/*", django.handle)
        page = context.new_page()
        page.set_default_timeout(15000)
        current_user = None
        for case_id, case, user in sorted(_pages(), key=lambda p: (p[2], p[0])):
            if user != current_user:
                django.login(user)
                current_user = user
            path = reverse(case.url_name, kwargs=case.kwargs())
            path += f"?{case.query}" if case.query else ""
            probe = django.client.get(path)
            kind = probe.get("Content-Type", "")
            if probe.status_code != 200 or not kind.startswith("text/html"):
                continue
            if b"<html" not in probe.content[:400]:  # an HTMX fragment, scanned inside its page
                continue
            django.prefetched[path] = probe
            page.set_viewport_size({"width": 1280, "height": 900})
            response = page.goto(ORIGIN + path, wait_until="load")
            assert response is not None and response.status == 200, (case_id, user)
            page.add_script_tag(content=axe_source)
            result = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                " resultTypes: ['violations']})",
                TAGS,
            )
            key = f"{case_id} as {user} ({path})"
            problems = _format(result["violations"])
            # WCAG 2.1's 4.1.1: an id names one element (axe 4.14 no longer tags this rule).
            duplicates = page.evaluate(DUPLICATE_IDS)
            if duplicates:
                problems.append(f"duplicate ids: {duplicates}")
            if problems:
                failures[key] = problems
            page.set_viewport_size({"width": PHONE, "height": 780})
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE:
                too_wide[key] = f"{width} px: {page.evaluate(WIDEST)}"
            scanned += 1
        browser.close()
    assert scanned > 100, f"only {scanned} pages scanned: the case list did not resolve"
    report = "\n".join(f"{k}\n  " + "\n  ".join(v) for k, v in sorted(failures.items()))
    assert not failures, f"{len(failures)} of {scanned} pages fail WCAG 2.1 AA:\n{report}"
    wide = "\n".join(f"{k}: {v}" for k, v in sorted(too_wide.items()))
    assert not too_wide, f"{len(too_wide)} pages wider than {PHONE} px on a phone:\n{wide}"


@pytest.mark.django_db(transaction=True)
def test_phone_menu_collapses_and_the_role_switch_shows_its_label():
    ensure_seeded()
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed")
    django = _Django()
    django.login("jateng.biro")  # two roles: the header has the role switch
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
        context.route("**/*", django.handle)
        page = context.new_page()
        page.set_default_timeout(15000)
        response = page.goto(ORIGIN + reverse("home"), wait_until="load")
        assert response is not None and response.status == 200
        # Desktop: the menu is open, no toggle; the role switch shows its whole label.
        assert page.is_visible(".mainnav") and not page.is_visible(".menu-toggle")
        switch = page.locator("#role-switch")
        assert switch.evaluate("el => el.scrollWidth <= el.clientWidth")
        label = switch.evaluate("el => el.options[el.selectedIndex].text.trim()")
        assert "Jawa Tengah" in label
        # Phone: one button, the menu folded behind it; the page does not scroll sideways.
        page.set_viewport_size({"width": PHONE, "height": 780})
        toggle = page.locator(".menu-toggle")
        assert toggle.is_visible() and not page.is_visible(".mainnav")
        assert toggle.get_attribute("aria-expanded") == "false"
        header = page.evaluate("document.querySelector('header.topbar').offsetHeight")
        assert header < 120, f"the folded header takes {header} px"
        toggle.click()
        assert page.is_visible(".mainnav") and toggle.get_attribute("aria-expanded") == "true"
        page.keyboard.press("Tab")
        page.keyboard.press("Escape")
        assert not page.is_visible(".mainnav")
        assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
        browser.close()
