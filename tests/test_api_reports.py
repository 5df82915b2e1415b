"""Reports through the API: updates with version/If-Match, workflow steps, evidence, dashboards.

Klaten's TW III of the demo (reporting.demo): K-KES-01 draft and complete, K-KES-02 draft and
incomplete, K-KES-03/05 submitted, K-KES-04 returned.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from regions.models import User
from reporting.dashboards import selectors as dashboards
from reporting.entry import services
from reporting.models import BudgetLine, Evidence, Report, WorkflowEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def klaten(code: str) -> Report:
    return (
        Report.objects.filter(region__code="33.10", service_type__code=code)
        .order_by("-period__year", "-period__quarter")
        .first()
    )


def detail(report: Report) -> str:
    return reverse("api:report-detail", kwargs={"pk": report.pk})


def step(report: Report, name: str) -> str:
    return reverse(f"api:report-{name}", kwargs={"pk": report.pk})


def patch(client: Client, report: Report, body: dict, **headers) -> object:
    return client.patch(detail(report), body, content_type="application/json", headers=headers)


# ---------------------------------------------------------------- reading


def test_report_has_nested_data_capaian_and_etag():
    report = klaten("K-KES-01")
    response = api("klaten.dinkes").get(detail(report))
    assert response.status_code == 200
    body = response.json()
    assert response["ETag"] == f'"{report.version}"'
    assert body["region"] == "33.10" and body["service_type"] == "K-KES-01"
    assert set(body["capaian"]) >= {"recipients_pct", "quality_pct", "index", "band"}
    assert body["capaian"]["index"] == str(report.capaian_index.quantize(Decimal("0.01")))
    assert len(body["stages"]) == 4 and body["quality"]


def test_report_filters():
    client = api("bangda.admin")
    body = client.get(
        reverse("api:report-list"),
        {"region": "33.10", "service_type": "K-KES-04", "year": 2026, "quarter": 3},
    ).json()
    assert body["count"] == 1 and body["results"][0]["status"] == "returned"
    kes = api("kemenkes.viewer").get(reverse("api:report-list"), {"page_size": 500}).json()
    assert kes["count"] and {r["sector"] for r in kes["results"]} == {"KES"}


# ---------------------------------------------------------------- updates


def test_operator_updates_sections_and_capaian_follows():
    report = klaten("K-KES-01")
    item = report.quality.select_related("quality_item").filter(quality_item__has_quantity=True)[0]
    body = {
        "version": report.version,
        "recipients_served": 7,
        "problems": "Data kohort terlambat (uji API).",
        "quality": [{"code": item.quality_item.code, "realised": "1.50"}],
        "stages": [{"stage": 1, "status": "done", "note": "selesai"}],
    }
    response = patch(api("klaten.dinkes"), report, body)
    assert response.status_code == 200, response.content
    data = response.json()
    report.refresh_from_db()
    assert report.recipients_served == 7 and report.problems.endswith("(uji API).")
    assert report.version > body["version"]
    assert data["version"] == report.version and response["ETag"] == f'"{report.version}"'
    assert data["capaian"]["index"] == str(report.capaian_index.quantize(Decimal("0.01")))
    item.refresh_from_db()
    assert item.realised == Decimal("1.50")
    last = report.history.first()
    assert last.history_user.username == "klaten.dinkes"


def test_stale_version_is_409_and_if_match_is_412_and_nothing_changes():
    report = klaten("K-KES-01")
    old = report.version
    ok = patch(api("klaten.dinkes"), report, {"version": old, "recipients_served": 11})
    assert ok.status_code == 200
    stale = patch(api("klaten.dinkes"), report, {"version": old, "recipients_served": 99})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict" and body["current"]["version"] == old + 1
    assert any(c["theirs"] == "11" and c["yours"] == "99" for c in body["current"]["changes"])
    pre = patch(api("klaten.dinkes"), report, {"recipients_served": 99}, **{"If-Match": f'"{old}"'})
    assert pre.status_code == 412
    report.refresh_from_db()
    assert report.recipients_served == 11 and report.version == old + 1
    fresh = patch(
        api("klaten.dinkes"),
        report,
        {"recipients_served": 12},
        **{"If-Match": f'"{report.version}"'},
    )
    assert fresh.status_code == 200


def test_version_is_required():
    report = klaten("K-KES-01")
    response = patch(api("klaten.dinkes"), report, {"recipients_served": 3})
    assert response.status_code == 400
    assert "version" in response.json()["errors"]


def test_form_rules_apply_and_a_bad_patch_changes_nothing():
    report = klaten("K-KES-01")
    before = (report.version, report.recipients_served, report.problems)
    response = patch(
        api("klaten.dinkes"),
        report,
        {
            "version": report.version,
            "recipients_served": -5,
            "problems": "x" * 6000,
            "quality": [{"code": "NOPE", "realised": "1"}],
            "stages": [{"stage": 9, "status": "done"}],
        },
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"recipients_served", "problems", "quality[0].code"} <= set(errors)
    assert "negatif" in errors["recipients_served"][0]
    report.refresh_from_db()
    assert (report.version, report.recipients_served, report.problems) == before


def test_text_in_numbers_is_a_field_error_not_a_500():
    report = klaten("K-KES-01")
    response = patch(
        api("klaten.dinkes"), report, {"version": report.version, "recipients_served": "banyak"}
    )
    assert response.status_code == 400
    assert "recipients_served" in response.json()["errors"]
    broken = api("klaten.dinkes").patch(
        detail(report), "{not json", content_type="application/json"
    )
    assert broken.status_code == 400


def test_only_the_owning_operator_writes():
    report = klaten("K-KES-01")
    before = report.version
    assert (
        patch(api("klaten.tapem"), report, {"version": before, "problems": "x"}).status_code == 403
    )
    assert (
        patch(api("klaten.dindik"), report, {"version": before, "problems": "x"}).status_code == 404
    )
    assert (
        patch(api("ngawi.dinkes"), report, {"version": before, "problems": "x"}).status_code == 404
    )
    report.refresh_from_db()
    assert report.version == before


def test_locked_report_is_409_with_the_lock_reason():
    report = klaten("K-KES-03")  # submitted: the form refuses edits too
    response = patch(api("klaten.dinkes"), report, {"version": report.version, "problems": "x"})
    assert response.status_code == 409
    assert response.json()["code"] == "locked"


# ---------------------------------------------------------------- workflow, as on the pages


def test_submit_through_the_api_is_the_pages_transition():
    report = klaten("K-KES-01")
    response = api("klaten.dinkes").post(
        step(report, "submit"), {"version": report.version}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    assert response.json()["report"]["status"] == report.status
    assert report.status in (Report.Status.SUBMITTED, Report.Status.AWAITING_HEAD)
    event = WorkflowEvent.objects.filter(report=report).last()
    assert (event.action, event.actor.username) == ("submit", "klaten.dinkes")
    again = api("klaten.dinkes").post(
        step(report, "submit"), {"version": report.version - 1}, content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["already_done"] is True


def test_incomplete_report_is_refused_by_api_and_page_alike():
    report = klaten("K-KES-02")
    response = api("klaten.dinkes").post(
        step(report, "submit"), {"version": report.version}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["current"]["problems"]
    page = Client()
    page.force_login(User.objects.get(username="klaten.dinkes"))
    refused = page.post(
        reverse("reporting:report_transition", kwargs={"pk": report.pk, "action": "submit"}),
        {"status": report.status, "version": report.version},
    )
    assert "Belum dapat dilanjutkan" in refused.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT
    assert not WorkflowEvent.objects.filter(report=report, action="submit").exists()


def test_verify_and_return_match_the_pages():
    via_api, via_page = klaten("K-KES-03"), klaten("K-KES-05")
    assert via_api.status == via_page.status == Report.Status.SUBMITTED
    seen = {"version": via_api.version}
    assert api("klaten.dinkes").post(step(via_api, "verify"), seen).status_code == 403
    response = api("klaten.tapem").post(step(via_api, "verify"), seen)
    assert response.status_code == 200
    page = Client()
    page.force_login(User.objects.get(username="klaten.tapem"))
    page.post(
        reverse("reporting:report_transition", kwargs={"pk": via_page.pk, "action": "verify"}),
        {"status": via_page.status, "version": via_page.version},
    )
    via_api.refresh_from_db()
    via_page.refresh_from_db()
    assert via_api.status == via_page.status == Report.Status.VERIFIED
    events = [
        WorkflowEvent.objects.filter(report=r).values("action", "from_status", "to_status").last()
        for r in (via_api, via_page)
    ]
    assert events[0] == events[1]
    assert api("ngawi.tapem").post(step(via_api, "reopen"), {"reason": "x"}).status_code == 404


def test_return_needs_a_reason():
    report = klaten("K-KES-06")
    assert report.status == Report.Status.SUBMITTED
    client = api("klaten.tapem")
    missing = client.post(
        step(report, "return"),
        {"reason": " ", "version": report.version},
        content_type="application/json",
    )
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    done = client.post(
        step(report, "return"),
        {"reason": "Lampirkan rekap."},
        content_type="application/json",
        headers={"If-Match": f'"{report.version}"'},
    )
    assert done.status_code == 200 and done.json()["report"]["status"] == "returned"
    assert WorkflowEvent.objects.filter(report=report).last().reason == "Lampirkan rekap."


# ---------------------------------------------------------------- evidence


def test_evidence_upload_list_download_with_page_rules(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    from django.core.files.storage import storages

    storages._storages.pop("private", None)
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = klaten("K-KES-01")
    client = api("klaten.dinkes")
    url = reverse("api:report-evidence", kwargs={"pk": report.pk})
    up = client.post(
        url,
        {"file": SimpleUploadedFile("kohort.pdf", PDF), "description": "Rekap", "stage": 1},
    )
    assert up.status_code == 201, up.content
    evidence_id = up.json()["id"]
    assert up.json()["stage"] == 1
    fake = client.post(url, {"file": SimpleUploadedFile("virus.pdf", b"MZ not a pdf at all")})
    assert fake.status_code == 400 and "file" in fake.json()["errors"]
    assert [e["id"] for e in api("klaten.tapem").get(url).json()] == [
        e.pk
        for e in Evidence.objects.filter(report=report, deleted_at__isnull=True).order_by(
            "-uploaded_at", "-id"
        )
    ]
    download = reverse(
        "api:report-evidence-download", kwargs={"pk": report.pk, "evidence_id": evidence_id}
    )
    got = api("klaten.tapem").get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert api("ngawi.dinkes").get(download).status_code == 404
    assert api("klaten.dindik").get(download).status_code == 404
    # The verifier sees it but may not add evidence to the agency's report.
    denied = api("klaten.tapem").post(url, {"file": SimpleUploadedFile("x.pdf", PDF)})
    assert denied.status_code == 403
    storages._storages.pop("private", None)


# ---------------------------------------------------------------- evidence: delete


@pytest.fixture
def private_tmp(tmp_path, settings):
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    storages._storages.pop("private", None)
    yield tmp_path
    storages._storages.pop("private", None)


def evidence_file(report: Report, name: str = "kohort.pdf") -> Evidence:
    import io

    operator = User.objects.get(username="klaten.dinkes")
    return services.add_evidence(report.pk, operator, io.BytesIO(PDF), name=name, size=len(PDF))


def remove_evidence(
    client: Client, evidence: Evidence, query: str = "", report: Report | None = None, **headers
) -> object:
    url = reverse(
        "api:report-evidence-item",
        kwargs={"pk": (report.pk if report else evidence.report_id), "evidence_id": evidence.pk},
    )
    return client.delete(url + query, headers=headers)


def test_operator_deletes_evidence_with_version_and_history(private_tmp):
    report = klaten("K-KES-01")
    evidence = evidence_file(report)
    report.refresh_from_db()
    seen = report.version
    client = api("klaten.dinkes")
    response = remove_evidence(client, evidence, **{"If-Match": f'"{seen}"'})
    assert response.status_code == 200, response.content
    assert response.json()["id"] == report.pk
    evidence.refresh_from_db()
    assert evidence.deleted_at is not None and evidence.deleted_by.username == "klaten.dinkes"
    # Like an upload, the delete leaves the report's version (the form's sections stay current).
    report.refresh_from_db()
    assert report.version == seen and response["ETag"] == f'"{seen}"'
    gone = Evidence.history.filter(id=evidence.pk).latest("history_date")
    assert gone.deleted_at is not None and gone.history_user.username == "klaten.dinkes"
    listed = client.get(reverse("api:report-evidence", kwargs={"pk": report.pk})).json()
    assert evidence.pk not in [e["id"] for e in listed]
    download = reverse(
        "api:report-evidence-download", kwargs={"pk": report.pk, "evidence_id": evidence.pk}
    )
    assert client.get(download).status_code == 404
    again = remove_evidence(client, evidence, **{"If-Match": f'"{seen}"'})
    assert again.status_code == 404
    other = evidence_file(report, "kedua.pdf")
    by_query = remove_evidence(client, other, f"?version={seen}")
    assert by_query.status_code == 200
    other.refresh_from_db()
    assert other.deleted_at is not None


def test_evidence_delete_needs_a_current_version_and_changes_nothing_otherwise(private_tmp):
    report = klaten("K-KES-01")
    evidence = evidence_file(report)
    report.refresh_from_db()
    seen = report.version
    client = api("klaten.dinkes")
    missing = remove_evidence(client, evidence)
    assert missing.status_code == 400 and "version" in missing.json()["errors"]
    bad = remove_evidence(client, evidence, "?version=abc")
    assert bad.status_code == 400 and "version" in bad.json()["errors"]
    bad_header = remove_evidence(client, evidence, **{"If-Match": "latest"})
    assert bad_header.status_code == 400 and "If-Match" in bad_header.json()["errors"]
    stale = remove_evidence(client, evidence, f"?version={seen - 1}")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict" and stale.json()["current"]["version"] == seen
    pre = remove_evidence(client, evidence, **{"If-Match": f'"{seen - 1}"'})
    assert pre.status_code == 412 and pre.json()["current"]["version"] == seen
    evidence.refresh_from_db()
    report.refresh_from_db()
    assert evidence.deleted_at is None and report.version == seen


def test_evidence_delete_only_by_the_owning_operator_only_its_report_only_while_editable(
    private_tmp,
):
    report = klaten("K-KES-01")
    evidence = evidence_file(report)
    report.refresh_from_db()
    header = {"If-Match": f'"{report.version}"'}
    assert remove_evidence(api("klaten.tapem"), evidence, **header).status_code == 403
    assert remove_evidence(api("klaten.kadinkes"), evidence, **header).status_code == 403
    assert remove_evidence(api("klaten.dindik"), evidence, **header).status_code == 404
    assert remove_evidence(api("ngawi.dinkes"), evidence, **header).status_code == 404
    # Another report's file (same agency, same period) is not there under this report.
    sibling = klaten("K-KES-02")
    elsewhere = remove_evidence(
        api("klaten.dinkes"), evidence, report=sibling, **{"If-Match": f'"{sibling.version}"'}
    )
    assert elsewhere.status_code == 404
    evidence.refresh_from_db()
    assert evidence.deleted_at is None
    locked = klaten("K-KES-03")  # submitted: the entry lock holds
    locked_file = Evidence.objects.create(
        report=locked,
        file="evidence/terkunci.pdf",
        original_name="terkunci.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        uploaded_by=User.objects.get(username="klaten.dinkes"),
    )
    response = remove_evidence(
        api("klaten.dinkes"), locked_file, **{"If-Match": f'"{locked.version}"'}
    )
    assert response.status_code == 409 and response.json()["code"] == "locked"
    locked_file.refresh_from_db()
    assert locked_file.deleted_at is None


# ---------------------------------------------------------------- dashboards


def test_input_status_is_the_dashboards_numbers():
    bangda = User.objects.get(username="bangda.admin")
    response = api("bangda.admin").get(
        reverse("api:dashboard-input-status"), {"year": 2026, "quarter": 3}
    )
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert [r["level"] for r in rows] == ["province", "kabupaten", "kota"]
    expected = dashboards.input_status(bangda, 2026, 3)
    for got, want in zip(rows, expected, strict=True):
        assert (got["total"], got["entered"], got["submitted"], got["accepted"]) == (
            want.total,
            want.entered,
            want.submitted,
            want.accepted,
        )
        assert got["entered_pct"] == (
            str(want.entered_pct) if want.entered_pct is not None else None
        )
    # The period's universe: DKI's six administrative units do not report (38 / 415 / 93).
    assert rows[1]["total"] == 415 and rows[2]["total"] == 93


def test_capaian_rollups_are_the_dashboards_numbers():
    bangda = User.objects.get(username="bangda.admin")
    client = api("bangda.admin")
    for by in ("sector", "service_type", "region"):
        body = client.get(
            reverse("api:dashboard-capaian"), {"year": 2026, "quarter": 2, "by": by}
        ).json()
        want = dashboards.capaian_rollup(bangda, 2026, 2, by)
        assert len(body["rows"]) == len(want)
        for got, row in zip(body["rows"], want, strict=True):
            assert got["key"] == row.key and got["reported"] == row.reported
            assert got["missing"] == row.missing
            shown = row.mean_display
            assert got["capaian"] == (str(shown) if shown is not None else None)


def test_dashboard_province_outside_scope_is_404_and_bad_params_400():
    client = api("jateng.biro")
    assert client.get(reverse("api:dashboard-capaian"), {"province": "35"}).status_code == 404
    ok = client.get(reverse("api:dashboard-input-status"), {"province": "33"})
    assert ok.status_code == 200
    bad = client.get(reverse("api:dashboard-capaian"), {"quarter": "7", "by": "planet"})
    assert bad.status_code == 400 and {"quarter", "by"} <= set(bad.json()["errors"])


def test_report_list_query_count_is_flat(django_assert_max_num_queries):
    client = api("bangda.admin")
    client.get(reverse("api:report-list"), {"page_size": 5})  # warm the per-user caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse("api:report-list"), {"page_size": 200})
    assert len(response.json()["results"]) == 200


# ---------------------------------------------------------------- budget lines: delete


def budget_line(report: Report, name: str = "Uji hapus") -> BudgetLine:
    operator = User.objects.get(username="klaten.dinkes")
    _, line = services.save_budget_line(
        report.pk,
        operator,
        None,
        None,
        {"activity_code": "1.02.02.2.02", "activity_name": name, "allocated": 5_000_000},
    )
    return line


def remove(client: Client, line: BudgetLine, query: str = "", **headers) -> object:
    url = reverse("api:report-budget-line", kwargs={"pk": line.report_id, "line_id": line.pk})
    return client.delete(url + query, headers=headers)


def test_operator_deletes_a_budget_line_with_version_and_history():
    report = klaten("K-KES-01")
    line = budget_line(report)
    report.refresh_from_db()
    seen = report.version
    response = remove(api("klaten.dinkes"), line, **{"If-Match": f'"{seen}"'})
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    assert not BudgetLine.objects.filter(pk=line.pk).exists()
    assert report.version == seen + 1 and response["ETag"] == f'"{report.version}"'
    assert line.pk not in [b["id"] for b in response.json()["budget_lines"]]
    gone = BudgetLine.history.filter(id=line.pk).latest("history_date")
    assert gone.history_type == "-" and gone.history_user.username == "klaten.dinkes"
    assert report.history.first().history_user.username == "klaten.dinkes"
    other = budget_line(report, "Kedua")
    report.refresh_from_db()
    by_query = remove(api("klaten.dinkes"), other, f"?version={report.version}")
    assert by_query.status_code == 200
    assert not BudgetLine.objects.filter(pk=other.pk).exists()


def test_budget_delete_needs_a_current_version_and_changes_nothing_otherwise():
    report = klaten("K-KES-01")
    line = budget_line(report)
    report.refresh_from_db()
    seen = report.version
    client = api("klaten.dinkes")
    missing = remove(client, line)
    assert missing.status_code == 400 and "version" in missing.json()["errors"]
    bad = remove(client, line, "?version=abc")
    assert bad.status_code == 400 and "version" in bad.json()["errors"]
    stale = remove(client, line, f"?version={seen - 1}")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict" and stale.json()["current"]["version"] == seen
    pre = remove(client, line, **{"If-Match": f'"{seen - 1}"'})
    assert pre.status_code == 412
    report.refresh_from_db()
    assert report.version == seen and BudgetLine.objects.filter(pk=line.pk).exists()


def test_budget_delete_only_by_the_owning_operator_and_only_while_editable():
    report = klaten("K-KES-01")
    line = budget_line(report)
    report.refresh_from_db()
    header = {"If-Match": f'"{report.version}"'}
    assert remove(api("klaten.tapem"), line, **header).status_code == 403
    assert remove(api("klaten.kadinkes"), line, **header).status_code == 403
    assert remove(api("klaten.dindik"), line, **header).status_code == 404
    assert remove(api("ngawi.dinkes"), line, **header).status_code == 404
    elsewhere = reverse(
        "api:report-budget-line",
        kwargs={"pk": klaten("K-KES-02").pk, "line_id": line.pk},
    )
    assert api("klaten.dinkes").delete(elsewhere, headers=header).status_code == 404
    assert BudgetLine.objects.filter(pk=line.pk).exists()
    locked = klaten("K-KES-03")  # submitted: the entry lock holds
    locked_line = BudgetLine.objects.create(
        report=locked, activity_code="1.02.02.2.02", activity_name="Terkunci", allocated=1
    )
    response = remove(api("klaten.dinkes"), locked_line, **{"If-Match": f'"{locked.version}"'})
    assert response.status_code == 409 and response.json()["code"] == "locked"
    assert BudgetLine.objects.filter(pk=locked_line.pk).exists()
