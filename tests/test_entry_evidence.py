"""Evidence files: content-checked types, size limit, private storage, permission-checked download."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from regions.models import User
from reporting.models import Evidence, Report
from tests.factories_reporting import EXE_BYTES, PDF_BYTES, PNG_BYTES, demo_report, xlsx_bytes

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def remove_stored_files():
    """Rows roll back with the test; the files the test stored are removed here (not the
    demo's shared stage document, which the seeded rows point to)."""
    before = set(Evidence.objects.values_list("pk", flat=True))
    yield
    for ev in Evidence.objects.exclude(pk__in=before):
        ev.file.storage.delete(ev.file.name)


@pytest.fixture
def report():
    return demo_report(code="K-KES-01")  # Klaten DINKES, draft


def upload(client, report, name, data, **extra):
    return client.post(
        reverse("reporting:evidence_upload", kwargs={"pk": report.pk}),
        {"file": SimpleUploadedFile(name, data), "description": "rekap", **extra},
        headers=HX,
    )


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("kohort.pdf", PDF_BYTES, "application/pdf"),
        ("foto.png", PNG_BYTES, "image/png"),
        ("rekap.xlsx", None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("rekap.csv", b"puskesmas;jumlah\nKlaten Tengah;120\n", "text/csv"),
    ],
)
def test_accepted_kinds_are_stored_privately(login, report, name, data, content_type):
    data = data if data is not None else xlsx_bytes()
    response = upload(login("klaten.dinkes"), report, name, data)
    assert response.status_code == 200, response.content.decode()[:400]
    ev = Evidence.objects.get(report=report, original_name=name)
    assert ev.content_type == content_type
    assert ev.size == len(data)
    assert ev.uploaded_by.username == "klaten.dinkes"
    storage = ev.file.storage
    assert storage.exists(ev.file.name)
    assert str(settings.STATIC_ROOT) not in storage.location
    assert login("klaten.dinkes").get("/" + ev.file.name).status_code == 404  # no public route
    assert name not in ev.file.name  # stored under a random name
    html = response.content.decode()
    assert name in html and "Operator DINKES" in html  # who uploaded what, listed


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("laporan.pdf", EXE_BYTES, "tidak sesuai"),  # an .exe renamed .pdf
        ("foto.pdf", PNG_BYTES, "tidak sesuai"),
        ("setup.exe", EXE_BYTES, "tidak diterima"),
        ("data.csv", b"\x00\x01\x02binary", "tidak sesuai"),
        ("palsu.xlsx", b"PK\x03\x04" + b"\x00" * 40, "tidak sesuai"),
    ],
)
def test_disguised_or_unknown_files_are_refused(login, report, name, data, message):
    response = upload(login("klaten.dinkes"), report, name, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Evidence.objects.filter(report=report, original_name=name).exists()


def test_size_limit_is_a_setting(login, report, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    response = upload(login("klaten.dinkes"), report, "besar.pdf", PDF_BYTES)
    assert response.status_code == 422
    assert "melebihi batas" in response.content.decode()
    assert not Evidence.objects.filter(report=report, original_name="besar.pdf").exists()


def test_attach_to_a_stage(login, report):
    stage = report.stages.get(stage=2)
    response = upload(
        login("klaten.dinkes"), report, "hitung.pdf", PDF_BYTES, attach_to=f"stage:{stage.pk}"
    )
    assert response.status_code == 200
    assert Evidence.objects.get(original_name="hitung.pdf").stage == stage


def test_download_is_permission_checked_and_never_sniffed(login, report):
    upload(login("klaten.dinkes"), report, "kohort.pdf", PDF_BYTES)
    ev = Evidence.objects.get(original_name="kohort.pdf")
    url = reverse("reporting:evidence_download", kwargs={"pk": ev.pk})
    for username in (
        "klaten.dinkes",
        "klaten.tapem",
        "jateng.biro",
        "klaten.inspektorat",
        "kemenkes.viewer",
        "bangda.admin",
    ):
        response = login(username).get(url)
        assert response.status_code == 200, username
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    for username in ("ngawi.dinkes", "klaten.dindik", "serang.tapem", "jatim.biro"):
        assert login(username).get(url).status_code == 404, username


def test_soft_delete_while_draft_impossible_after_submission(login, report):
    client = login("klaten.dinkes")
    upload(client, report, "a.pdf", PDF_BYTES)
    upload(client, report, "b.pdf", PDF_BYTES)
    a = Evidence.objects.get(original_name="a.pdf")
    b = Evidence.objects.get(original_name="b.pdf")
    assert (
        client.post(
            reverse("reporting:evidence_delete", kwargs={"pk": a.pk}), headers=HX
        ).status_code
        == 200
    )
    a.refresh_from_db()
    assert a.deleted_at is not None and a.deleted_by.username == "klaten.dinkes"
    assert a.file  # soft: the file stays for the audit
    assert (
        login("klaten.dinkes")
        .get(reverse("reporting:evidence_download", kwargs={"pk": a.pk}))
        .status_code
        == 404
    )
    # Another agency cannot even see it.
    assert (
        login("klaten.dindik")
        .post(reverse("reporting:evidence_delete", kwargs={"pk": b.pk}))
        .status_code
        == 404
    )
    Report.objects.filter(pk=report.pk).update(status=Report.Status.SUBMITTED)
    response = client.post(reverse("reporting:evidence_delete", kwargs={"pk": b.pk}), headers=HX)
    assert response.status_code == 403
    b.refresh_from_db()
    assert b.deleted_at is None
    refused = upload(client, report, "c.pdf", PDF_BYTES)
    assert refused.status_code == 403
    assert not Evidence.objects.filter(original_name="c.pdf").exists()


def test_evidence_changes_are_audited(login, report):
    from reporting.entry import selectors

    client = login("klaten.dinkes")
    upload(client, report, "a.pdf", PDF_BYTES)
    ev = Evidence.objects.get(original_name="a.pdf")
    client.post(reverse("reporting:evidence_delete", kwargs={"pk": ev.pk}), headers=HX)
    kinds = [(e.what, e.kind) for e in selectors.history(report) if "a.pdf" in e.what]
    assert ("Bukti dukung: a.pdf", "created") in kinds
    assert ("Bukti dukung: a.pdf", "deleted") in kinds


def test_a_file_lost_from_storage_is_a_404_not_a_server_error(login, report):
    upload(login("klaten.dinkes"), report, "hilang.pdf", PDF_BYTES)
    ev = Evidence.objects.get(original_name="hilang.pdf")
    ev.file.storage.delete(ev.file.name)
    client = login("klaten.tapem")
    for name in ("reporting:evidence_download", "reporting:evidence_preview"):
        response = client.get(reverse(name, kwargs={"pk": ev.pk}))
        assert response.status_code == 404, name
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(User.objects.get(username="klaten.tapem"))
    got = api.get(f"/api/v1/reports/{report.pk}/evidence/{ev.pk}/download/")
    assert got.status_code == 404
    assert Evidence.objects.filter(pk=ev.pk, deleted_at__isnull=True).exists()
