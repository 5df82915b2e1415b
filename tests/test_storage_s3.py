"""Files in S3-compatible object storage (``STORAGE_BACKEND=s3``), against a local moto
server: evidence, generated documents and import drafts are written to the private bucket and
come back only through the permission-checked views — the file's bytes in the response, never
a redirect to the bucket or a link into it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from espm import drafts as import_drafts
from espm.celery import app
from regions.models import User
from reporting.models import (
    ActionPlan,
    Evidence,
    GeneratedDocument,
    RegionSubmission,
    SpmTeam,
    private_storage,
)
from tests.factories_reporting import PDF_BYTES, demo_report
from tests.isolation.expect import USERS
from tests.isolation.framework import ANONYMOUS, all_cases
from tests.s3_server import BUCKET, S3Server, s3_server, s3_storage
from tests.test_import import as_file, row_of, set_cell, tw3, workbook

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
__all__ = ["s3_server", "s3_storage"]  # fixtures, used by name


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _assert_served_by_us(response, s3_server) -> None:
    """The file itself, from this app: no redirect, no bucket address anywhere."""
    assert response.status_code == 200
    assert "Location" not in response
    assert response["Cache-Control"] == "private, no-store"
    headers = " ".join(f"{k}: {v}" for k, v in response.items())
    assert s3_server.endpoint not in headers and "X-Amz" not in headers


def _upload(client, report, name: str = "kohort.pdf", data: bytes = PDF_BYTES):
    return client.post(
        reverse("reporting:evidence_upload", kwargs={"pk": report.pk}),
        {"file": SimpleUploadedFile(name, data), "description": "rekap"},
        headers=HX,
    )


def _settings_in_a_process(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES))"
    return subprocess.run(  # noqa: S603 — our own interpreter, fixed arguments
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "espm.settings",
            "SECRET_KEY": "storage-settings-test-" + "k" * 40,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_storage_backend_s3_comes_from_the_environment():
    env = S3Server("http://127.0.0.1:9000").env("espm")
    done = _settings_in_a_process(env)
    assert done.returncode == 0, done.stderr[-2000:]
    storages = json.loads(done.stdout.strip().splitlines()[-1])
    private = storages["private"]
    assert private["BACKEND"] == "espm.s3.PrivateS3Storage"
    options = private["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"]) == (BUCKET, "http://127.0.0.1:9000")
    assert options["location"] == "espm/private"
    assert storages["default"]["OPTIONS"]["location"] == "espm/media"
    # Private objects, never overwritten, and no long-lived or unsigned links.
    assert options["default_acl"] is None and options["file_overwrite"] is False
    assert options["querystring_auth"] is True and options["querystring_expire"] == 60
    assert "access_key" not in options  # keys from the environment or the instance role

    wrong = _settings_in_a_process({"STORAGE_BACKEND": "nfs"})
    assert wrong.returncode != 0 and "STORAGE_BACKEND must be 'local' or 's3'" in wrong.stderr
    local = _settings_in_a_process({"STORAGE_BACKEND": "local"})
    assert json.loads(local.stdout.strip().splitlines()[-1])["private"]["BACKEND"] == (
        "django.core.files.storage.FileSystemStorage"
    )


def test_the_private_storage_is_the_bucket(s3_storage):
    from espm.s3 import PrivateS3Storage

    assert isinstance(private_storage(), PrivateS3Storage)
    assert Evidence._meta.get_field("file").storage.bucket_name == BUCKET  # the model's too


def test_evidence_is_stored_in_the_bucket_and_downloaded_only_through_the_checked_view(
    login, s3_server, s3_storage
):
    report = demo_report(code="K-KES-01")  # Klaten DINKES, draft
    response = _upload(login("klaten.dinkes"), report)
    assert response.status_code == 200, response.content.decode()[:400]
    ev = Evidence.objects.get(report=report, original_name="kohort.pdf")
    key = f"{s3_storage}/private/{ev.file.name}"
    assert ev.file.name.startswith("evidence/") and "kohort" not in ev.file.name
    assert s3_server.keys(s3_storage) == [key]
    stored = s3_server.client().get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == PDF_BYTES
    assert "ACL" not in stored  # nothing made it public…
    with pytest.raises(urllib.error.HTTPError) as anonymous:  # …and the bucket refuses a stranger
        urllib.request.urlopen(f"{s3_server.endpoint}/{BUCKET}/{key}", timeout=5)  # noqa: S310
    assert anonymous.value.code == 403

    url = reverse("reporting:evidence_download", kwargs={"pk": ev.pk})
    for username in ("klaten.dinkes", "klaten.tapem", "jateng.biro", "bangda.admin"):
        download = login(username).get(url)
        _assert_served_by_us(download, s3_server)
        assert download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"] == 'attachment; filename="kohort.pdf"'
        assert download["Content-Length"] == str(len(PDF_BYTES))
        assert _body(download) == PDF_BYTES, username
    preview = login("klaten.tapem").get(reverse("reporting:evidence_preview", args=[ev.pk]))
    _assert_served_by_us(preview, s3_server)
    assert _body(preview) == PDF_BYTES
    api = login("klaten.tapem").get(f"/api/v1/reports/{report.pk}/evidence/{ev.pk}/download/")
    _assert_served_by_us(api, s3_server)
    assert _body(api) == PDF_BYTES
    for username in ("ngawi.dinkes", "klaten.dindik", "jatim.biro"):  # another region or agency
        assert login(username).get(url).status_code == 404, username


def test_evidence_lost_from_the_bucket_is_a_404_and_a_deleted_one_is_gone(
    login, s3_server, s3_storage
):
    report = demo_report(code="K-KES-01")
    client = login("klaten.dinkes")
    assert _upload(client, report, "hilang.pdf").status_code == 200
    assert _upload(client, report, "hapus.pdf").status_code == 200
    lost = Evidence.objects.get(report=report, original_name="hilang.pdf")
    gone = Evidence.objects.get(report=report, original_name="hapus.pdf")
    assert lost.file.name != gone.file.name
    s3_server.client().delete_object(Bucket=BUCKET, Key=f"{s3_storage}/private/{lost.file.name}")
    assert client.get(reverse("reporting:evidence_download", args=[lost.pk])).status_code == 404

    deleted = client.post(reverse("reporting:evidence_delete", args=[gone.pk]), headers=HX)
    assert deleted.status_code == 200
    assert client.get(reverse("reporting:evidence_download", args=[gone.pk])).status_code == 404


def test_no_file_ever_gets_a_url(s3_storage):
    """Not even a presigned one: it would let a browser past the scoping layer."""
    name = private_storage().save("evidence/2026/12/rahasia.pdf", ContentFile(PDF_BYTES))
    with pytest.raises(NotImplementedError, match="permission-checked view"):
        private_storage().url(name)
    evidence = Evidence(file=name)
    with pytest.raises(NotImplementedError):
        evidence.file.url  # noqa: B018 — the property is the call under test


def test_a_large_file_streams_whole_from_the_bucket(login, s3_server, s3_storage):
    """Past 2 MB the copy read from the bucket spools to disk; the bytes are the same."""
    report = demo_report(code="K-KES-01")
    data = b"puskesmas;jumlah\n" + b"Klaten Tengah;120\n" * 200_000  # 3.6 MB
    assert len(data) > 3 * 1024 * 1024
    assert _upload(login("klaten.dinkes"), report, "besar.csv", data).status_code == 200
    ev = Evidence.objects.get(report=report, original_name="besar.csv")
    download = login("klaten.tapem").get(reverse("reporting:evidence_download", args=[ev.pk]))
    _assert_served_by_us(download, s3_server)
    assert download["Content-Length"] == str(len(data))
    assert _body(download) == data


def test_same_name_twice_gets_two_objects(s3_server, s3_storage):
    storage = private_storage()
    first = storage.save("evidence/2026/12/laporan.pdf", ContentFile(b"%PDF-a"))
    second = storage.save("evidence/2026/12/laporan.pdf", ContentFile(b"%PDF-b"))
    assert first == "evidence/2026/12/laporan.pdf" and second != first  # no overwrite
    with storage.open(first) as a, storage.open(second) as b:
        assert (a.read(), b.read()) == (b"%PDF-a", b"%PDF-b")


@pytest.fixture
def eager(settings):
    settings.JOBS_EAGER_IN_THREAD = False
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def test_a_generated_document_is_built_into_the_bucket_and_downloaded_by_its_readers(
    eager, login, s3_server, s3_storage, django_capture_on_commit_callbacks
):
    sub = RegionSubmission.objects.get(region__code="33", period__year=2026, period__quarter=2)
    biro = login("jateng.biro")
    with django_capture_on_commit_callbacks(execute=True):
        response = biro.post(reverse("reporting:recap_pdf", args=[sub.pk]))
    doc = GeneratedDocument.objects.get(kind="recap")
    assert response.status_code == 302 and doc.status == "done"
    key = f"{s3_storage}/private/{doc.file.name}"
    assert doc.file.name.startswith("documents/") and s3_server.keys(s3_storage) == [key]
    stored = s3_server.client().get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert stored.startswith(b"%PDF") and doc.size == len(stored)

    download = biro.get(reverse("reporting:document_download", args=[doc.pk]))
    _assert_served_by_us(download, s3_server)
    assert download["Content-Type"] == "application/pdf"
    assert _body(download) == stored
    for username in ("klaten.tapem", "jatim.biro"):
        assert (
            login(username).get(reverse("reporting:document_download", args=[doc.pk])).status_code
            == 404
        )


def test_an_import_draft_waits_in_the_bucket_until_committed(login, s3_server, s3_storage):
    wb = workbook()
    ws = wb["Layanan"]
    set_cell(ws, row_of(ws, "K-KES-01"), "permasalahan", "Kohort belum lengkap (S3).")
    client = login("klaten.dinkes")
    fields = {"wilayah": "33.10", "periode": tw3().pk}
    preview = client.post(
        reverse("reporting:import_preview"),
        {**fields, "berkas": SimpleUploadedFile("isi.xlsx", as_file(wb).read())},
    )
    assert preview.status_code == 200, preview.content.decode()[:400]
    token = preview.context["token"]
    drafts = s3_server.keys(f"{s3_storage}/private/{import_drafts.DRAFTS_DIR}/")
    user_id = preview.wsgi_request.user.pk
    assert drafts == [f"{s3_storage}/private/{import_drafts.DRAFTS_DIR}/{user_id}/{token}.xlsx"]

    done = client.post(reverse("reporting:import_commit"), {**fields, "token": token})
    assert done.status_code == 302
    report = demo_report(code="K-KES-01")
    assert report.problems == "Kohort belum lengkap (S3)."
    assert s3_server.keys(f"{s3_storage}/private/{import_drafts.DRAFTS_DIR}/") == []  # removed
    again = client.post(reverse("reporting:import_commit"), {**fields, "token": token})
    assert again.status_code == 404


def test_abandoned_drafts_are_purged_from_the_bucket(s3_server, s3_storage):
    storage = private_storage()
    name = storage.save(f"{import_drafts.DRAFTS_DIR}/7/{'a' * 32}.xlsx", ContentFile(b"PK"))
    assert import_drafts.purge(now=timezone.now()) == 0  # younger than a day: kept
    assert storage.exists(name)
    assert import_drafts.purge(now=timezone.now() + dt.timedelta(days=1, minutes=1)) == 1
    assert not storage.exists(name)
    assert s3_server.keys(s3_storage) == []


# --- the isolation matrix's file downloads, on the bucket -------------------------------------

DOWNLOADS = {
    "reporting:evidence_download",
    "reporting:evidence_preview",
    "reporting:document_download",
    "reporting:action_plan_file",
    "reporting:spm_team_file",
    "api:report-evidence-download",
    "api:action-plan-file",
    "api:spm-team-file",
}
FILE_CASES = [c for c in all_cases() if c.url_name in DOWNLOADS and c.method == "get"]


@pytest.fixture
def demo_files_in_the_bucket(s3_server, settings):
    """The demo's stored files, copied under the same names into this test's bucket folder
    (the folder is returned)."""
    local = FileSystemStorage(location=settings.STORAGES["private"]["OPTIONS"]["location"])
    names = {
        name
        for model in (Evidence, GeneratedDocument, ActionPlan, SpmTeam)
        for name in model.objects.exclude(file="").values_list("file", flat=True)
        if local.exists(name)
    }
    location = f"t-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {**settings.STORAGES, **s3_server.storages(location)}
    for name in sorted(names):
        with local.open(name, "rb") as fh:
            assert private_storage().save(name, ContentFile(fh.read())) == name
    return location


def test_the_matrix_covers_every_download():
    assert {c.url_name for c in FILE_CASES} == DOWNLOADS


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.id for c in FILE_CASES])
def test_every_role_gets_a_file_from_the_bucket_only_through_the_scope(
    case, demo_files_in_the_bucket, s3_server
):
    """The isolation matrix's download cases, every cast user, with the files in the bucket:
    the readers get the stored bytes from the view, everyone else 404 (or the login)."""
    url = reverse(case.url_name, kwargs=case.kwargs())  # may store the case's own file
    client = s3_server.client()
    in_bucket = [
        client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        for key in s3_server.keys(demo_files_in_the_bucket)
    ]
    for username in [*USERS, ANONYMOUS]:
        browser = Client()
        if username != ANONYMOUS:
            browser.force_login(User.objects.get(username=username))
        response = browser.get(url, headers=case.headers)
        if username in case.allowed:
            _assert_served_by_us(response, s3_server)
            assert _body(response) in in_bucket, (username, url)
        else:
            assert response.status_code in case.expected_denied(username), (username, url)
