"""Notifications of the review chain: in-app rows (the bell) and e-mail, once per event × user.

`dispatch(event_id)` runs after the transition commits. The unique (user, key) constraint on
Notification makes it idempotent: a retried dispatch notifies nobody twice.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _t

from regions.models import Membership, User
from regions.roles import Role
from reporting.models import Notification, WorkflowEvent

log = logging.getLogger(__name__)


class Kind:
    SUBMITTED = "submitted"  # submitted to you
    RETURNED = "returned"  # returned to you, with the reason
    ACCEPTED = "accepted"  # verified / accepted
    REOPENED = "reopened"


def _members(role: str, **where: Any) -> QuerySet[User]:
    ids = Membership.objects.filter(role=role, is_active=True, **where).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True)


def recipients(event: WorkflowEvent) -> tuple[str, list[User]]:
    """Who must hear of this step, and as what kind of notification."""
    action = event.action
    if event.report_id:
        report = event.report
        assert report is not None
        operators = _members(Role.OPD_OPERATOR, agency_id=report.agency_id)
        if action == "submit" and event.to_status == "awaiting_head":
            return Kind.SUBMITTED, list(_members(Role.OPD_HEAD, agency_id=report.agency_id))
        if action in ("submit", "head_approve"):
            return Kind.SUBMITTED, list(_members(Role.VERIFIER, region_id=report.region_id))
        if action in ("return", "head_return"):
            return Kind.RETURNED, list(operators)
        if action == "verify":
            return Kind.ACCEPTED, list(operators)
        if action == "reopen":
            return Kind.REOPENED, list(operators)
        return "", []
    submission = event.submission
    assert submission is not None
    region = submission.region
    verifiers = _members(Role.VERIFIER, region_id=region.id)
    if action == "submit_region":
        if region.is_province:
            return Kind.SUBMITTED, list(_members(Role.BANGDA_ADMIN))
        return Kind.SUBMITTED, list(
            _members(Role.PROVINCE_REVIEWER, region__code=region.province_code)
        )
    if action == "accept":
        return Kind.ACCEPTED, list(verifiers)
    if action == "return_region":
        return Kind.RETURNED, list(verifiers)
    if action == "reopen_region":
        # Operators must know entry is open again, and until when.
        operators = _members(Role.OPD_OPERATOR, region_id=region.id)
        return Kind.REOPENED, list((verifiers | operators).distinct())
    return "", []


def _message(event: WorkflowEvent, kind: str) -> tuple[str, str, str]:
    from reporting.workflow import ACTION_LABELS

    if event.report_id:
        report = event.report
        assert report is not None
        subject = f"{report.service_type.code} {report.region.name} {report.period}"
        url = reverse("reporting:report_review", args=[report.pk])
    else:
        submission = event.submission
        assert submission is not None
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
            "at": timezone.localtime(event.at).strftime("%d-%m-%Y %H:%M"),
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
    """Create the event's notifications (once) and e-mail each new one."""
    event = (
        WorkflowEvent.objects.select_related(
            "actor", "report__region", "report__period", "report__service_type",
            "submission__region", "submission__period",
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
    created: list[Notification] = []
    for user in users:
        if user.pk == event.actor_id:
            continue  # nobody needs telling about their own step
        try:
            with transaction.atomic():
                note, is_new = Notification.objects.get_or_create(
                    user=user,
                    key=f"wf:{event.pk}:{kind}",
                    defaults={"kind": kind, "title": title[:300], "body": body, "url": url},
                )
        except IntegrityError:  # a concurrent dispatch won the unique key
            continue
        if is_new:
            created.append(note)
    for note in created:
        _email(note)
    return created


def _email(note: Notification) -> None:
    if not note.user.email:
        return
    site = getattr(settings, "SITE_URL", "")
    try:
        send_mail(
            f"[e-SPM] {note.title}",
            f"{note.body}\n\n{site}{note.url}",
            None,
            [note.user.email],
        )
    except Exception:  # mail trouble must never undo or block the workflow step
        log.exception("notification e-mail failed for %s", note.pk)


# ---------------------------------------------------------------- reads and marks for the bell


def unread_count(user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: Any, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (all, or the given ids); returns how many."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
