"""The region's action plan (rencana aksi): kept by its verifier per year, shown on the report,
review and submission pages, served through the scoping layer, in the API.

The demo: Klaten 2026 has a set plan (Perbup No. 12 Tahun 2026 of 16 February 2026, five
commitments, a PDF); Kota Serang a draft; Ngawi none.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from regions.models import Region, User
from reporting import workflow
from reporting.audit.selectors import AuditFilters, iter_entries
from reporting.models import ActionPlan, ActionPlanCommitment, RegionSubmission
from reporting.plans import selectors, services
from tests.factories_reporting import PDF_BYTES, PNG_BYTES, demo_report

pytestmark = pytest.mark.django_db
YEAR = 2026


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, settings):
    """Uploads of these tests go to a temporary private storage (the demo's files stay)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    storages._storages.pop("private", None)
    yield
    storages._storages.pop("private", None)


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def edit_url(code: str, year: int = YEAR) -> str:
    return reverse("reporting:action_plan_edit", kwargs={"code": code, "year": year})


def page_url(code: str, year: int = YEAR) -> str:
    return reverse("reporting:action_plan", kwargs={"code": code, "year": year})


def file_url(code: str, year: int = YEAR) -> str:
    return reverse("reporting:action_plan_file", kwargs={"code": code, "year": year})


def plan_state(code: str) -> list:
    return list(ActionPlan.objects.filter(region__code=code).order_by("pk").values()) + list(
        ActionPlanCommitment.objects.filter(plan__region__code=code).order_by("pk").values()
    )


def ngawi_post(**over) -> dict:
    data = {
        "version": "0",
        "status": "set",
        "number": "7 Tahun 2026",
        "date": "2026-03-02",
        "title": "Rencana Aksi Penerapan SPM Kabupaten Ngawi Tahun 2026",
        "c_K-KES-01": "Kunjungan ibu hamil di seluruh Puskesmas",
        "b_K-KES-01": "1.500.000",
        "c_K-DIK-01": "",
        "b_K-DIK-01": "",
    }
    data.update(over)
    return data


# ---------------------------------------------------------------- the demo and the page


def test_demo_klaten_has_a_set_plan_ngawi_none():
    klaten = ActionPlan.objects.get(region__code="33.10", year=YEAR)
    assert klaten.status == "set" and klaten.number == "12 Tahun 2026"
    assert klaten.date == dt.date(2026, 2, 16)
    assert sorted(klaten.commitments.values_list("service_type__code", flat=True)) == [
        "K-DIK-02",
        "K-KES-01",
        "K-KES-04",
        "K-PU-01",
        "K-SOS-05",
    ]
    assert klaten.file and klaten.content_type == "application/pdf"
    assert klaten.history.first().history_user.username == "klaten.tapem"
    assert not ActionPlan.objects.filter(region__code="35.21").exists()
    assert ActionPlan.objects.get(region__code="36.73", year=YEAR).status == "draft"


def test_plan_page_shows_regulation_and_commitments_in_indonesian_format():
    html = client_for("klaten.dinkes").get(page_url("33.10")).content.decode()
    assert "Peraturan Bupati" in html and "12 Tahun 2026" in html
    assert "16 Februari 2026" in html
    assert "Rp1.250.000.000" in html  # K-KES-01's budget
    # A commitment without an amount shows a dash, never "None" or 0.
    assert "None" not in html
    # Only the verifier gets the edit button.
    assert edit_url("33.10") not in html
    assert edit_url("33.10") in client_for("klaten.tapem").get(page_url("33.10")).content.decode()


def test_plan_page_for_a_region_without_one_says_so():
    response = client_for("ngawi.tapem").get(page_url("35.21"))
    assert response.status_code == 200
    assert "belum mencatat rencana aksi" in response.content.decode()


def test_years_outside_the_range_and_the_national_root_are_absent():
    tapem = client_for("klaten.tapem")
    assert tapem.get(page_url("33.10", 2018)).status_code == 404
    assert tapem.get(page_url("33.10", dt.date.today().year + 2)).status_code == 404
    assert client_for("bangda.admin").get(page_url("00")).status_code == 404


# ---------------------------------------------------------------- writes


def test_verifier_creates_a_plan_with_file_and_commitments():
    upload = SimpleUploadedFile("perbup-ngawi.pdf", PDF_BYTES, content_type="application/pdf")
    response = client_for("ngawi.tapem").post(edit_url("35.21"), {**ngawi_post(), "file": upload})
    assert response.status_code == 302, response.content.decode()
    plan = ActionPlan.objects.get(region__code="35.21", year=YEAR)
    assert (plan.status, plan.number, plan.date, plan.version) == (
        "set",
        "7 Tahun 2026",
        dt.date(2026, 3, 2),
        1,
    )
    assert plan.original_name == "perbup-ngawi.pdf" and plan.size == len(PDF_BYTES)
    assert [(c.service_type.code, c.commitment, c.budget) for c in plan.commitments.all()] == [
        ("K-KES-01", "Kunjungan ibu hamil di seluruh Puskesmas", 1_500_000)
    ]
    assert plan.updated_by.username == "ngawi.tapem"
    assert plan.history.first().history_user.username == "ngawi.tapem"
    assert plan.commitments.first().history.first().history_user.username == "ngawi.tapem"


def test_update_replaces_commitments_and_keeps_unchanged_rows():
    klaten = Region.objects.get(code="33.10")
    tapem = User.objects.get(username="klaten.tapem")
    plan = ActionPlan.objects.get(region=klaten, year=YEAR)
    kes01 = plan.commitments.get(service_type__code="K-KES-01")
    before_rows = kes01.history.count()
    services.save_action_plan(
        tapem,
        klaten,
        YEAR,
        services.PlanInput("set", plan.number, plan.date, plan.title),
        [
            services.CommitmentInput("K-KES-01", kes01.commitment, kes01.budget),
            services.CommitmentInput("K-KES-02", "Persalinan di fasilitas kesehatan", None),
        ],
        seen_version=plan.version,
    )
    plan.refresh_from_db()
    assert sorted(plan.commitments.values_list("service_type__code", flat=True)) == [
        "K-KES-01",
        "K-KES-02",
    ]
    # The unchanged row was not rewritten: no new history row, same id.
    assert plan.commitments.get(service_type__code="K-KES-01").pk == kes01.pk
    assert kes01.history.count() == before_rows
    # The removed ones left a deletion attributed to the verifier.
    gone = ActionPlanCommitment.history.filter(
        plan_id=plan.pk, service_type__code="K-PU-01", history_type="-"
    ).get()
    assert gone.history_user == tapem


@pytest.mark.parametrize(
    "over, field, message",
    [
        ({"number": ""}, "number", "harus mempunyai nomor peraturan"),
        ({"date": ""}, "date", "harus mempunyai tanggal penetapan"),
        ({"title": " \u200b "}, "title", "Isi judul rencana aksi"),
        ({"date": "2099-01-01"}, "date", "tidak boleh setelah hari ini"),
        ({"b_K-KES-01": "-5"}, "b_K-KES-01", "tidak boleh negatif"),
        ({"c_K-KES-01": "", "b_K-KES-01": "2.000"}, None, "isi komitmennya"),
    ],
)
def test_refusals_keep_what_was_typed(over, field, message):
    before = plan_state("35.21")
    response = client_for("ngawi.tapem").post(edit_url("35.21"), ngawi_post(**over))
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    if field:
        assert "field-error" in html
    assert "7 Tahun 2026" in html or over.get("number") == ""
    assert plan_state("35.21") == before


def test_a_draft_needs_only_its_title_and_none_needs_nothing():
    klaten = Region.objects.get(code="35.21")
    tapem = User.objects.get(username="ngawi.tapem")
    plan = services.save_action_plan(
        tapem, klaten, YEAR, services.PlanInput("draft", title="Rancangan"), seen_version=0
    )
    assert plan.status == "draft" and plan.version == 1
    plan = services.save_action_plan(
        tapem, klaten, YEAR, services.PlanInput("none"), seen_version=1
    )
    assert plan.status == "none" and plan.version == 2


def test_a_service_type_the_region_does_not_report_is_refused():
    region = Region.objects.get(code="33.10")
    tapem = User.objects.get(username="klaten.tapem")
    plan = ActionPlan.objects.get(region=region, year=YEAR)
    with pytest.raises(ValidationError) as err:
        services.save_action_plan(
            tapem,
            region,
            YEAR,
            services.PlanInput("set", plan.number, plan.date, plan.title),
            [services.CommitmentInput("P-DIK-01", "Pendidikan menengah", None)],
            seen_version=plan.version,
        )
    assert "P-DIK-01 bukan jenis pelayanan wilayah ini" in " ".join(err.value.messages)


def test_a_stale_save_is_refused_and_offers_the_current_version():
    tapem = client_for("klaten.tapem")
    plan = ActionPlan.objects.get(region__code="33.10", year=YEAR)
    seen = plan.version
    form = {
        "version": str(seen),
        "status": "set",
        "number": plan.number,
        "date": plan.date.isoformat(),
        "title": "Judul diubah pertama",
    }
    assert tapem.post(edit_url("33.10"), form).status_code == 302
    before = plan_state("33.10")
    second = tapem.post(edit_url("33.10"), {**form, "title": "Judul diubah kedua"})
    assert second.status_code == 409
    html = second.content.decode()
    assert "sudah diubah oleh" in html
    assert f'name="version" value="{seen + 1}"' in html
    assert plan_state("33.10") == before


def test_the_service_refuses_anyone_but_the_verifier():
    region = Region.objects.get(code="33.10")
    for username in ("jateng.biro", "klaten.dinkes", "klaten.inspektorat", "kemenkes.viewer"):
        with pytest.raises(PermissionDenied):
            services.save_action_plan(
                User.objects.get(username=username),
                region,
                YEAR,
                services.PlanInput("none"),
                seen_version=None,
            )


@pytest.mark.parametrize(
    "username, status",
    [
        ("ngawi.tapem", 404),  # another kab/kota: not even visible
        ("serang.tapem", 404),
        ("jatim.biro", 404),
        ("jateng.biro", 403),  # its province sees it, does not keep it
        ("klaten.dinkes", 403),
        ("klaten.inspektorat", 403),
        ("kemenkes.viewer", 403),
    ],
)
def test_edit_refused_404_outside_403_inside(username, status):
    before = plan_state("33.10")
    client = client_for(username)
    assert client.get(edit_url("33.10")).status_code == status
    response = client.post(edit_url("33.10"), {**ngawi_post(), "version": "1"})
    assert response.status_code == status
    assert plan_state("33.10") == before


# ---------------------------------------------------------------- the file


def test_only_a_pdf_is_accepted_checked_by_content():
    client = client_for("ngawi.tapem")
    png = SimpleUploadedFile("perbup.png", PNG_BYTES, content_type="image/png")
    response = client.post(edit_url("35.21"), {**ngawi_post(), "file": png})
    assert response.status_code == 422
    assert "harus berupa PDF" in response.content.decode()
    fake = SimpleUploadedFile("perbup.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(edit_url("35.21"), {**ngawi_post(), "file": fake})
    assert response.status_code == 422
    assert "Isi berkas tidak sesuai" in response.content.decode()
    assert not ActionPlan.objects.filter(region__code="35.21").exists()


def test_file_download_is_permission_checked():
    upload = SimpleUploadedFile("perbup-ngawi.pdf", PDF_BYTES, content_type="application/pdf")
    client_for("ngawi.tapem").post(edit_url("35.21"), {**ngawi_post(), "file": upload})
    got = client_for("ngawi.dinkes").get(file_url("35.21"))
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PDF_BYTES
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Disposition"].startswith("attachment")
    assert "perbup-ngawi.pdf" in got["Content-Disposition"]
    assert client_for("jatim.biro").get(file_url("35.21")).status_code == 200
    assert client_for("klaten.tapem").get(file_url("35.21")).status_code == 404
    assert client_for("jateng.biro").get(file_url("35.21")).status_code == 404
    assert Client().get(file_url("35.21")).status_code == 302
    # A plan without a file (Serang's draft) has nothing to download.
    assert client_for("serang.tapem").get(file_url("36.73")).status_code == 404


# ---------------------------------------------------------------- shown with every quarter


def test_report_and_review_pages_show_the_plan_line():
    report = demo_report("33.10", "K-KES-03")
    html = (
        client_for("klaten.dinkes")
        .get(reverse("reporting:report_detail", kwargs={"pk": report.pk}))
        .content.decode()
    )
    assert "Rencana aksi 2026" in html
    assert "Perbup No. 12 Tahun 2026 (ditetapkan 16 Februari 2026)" in html
    review = (
        client_for("klaten.tapem")
        .get(reverse("reporting:report_review", kwargs={"pk": report.pk}))
        .content.decode()
    )
    line = review.index('data-testid="plan-line"')
    assert "Perbup No. 12 Tahun 2026" in review[line : line + 400]
    # In the header, before the summary and the data-quality block.
    assert line < review.index('id="summary"')
    ngawi = demo_report("35.21", "K-KES-03")
    html = (
        client_for("ngawi.dinkes")
        .get(reverse("reporting:report_detail", kwargs={"pk": ngawi.pk}))
        .content.decode()
    )
    line = html.index('data-testid="plan-line"')
    assert "belum ada" in html[line : line + 400]


def _submission(code: str) -> RegionSubmission:
    return RegionSubmission.objects.get(region__code=code, period__year=YEAR, period__quarter=3)


def test_submission_page_warns_when_the_plan_is_missing_or_a_draft():
    ngawi = _submission("35.21")
    html = (
        client_for("ngawi.tapem")
        .get(reverse("reporting:submission_detail", kwargs={"pk": ngawi.pk}))
        .content.decode()
    )
    warnings = html[html.index('data-testid="submission-warnings"') :]
    assert "Rencana aksi penerapan SPM tahun 2026 belum ada." in warnings
    assert page_url("35.21") in warnings
    serang = _submission("36.73")
    assert [w.message for w in workflow.region_warnings(serang)] == [
        "Rencana aksi penerapan SPM tahun 2026 masih rancangan (belum ditetapkan)."
    ]
    klaten = _submission("33.10")
    assert workflow.region_warnings(klaten) == []
    html = (
        client_for("klaten.tapem")
        .get(reverse("reporting:submission_detail", kwargs={"pk": klaten.pk}))
        .content.decode()
    )
    assert 'data-testid="submission-warnings"' not in html


def test_the_warning_never_blocks_submitting():
    sub = _submission("35.21")
    messages = [p.message for p in workflow.region_problems(sub)]
    assert not any("Rencana aksi" in m for m in messages)


# ---------------------------------------------------------------- audit trail


def test_changes_are_in_the_audit_trail():
    region = Region.objects.get(code="35.21")
    tapem = User.objects.get(username="ngawi.tapem")
    services.save_action_plan(
        tapem,
        region,
        YEAR,
        services.PlanInput("draft", title="Rancangan Ngawi"),
        [services.CommitmentInput("K-KES-02", "Persalinan aman", 5_000)],
        seen_version=0,
    )
    rows = list(iter_entries(tapem, AuditFilters(kind="action_plan"), 50))
    assert any(r.region == "35.21" and r.user == "ngawi.tapem" for r in rows)
    rows = list(iter_entries(tapem, AuditFilters(kind="action_plan_commitment"), 50))
    assert any("K-KES-02" in r.subject for r in rows)
    # Another kab/kota's verifier does not read Ngawi's trail.
    klaten = User.objects.get(username="klaten.tapem")
    klaten_rows = list(iter_entries(klaten, AuditFilters(kind="action_plan"), 50))
    assert all(r.region != "35.21" for r in klaten_rows)


# ---------------------------------------------------------------- API


def test_api_list_shape_and_scoping():
    body = api("klaten.dinkes").get("/api/v1/action-plans/").json()
    assert body["count"] == 1
    plan = body["results"][0]
    assert plan["region"] == "33.10" and plan["year"] == YEAR and plan["status"] == "set"
    assert plan["instrument"] == "Peraturan Bupati" and plan["number"] == "12 Tahun 2026"
    assert plan["date"] == "2026-02-16"
    assert plan["file_url"] == f"/api/v1/action-plans/{plan['id']}/file/"
    assert {c["service_type"]: c["budget"] for c in plan["commitments"]}["K-KES-01"] == (
        1_250_000_000
    )
    assert set(plan) >= {"version", "updated_by", "updated_at", "title", "level", "region_name"}
    assert api("ngawi.tapem").get("/api/v1/action-plans/").json()["count"] == 0
    jateng = {
        p["region"] for p in api("jateng.biro").get("/api/v1/action-plans/").json()["results"]
    }
    assert jateng == {"33.10"}
    everything = api("bangda.admin").get("/api/v1/action-plans/?year=2026").json()["results"]
    assert {p["region"]: p["status"] for p in everything} == {"33.10": "set", "36.73": "draft"}
    drafts = api("bangda.admin").get("/api/v1/action-plans/?status=draft").json()
    assert [p["region"] for p in drafts["results"]] == ["36.73"]
    # The health ministry reads the plans, with only the health commitments.
    kes = api("kemenkes.viewer").get("/api/v1/action-plans/?region=33.10").json()["results"][0]
    assert [c["service_type"] for c in kes["commitments"]] == ["K-KES-01", "K-KES-04"]


def test_api_detail_has_an_etag_and_is_404_outside():
    plan = ActionPlan.objects.get(region__code="33.10", year=YEAR)
    url = f"/api/v1/action-plans/{plan.pk}/"
    got = api("klaten.tapem").get(url)
    assert got.status_code == 200 and got["ETag"] == f'"{plan.version}"'
    assert api("ngawi.tapem").get(url).status_code == 404
    assert Client().get(url).status_code in (401, 403)


def test_api_create_update_and_refusals():
    ngawi = api("ngawi.tapem")
    body = {
        "region": "35.21",
        "year": YEAR,
        "status": "draft",
        "title": "Rancangan Rencana Aksi Ngawi",
        "commitments": [{"service_type": "K-KES-01", "commitment": "Ibu hamil", "budget": 100}],
    }
    assert (
        api("jatim.biro")
        .post("/api/v1/action-plans/", body, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        api("klaten.tapem")
        .post("/api/v1/action-plans/", body, content_type="application/json")
        .status_code
        == 404
    )
    created = ngawi.post("/api/v1/action-plans/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    plan_id, version = created.json()["id"], created.json()["version"]
    assert created["ETag"] == '"1"' and version == 1
    again = ngawi.post("/api/v1/action-plans/", body, content_type="application/json")
    assert again.status_code == 409
    url = f"/api/v1/action-plans/{plan_id}/"
    no_version = ngawi.patch(url, {"status": "set"}, content_type="application/json")
    assert no_version.status_code == 400 and "version" in no_version.json()["errors"]
    incomplete = ngawi.patch(url, {"status": "set", "version": 1}, content_type="application/json")
    assert incomplete.status_code == 400
    assert set(incomplete.json()["errors"]) == {"number", "date"}
    done = ngawi.patch(
        url,
        {"status": "set", "number": "7 Tahun 2026", "date": "2026-03-02"},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "set" and done.json()["version"] == 2
    # Commitments kept when not sent.
    assert [c["service_type"] for c in done.json()["commitments"]] == ["K-KES-01"]
    stale = ngawi.patch(
        url, {"title": "x"}, content_type="application/json", headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412 and stale.json()["current"]["version"] == 2
    stale_body = ngawi.patch(url, {"title": "x", "version": 1}, content_type="application/json")
    assert stale_body.status_code == 409
    for username, code in (("jatim.biro", 403), ("ngawi.dinkes", 403), ("klaten.tapem", 404)):
        refused = api(username).patch(
            url, {"title": "x", "version": 2}, content_type="application/json"
        )
        assert refused.status_code == code, username
    assert ActionPlan.objects.get(pk=plan_id).title == "Rancangan Rencana Aksi Ngawi"


def test_api_file_upload_and_download():
    plan = ActionPlan.objects.get(region__code="36.73", year=YEAR)
    url = f"/api/v1/action-plans/{plan.pk}/file/"
    serang = api("serang.tapem")
    assert serang.get(url).status_code == 404  # no file yet
    bad = serang.post(url, {"file": SimpleUploadedFile("a.pdf", b"not a pdf"), "version": 1})
    assert bad.status_code == 400 and "file" in bad.json()["errors"]
    refused = api("banten.biro").post(
        url, {"file": SimpleUploadedFile("a.pdf", PDF_BYTES), "version": 1}
    )
    assert refused.status_code == 403
    up = serang.post(url, {"file": SimpleUploadedFile("rancangan.pdf", PDF_BYTES), "version": 1})
    assert up.status_code == 200, up.content
    assert up.json()["file_name"] == "rancangan.pdf" and up.json()["version"] == 2
    got = api("banten.biro").get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF_BYTES
    assert api("klaten.tapem").get(url).status_code == 404


def test_schema_documents_the_endpoints():
    schema = Client().get("/api/v1/schema/?format=json").json()
    assert "/api/v1/action-plans/" in schema["paths"]
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/action-plans/"])
    assert "patch" in schema["paths"]["/api/v1/action-plans/{id}/"]
    assert "/api/v1/action-plans/{id}/file/" in schema["paths"]


def test_share_of_regions_with_a_set_plan_names_its_denominator():
    ids = Region.objects.filter(
        code__in=["31", "33", "33.10", "35", "35.21", "36", "36.73"]
    ).values_list("pk", flat=True)
    share = selectors.set_share(ids, YEAR)
    # Klaten only: 1 of 7 = 14.285…% → 14,29%.
    assert (share.count, share.total) == (1, 7)
    assert share.text == "1 dari 7 wilayah (14,29%)"


# ---------------------------------------------------------------- recap, dashboards, documents


def _tw3():
    from reporting.models import Period

    return Period.objects.get(year=YEAR, quarter=3)


def test_recap_has_a_plan_column_per_kabkota():
    from reporting import recap

    jateng = recap.build(Region.objects.get(code="33"), _tw3())
    klaten = next(r for r in jateng.rows if r.region.code == "33.10")
    assert (klaten.plan_status, klaten.plan_label, klaten.plan.number) == (
        "set",
        "Ditetapkan",
        "12 Tahun 2026",
    )
    # The province's own row: Jawa Tengah has no plan recorded.
    assert jateng.own.plan_label == "Belum ada"
    # Jawa Tengah's 35 kab/kota (29 kabupaten, 6 kota): Klaten alone, 1/35 = 2,857…% → 2,86%.
    assert len(jateng.kabkota) == 35
    assert jateng.plan_share.text == "1 dari 35 wilayah (2,86%)"
    assert {r.plan_label for r in jateng.kabkota if r.region.code != "33.10"} == {"Belum ada"}
    jatim = recap.build(Region.objects.get(code="35"), _tw3())
    ngawi = next(r for r in jatim.kabkota if r.region.code == "35.21")
    assert ngawi.plan_label == "Belum ada"
    assert jatim.plan_share.text == "0 dari 38 wilayah (0,00%)"
    banten = recap.build(Region.objects.get(code="36"), _tw3())
    serang = next(r for r in banten.kabkota if r.region.code == "36.73")
    assert serang.plan_label == "Rancangan"
    # A draft is not a set plan: Banten's 8 kab/kota, none set.
    assert banten.plan_share.text == "0 dari 8 wilayah (0,00%)"


def test_recap_page_and_excel_show_the_column():
    from openpyxl import load_workbook

    sub = _submission("33")
    client = client_for("jateng.biro")
    html = client.get(reverse("reporting:recap", kwargs={"pk": sub.pk})).content.decode()
    assert "Rencana aksi" in html
    cell = html[html.index('data-testid="recap-plan"', html.index("Klaten")) :]
    assert "Ditetapkan" in cell[:300] and "12 Tahun 2026" in cell[:300]
    assert "1 dari 35 wilayah (2,86%)" in html
    content = client.get(reverse("reporting:recap_xlsx", kwargs={"pk": sub.pk})).content
    import io

    ws = load_workbook(io.BytesIO(content)).active
    header = [c.value for c in ws[4]]
    klaten = next(
        [c.value for c in row] for row in ws.iter_rows(min_row=5) if row[0].value == "33.10"
    )
    assert klaten[header.index("Rencana aksi")] == "Ditetapkan"
    assert klaten[header.index("Nomor peraturan rencana aksi")] == "12 Tahun 2026"


def test_dashboards_show_the_share_with_its_denominator():
    # The TW III universe: 38 provinces, 415 kabupaten, 93 kota = 546 regions. Klaten alone
    # has a set plan: 1/546 = 0,183…% → 0,18%; kabupaten 1/415 = 0,240…% → 0,24%. Serang's
    # draft does not count.
    from reporting.dashboards import selectors as dashboards

    bangda = User.objects.get(username="bangda.admin")
    dash = dashboards.national_dashboard(bangda, YEAR, 3)
    assert dash.plan_share.text == "1 dari 546 wilayah (0,18%)"
    assert [(label, s.text) for label, s in dash.plan_level_shares] == [
        ("Provinsi", "0 dari 38 wilayah (0,00%)"),
        ("Kabupaten", "1 dari 415 wilayah (0,24%)"),
        ("Kota", "0 dari 93 wilayah (0,00%)"),
    ]
    html = (
        client_for("bangda.admin")
        .get(reverse("reporting:dashboard_national"), {"year": YEAR, "quarter": 3})
        .content.decode()
    )
    section = html[html.index('data-testid="plan-share"') :]
    assert "1 dari 546 wilayah (0,18%)" in section[:600]
    # Serang's plan set: 2/546 = 0,366…% → 0,37%; the kota 1/93 = 1,075…% → 1,08%.
    serang = Region.objects.get(code="36.73")
    plan = ActionPlan.objects.get(region=serang, year=YEAR)
    services.save_action_plan(
        User.objects.get(username="serang.tapem"),
        serang,
        YEAR,
        services.PlanInput("set", "3 Tahun 2026", dt.date(2026, 4, 1), plan.title),
        seen_version=plan.version,
    )
    dash = dashboards.national_dashboard(bangda, YEAR, 3)
    assert dash.plan_share.text == "2 dari 546 wilayah (0,37%)"
    assert dict((label, s.text) for label, s in dash.plan_level_shares)["Kota"] == (
        "1 dari 93 wilayah (1,08%)"
    )
    # The province dashboard counts Jawa Tengah and its 35 kab/kota: 1/36 = 2,777…% → 2,78%.
    html = (
        client_for("jateng.biro")
        .get(reverse("reporting:dashboard_province", args=["33"]), {"year": YEAR, "quarter": 3})
        .content.decode()
    )
    assert "1 dari 36 wilayah (2,78%)" in html[html.index('data-testid="plan-share"') :]


def test_annex_data_names_the_plan_and_its_commitments():
    from reporting.documents import pdf

    data = pdf.report_data(Region.objects.get(code="33.10"), YEAR)
    assert data["plan_status"] == "Ditetapkan"
    assert data["plan_text"] == (
        "Peraturan Bupati Klaten Nomor 12 Tahun 2026 tanggal 16 Februari 2026 tentang "
        "Rencana Aksi Penerapan SPM Kabupaten Klaten Tahun 2026 (Data demo)"
    )
    kes01 = next(c for c in data["commitments"] if c["code"] == "K-KES-01")
    assert kes01["budget"] == "Rp1.250.000.000"
    assert next(c for c in data["commitments"] if c["code"] == "K-PU-01")["budget"] == "–"
    assert pdf.report_data(Region.objects.get(code="35.21"), YEAR)["plan_status"] == "Belum ada"
    jatim = pdf.report_data(Region.objects.get(code="35"), YEAR)
    ngawi = next(r for r in jatim["recap"] if r["code"] == "35.21")
    assert (ngawi["plan"], ngawi["team"]) == ("Belum ada", "Belum ada")
    assert jatim["recap_plan_share"] == "0 dari 38 kabupaten/kota (0,00%)"
    jateng = pdf.report_data(Region.objects.get(code="33"), YEAR)
    assert jateng["recap_plan_share"] == "1 dari 35 kabupaten/kota (2,86%)"


def test_quarter_pdf_prints_the_plan():
    import io

    from pypdf import PdfReader

    from reporting.documents import pdf

    content = pdf.quarter_pdf(Region.objects.get(code="33.10"), _tw3())
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "RENCANA AKSI DAN TIM PENERAPAN SPM" in text  # headings are set in capitals
    assert "Peraturan Bupati Klaten Nomor 12 Tahun 2026" in text
    assert "Rp1.250.000.000" in text


def test_query_counts_are_pinned(django_assert_max_num_queries):
    tapem = client_for("klaten.tapem")
    for name, most in (("action_plan", 11), ("action_plan_edit", 10)):
        url = reverse(f"reporting:{name}", kwargs={"code": "33.10", "year": YEAR})
        tapem.get(url)  # the session and the user's grants warm up once
        with django_assert_max_num_queries(most):
            assert tapem.get(url).status_code == 200
    bangda = api("bangda.admin")
    bangda.get("/api/v1/action-plans/")
    with django_assert_max_num_queries(6):
        assert bangda.get("/api/v1/action-plans/").status_code == 200
