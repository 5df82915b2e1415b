"""Deadline reminders and escalations: who gets which message, and when.

The hourly beat tick calls :func:`plan_messages`; it decides, from the rules in the database
(:class:`~reporting.models.ReminderRule`), which messages are due *now* and inserts one
:class:`~reporting.models.SentMessage` row per recipient. The unique constraint on that row
is what makes a message go out at most once: a second tick, a retried task or two beat
processes racing all hit the same key and insert nothing. :func:`deliver` then sends one
row (email or in-app), re-checking the state first, under a row lock.

Why insert-first rather than send-then-mark: the database arbitrates concurrent ticks
atomically, and the send itself is retried only while the row is still ``pending`` under a
``SELECT … FOR UPDATE`` lock, so a retry after a failed SMTP call resends, but a retry after
a successful one finds ``sent`` and stops. (The only duplicate left is a crash between the
SMTP server accepting and our commit — unavoidable without an idempotent mail server.)

Working days skip weekends and Indonesian national holidays and cuti bersama (as government
offices do) from ``lokal-id``; for years it has no data for, weekends only, with a warning.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

import lokal
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from regions.models import Agency, Level, Membership, Region
from regions.roles import Role
from reporting.models import (
    Notification,
    Period,
    RegionSubmission,
    ReminderRule,
    Report,
    SentMessage,
)

log = logging.getLogger(__name__)

# Service reports not yet handed to the verifier.
UNSUBMITTED = (Report.Status.DRAFT, Report.Status.AWAITING_HEAD, Report.Status.RETURNED)
# A region counts as submitted exactly as on the dashboard.
SUBMITTED_REGION = (RegionSubmission.Status.SUBMITTED, RegionSubmission.Status.ACCEPTED)
# An escalation missed by a stopped beat is still sent within this many days, never later.
ESCALATION_CATCH_UP_DAYS = 7
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


# --- working days -------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _warn_no_holidays(year: int) -> None:
    log.warning(
        "lokal-id has no national holidays for %s (has %s): counting weekends only.",
        year,
        ", ".join(map(str, lokal.HOLIDAY_YEARS)),
    )


def is_working_day(day: dt.date) -> bool:
    if day.year not in lokal.HOLIDAY_YEARS:
        _warn_no_holidays(day.year)
        return day.weekday() < 5
    return lokal.is_working_day(day)


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The date ``n`` working days after ``day`` (before it when ``n`` is negative)."""
    step = dt.timedelta(days=-1 if n < 0 else 1)
    left = abs(n)
    while left:
        day += step
        if is_working_day(day):
            left -= 1
    return day


def fire_date(rule: ReminderRule, due: dt.date) -> dt.date:
    sign = -1 if rule.kind == ReminderRule.Kind.REMINDER else 1
    return add_working_days(due, sign * rule.working_days)


