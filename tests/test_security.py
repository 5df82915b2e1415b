"""Security basics that hold on every page: strict CSP, no inline script or style, headers.

Pages are taken from the isolation matrix, so a new page is covered as soon as it has a case.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from regions.models import User
from tests.isolation.framework import all_cases

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
HX_ON = re.compile(r"\shx-on[:-]", re.IGNORECASE)

PAGE_CASES = [c for c in all_cases() if c.method == "get" and not c.url_name.startswith("api")]


def _viewer_for(case) -> str | None:
    for candidate in ("bangda.admin", "jateng.biro", "klaten.tapem", "klaten.dinkes"):
        if candidate in case.allowed:
            return candidate
    return next(iter(sorted(case.allowed)), None)


@pytest.mark.django_db
@pytest.mark.parametrize("case", PAGE_CASES, ids=[c.id for c in PAGE_CASES])
def test_html_pages_satisfy_strict_csp(case):
    username = _viewer_for(case)
    if username is None:
        pytest.skip("nobody may open this page")
    client = Client()
    client.force_login(User.objects.get(username=username))
    url = reverse(case.url_name, kwargs=case.kwargs()) + (f"?{case.query}" if case.query else "")
    response = client.get(url, headers=case.headers)
    # The user is one the matrix lets in: a refusal or an error would check an error page.
    assert response.status_code in case.ok_status, f"{username} got {response.status_code}"
    csp = response.headers.get("Content-Security-Policy", "")
    # Scripts only from this site — or none at all (a file shown inline: default-src 'none').
    no_scripts = "default-src 'none'" in csp and "script-src" not in csp
    assert "script-src 'self'" in csp or no_scripts
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # Every answer, HTML or not, is taken for what it says it is (no sniffing into HTML).
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    content_type = response.headers.get("Content-Type", "")
    if "text/html" not in content_type:
        # A download, JSON or a redirect: never HTML in disguise, which the checks below
        # would otherwise skip.
        body = b"" if response.streaming else response.content[:512].lower()
        assert b"<script" not in body and b"<html" not in body, f"HTML as {content_type}"
        return
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), f"inline <script> on {url}"
    assert not INLINE_HANDLER.search(html), f"inline event handler on {url}"
    assert not STYLE_ATTR.search(html), f"style attribute on {url} (blocked by CSP)"
    assert not HX_ON.search(html), f"hx-on attribute on {url} (needs eval)"


@pytest.mark.django_db
def test_security_headers_on_login_page():
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_anonymous_is_sent_to_login():
    response = Client().get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response.headers["Location"]


@pytest.mark.django_db
def test_csrf_is_enforced_on_forms():
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="klaten.dinkes"))
    response = client.post(reverse("switch_role"), {"membership": "1"})
    assert response.status_code == 403
