"""Notifications of the review chain: in-app rows (the bell) and e-mail, once per event × user.

Who hears of a step is the transition table's (``workflow.audience``). After a transition
commits, the workflow hands the event to the Celery task `reporting.tasks.notify_workflow_event`,
which calls `dispatch(event_id)`: it creates the
in-app rows (the unique (user, key) constraint makes that idempotent) and e-mails every row
not yet e-mailed (`emailed_at`, set in the send's transaction). A mail server failure raises
after everyone was tried, so the task retries with backoff and re-sends only what is unsent.
Nothing here can undo or fail the workflow step: it has committed before any of it runs.
"""

from __future__ import annotations

import logging
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _t

from regions.models import Membership, User
from regions.scoping import AnyUser
from reporting.models import Notification, RegionSubmission, WorkflowEvent
from reporting.workflow import (
    ACTION_LABELS,
    TRANSITIONS,
    Flow,
    Notice,
    audience_memberships,
    kind_of,
    stamp,
)

log = logging.getLogger(__name__)

# Worth retrying (the mail server is down or busy); anything else is logged, never retried.
MAIL_ERRORS: tuple[type[Exception], ...] = (SMTPException, ConnectionError, TimeoutError)


# The kinds of notification (``Notification.kind``): what the table says a step's audience
# is told (``workflow.Notice``).
Kind = Notice


def _submission(event: WorkflowEvent) -> RegionSubmission:
    """The region submission of an event that is neither a report's nor a target's."""
    if event.submission is None:
        raise ValueError(f"workflow event {event.pk} names no report, submission or target")
    return event.submission


def _subject(event: WorkflowEvent) -> Flow:
    if event.report is not None:
        return event.report
    if event.target is not None:
        return event.target
    return _submission(event)


def recipients(event: WorkflowEvent) -> tuple[str, list[User]]:
    """Who must hear of this step, and as what kind of notification: the table's audience
    of the step (``workflow.audience``), as active users with an active membership."""
    obj = _subject(event)
    spec = TRANSITIONS.get((kind_of(obj), event.action))
    if spec is None or not spec.notice:
        return "", []
    where = audience_memberships(spec, obj, event.to_status)
    if where is None:
        return spec.notice, []
    ids = Membership.objects.filter(where).values("user_id")
    return spec.notice, list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _message(event: WorkflowEvent, kind: str) -> tuple[str, str, str]:
    report, target = event.report, event.target
    if report is not None:
        subject = f"{report.service_type.code} {report.region.name} {report.period}"
        url = reverse("reporting:report_review", args=[report.pk])
    elif target is not None:
        subject = _t("Target %(code)s %(r)s %(y)s") % {
            "code": target.service_type.code,
            "r": target.region.name,
            "y": target.year,
        }
        url = reverse(
            "indicators:target",
            kwargs={
                "region": target.region.code,
                "year": target.year,
                "code": target.service_type.code,
            },
        )
    else:
        submission = _submission(event)
        subject = _t("Laporan wilayah %(r)s %(p)s") % {
            "r": submission.region.name,
            "p": submission.period,
        }
        url = reverse("reporting:submission_detail", args=[submission.pk])
    title = f"{ACTION_LABELS.get(event.action, event.action)}: {subject}"
    lines = [
        _t("%(who)s, %(at)s")
        % {
            "who": event.actor,
            "at": stamp(event.at),
        }
    ]
    if event.reason:
        lines.append(_t("Alasan: %(r)s") % {"r": event.reason})
    if event.action == "reopen_region" and event.submission and event.submission.due_date:
        lines.append(
            _t("Batas waktu baru: %(d)s") % {"d": event.submission.due_date.strftime("%d-%m-%Y")}
        )
    return title, "\n".join(lines), url


def dispatch(event_id: int) -> list[Notification]:
    """Create the event's notifications (once) and e-mail each one not yet e-mailed.

    Returns the notifications created by this call. Raises the first retryable mail error
    (`MAIL_ERRORS`) after trying every recipient, so a retry sends only what is still unsent.
    """
    event = (
        WorkflowEvent.objects.select_related(
            "actor", "report__region", "report__period", "report__service_type",
            "submission__region", "submission__period",
            "target__region", "target__service_type",
        )
        .filter(pk=event_id)
        .first()
    )  # fmt: skip
    if event is None:
        return []
    kind, users = recipients(event)
    if not kind:
        return []
    title, body, url = _message(event, kind)
    key = f"wf:{event.pk}:{kind}"
    created: list[Notification] = []
    for user in users:
        if user.pk == event.actor_id:
            continue  # nobody needs telling about their own step
        try:
            with transaction.atomic():
                note, is_new = Notification.objects.get_or_create(
                    user=user,
                    key=key,
                    defaults={"kind": kind, "title": title[:300], "body": body, "url": url},
                )
        except IntegrityError:  # a concurrent dispatch won the unique key
            continue
        if is_new:
            created.append(note)
    unsent = (
        Notification.objects.filter(key=key, emailed_at__isnull=True)
        .exclude(user__email="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    retry: Exception | None = None
    for note_id in list(unsent):
        try:
            _email(note_id)
        except MAIL_ERRORS as exc:
            log.warning("notification e-mail %s failed, will retry: %r", note_id, exc)
            retry = retry or exc
        except Exception:  # bad data: retrying would not help
            log.exception("notification e-mail failed for %s", note_id)
    if retry is not None:
        raise retry
    return created


def _email(note_id: int) -> bool:
    """Send one notification's e-mail and mark it, in one transaction under the row's lock."""
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=note_id, emailed_at__isnull=True)
            .first()
        )
        if note is None or not note.user.email:
            return False  # sent meanwhile by a concurrent run, or nowhere to send
        site = getattr(settings, "SITE_URL", "")
        send_mail(
            f"[e-SPM] {note.title}",
            f"{note.body}\n\n{site}{note.url}",
            None,
            [note.user.email],
        )
        note.emailed_at = timezone.now()
        note.save(update_fields=["emailed_at"])
    return True


# ---------------------------------------------------------------- reads and marks for the bell


def unread_count(user: AnyUser) -> int:
    """The bell's number, on every page: one indexed count, written out.

    ``QuerySet.count()`` spends about 0.8 ms building its aggregate query on these machines,
    five times the query itself; the bell is part of every page, so it reads the count
    directly (the same rows: the user's notifications without ``read_at``).
    """
    if not user.is_authenticated:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(UNREAD_COUNT_SQL, [user.pk])
        return int(cursor.fetchone()[0])


UNREAD_COUNT_SQL = (
    "SELECT count(*) FROM reporting_notification WHERE user_id = %s AND read_at IS NULL"
)


def mark_read(user: AnyUser, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (all, or the given ids); returns how many."""
    if not isinstance(user, User):
        return 0  # nobody signed in has no notifications
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
