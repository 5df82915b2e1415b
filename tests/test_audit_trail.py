"""The audit trail: every data change and workflow step, scoped to the reader, read-only."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from regions.models import User
from reporting.models import Report, WorkflowEvent

pytestmark = pytest.mark.django_db


def _touch(code: str, marker: str, *, reason: str = "") -> Report:
    """A data change in region ``code`` by that region's operator, through simple-history."""
    report = Report.objects.filter(region__code=code).order_by("id").first()
    assert report is not None, f"demo data has no report in {code}"
    report.problems = marker
    report._history_user = User.objects.get(
        username=f"{'klaten' if code == '33.10' else 'ngawi'}.dinkes"
    )  # type: ignore[attr-defined]
    if reason:
        report._change_reason = reason  # type: ignore[attr-defined]
    report.save()
    return report


def _event(code: str, reason: str) -> WorkflowEvent:
    report = Report.objects.filter(region__code=code).order_by("id").first()
    assert report is not None
    return WorkflowEvent.objects.create(
        region=report.region,
        agency=report.agency,
        report=report,
        action="return",
        from_status="submitted",
        to_status="returned",
        actor=User.objects.get(username="bangda.admin"),
        reason=reason,
    )


def _text(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


@pytest.mark.parametrize(
    ("username", "sees_klaten", "sees_ngawi"),
    [
        ("klaten.inspektorat", True, False),
        ("klaten.tapem", True, False),
        ("ngawi.tapem", False, True),
        ("jateng.biro", True, False),  # province verifier of 33: Klaten is below it
        ("bangda.admin", True, True),
    ],
)
def test_trail_is_scoped_to_the_reader(login, username, sees_klaten, sees_ngawi):
    _touch("33.10", "AUDIT-MARK-KLATEN")
    _touch("35.21", "AUDIT-MARK-NGAWI")
    _event("33.10", "AUDIT-EVENT-KLATEN")
    _event("35.21", "AUDIT-EVENT-NGAWI")
    client = login(username)
    for url in (reverse("reporting:audit_trail"), reverse("reporting:audit_trail_csv")):
        body = _text(client.get(url, {"user": ""}))
        assert ("AUDIT-MARK-KLATEN" in body) is sees_klaten, url
        assert ("AUDIT-EVENT-KLATEN" in body) is sees_klaten, url
        assert ("AUDIT-MARK-NGAWI" in body) is sees_ngawi, url
        assert ("AUDIT-EVENT-NGAWI" in body) is sees_ngawi, url


@pytest.mark.parametrize("username", ["klaten.dinkes", "klaten.kadinkes", "kemenkes.viewer"])
def test_non_audit_roles_are_refused(login, username):
    for name in ("reporting:audit_trail", "reporting:audit_trail_csv"):
        assert login(username).get(reverse(name)).status_code == 403


def test_change_shows_who_what_old_and_new(login):
    _touch("33.10", "AUDIT-BEFORE")
    _touch("33.10", "AUDIT-AFTER", reason="koreksi AUDIT-REASON")
    html = login("klaten.inspektorat").get(reverse("reporting:audit_trail")).content.decode()
    assert "AUDIT-BEFORE" in html and "AUDIT-AFTER" in html and "AUDIT-REASON" in html
    assert "klaten.dinkes" in html


def test_filters_by_kind_user_and_date(login):
    _touch("33.10", "AUDIT-DATA-ROW")
    _event("33.10", "AUDIT-FLOW-ROW")
    client = login("klaten.inspektorat")
    url = reverse("reporting:audit_trail")
    only_flow = client.get(url, {"kind": "workflow"}).content.decode()
    assert "AUDIT-FLOW-ROW" in only_flow and "AUDIT-DATA-ROW" not in only_flow
    only_reports = client.get(url, {"kind": "report"}).content.decode()
    assert "AUDIT-DATA-ROW" in only_reports and "AUDIT-FLOW-ROW" not in only_reports
    by_user = client.get(url, {"user": "bangda.admin"}).content.decode()
    assert "AUDIT-FLOW-ROW" in by_user and "AUDIT-DATA-ROW" not in by_user
    long_ago = client.get(url, {"date_to": "2000-01-01"}).content.decode()
    assert "AUDIT-FLOW-ROW" not in long_ago and "AUDIT-DATA-ROW" not in long_ago
    bad = client.get(url, {"date_from": "kemarin", "kind": "nope"})
    assert bad.status_code == 200
    assert "tanggal tidak valid" in bad.content.decode()


def test_trail_is_paginated(login):
    response = login("bangda.admin").get(reverse("reporting:audit_trail"), {"page": "999999"})
    assert response.status_code == 200
    assert response.context["page"].paginator.per_page == 50
    assert len(response.context["entries"]) <= 50


def test_csv_neutralises_formulas(login):
    _touch("33.10", "AUDIT-CSV", reason='=HYPERLINK("http://evil.example","klik")')
    response = login("klaten.inspektorat").get(reverse("reporting:audit_trail_csv"))
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(_text(response)), delimiter=";"))
    reasons = [r[7] for r in rows[1:] if "HYPERLINK" in r[7]]
    assert reasons and all(r.startswith("'=") for r in reasons)
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


