"""Celery tasks: thin wrappers that take ids and call reporting.reminders / documents /
periods.services / notifications.

Each task reloads its objects by id and re-checks state (and, for documents, the requester's
scope) when it runs, so a task enqueued before a change never acts on stale assumptions.
All are idempotent: the hourly tick can fire twice, a worker can die mid-task (acks_late).
Transient failures (mail server down) are retried with backoff; bad data never is.
Every task has a time limit (settings: CELERY_TASK_SOFT_TIME_LIMIT / CELERY_TASK_TIME_LIMIT,
longer for the WeasyPrint builds); at the soft limit a job is marked failed with its reason.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from smtplib import SMTPException
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction
from django.utils.dateparse import parse_datetime

from reporting import notifications, reminders
from reporting.documents import services as documents
from reporting.models import SentMessage
from reporting.periods import services as periods

log = logging.getLogger(__name__)


@shared_task(name="reporting.tasks.tick", ignore_result=True)
def tick(now: str | None = None) -> int:
    """Hourly (beat): plan the deadline messages due now and enqueue their delivery."""
    moment: dt.datetime | None = parse_datetime(now) if now else None
    created = reminders.plan_messages(moment)
    for message_id in [*created, *reminders.stale_pending()]:
        transaction.on_commit(partial(deliver_message.delay, message_id))
    if created:
        log.info("tick: %s deadline message(s) planned", len(created))
    return len(created)


class DeliverTask(Task):
    """Marks a message failed once the retries are exhausted, so it shows in the admin."""

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        message_id = args[0] if args else kwargs.get("message_id")
        SentMessage.objects.filter(pk=message_id, status=SentMessage.Status.PENDING).update(
            status=SentMessage.Status.FAILED, error=repr(exc)[:2000]
        )


@shared_task(
    name="reporting.tasks.deliver_message",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
    base=DeliverTask,
)
def deliver_message(message_id: int) -> str:
    return reminders.deliver(message_id)


@shared_task(
    name="reporting.tasks.generate_document",
    ignore_result=True,
    soft_time_limit=settings.DOCUMENT_SOFT_TIME_LIMIT,
    time_limit=settings.DOCUMENT_SOFT_TIME_LIMIT + 60,
)
def generate_document(document_id: int) -> str:
    """Build one PDF (annex or quarter report), reporting progress on the row."""
    return documents.build(document_id)


@shared_task(
    name="reporting.tasks.generate_batch",
    ignore_result=True,
    soft_time_limit=settings.BATCH_SOFT_TIME_LIMIT,
    time_limit=settings.BATCH_SOFT_TIME_LIMIT + 60,
)
def generate_batch(document_id: int) -> str:
    """Build every province's annex for a year into one zip (Bangda), reporting progress."""
    return documents.build_batch(document_id)


@shared_task(name="reporting.tasks.open_period_job", ignore_result=True)
def open_period_job(opening_id: int) -> str:
    """Open a period for every region (Bangda's *Buka*), reporting progress on the job row."""
    return periods.run_open_period(opening_id)


@shared_task(
    name="reporting.tasks.notify_workflow_event",
    autoretry_for=notifications.MAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
    ignore_result=True,
)
def notify_workflow_event(event_id: int) -> int:
    """After a workflow step commits: in-app notifications (once) and their e-mails.

    A mail server failure is retried with backoff; each retry e-mails only the rows still
    unsent (``Notification.emailed_at``), so nobody gets the same e-mail twice.
    """
    return len(notifications.dispatch(event_id))


@shared_task(name="reporting.tasks.evaluate_data_quality", ignore_result=True)
def evaluate_data_quality(period_id: int) -> int:
    """After Bangda changed a rule: re-evaluate the period's reports not verified yet
    (idempotent; a period deleted meanwhile is skipped). Returns the reports evaluated."""
    from reporting.models import Period
    from reporting.quality import services as quality

    if not Period.objects.filter(pk=period_id).exists():
        return 0
    summary = quality.evaluate_period(period_id)
    log.info(
        "data quality of period %s: %s reports, %s new, %s changed, %s removed flags",
        period_id, summary.reports, summary.created, summary.updated, summary.removed,
    )  # fmt: skip
    return summary.reports


@shared_task(name="reporting.tasks.purge_import_drafts", ignore_result=True)
def purge_import_drafts() -> int:
    """Delete Excel import previews nobody committed within a day (daily, by beat)."""
    from espm import drafts

    return drafts.purge()