def format_date(day: dt.date) -> str:
    """20 April 2026 (Indonesian, independent of the active locale)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}".replace(".", ",")


# --- what is missing ------------------------------------------------------------------------


def due_dates(period: Period) -> dict[dt.date, set[int] | None]:
    """Due date → the regions it applies to; ``None`` = every region without its own date."""
    own: dict[dt.date, set[int]] = {}
    overrides = RegionSubmission.objects.filter(period=period, due_date__isnull=False)
    for region_id, due in overrides.values_list("region_id", "due_date"):
        if due is not None and due != period.due_date:
            own.setdefault(due, set()).add(region_id)
    groups: dict[dt.date, set[int] | None] = {period.due_date: None}
    groups.update(own)
    return groups


@dataclass(frozen=True)
class RegionSet:
    """The regions one due date applies to: listed ones, or all but those with their own date."""

    only: frozenset[int] | None = None
    excluded: frozenset[int] = frozenset()

    def q(self, prefix: str = "region_id") -> Q:
        if self.only is not None:
            return Q(**{f"{prefix}__in": self.only})
        return ~Q(**{f"{prefix}__in": self.excluded})


def region_set(period: Period, due: dt.date, region_ids: set[int] | None) -> RegionSet:
    if region_ids is not None:
        return RegionSet(only=frozenset(region_ids))
    # Regions whose own (reopened) due date differs are handled under that date.
    other = RegionSubmission.objects.filter(period=period, due_date__isnull=False).exclude(
        due_date=due
    )
    return RegionSet(excluded=frozenset(other.values_list("region_id", flat=True)))


def submitted_region_ids(period: Period) -> set[int]:
    return set(
        RegionSubmission.objects.filter(period=period, status__in=SUBMITTED_REGION).values_list(
            "region_id", flat=True
        )
    )


def missing_reports(
    period: Period, regions: RegionSet = RegionSet()
) -> dict[int | None, list[Report]]:
    """Unsubmitted service reports of regions that have not submitted, by agency id."""
    reports = (
        Report.objects.filter(regions.q(), period=period, status__in=UNSUBMITTED)
        .exclude(region_id__in=submitted_region_ids(period))
        .select_related("service_type", "region", "agency")
        .order_by("region__code", "agency_id", "service_type__order", "service_type__code")
    )
    by_agency: dict[int | None, list[Report]] = defaultdict(list)
    for report in reports:
        by_agency[report.agency_id].append(report)
    return by_agency


# --- planned messages -----------------------------------------------------------------------


@dataclass
class Planned:
    kind: str
    key: str
    subject: str
    body: str
    region: Region | None = None
    agency: Agency | None = None
    users: list = field(default_factory=list)  # in-app recipients
    emails: set[str] = field(default_factory=set)


def _url(name: str, **kwargs: object) -> str:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return reverse("home")


# Where each message leads (the page where the recipient acts), by the key's first part.
LINKS = {
    "H": "reporting:report_list",
    "late-agencies": "reporting:review_inbox",
    "late-kabkota": "reporting:review_regions",
    "digest": "reporting:dashboard_national",
}


def link_for(key: str) -> str:
    head = key.split(":", 1)[0]
    return _url(LINKS.get("H" if head.startswith("H-") else head, "home"))


def _footer(key: str) -> list[str]:
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    return ["", f"Buka e-SPM: {site}{link_for(key)}", "Pesan ini dikirim otomatis oleh e-SPM."]


def members_by(role: str, field: str, ids: Iterable[int] | None = None) -> dict[int, list]:
    """Active users holding ``role``, keyed by their membership's ``field`` (region / agency)."""
    qs = Membership.objects.filter(role=role, is_active=True, user__is_active=True)
    if ids is not None:
        qs = qs.filter(**{f"{field}__in": list(ids)})
    out: dict[int, list] = defaultdict(list)
    for m in qs.select_related("user").order_by("user__username"):
        out[getattr(m, f"{field}_id")].append(m.user)
    return out


def _emails(users: Iterable, *extra: str) -> set[str]:
    return {e.strip().lower() for e in [*(u.email for u in users), *extra] if e and e.strip()}


def _reminder(
    period: Period, due: dt.date, rule: ReminderRule, reports: list[Report], users: list
) -> Planned:
    agency = reports[0].agency
    if agency is None:
        raise ValueError("a reminder goes to an agency: its reports have one")
    days = rule.working_days
    lines = [
        f"Yth. {agency.name},",
        "",
        f"Batas waktu laporan SPM {period} adalah {format_date(due)} "
        f"({days} hari kerja lagi). Laporan jenis pelayanan berikut belum diajukan "
        "ke verifikator:",
        "",
        *(
            f"- {r.service_type.code} {r.service_type.name} ({r.get_status_display()})"
            for r in reports
        ),
        "",
        f"Jumlah: {len(reports)} laporan. Mohon segera dilengkapi dan diajukan melalui e-SPM.",
        *_footer("H-"),
    ]
    return Planned(
        kind=SentMessage.Kind.REMINDER,
        key=f"H-{days}:{due.isoformat()}:agency:{agency.pk}",
        subject=f"[e-SPM] Pengingat H-{days}: {len(reports)} laporan {period} belum diajukan",
        body="\n".join(lines),
        region=agency.region,
        agency=agency,
        users=users,
        emails=_emails(users, agency.contact_email),
    )


def _verifier_escalation(
    period: Period,
    due: dt.date,
    region: Region,
    by_agency: dict[int | None, list[Report]],
    users: list,
) -> Planned:
    lines = [
        f"Yth. Verifikator {region.name},",
        "",
        f"Batas waktu laporan SPM {period} ({format_date(due)}) telah lewat dan laporan "
        "wilayah belum diajukan. Perangkat daerah yang terlambat:",
        "",
    ]
    for reports in by_agency.values():
        agency = reports[0].agency
        name = agency.name if agency else "Belum ditetapkan perangkat daerahnya"
        contact = ""
        if agency and (agency.contact_name or agency.contact_phone or agency.contact_email):
            parts = [agency.contact_name, agency.contact_phone, agency.contact_email]
            contact = " — kontak: " + ", ".join(p for p in parts if p)
        lines.append(f"- {name}: {len(reports)} laporan belum diajukan{contact}")
        lines += [f"    · {r.service_type.code} {r.service_type.name}" for r in reports]
    if not by_agency:
        lines.append("- (semua laporan layanan sudah diajukan; laporan wilayah belum diajukan)")
    lines += _footer("late-agencies")
    return Planned(
        kind=SentMessage.Kind.ESCALATION,
        key=f"late-agencies:{due.isoformat()}:region:{region.pk}",
        subject=f"[e-SPM] Eskalasi: {len(by_agency)} perangkat daerah terlambat, {period}",
        body="\n".join(lines),
        region=region,
        users=users,
        emails=_emails(users),
    )


