"""Workflow notifications go through a Celery task enqueued on commit (not sent in the
request): the task reloads the event by id, makes the in-app rows once, e-mails each once,
retries mail failures with backoff re-sending only what is unsent, and nothing of it can
break the workflow step."""

from __future__ import annotations

from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import send_mail as real_send_mail
from django.urls import reverse
from kombu.exceptions import OperationalError

from regions.models import Membership, Region, User
from regions.roles import Role
from reporting import notifications, tasks, workflow
from reporting.models import Notification, Report, WorkflowEvent
from tests import factories_review as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(db) -> Report:
    p = f.period(2027, 1)
    klaten = Region.objects.get(code="33.10")
    f.verified_region(klaten, p)
    report = (
        Report.objects.filter(region=klaten, period=p, agency__short_name="DINKES")
        .order_by("service_type__code")
        .first()
    )
    f.set_status(report, Report.Status.DRAFT)
    return report


@pytest.fixture
def not_eager():
    """A broker is configured: the task is enqueued (recorded here), not run."""
    from espm.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with mock.patch.object(tasks.notify_workflow_event, "delay") as delay:
        yield delay
    app.conf.task_always_eager = saved


def submit_from_page(login, report, capture):
    with capture(execute=True):
        response = login("klaten.dinkes").post(
            reverse("reporting:report_transition", args=[report.pk, "submit"]),
            {"status": "draft", "version": report.version},
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED  # the step itself always happened
    return WorkflowEvent.objects.get(report=report, action="submit")


def test_step_enqueues_the_task_on_commit_and_sends_nothing_itself(
    report, login, not_eager, django_capture_on_commit_callbacks
):
    event = submit_from_page(login, report, django_capture_on_commit_callbacks)
    not_eager.assert_called_once_with(event.pk)
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_step_rolled_back_enqueues_nothing(report, cast, not_eager):
    # Without a commit (the test transaction is never committed) no task is enqueued.
    workflow.transition(report, "submit", cast["klaten.dinkes"])
    not_eager.assert_not_called()


def test_task_notifies_and_emails_once(
    report, login, celery_eager, django_capture_on_commit_callbacks
):
    event = submit_from_page(login, report, django_capture_on_commit_callbacks)
    note = Notification.objects.get(user__username="klaten.tapem")
    assert note.emailed_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [note.user.email]
    # A redelivered or repeated task notifies and e-mails nobody twice.
    assert tasks.notify_workflow_event.apply(args=(event.pk,)).get() == 0
    assert Notification.objects.filter(key=note.key).count() == 1
    assert len(mail.outbox) == 1


def test_mail_failure_is_retried_and_only_the_unsent_are_sent(report, cast, celery_eager):
    klaten = Region.objects.get(code="33.10")
    second = User.objects.get(username="ngawi.tapem")
    Membership.objects.create(user=second, role=Role.VERIFIER, region=klaten)
    event = workflow.transition(report, "submit", cast["klaten.dinkes"]).event
    calls: list[list[str]] = []

    def flaky(subject, body, sender, to, **kwargs):
        calls.append(to)
        if len(calls) == 1:
            raise SMTPServerDisconnected("mail server restarting")
        return real_send_mail(subject, body, sender, to, **kwargs)

    with mock.patch.object(notifications, "send_mail", side_effect=flaky):
        # throw=False: the retry runs as a worker would run it (eager mode re-raises instead).
        tasks.notify_workflow_event.apply(args=(event.pk,), throw=False)

    # 1st run: the first address fails, the second is sent; the retry sends only the first.
    assert len(calls) == 3 and calls[2] == calls[0]
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([cast["klaten.tapem"].email, second.email])
    assert not Notification.objects.filter(key__startswith=f"wf:{event.pk}:", emailed_at=None)
    task = tasks.notify_workflow_event
    assert task.retry_backoff and task.max_retries >= 3
    assert issubclass(SMTPServerDisconnected, task.autoretry_for)


def test_mail_server_down_never_breaks_the_step(
    report, login, celery_eager, django_capture_on_commit_callbacks
):
    down = SMTPServerDisconnected("connection refused")
    with mock.patch.object(notifications, "send_mail", side_effect=down) as send:
        submit_from_page(login, report, django_capture_on_commit_callbacks)
    assert send.called  # tried, failed, logged (inline mode gives up; a worker retries)
    # The bell still has it; the e-mail is recorded as not sent.
    note = Notification.objects.get(user__username="klaten.tapem")
    assert note.emailed_at is None


def test_broker_unreachable_falls_back_to_notifying_inline(
    report, login, not_eager, django_capture_on_commit_callbacks
):
    not_eager.side_effect = OperationalError("Error 111 connecting to redis")
    submit_from_page(login, report, django_capture_on_commit_callbacks)
    assert Notification.objects.filter(user__username="klaten.tapem").count() == 1
    assert len(mail.outbox) == 1
