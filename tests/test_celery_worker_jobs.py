"""Jobs against a REAL Redis broker/backend and a REAL Celery worker (not eager mode).

The worker runs in a thread of this process (celery.contrib.testing), so it shares the test
database (committed data: transactional tests) and Django's locmem mail outbox.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.mail import EmailMessage
from pypdf import PdfReader

from espm.celery import app
from reporting import reminders, tasks
from reporting.models import GeneratedDocument, SentMessage
from tests.conftest import ensure_seeded
from tests.test_pdf import YEAR, klaten_year
from tests.test_reminders import DUE, at, build_scenario

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.xdist_group("celery"),
    pytest.mark.django_db(transaction=True),
]

BROKER = os.environ.get("CELERY_TEST_BROKER", "redis://127.0.0.1:6379/6")


def wait_for(check: Callable[[], bool], timeout: float = 90, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or check}")


@pytest.fixture
def worker():
    ensure_seeded()
    redis.Redis.from_url(BROKER).delete(f"espm-test-{os.getpid()}")  # no leftovers
    keys = ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    saved = {k: app.conf[k] for k in keys}
    # A queue of this process only: a worker of another pytest process (xdist) never takes
    # our tasks to its own test database.
    queue = f"espm-test-{os.getpid()}"
    app.conf.update(
        broker_url=BROKER, result_backend=BROKER, task_always_eager=False, task_default_queue=queue
    )
    app._pool = None  # a pool made for another broker must not be reused
    with start_worker(
        app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30, queues=[queue]
    ):
        yield app
    app.conf.update(saved)
    app._pool = None


def settled(period) -> bool:
    qs = SentMessage.objects.filter(period=period)
    return qs.exists() and not qs.filter(status="pending").exists()


def test_reminder_once_per_recipient_per_threshold_even_when_beat_fires_twice(worker):
    period = build_scenario()
    now = at(reminders.add_working_days(DUE, -3)).isoformat()
    tasks.tick.delay(now)
    tasks.tick.delay(now)  # a second beat (or a redelivered task) at the same time
    wait_for(lambda: settled(period), what="deliveries")
    time.sleep(1)
    tasks.tick.delay(now)  # and once more, later
    time.sleep(2)
    wait_for(lambda: settled(period), what="second round")

    dinkes = [m for m in mail.outbox if "klaten.dinkes@demo.espm.local" in m.to]
    assert len(dinkes) == 1
    assert "K-KES-01" in dinkes[0].body and "K-DIK-01" not in dinkes[0].body
    recipients = [m.to[0] for m in mail.outbox if m.subject.startswith("[e-SPM] Pengingat")]
    assert len(recipients) == len(set(recipients))
    assert not [m for m in mail.outbox if "klaten.dindik@demo.espm.local" in m.to]
    assert not [m for m in mail.outbox if "ngawi." in m.to[0]]


def test_escalation_lists_are_right_and_sent_once(worker):
    period = build_scenario()
    now = at(reminders.add_working_days(DUE, 1)).isoformat()
    tasks.tick.delay(now)
    tasks.tick.delay(now)
    wait_for(lambda: settled(period), what="escalations")
    tapem = [m for m in mail.outbox if "klaten.tapem@demo.espm.local" in m.to]
    assert len(tapem) == 1 and "Dinas Kesehatan" in tapem[0].body
    assert "Dinas Pendidikan" not in tapem[0].body
    biro = [m for m in mail.outbox if m.to == ["jateng.biro@demo.espm.local"]]
    assert sum("kabupaten/kota" in m.subject for m in biro) == 1
    assert len([m for m in mail.outbox if m.to == ["bangda.admin@demo.espm.local"]]) == 1


def test_transient_mail_failure_is_retried_and_still_sent_once(worker):
    period = build_scenario()
    real_send = EmailMessage.send
    calls = {"n": 0}

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise SMTPServerDisconnected("mail server down")
        return real_send(self, *args, **kwargs)

    with mock.patch.object(EmailMessage, "send", flaky):
        tasks.tick.delay(at(reminders.add_working_days(DUE, -1)).isoformat())
        wait_for(lambda: settled(period), timeout=120, what="retry")
    assert calls["n"] > SentMessage.objects.filter(period=period, channel="email").count()
    assert not SentMessage.objects.filter(period=period, status="failed").exists()
    emails = [m.to[0] for m in mail.outbox]
    assert len(emails) == len(set(emails))


def test_annex_generated_by_the_worker_with_progress_then_downloaded(worker, client):
    from regions.models import User

    klaten_year()
    client.force_login(User.objects.get(username="klaten.tapem"))
    response = client.post(
        "/laporan/dokumen/buat/", {"region": "33.10", "kind": "annex", "year": str(YEAR)}
    )
    assert response.status_code == 302
    doc = GeneratedDocument.objects.get(region__code="33.10", year=YEAR)
    seen: set[int] = set()

    def done() -> bool:
        doc.refresh_from_db()
        seen.add(doc.progress)
        return doc.status in ("done", "failed")

    wait_for(done, timeout=180, what="annex")
    assert doc.status == "done", doc.message
    assert doc.progress == 100 and doc.duration_ms
    page = client.get(f"/laporan/dokumen/{doc.pk}/", headers={"HX-Request": "true"})
    assert b"<progress" in page.content
    pdf = client.get(f"/laporan/dokumen/{doc.pk}/unduh/")
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
    )
    assert "Kabupaten Klaten" in text and "2027" in text
    other = client.__class__()
    other.force_login(User.objects.get(username="ngawi.tapem"))
    assert other.get(f"/laporan/dokumen/{doc.pk}/unduh/").status_code == 404


def test_recap_pdf_built_by_the_worker_and_shared_by_an_identical_request(worker):
    from django.test import Client
    from django.urls import reverse

    from regions.models import User
    from reporting.models import RegionSubmission

    sub = RegionSubmission.objects.get(region__code="33", period__year=2026, period__quarter=2)
    biro, bangda = Client(), Client()
    biro.force_login(User.objects.get(username="jateng.biro"))
    bangda.force_login(User.objects.get(username="bangda.admin"))
    url = reverse("reporting:recap_pdf", args=[sub.pk])
    assert biro.post(url).status_code == 302
    doc = GeneratedDocument.objects.get(kind="recap")
    wait_for(
        lambda: GeneratedDocument.objects.get(pk=doc.pk).is_finished, timeout=120, what="recap"
    )
    doc.refresh_from_db()
    assert doc.status == "done" and doc.progress == 100, doc.message
    assert bangda.post(url)["Location"].endswith(f"/{doc.pk}/")  # unchanged data: the same file
    assert GeneratedDocument.objects.filter(kind="recap").count() == 1
    pdf = bangda.get(reverse("reporting:document_download", args=[doc.pk]))
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
    )
    assert "Rekap SPM Jawa Tengah" in text


def test_document_task_is_idempotent_and_rechecks_scope(worker):
    from regions.models import Membership, Region, User

    klaten_year()
    tapem = User.objects.get(username="klaten.tapem")
    doc = GeneratedDocument.objects.create(
        kind="annex", region=Region.objects.get(code="33.10"), year=YEAR, requested_by=tapem
    )
    Membership.objects.filter(user=tapem).update(is_active=False)  # lost the role meanwhile
    tasks.generate_document.delay(doc.pk)
    wait_for(lambda: GeneratedDocument.objects.get(pk=doc.pk).status == "failed", what="refusal")
    assert not GeneratedDocument.objects.get(pk=doc.pk).file
    # a finished document is never rebuilt
    tasks.generate_document.delay(doc.pk)
    time.sleep(1)
    assert GeneratedDocument.objects.get(pk=doc.pk).status == "failed"


def test_period_opened_by_the_worker_while_the_page_shows_progress(worker):
    """Buka queues the job on the real broker; the worker opens every active region once."""
    from django.test import Client
    from django.urls import reverse

    from regions.models import Level, Region, User
    from reporting.models import Period, PeriodOpening, Report
    from reporting.periods import services

    Region.objects.exclude(level=Level.NATIONAL).exclude(code__startswith="33").update(
        is_active=False
    )  # Jawa Tengah and its 35 kab/kota: several chunks, still quick
    period = services.ensure_periods(2027)[0]
    client = Client()
    client.force_login(User.objects.get(username="bangda.admin"))
    response = client.post(reverse("reporting:period_open", kwargs={"pk": period.pk}))
    assert response.status_code == 302
    job = PeriodOpening.objects.get(period=period)
    wait_for(
        lambda: PeriodOpening.objects.get(pk=job.pk).status == PeriodOpening.Status.DONE,
        what="the opening job",
    )
    job.refresh_from_db()
    period.refresh_from_db()
    assert period.state == Period.State.OPEN
    assert job.regions_done == job.regions_total == 36 and job.progress == 100
    reports = Report.objects.filter(period=period)
    assert reports.count() == job.reports_created > 0
    assert reports.values("region").distinct().count() == 36
    row = client.get(
        reverse("reporting:period_opening", kwargs={"pk": period.pk}),
        headers={"HX-Request": "true"},
    )
    assert row.status_code == 200 and "every 1s" not in row.content.decode()


def test_workflow_step_notified_and_emailed_by_the_worker(worker):
    """A submit on the page commits; the worker makes the bell row and sends the e-mail once."""
    from django.test import Client
    from django.urls import reverse

    from regions.models import Region, User
    from reporting.models import Notification, Report
    from tests import factories_review as f

    p = f.period(2027, 1)
    klaten = Region.objects.get(code="33.10")
    f.verified_region(klaten, p)
    report = (
        Report.objects.filter(region=klaten, period=p, agency__short_name="DINKES")
        .order_by("service_type__code")
        .first()
    )
    f.set_status(report, Report.Status.DRAFT)
    mail.outbox = []
    client = Client()
    client.force_login(User.objects.get(username="klaten.dinkes"))
    shown = Report.objects.values_list("version", flat=True).get(pk=report.pk)
    response = client.post(
        reverse("reporting:report_transition", args=[report.pk, "submit"]),
        {"status": "draft", "version": shown},
    )
    assert response.status_code == 302
    wait_for(
        lambda: Notification.objects.filter(
            user__username="klaten.tapem", emailed_at__isnull=False
        ).exists(),
        what="the notification e-mail",
    )
    time.sleep(1)  # a duplicate delivery would show up now
    note = Notification.objects.get(user__username="klaten.tapem")
    assert [m.to for m in mail.outbox] == [[note.user.email]]
