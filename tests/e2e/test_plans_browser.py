"""The action plan and Tim Penerapan SPM pages in Chromium: axe-core's WCAG 2.1 AA rules find
nothing (every input labelled), no id is used twice, and nothing scrolls sideways at 360 px.

The same machinery as tests/e2e/test_accessibility_browser.py, narrowed to these pages and the
pages that show them (report, review, submission, recap, region page, dashboards).
"""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from reporting.models import RegionSubmission, Report
from tests.conftest import ensure_seeded
from tests.e2e.test_accessibility_browser import (
    ARGS,
    AXE,
    CHROMIUM,
    DUPLICATE_IDS,
    ORIGIN,
    PHONE,
    TAGS,
    WIDEST,
    _Django,
    _format,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
YEAR = 2026


def _pages() -> list[tuple[str, str]]:
    """(user, path) of every page these features add or change, as who uses them."""
    klaten = {"code": "33.10", "year": YEAR}
    ngawi = {"code": "35.21", "year": YEAR}
    report = Report.objects.get(
        region__code="33.10", period__year=YEAR, period__quarter=3, service_type__code="K-KES-03"
    )
    ngawi_sub = RegionSubmission.objects.get(
        region__code="35.21", period__year=YEAR, period__quarter=3
    )
    jateng_sub = RegionSubmission.objects.get(
        region__code="33", period__year=YEAR, period__quarter=3
    )
    return [
        ("klaten.tapem", reverse("reporting:action_plan", kwargs=klaten)),
        ("klaten.tapem", reverse("reporting:action_plan_edit", kwargs=klaten)),
        ("klaten.tapem", reverse("reporting:spm_team", kwargs=klaten)),
        ("klaten.tapem", reverse("reporting:spm_team_edit", kwargs=klaten)),
        ("ngawi.tapem", reverse("reporting:action_plan", kwargs=ngawi)),
        ("ngawi.tapem", reverse("reporting:action_plan_edit", kwargs=ngawi)),
        ("ngawi.tapem", reverse("reporting:spm_team", kwargs=ngawi)),
        ("ngawi.tapem", reverse("reporting:spm_team_edit", kwargs=ngawi)),
        ("ngawi.tapem", reverse("reporting:submission_detail", args=[ngawi_sub.pk])),
        ("klaten.tapem", reverse("agency_list", args=["33.10"])),
        ("klaten.dinkes", reverse("reporting:report_detail", args=[report.pk])),
        ("klaten.tapem", reverse("reporting:report_review", args=[report.pk])),
        ("jateng.biro", reverse("reporting:recap", args=[jateng_sub.pk])),
        ("bangda.admin", reverse("reporting:dashboard_national") + f"?year={YEAR}&quarter=3"),
    ]


@pytest.mark.django_db(transaction=True)
def test_plan_and_team_pages_pass_axe_and_fit_a_phone():
    ensure_seeded()
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed")
    axe_source = AXE.read_text(encoding="utf-8")
    django = _Django()
    failures: dict[str, list[str]] = {}
    too_wide: dict[str, str] = {}
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(
            locale="id-ID", bypass_csp=True, viewport={"width": 1280, "height": 900}
        )
        context.route("**/*", django.handle)
        page = context.new_page()
        page.set_default_timeout(15000)
        for user, path in _pages():
            django.login(user)
            probe = django.client.get(path)
            assert probe.status_code == 200, (user, path, probe.status_code)
            django.prefetched[path] = probe
            page.set_viewport_size({"width": 1280, "height": 900})
            response = page.goto(ORIGIN + path, wait_until="load")
            assert response is not None and response.status == 200, (user, path)
            page.add_script_tag(content=axe_source)
            result = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                " resultTypes: ['violations']})",
                TAGS,
            )
            problems = _format(result["violations"])
            duplicates = page.evaluate(DUPLICATE_IDS)
            if duplicates:
                problems.append(f"duplicate ids: {duplicates}")
            if problems:
                failures[f"{user} {path}"] = problems
            page.set_viewport_size({"width": PHONE, "height": 780})
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE:
                too_wide[f"{user} {path}"] = f"{width} px: {page.evaluate(WIDEST)}"
        browser.close()
    report = "\n".join(f"{k}\n  " + "\n  ".join(v) for k, v in sorted(failures.items()))
    assert not failures, f"WCAG 2.1 AA failures:\n{report}"
    wide = "\n".join(f"{k}: {v}" for k, v in sorted(too_wide.items()))
    assert not too_wide, f"wider than {PHONE} px:\n{wide}"