def test_page_query_count_is_pinned(login, django_assert_max_num_queries):
    for i in range(5):
        _touch("33.10", f"AUDIT-Q-{i}")
    client = login("bangda.admin")
    # Two queries per kind of record on the page (its rows, their previous versions): the
    # test cast's memberships (tests/cast.py) are among the newest, so memberships are a kind.
    with django_assert_max_num_queries(42):
        assert client.get(reverse("reporting:audit_trail")).status_code == 200


# ---------------------------------------------------------------- nobody can edit the trail


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("name", ["reporting:audit_trail", "reporting:audit_trail_csv"])
def test_audit_urls_refuse_writes(login, method, name):
    _touch("33.10", "AUDIT-WRITE")
    before = (Report.history.count(), WorkflowEvent.objects.count())
    response = getattr(login("bangda.admin"), method)(reverse(name), {"kind": "report"})
    assert response.status_code == 405
    assert (Report.history.count(), WorkflowEvent.objects.count()) == before


def _audit_models() -> set[type]:
    from reporting.audit.selectors import SOURCES

    return {s.history_model for s in SOURCES} | {WorkflowEvent}


def test_admin_registers_audit_rows_read_only_or_not_at_all():
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="bangda.admin")
    audit_models = _audit_models()
    for model, model_admin in admin.site._registry.items():
        is_history = model.__name__.startswith("Historical") or model in audit_models
        if not is_history:
            continue
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model


def _views(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _views(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_no_api_endpoint_writes_audit_rows():
    """Any DRF endpoint over a history table or WorkflowEvent must be read-only."""
    audit_models = _audit_models()
    unsafe = {"post", "put", "patch", "delete"}
    for route, callback in _views(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None)
        queryset = getattr(cls, "queryset", None)
        model = getattr(queryset, "model", None)
        if model is None:
            continue
        if model in audit_models or model.__name__.startswith("Historical"):
            actions = getattr(callback, "actions", None) or {}
            methods = (
                set(actions) if actions else {m for m in cls.http_method_names if hasattr(cls, m)}
            )
            assert not (methods & unsafe), f"{route} can write {model.__name__}"


def test_every_audited_model_keeps_history():
    from reporting.audit.selectors import SOURCES

    for source in SOURCES:
        assert hasattr(source.model, "history"), source.model_path


# ---------------------------------------------------------------- completeness


def test_every_step_and_change_in_scope_is_listed(login):
    """The trail of Klaten's auditor holds exactly Klaten's workflow steps and report changes."""
    _touch("33.10", "AUDIT-COUNT")
    client = login("klaten.inspektorat")
    url = reverse("reporting:audit_trail")
    steps = WorkflowEvent.objects.filter(region__code="33.10").count()
    changes = Report.history.filter(region__code="33.10").count()
    assert steps and changes
    assert client.get(url, {"kind": "workflow"}).context["page"].paginator.count == steps
    assert client.get(url, {"kind": "report"}).context["page"].paginator.count == changes


def test_a_save_through_the_service_is_traced_with_user_and_values(login):
    from reporting.entry import services
    from reporting.entry.locks import entry_lock_reason

    operator = User.objects.get(username="klaten.dinkes")
    report = next(
        r
        for r in Report.objects.filter(region__code="33.10", agency__short_name="DINKES")
        if entry_lock_reason(r, operator) is None
    )
    services.save_recipients(report.pk, operator, report.version, served=424242, breakdown={})
    html = (
        login("klaten.inspektorat")
        .get(reverse("reporting:audit_trail"), {"kind": "report", "user": "klaten.dinkes"})
        .content.decode()
    )
    assert "424242" in html or "424.242" in html


def test_pages_merge_all_tables_newest_first(login):
    for i in range(3):
        _touch("33.10", f"AUDIT-ORDER-{i}")
        _event("33.10", f"AUDIT-ORDER-EVENT-{i}")
    client = login("bangda.admin")
    url = reverse("reporting:audit_trail")
    first = client.get(url).context["entries"]
    second = client.get(url, {"page": 2}).context["entries"]
    times = [e.at for e in first + second]
    assert times == sorted(times, reverse=True)
    assert {"workflow", "report"} <= {e.kind for e in first}