def _reviewer_escalation(
    period: Period, due: dt.date, province: Region, late: list[Region], users: list
) -> Planned:
    lines = [
        f"Yth. Reviewer {province.name},",
        "",
        f"Batas waktu laporan SPM {period} ({format_date(due)}) telah lewat. "
        f"Kabupaten/kota yang belum mengajukan laporan ({len(late)}):",
        "",
    ]
    for region in late:
        parts = [region.contact_name, region.contact_phone, region.contact_email]
        contact = ", ".join(p for p in parts if p)
        lines.append(
            f"- {region.code} {region.name}" + (f" — kontak: {contact}" if contact else "")
        )
    lines += _footer("late-kabkota")
    return Planned(
        kind=SentMessage.Kind.ESCALATION,
        key=f"late-kabkota:{due.isoformat()}:province:{province.pk}",
        subject=f"[e-SPM] Eskalasi: {len(late)} kabupaten/kota terlambat, {period}",
        body="\n".join(lines),
        region=province,
        users=users,
        emails=_emails(users),
    )


@dataclass(frozen=True)
class LevelStatus:
    level: str
    label: str
    total: int
    entered: int
    submitted: int

    def pct(self, n: int) -> Decimal:
        return Decimal(n) * 100 / self.total if self.total else Decimal(0)


def input_status_by_level(period: Period, viewer: Any = None) -> list[LevelStatus]:
    """Per level: regions in the list, that have entered data, that have submitted.

    The dashboard's figures when a ``viewer`` is given (a Bangda admin), else
    the same definitions here: entered = at least one report with ``entered_at``;
    submitted = region submission submitted or accepted; denominators = active regions.
    """
    from reporting.dashboards import selectors as dashboards

    if viewer is not None:
        return [
            LevelStatus(row.level, str(row.label), row.total, row.entered, row.submitted)
            for row in dashboards.input_status(viewer, period.year, period.quarter)
        ]
    entered = set(
        Report.objects.filter(period=period, entered_at__isnull=False)
        .values_list("region_id", flat=True)
        .distinct()
    )
    submitted = submitted_region_ids(period)
    rows = []
    for level in (Level.PROVINCE, Level.KABUPATEN, Level.KOTA):
        ids = set(Region.objects.filter(level=level, is_active=True).values_list("pk", flat=True))
        rows.append(
            LevelStatus(level, str(level.label), len(ids), len(ids & entered), len(ids & submitted))
        )
    return rows


def _digest(period: Period, due: dt.date) -> Planned:
    users = [u for group in members_by(Role.BANGDA_ADMIN, "region").values() for u in group]
    lines = [
        "Yth. Admin Bangda,",
        "",
        f"Ringkasan nasional status input e-SPM {period} (batas waktu {format_date(due)}):",
        "",
    ]
    for row in input_status_by_level(period, users[0] if users else None):
        lines.append(
            f"- {row.label}: {row.entered} dari {row.total} telah mengisi data "
            f"({format_pct(row.pct(row.entered))}%), {row.submitted} telah mengajukan "
            f"({format_pct(row.pct(row.submitted))}%)"
        )
    lines += _footer("digest")
    return Planned(
        kind=SentMessage.Kind.DIGEST,
        key=f"digest:{due.isoformat()}",
        subject=f"[e-SPM] Ringkasan nasional status input {period}",
        body="\n".join(lines),
        users=users,
        emails=_emails(users),
    )


def reminders_for(
    period: Period, due: dt.date, rule: ReminderRule, regions: RegionSet
) -> list[Planned]:
    missing = {a: r for a, r in missing_reports(period, regions).items() if a is not None}
    users = members_by(Role.OPD_OPERATOR, "agency", missing)
    return [
        _reminder(period, due, rule, reports, users.get(agency_id, []))
        for agency_id, reports in missing.items()
    ]


