"""Heavy documents are jobs, never work inside the request: the province recap PDF (and the
annex) is requested, built by a task with progress on its row, deduplicated by fingerprint,
and downloaded only by those who may read the whole province. ``espm.background`` starts
the task after the response, on a thread when tasks are eager (the embedded default)."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from espm import background
from espm.celery import app
from reporting import tasks
from reporting.documents import services as documents
from reporting.models import GeneratedDocument, RegionSubmission, Report

pytestmark = pytest.mark.django_db
RECAP_READERS = ("jateng.biro", "bangda.admin")
OUTSIDERS = ("klaten.tapem", "jateng.dinkes", "jatim.biro", "ngawi.tapem", "kemenkes.viewer")


@pytest.fixture
def eager(settings):
    """Eager tasks run inline when the request commits (this test's data is uncommitted)."""
    settings.JOBS_EAGER_IN_THREAD = False
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def jateng_sub() -> RegionSubmission:
    """Jawa Tengah's TW II 2026 in the demo: accepted, with its 35 kab/kota."""
    return RegionSubmission.objects.select_related("region", "period").get(
        region__code="33", period__year=2026, period__quarter=2
    )


def _recap_url(sub: RegionSubmission) -> str:
    return reverse("reporting:recap_pdf", args=[sub.pk])


def _pdf_text(response) -> str:
    content = b"".join(response.streaming_content)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def test_recap_pdf_is_a_job_with_progress_then_downloaded(
    eager, login, jateng_sub, django_capture_on_commit_callbacks
):
    biro = login("jateng.biro")
    assert biro.get(_recap_url(jateng_sub)).status_code == 405  # no build on a GET
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = biro.post(_recap_url(jateng_sub))
    assert len(callbacks) == 1
    doc = GeneratedDocument.objects.get(kind="recap")
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:document_status", args=[doc.pk])
    assert (doc.region.code, doc.period_id, doc.language) == ("33", jateng_sub.period_id, "id")
    assert doc.status == "done" and doc.progress == 100 and doc.fingerprint
    assert doc.filename == "rekap-spm-33-2026-tw2.pdf"

    page = biro.get(reverse("reporting:document_status", args=[doc.pk]))
    assert "Rekap SPM provinsi (PDF)" in page.text
    assert reverse("reporting:recap", args=[jateng_sub.pk]) in page.text  # back to the recap
    assert reverse("reporting:document_download", args=[doc.pk]) in page.text
    download = biro.get(reverse("reporting:document_download", args=[doc.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert 'filename="rekap-spm-33-2026-tw2.pdf"' in download["Content-Disposition"]
    text = _pdf_text(download)
    assert "Rekap SPM Jawa Tengah" in text and "Kabupaten Klaten" in text


def test_the_page_polls_a_queued_job_with_an_accessible_progress_bar(login, jateng_sub):
    biro = login("jateng.biro")
    biro.post(_recap_url(jateng_sub))  # the test never commits: the job stays queued
    doc = GeneratedDocument.objects.get(kind="recap")
    assert doc.status == "queued"
    documents._progress(doc.pk, 30, "Rekap dihitung")
    part = biro.get(
        reverse("reporting:document_status", args=[doc.pk]), headers={"HX-Request": "true"}
    ).text
    assert 'hx-trigger="every 1s"' in part
    assert f'<label for="doc-bar-{doc.pk}">' in part
    assert f'<progress id="doc-bar-{doc.pk}" max="100" value="30">' in part
    assert "Rekap dihitung" in part and "unduh" not in part


def test_identical_request_while_queued_or_running_returns_that_job(
    login, jateng_sub, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as first:
        login("jateng.biro").post(_recap_url(jateng_sub))
    doc = GeneratedDocument.objects.get(kind="recap")
    assert len(first) == 1  # one build enqueued
    for username in ("jateng.biro", "bangda.admin"):  # the same click again, or a colleague's
        with django_capture_on_commit_callbacks() as again:
            response = login(username).post(_recap_url(jateng_sub))
        assert response["Location"] == reverse("reporting:document_status", args=[doc.pk])
        assert again == [], "no second build"
    GeneratedDocument.objects.filter(pk=doc.pk).update(status="running", progress=40)
    with django_capture_on_commit_callbacks() as running:
        response = login("jateng.biro").post(_recap_url(jateng_sub))
    assert response["Location"].endswith(f"/{doc.pk}/") and running == []
    assert GeneratedDocument.objects.count() == 1


def test_finished_over_unchanged_data_is_returned_and_a_change_rebuilds(
    eager, login, jateng_sub, django_capture_on_commit_callbacks
):
    biro = login("jateng.biro")
    with django_capture_on_commit_callbacks(execute=True):
        biro.post(_recap_url(jateng_sub))
    first = GeneratedDocument.objects.get(kind="recap")
    with (
        mock.patch("reporting.recap.to_pdf") as render,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        again = login("bangda.admin").post(_recap_url(jateng_sub))
    assert again["Location"].endswith(f"/{first.pk}/")
    assert callbacks == [] and not render.called, "unchanged data: no rebuild"

    # A kab/kota report of the province changes: the next request builds a new recap.
    report = Report.objects.filter(region__code="33.10", period=jateng_sub.period).first()
    report.problems = "Koreksi data Puskesmas"
    report.save()
    assert documents.is_stale(first)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rebuilt = biro.post(_recap_url(jateng_sub))
    assert len(callbacks) == 1
    second = GeneratedDocument.objects.exclude(pk=first.pk).get(kind="recap")
    assert rebuilt["Location"].endswith(f"/{second.pk}/")
    assert second.status == "done" and second.fingerprint != first.fingerprint
    assert not documents.is_stale(second)

    # Another province's change leaves it alone.
    jatim = Report.objects.filter(region__code="35.21", period=jateng_sub.period).first()
    jatim.problems = "Lain provinsi"
    jatim.save()
    assert not documents.is_stale(second)


def test_the_recap_follows_the_ui_language_so_english_is_its_own_document(
    eager, login, jateng_sub, django_capture_on_commit_callbacks
):
    biro = login("jateng.biro")
    with django_capture_on_commit_callbacks(execute=True):
        biro.post(_recap_url(jateng_sub))
    with django_capture_on_commit_callbacks(execute=True):
        biro.cookies["django_language"] = "en"
        biro.post(_recap_url(jateng_sub))
    docs = {d.language: d for d in GeneratedDocument.objects.filter(kind="recap")}
    assert set(docs) == {"id", "en"}
    english = _pdf_text(biro.get(reverse("reporting:document_download", args=[docs["en"].pk])))
    assert "SPM recap Jawa Tengah" in english


def test_only_who_may_read_the_recap_requests_or_downloads_it(
    eager, login, jateng_sub, django_capture_on_commit_callbacks
):
    for username in OUTSIDERS:
        assert login(username).post(_recap_url(jateng_sub)).status_code == 404, username
    assert not GeneratedDocument.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        login("jateng.biro").post(_recap_url(jateng_sub))
    doc = GeneratedDocument.objects.get(kind="recap")
    for username in RECAP_READERS:
        client = login(username)
        assert client.get(reverse("reporting:document_download", args=[doc.pk])).status_code == 200
        assert client.get(reverse("reporting:document_status", args=[doc.pk])).status_code == 200
    for username in OUTSIDERS:
        client = login(username)
        for name in ("document_download", "document_status"):
            url = reverse(f"reporting:{name}", args=[doc.pk])
            assert client.get(url).status_code == 404, (username, name)


def test_a_job_silent_too_long_is_given_up_and_replaced(
    login, jateng_sub, django_capture_on_commit_callbacks
):
    biro = login("jateng.biro")
    biro.post(_recap_url(jateng_sub))
    lost = GeneratedDocument.objects.get(kind="recap")
    silent_since = timezone.now() - documents.STALE_JOB - dt.timedelta(seconds=1)
    GeneratedDocument.objects.filter(pk=lost.pk).update(status="running", updated_at=silent_since)
    part = biro.get(
        reverse("reporting:document_status", args=[lost.pk]), headers={"HX-Request": "true"}
    ).text
    assert "every 1s" not in part and "gagal" in part.lower()  # the page stops polling
    with django_capture_on_commit_callbacks() as callbacks:
        response = biro.post(_recap_url(jateng_sub))
    fresh = GeneratedDocument.objects.exclude(pk=lost.pk).get(kind="recap")
    assert response["Location"].endswith(f"/{fresh.pk}/") and len(callbacks) == 1


def test_a_broker_that_cannot_be_reached_fails_the_job_at_once(
    login, jateng_sub, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(background, "start", side_effect=ConnectionError("redis down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        login("jateng.biro").post(_recap_url(jateng_sub))
    doc = GeneratedDocument.objects.get(kind="recap")
    assert doc.status == "failed" and "Antrean tugas tidak dapat dihubungi" in doc.message


def test_a_build_past_its_soft_time_limit_is_marked_failed(login, jateng_sub, monkeypatch):
    login("jateng.biro").post(_recap_url(jateng_sub))
    doc = GeneratedDocument.objects.get(kind="recap", status="queued")

    def slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(documents.recap, "build", slow)
    assert documents.build(doc.pk) == "failed"  # ends the task: nothing left running
    doc.refresh_from_db()
    assert doc.status == "failed" and doc.finished_at is not None
    assert doc.message == documents.TIMED_OUT and "batas waktu" in doc.message


def test_every_task_has_a_time_limit_and_the_pdf_builds_their_own(settings):
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    for task, soft in (
        (tasks.generate_document, settings.DOCUMENT_SOFT_TIME_LIMIT),
        (tasks.generate_batch, settings.BATCH_SOFT_TIME_LIMIT),
    ):
        assert task.soft_time_limit == soft and task.time_limit > soft


# --- espm.background -------------------------------------------------------------------------


class _HeldTask:
    """Stands in for a Celery task whose run waits until the test lets it finish."""

    name = "test.held"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.ran_in: list[str] = []
        self.queued: list[tuple] = []

    def apply(self, args, task_id, throw):
        self.ran_in.append(threading.current_thread().name)
        assert self.release.wait(10)
        return mock.Mock(failed=lambda: False)

    def apply_async(self, args, task_id):
        self.queued.append((args, task_id))


def test_eager_jobs_start_after_the_response_on_a_thread(settings, celery_eager):
    settings.JOBS_EAGER_IN_THREAD = True
    task = _HeldTask()
    # Run on the caller's thread, the held task would fail its wait (nothing releases it yet)
    # and ``start`` would raise: returning here means the caller did not wait for the build.
    background.start(task, (1,), "job-1")  # type: ignore[arg-type]
    assert not task.release.is_set()
    deadline = time.monotonic() + 5
    while not task.ran_in and time.monotonic() < deadline:
        time.sleep(0.01)
    assert task.ran_in == ["job-job-1"] and task.queued == []
    task.release.set()


def test_with_a_broker_jobs_are_queued_for_the_worker(settings):
    settings.JOBS_EAGER_IN_THREAD = True
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        task = _HeldTask()
        background.start(task, (7,), "job-7")  # type: ignore[arg-type]
    finally:
        app.conf.task_always_eager = saved
    assert task.queued == [((7,), "job-7")] and task.ran_in == []


# --- a long report list download ---------------------------------------------------------------

LIST_URL = "/laporan/daftar/"


def _export(client, fmt: str = "xlsx", **filters: str):
    query = "&".join(f"{k}={v}" for k, v in {"wilayah": "33.10", **filters}.items())
    return client.post(f"{reverse('reporting:report_export')}?{query}", {"export": fmt})


def _csv_rows(content: bytes) -> list[list[str]]:
    return [line.split(";") for line in content.decode("utf-8-sig").splitlines()]


def _xlsx_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_a_short_report_list_downloads_at_once(login):
    response = _export(login("klaten.tapem"), "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not GeneratedDocument.objects.exists()


@pytest.fixture
def long_lists(monkeypatch):
    """Every list counts as long: Klaten's 29 rows already go through the job."""
    monkeypatch.setattr(documents, "EXPORT_DIRECT_ROWS", 5)


def test_a_long_report_list_is_its_requesters_job(
    eager, long_lists, login, django_capture_on_commit_callbacks
):
    tapem = login("klaten.tapem")
    page_total = tapem.get(LIST_URL, {"wilayah": "33.10"}).context["total"]
    assert page_total > 5
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _export(tapem)
    assert len(callbacks) == 1
    doc = GeneratedDocument.objects.get(kind="list")
    assert response["Location"] == reverse("reporting:document_status", args=[doc.pk])
    assert doc.status == "done" and doc.filename.endswith(".xlsx")
    assert doc.query.endswith("export=xlsx") and "wilayah=33.10" in doc.query
    page = tapem.get(reverse("reporting:document_status", args=[doc.pk])).text
    assert f'href="{LIST_URL}?periode=' in page and "export" not in page.split("<h1")[0]
    download = tapem.get(reverse("reporting:document_download", args=[doc.pk]))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _xlsx_rows(b"".join(download.streaming_content))
    assert rows[0][:3] == ["Periode", "Kode wilayah", "Wilayah"]
    assert len(rows) - 1 == page_total and {r[1] for r in rows[1:]} == {"33.10"}
    # It holds what klaten.tapem sees: nobody else opens it, not even Bangda.
    for other in ("bangda.admin", "jateng.biro", "klaten.dinkes", "ngawi.tapem"):
        client = login(other)
        for name in ("document_status", "document_download"):
            url = reverse(f"reporting:{name}", args=[doc.pk])
            assert client.get(url).status_code == 404, (other, name)


def test_a_long_list_is_shared_only_by_its_requesters_identical_requests(
    eager, long_lists, login, django_capture_on_commit_callbacks
):
    tapem = login("klaten.tapem")
    with django_capture_on_commit_callbacks(execute=True):
        _export(tapem)
    first = GeneratedDocument.objects.get(kind="list")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = _export(tapem)
    assert again["Location"].endswith(f"/{first.pk}/") and callbacks == []
    # Other filters, another requester: each its own download (a CSV streams, no job).
    with django_capture_on_commit_callbacks(execute=True):
        _export(tapem, status="draft")
        _export(login("jateng.biro"))
        assert _export(tapem, "csv").streaming
    assert GeneratedDocument.objects.filter(kind="list").count() == 3
    assert GeneratedDocument.objects.get(requested_by__username="jateng.biro").query == (
        first.query
    )
    # A report in the list changes: the next identical request builds afresh.
    report = Report.objects.filter(region__code="33.10", period=first.period).first()
    report.problems = "Data diperbarui"
    report.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rebuilt = _export(tapem)
    assert len(callbacks) == 1 and not rebuilt["Location"].endswith(f"/{first.pk}/")


def test_a_long_csv_streams_at_once_without_a_job(long_lists, login):
    tapem = login("klaten.tapem")
    page_total = tapem.get(LIST_URL, {"wilayah": "33.10"}).context["total"]
    assert page_total > 5  # longer than the direct limit of this test
    for response in (
        _export(tapem, "csv"),
        tapem.get(LIST_URL, {"wilayah": "33.10", "export": "csv"}),
    ):
        assert response.status_code == 200 and response.streaming
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="espm-laporan-')
        rows = _csv_rows(b"".join(response.streaming_content))
        assert rows[0][:3] == ["Periode", "Kode wilayah", "Wilayah"]
        assert len(rows) - 1 == page_total and {r[1] for r in rows[1:]} == {"33.10"}
    assert not GeneratedDocument.objects.exists()
    # Scoped like the page: another kabupaten's verifier gets none of Klaten's rows.
    other = _csv_rows(b"".join(_export(login("ngawi.tapem"), "csv").streaming_content))
    assert other[1:] == []


def test_a_get_never_builds_a_long_list(long_lists, login):
    tapem = login("klaten.tapem")
    response = tapem.get(LIST_URL, {"wilayah": "33.10", "export": "xlsx"})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST_URL}?wilayah=33.10"
    assert not GeneratedDocument.objects.exists()
    page = tapem.get(response["Location"]).text
    assert "terlalu panjang untuk diunduh langsung" in page
    assert f'action="{reverse("reporting:report_export")}?wilayah=33.10"' in page
