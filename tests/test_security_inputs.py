"""Input handling: XSS through free text, raw SQL, mass assignment of region/agency in the API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reporting.models import Report

ROOT = Path(__file__).resolve().parent.parent
APPS = ("espm", "regions", "indicators", "reporting")
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.mark.django_db
def test_free_text_is_escaped_on_pages(login):
    """Problems/solutions are free text typed by operators and read by verifiers and auditors."""
    report = Report.objects.filter(region__code="33.10").order_by("id").first()
    assert report is not None
    report.problems = XSS
    report.save()
    for username, url in (
        ("klaten.tapem", reverse("reporting:report_detail", kwargs={"pk": report.pk})),
        ("klaten.inspektorat", reverse("reporting:audit_trail")),
    ):
        html = login(username).get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", ""), url


# `.raw(`, `.extra(`, `RawSQL(` and `cursor.execute(` with string building: f-strings, %, format, +.
RAW_CALL = re.compile(
    r"(\.raw|\.extra|RawSQL|\.execute|\.executemany)\(\s*"
    r"(f[\"']|[^)]*([\"']\s*%\s*[(\w]|\.format\(|[\"']\s*\+))"
)


def _python_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            yield path


def test_no_user_input_in_raw_sql():
    """The ORM parameterises everything; raw SQL, where needed, must use params, never formatting."""
    offenders = []
    for path in _python_files():
        text = path.read_text()
        for match in RAW_CALL.finditer(text):
            line = text[: match.start()].count("\n") + 1
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)[:60]}")
    assert not offenders, "raw SQL built from strings:\n" + "\n".join(offenders)


def test_raw_sql_guard_catches_formatting():
    assert RAW_CALL.search('cursor.execute(f"select * from t where id={x}")')
    assert RAW_CALL.search('Report.objects.raw("select %s" % name)')
    assert not RAW_CALL.search('cursor.execute("select * from t where id=%s", [x])')


SCOPE_FIELDS = {"region", "agency", "region_id", "agency_id", "region_code", "agency_short_name"}


def _api_views(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _api_views(p.url_patterns)
        elif isinstance(p, URLPattern) and getattr(p.callback, "cls", None) is not None:
            yield p.callback


@pytest.mark.django_db
def test_api_serializers_never_take_region_or_agency_from_the_client():
    """Mass assignment: the owning region/agency of a written object comes from the scoped
    parent (URL, existing row), never from the request body."""
    from rest_framework.serializers import BaseSerializer

    checked = 0
    for callback in _api_views(get_resolver().url_patterns):
        cls = callback.cls
        serializer_class = getattr(cls, "serializer_class", None)
        if not (
            isinstance(serializer_class, type) and issubclass(serializer_class, BaseSerializer)
        ):
            continue
        fields = getattr(serializer_class(), "fields", {})
        for name, field in fields.items():
            if name in SCOPE_FIELDS:
                assert field.read_only, f"{serializer_class.__name__}.{name} is writable"
        checked += 1
    assert checked, "no API serializer found"