def escalations_for(period: Period, due: dt.date, regions: RegionSet) -> list[Planned]:
    submitted = submitted_region_ids(period)
    candidates = Region.objects.filter(regions.q("pk"), is_active=True).exclude(
        level=Level.NATIONAL
    )
    late = [r for r in candidates.order_by("code") if r.pk not in submitted]
    by_region: dict[int, dict[int | None, list[Report]]] = defaultdict(dict)
    for agency_id, reports in missing_reports(period, regions).items():
        for report in reports:
            by_region[report.region_id].setdefault(agency_id, []).append(report)
    verifiers = members_by(Role.VERIFIER, "region", [r.pk for r in late])
    planned = [
        _verifier_escalation(
            period, due, region, by_region.get(region.pk, {}), verifiers.get(region.pk, [])
        )
        for region in late
    ]
    late_by_province: dict[str, list[Region]] = defaultdict(list)
    for region in late:
        if region.is_kabkota:
            late_by_province[region.province_code].append(region)
    provinces = list(
        Region.objects.filter(level=Level.PROVINCE, code__in=list(late_by_province)).order_by(
            "code"
        )
    )
    reviewers = members_by(Role.PROVINCE_REVIEWER, "region", [p.pk for p in provinces])
    planned += [
        _reviewer_escalation(period, due, p, late_by_province[p.code], reviewers.get(p.pk, []))
        for p in provinces
    ]
    return planned


DEFAULT_RULES: tuple[tuple[str, int], ...] = (
    (ReminderRule.Kind.REMINDER, 7),
    (ReminderRule.Kind.REMINDER, 3),
    (ReminderRule.Kind.REMINDER, 1),
    (ReminderRule.Kind.ESCALATION, 1),
)


def ensure_default_rules() -> None:
    """The policy defaults (as in migration 0002), restored only when the table is empty:
    Bangda stops a rule by deactivating it, not by deleting every rule."""
    if not ReminderRule.objects.exists():
        for kind, days in DEFAULT_RULES:
            ReminderRule.objects.get_or_create(kind=kind, working_days=days)


def _reached(fire: dt.date, rule: ReminderRule, now: dt.datetime) -> bool:
    today = now.date()
    return fire < today or (fire == today and now.time() >= rule.send_time)


def due_now(now: dt.datetime | None = None) -> list[tuple[Period, Planned]]:
    """Every message whose time has come at ``now`` (local time), before deduplication.

    For reminders only the tightest threshold reached is sent (a period opened late does
    not get its 7-, 3- and 1-day reminders at once); an escalation missed while beat was
    down is still sent within ESCALATION_CATCH_UP_DAYS.
    """
    now = timezone.localtime(now or timezone.now())
    ensure_default_rules()
    rules = list(ReminderRule.objects.filter(is_active=True))
    reminders = sorted(
        (r for r in rules if r.kind == ReminderRule.Kind.REMINDER), key=lambda r: r.working_days
    )
    escalations = [r for r in rules if r.kind == ReminderRule.Kind.ESCALATION]
    out: list[tuple[Period, Planned]] = []
    periods = Period.objects.filter(state__in=[Period.State.OPEN, Period.State.CLOSED])
    for period in periods:
        for due, region_ids in due_dates(period).items():
            try:
                out += _due_group(period, due, region_ids, reminders, escalations, now)
            except Exception:
                # One bad row (a due date near date.max, a broken rule) must not stop the
                # reminders of every other region: log it and go on.
                log.exception("reminders for period %s, due %s skipped", period.pk, due)
    return out


def _due_group(
    period: Period,
    due: dt.date,
    region_ids: set[int] | None,
    reminders: list[ReminderRule],
    escalations: list[ReminderRule],
    now: dt.datetime,
) -> list[tuple[Period, Planned]]:
    today = now.date()
    out: list[tuple[Period, Planned]] = []
    regions = region_set(period, due, region_ids)
    if period.state == Period.State.OPEN and today <= due:
        tightest = next((r for r in reminders if fire_date(r, due) <= today), None)
        if tightest and _reached(fire_date(tightest, due), tightest, now):
            out += [(period, p) for p in reminders_for(period, due, tightest, regions)]
    for rule in escalations:
        fire = fire_date(rule, due)
        if _reached(fire, rule, now) and (today - fire).days <= ESCALATION_CATCH_UP_DAYS:
            out += [(period, p) for p in escalations_for(period, due, regions)]
            if region_ids is None:
                out.append((period, _digest(period, due)))
    return out


def record(
    period: Period,
    planned: Planned,
    rule_channels: tuple[bool, bool],
    known: set[tuple[str, str, str]] | None = None,
) -> list[int]:
    """Insert one pending SentMessage per recipient and channel; returns only the new ids.

    ``known`` (recipient, channel, key) rows are skipped without a query: the hourly tick
    re-plans the same reminders until the due date, and nearly all of them exist already.
    """
    by_email, in_app = rule_channels
    rows: list[tuple[str, str, Any]] = []
    if by_email:
        rows += [(SentMessage.Channel.EMAIL, email, None) for email in sorted(planned.emails)]
    if in_app:
        rows += [(SentMessage.Channel.IN_APP, f"user:{u.pk}", u) for u in planned.users]
    created: list[int] = []
    for channel, recipient, user in rows:
        if known is not None and (recipient, channel, planned.key) in known:
            continue
        try:
            with transaction.atomic():
                msg, new = SentMessage.objects.get_or_create(
                    recipient=recipient,
                    channel=channel,
                    kind=planned.kind,
                    period=period,
                    key=planned.key,
                    defaults={
                        "user": user,
                        "region": planned.region,
                        "agency": planned.agency,
                        "subject": planned.subject,
                        "body": planned.body,
                    },
                )
        except IntegrityError:  # a concurrent tick inserted it first: theirs to send
            continue
        if new:
            created.append(msg.pk)
    return created


def _channels(kind: str) -> tuple[bool, bool]:
    rule_kind = ReminderRule.Kind.REMINDER if kind == SentMessage.Kind.REMINDER else "escalation"
    rules = ReminderRule.objects.filter(kind=rule_kind, is_active=True)
    return any(r.by_email for r in rules), any(r.in_app for r in rules)


def plan_messages(now: dt.datetime | None = None) -> list[int]:
    """Insert the messages due at ``now``; returns the ids of rows created by this call."""
    created: list[int] = []
    channels: dict[str, tuple[bool, bool]] = {}
    known: dict[int, set[tuple[str, str, str]]] = {}
    for period, planned in due_now(now):
        if planned.kind not in channels:
            channels[planned.kind] = _channels(planned.kind)
        if period.pk not in known:
            known[period.pk] = set(
                SentMessage.objects.filter(period=period).values_list("recipient", "channel", "key")
            )
        created += record(period, planned, channels[planned.kind], known[period.pk])
    return created


# --- delivery -------------------------------------------------------------------------------


def still_relevant(msg: SentMessage) -> bool:
    """Re-check the state when sending: an agency or region may have submitted meanwhile."""
    if msg.kind == SentMessage.Kind.REMINDER and msg.agency_id:
        if msg.region_id in submitted_region_ids(msg.period):
            return False
        return Report.objects.filter(
            period=msg.period, agency_id=msg.agency_id, status__in=UNSUBMITTED
        ).exists()
    if msg.kind == SentMessage.Kind.ESCALATION and msg.key.startswith("late-agencies:"):
        return msg.region_id not in submitted_region_ids(msg.period)
    return True


def deliver(message_id: int) -> str:
    """Send one planned message exactly once; raises on transient mail failures (retried)."""
    with transaction.atomic():
        msg = (
            SentMessage.objects.select_for_update(of=("self",))
            .select_related("period", "user")
            .filter(pk=message_id)
            .first()
        )
        if msg is None or msg.status != SentMessage.Status.PENDING:
            return msg.status if msg else "missing"
        msg.attempts += 1
        if not still_relevant(msg):
            msg.status = SentMessage.Status.SKIPPED
        elif msg.channel == SentMessage.Channel.IN_APP:
            if msg.user is None or not msg.user.is_active:
                msg.status = SentMessage.Status.SKIPPED
            else:
                Notification.objects.get_or_create(
                    user=msg.user,
                    key=f"{msg.kind}:{msg.period_id}:{msg.key}"[:200],
                    defaults={
                        "kind": msg.kind,
                        "title": msg.subject.removeprefix("[e-SPM] ")[:300],
                        "body": msg.body,
                        "url": link_for(msg.key),
                    },
                )
                msg.status = SentMessage.Status.SENT
        else:
            EmailMessage(msg.subject, msg.body, settings.DEFAULT_FROM_EMAIL, [msg.recipient]).send()
            msg.status = SentMessage.Status.SENT
        if msg.status == SentMessage.Status.SENT:
            msg.sent_at = timezone.now()
        msg.save(update_fields=["status", "attempts", "sent_at"])
        return msg.status


def stale_pending(older_than: dt.timedelta = dt.timedelta(minutes=10)) -> list[int]:
    """Pending rows whose delivery task was lost (worker crash between insert and enqueue)."""
    cutoff = timezone.now() - older_than
    return list(
        SentMessage.objects.filter(
            status=SentMessage.Status.PENDING, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:500]
    )
