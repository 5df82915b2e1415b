"""The review chain: THE transition table for service reports, region submissions and year
targets, and the one service (`transition`) that fires a step — lock, role × scope, state,
reason, checks, event with snapshot, timestamps, notifications on commit.

Pages, the API and tasks all call `transition`; nothing else changes a workflow status. What
else knows about steps is derived from the table: who hears of a step (`audience`, used by
``reporting.notifications``), whose inbox an object waits in (`waiting`, `decided_by`,
`handed_in_by`, used by ``reporting.review.selectors``), and the API's step actions and their
documentation (``reporting.review.api``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any

from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from espm import background, history, versioning
from indicators.models import Target
from regions.models import Level, Region, User
from regions.roles import Role
from regions.scoping import Action, AnyUser, Grant, grants_for
from reporting import reads
from reporting.models import (
    Period,
    RegionSubmission,
    Report,
    ReportStage,
    Section,
    WorkflowEvent,
)
from reporting.rules import completeness, editing, reasons
from reporting.rules.windows import effective_due_date, freeze_reason, window_problem

log = logging.getLogger(__name__)

R = Report.Status
S = RegionSubmission.Status
T = Target.Status
KABKOTA = frozenset({Level.KABUPATEN, Level.KOTA})
PROVINCE = frozenset({Level.PROVINCE})


class Kind(StrEnum):
    REPORT = "report"
    SUBMISSION = "submission"
    TARGET = "target"


class Notice(StrEnum):
    """What a step's audience is told (``Notification.kind``)."""

    SUBMITTED = "submitted"  # submitted to you
    RETURNED = "returned"  # returned to you, with the reason
    ACCEPTED = "accepted"  # verified / accepted
    REOPENED = "reopened"


class Binding(StrEnum):
    """How a membership binds the actor to the object."""

    AGENCY = "agency"  # the report's own agency
    REGION = "region"  # the object's own region
    PARENT = "parent"  # the province above a kab/kota
    NATIONAL = "national"  # Bangda, any region


@dataclass(frozen=True)
class Actor:
    role: str
    binding: Binding
    levels: frozenset[str] | None = None  # region levels acted on; None = any


@dataclass(frozen=True)
class Transition:
    kind: Kind
    action: str
    sources: frozenset[str]
    target: str
    actors: tuple[Actor, ...]
    label: Any
    reason_required: bool = False
    due_date_required: bool = False
    checks: tuple[str, ...] = ()
    # Where the region asks for OPD-head sign-off, "submit" lands here instead of `target`.
    target_with_signoff: str = ""
    style: str = ""
    # The year's target must be verified, or the actor records why not (`target_exception`).
    needs_verified_target: bool = False
    # Separation of duties: whoever submitted or last edited the report may not fire it.
    not_by_author: bool = False
    # A reviewer's decision: objects in its sources wait in its actors' inbox, and a step that
    # lands an object there tells those actors (`audience`).
    inbox: bool = False
    # The step that hands the object in: its actors own the object and hear of the decisions
    # on it when no reviewer is waiting next.
    hands_in: bool = False
    notice: str = ""  # what the step's audience is told (`Notice`); "" tells no one
    also_tells: tuple[Actor, ...] = ()  # told besides the audience the table derives
    recorded_as: str = ""  # what the data's history calls the step (default: the action)
    doc: str = ""  # the API's summary of the step (OpenAPI)

    @property
    def api_name(self) -> str:
        """The step's name in the API (``/submissions/{id}/submit/`` for ``submit_region``)."""
        return self.action.removesuffix("_region")


OPERATOR = Actor(Role.OPD_OPERATOR, Binding.AGENCY)
HEAD = Actor(Role.OPD_HEAD, Binding.AGENCY)
VERIFIER = Actor(Role.VERIFIER, Binding.REGION)
PROVINCE_FOR_KABKOTA = Actor(Role.PROVINCE_REVIEWER, Binding.PARENT, KABKOTA)
BANGDA_FOR_PROVINCE = Actor(Role.BANGDA_ADMIN, Binding.NATIONAL, PROVINCE)
BANGDA_ANY = Actor(Role.BANGDA_ADMIN, Binding.NATIONAL)
REGION_OPERATORS = Actor(Role.OPD_OPERATOR, Binding.REGION)

# THE table. Every workflow rule about who may move what from where to where lives here.
TABLE: tuple[Transition, ...] = (
    # --- service reports (one per region × period × service type)
    Transition(
        Kind.REPORT, "submit", frozenset({R.DRAFT, R.RETURNED}), R.SUBMITTED, (OPERATOR,),
        _("Ajukan"), checks=("report_complete", "data_quality", "window_open", "region_open"),
        target_with_signoff=R.AWAITING_HEAD, hands_in=True, notice=Notice.SUBMITTED,
        doc="Ajukan ke verifikator (operator OPD). Sama dengan tombol di halaman laporan.",
    ),
    Transition(
        Kind.REPORT, "withdraw", frozenset({R.SUBMITTED, R.AWAITING_HEAD}), R.DRAFT, (OPERATOR,),
        _("Tarik kembali"), checks=("region_open",), style="secondary",
        doc="Tarik kembali laporan yang diajukan selama belum diverifikasi (operator OPD).",
    ),
    Transition(
        Kind.REPORT, "head_approve", frozenset({R.AWAITING_HEAD}), R.SUBMITTED, (HEAD,),
        _("Setujui dan teruskan ke verifikator"),
        checks=("report_complete", "data_quality", "region_open"), inbox=True,
        notice=Notice.SUBMITTED,
        doc="Setujui dan teruskan (kepala OPD, bila wilayah mewajibkan).",
    ),
    Transition(
        Kind.REPORT, "head_return", frozenset({R.AWAITING_HEAD}), R.RETURNED, (HEAD,),
        _("Kembalikan ke operator"), reason_required=True, style="danger",
        notice=Notice.RETURNED,
        doc="Kembalikan ke operator dengan alasan (kepala OPD).",
    ),
    Transition(
        Kind.REPORT, "verify", frozenset({R.SUBMITTED}), R.VERIFIED, (VERIFIER,),
        _("Verifikasi"), checks=("report_complete", "data_quality", "region_open"),
        needs_verified_target=True, not_by_author=True, inbox=True, notice=Notice.ACCEPTED,
        doc="Verifikasi laporan (verifikator Tapem/Biro).",
    ),
    Transition(
        Kind.REPORT, "return", frozenset({R.SUBMITTED}), R.RETURNED, (VERIFIER,),
        _("Kembalikan"), reason_required=True, style="danger", notice=Notice.RETURNED,
        doc="Kembalikan laporan dengan alasan (verifikator).",
    ),
    Transition(
        Kind.REPORT, "reopen", frozenset({R.VERIFIED}), R.RETURNED, (VERIFIER,),
        _("Buka kembali untuk perbaikan"), reason_required=True, checks=("region_open",),
        style="danger", notice=Notice.REOPENED,
        doc="Buka kembali laporan terverifikasi dengan alasan (verifikator).",
    ),
    # --- region submissions (one per region × period): kab/kota → province, province → Bangda
    Transition(
        Kind.SUBMISSION, "submit_region", frozenset({S.IN_PROGRESS, S.RETURNED}), S.SUBMITTED,
        (VERIFIER,), _("Ajukan laporan wilayah"),
        checks=("region_complete", "window_open"), hands_in=True, notice=Notice.SUBMITTED,
        doc=(
            "Ajukan laporan wilayah ke tingkat di atasnya (verifikator wilayah): kab/kota "
            "ke provinsi, provinsi ke Bangda. Semua laporan layanan harus terverifikasi."
        ),
    ),
    Transition(
        Kind.SUBMISSION, "accept", frozenset({S.SUBMITTED}), S.ACCEPTED,
        (PROVINCE_FOR_KABKOTA, BANGDA_FOR_PROVINCE), _("Terima"), inbox=True,
        notice=Notice.ACCEPTED,
        doc=(
            "Terima laporan wilayah (Biro Pemerintahan provinsi untuk kab/kota; Bangda "
            "untuk provinsi)."
        ),
    ),
    Transition(
        Kind.SUBMISSION, "return_region", frozenset({S.SUBMITTED}), S.RETURNED,
        (PROVINCE_FOR_KABKOTA, BANGDA_FOR_PROVINCE), _("Kembalikan"),
        reason_required=True, style="danger", notice=Notice.RETURNED,
        doc="Kembalikan laporan wilayah dengan alasan (provinsi untuk kab/kota; Bangda).",
    ),
    Transition(
        Kind.SUBMISSION, "reopen_region", frozenset({S.IN_PROGRESS, S.RETURNED, S.ACCEPTED}),
        S.IN_PROGRESS, (PROVINCE_FOR_KABKOTA, BANGDA_ANY), _("Buka kembali"),
        reason_required=True, due_date_required=True, checks=("parent_open",), style="danger",
        # Operators must know entry is open again, and until when.
        notice=Notice.REOPENED, also_tells=(REGION_OPERATORS,),
        doc=(
            "Buka kembali wilayah dengan alasan dan batas waktu baru (provinsi untuk "
            "kab/kota selama laporan provinsi belum di Bangda; Bangda)."
        ),
    ),
    # --- year targets (one per region × year × service type): the agency proposes, the
    # region's verifier verifies (and so locks) or returns it
    Transition(
        Kind.TARGET, "submit", frozenset({T.DRAFT, T.RETURNED}), T.SUBMITTED, (OPERATOR, HEAD),
        _("Ajukan target"), checks=("target_complete",), hands_in=True, notice=Notice.SUBMITTED,
        recorded_as="diajukan",
        doc="Ajukan target ke verifikator (staf OPD penanggung jawab), seperti di halaman.",
    ),
    Transition(
        Kind.TARGET, "verify", frozenset({T.SUBMITTED}), T.VERIFIED, (VERIFIER,),
        _("Verifikasi dan kunci"), inbox=True, notice=Notice.ACCEPTED,
        recorded_as="diverifikasi dan dikunci",
        doc="Verifikasi dan kunci target (verifikator wilayah).",
    ),
    Transition(
        Kind.TARGET, "return", frozenset({T.SUBMITTED}), T.RETURNED, (VERIFIER,),
        _("Kembalikan"), reason_required=True, style="danger", notice=Notice.RETURNED,
        recorded_as="dikembalikan",
        doc="Kembalikan target ke perangkat daerah dengan alasan (verifikator wilayah).",
    ),
)  # fmt: skip
TRANSITIONS: dict[tuple[Kind, str], Transition] = {(t.kind, t.action): t for t in TABLE}
# The report steps that send it back to the operator: their reason may point at sections.
RETURNING: tuple[str, ...] = ("return", "head_return", "reopen")
ACTIONS: dict[Kind, list[str]] = {k: [t.action for t in TABLE if t.kind == k] for k in Kind}
# Action names as the timeline shows them.
ACTION_LABELS: dict[str, Any] = {
    "submit": _("Diajukan"),
    "withdraw": _("Ditarik kembali operator"),
    "head_approve": _("Disetujui kepala OPD"),
    "head_return": _("Dikembalikan kepala OPD"),
    "verify": _("Diverifikasi"),
    "return": _("Dikembalikan verifikator"),
    "reopen": _("Dibuka kembali"),
    "submit_region": _("Laporan wilayah diajukan"),
    "accept": _("Diterima"),
    "return_region": _("Laporan wilayah dikembalikan"),
    "reopen_region": _("Wilayah dibuka kembali"),
}


# ---------------------------------------------------------------- errors


class NotFound(Http404):
    """Out of the user's scope: indistinguishable from absent."""


class TransitionError(Exception):
    """A refused transition; `message` is for the user (Indonesian)."""

    def __init__(
        self,
        message: str,
        *,
        problems: list[Problem] | None = None,
        field: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        self.field = field


class NotAllowed(TransitionError):
    """The user sees the object but holds no role that may fire this action on it (403)."""


class Refused(TransitionError):
    """Allowed actor, but the state, the input or the checks say no."""


class Stale(Refused):
    """Someone else moved the object first (state or version changed)."""


@dataclass(frozen=True)
class Problem:
    """One thing missing before a step, and who owns fixing it."""

    message: str
    owner: str = ""
    contact: str = ""
    url: str = ""


@dataclass
class Result:
    obj: Flow
    event: WorkflowEvent | None
    already_done: bool = False
    problems: list[Problem] = field(default_factory=list)


# ---------------------------------------------------------------- who may act


# What the table moves: a service report, a region submission or a year target.
Flow = Report | RegionSubmission | Target


def kind_of(obj: models.Model) -> Kind:
    if isinstance(obj, Report):
        return Kind.REPORT
    if isinstance(obj, RegionSubmission):
        return Kind.SUBMISSION
    if isinstance(obj, Target):
        return Kind.TARGET
    raise TypeError(f"not a workflow object: {obj!r}")


def _binds(actor: Actor, grant: Grant, obj: Flow) -> bool:
    if grant.role != actor.role:
        return False
    region: Region = obj.region
    if actor.levels is not None and region.level not in actor.levels:
        return False
    if actor.binding == Binding.NATIONAL:
        return True
    if actor.binding == Binding.AGENCY:
        return (
            not isinstance(obj, RegionSubmission)
            and obj.agency_id is not None
            and grant.agency_id == obj.agency_id
            and grant.region_id == obj.region_id
        )
    if actor.binding == Binding.REGION:
        return grant.region_id == obj.region_id
    if actor.binding == Binding.PARENT:
        return region.is_kabkota and grant.region_code == region.province_code
    return False


def actor_for(spec: Transition, obj: Flow, user: AnyUser | None) -> Actor | None:
    """The table row's actor this user fills for this object, if any."""
    for actor in spec.actors:
        if any(_binds(actor, g, obj) for g in grants_for(user)):
            return actor
    return None


def _members_binding(actor: Actor, obj: Flow) -> Q | None:
    """`_binds` turned around: the memberships that make their user this actor for `obj`
    (a Q on ``Membership``), or None when no membership can."""
    region: Region = obj.region
    if actor.levels is not None and region.level not in actor.levels:
        return None
    role = Q(role=actor.role)
    if actor.binding == Binding.NATIONAL:
        return role
    if actor.binding == Binding.AGENCY:
        if isinstance(obj, RegionSubmission) or obj.agency_id is None:
            return None
        return role & Q(agency_id=obj.agency_id, region_id=obj.region_id)
    if actor.binding == Binding.REGION:
        return role & Q(region_id=obj.region_id)
    if actor.binding == Binding.PARENT:
        if not region.is_kabkota:
            return None
        return role & Q(region__code=region.province_code)
    return None


def _object_binding(actor: Actor, grant: Grant) -> Q | None:
    """`_binds` as a filter: the objects (a Q on Report, RegionSubmission or Target) for which
    this grant makes its user this actor, or None when it makes them this actor for none."""
    if grant.role != actor.role:
        return None
    # Every object, as a Q that survives an OR (an empty Q() would vanish from `q | Q()`).
    everything = Q(pk__isnull=False)
    where = Q(region__level__in=sorted(actor.levels)) if actor.levels is not None else everything
    if actor.binding == Binding.NATIONAL:
        return where
    if actor.binding == Binding.AGENCY:
        if not grant.agency_id:
            return None
        return where & Q(agency_id=grant.agency_id, region_id=grant.region_id)
    if actor.binding == Binding.REGION:
        return where & Q(region_id=grant.region_id)
    if actor.binding == Binding.PARENT:
        return where & Q(
            region__province_code=grant.region_code,
            region__level__in=sorted(KABKOTA),
        )
    return None


def audience(spec: Transition, to_status: str) -> tuple[Actor, ...]:
    """Who hears of a step, by the table: the actors of the reviewer's decisions now waiting
    (`inbox` steps whose sources hold the new status); when none waits, the object's owners
    (the actors of its `hands_in` step); and the step's `also_tells`. Nobody without a
    `notice`."""
    if not spec.notice:
        return ()
    steps = [t for t in TABLE if t.kind == spec.kind and t.inbox and to_status in t.sources]
    if not steps:
        steps = [t for t in TABLE if t.kind == spec.kind and t.hands_in]
    actors = [a for t in steps for a in t.actors] + list(spec.also_tells)
    return tuple(dict.fromkeys(actors))


def audience_memberships(spec: Transition, obj: Flow, to_status: str) -> Q | None:
    """The active memberships whose users hear of this step on `obj` (None: nobody)."""
    where = [w for a in audience(spec, to_status) if (w := _members_binding(a, obj)) is not None]
    if not where:
        return None
    q = where[0]
    for w in where[1:]:
        q |= w
    return q & Q(is_active=True)


def _grants_filter(user: AnyUser, steps: Iterable[Transition], *, waiting: bool) -> Q:
    """Objects for which this user fills an actor of one of `steps` (and, with `waiting`, that
    stand in one of the step's sources). Matches nothing without a grant."""
    q = Q(pk__in=[])
    grants = grants_for(user)
    for t in steps:
        for actor in t.actors:
            for grant in grants:
                where = _object_binding(actor, grant)
                if where is None:
                    continue
                q |= where & Q(status__in=sorted(t.sources)) if waiting else where
    return q


def _steps(kind: Kind, *, inbox: bool = False, hands_in: bool = False) -> list[Transition]:
    return [
        t for t in TABLE if t.kind == kind and ((inbox and t.inbox) or (hands_in and t.hands_in))
    ]


def waiting(kind: Kind, user: AnyUser) -> Q:
    """Objects of `kind` waiting for this user's decision: in the sources of an `inbox` step
    whose actor the user is for them (a Q on the kind's model)."""
    return _grants_filter(user, _steps(kind, inbox=True), waiting=True)


def decided_by(kind: Kind, user: AnyUser) -> Q:
    """Objects of `kind` whose decisions (`inbox` steps) are this user's, in any status."""
    return _grants_filter(user, _steps(kind, inbox=True), waiting=False)


def handed_in_by(kind: Kind, user: AnyUser, *, ready: bool = False) -> Q:
    """Objects of `kind` this user hands in (`hands_in` step); with `ready`, only those in
    that step's sources (they may be handed in now, checks aside)."""
    return _grants_filter(user, _steps(kind, hands_in=True), waiting=ready)


def target_of(spec: Transition, obj: Flow) -> str:
    if spec.target_with_signoff and obj.region.requires_head_signoff:
        return spec.target_with_signoff
    return spec.target


# ---------------------------------------------------------------- windows and freezes


def submission_for(report: Report) -> RegionSubmission | None:
    return reads.submission_of(report)


def review_lock_reason(report: Report, submission: RegionSubmission | None = None) -> str | None:
    """Why the review chain keeps this report's data from being edited now (None = editable):
    ``rules.editing.lock_reason``, the rule the data-entry pages use too."""
    if submission is None:
        submission = submission_for(report)
    return editing.lock_reason(report, submission)


# ---------------------------------------------------------------- checks before a step


def _agency_owner(report: Report) -> tuple[str, str]:
    agency = report.agency
    if agency is None:
        return _t("(belum ditugaskan ke perangkat daerah)"), ""
    contact = ", ".join(
        x for x in (agency.contact_name, agency.contact_phone, agency.contact_email) if x
    )
    return agency.name, contact


def report_problems(report: Report) -> list[Problem]:
    """What the submit check still asks for (``rules.completeness.submission_missing``)."""
    owner, contact = _agency_owner(report)
    where = f"{report.service_type.code}"
    rows = (
        report.quality.all()
        if reads.prefetched(report, "quality")
        else reads.quality_rows_of(report)
    )
    answers = completeness.quality_answers(reads.quality_items_of(report), rows)
    problems = completeness.submission_missing(
        report.recipients_served,
        report.recipients_target,
        answers,
        (s.status for s in report.stages.all()),
    )
    return [Problem(f"{where}: {p}", owner, contact) for p in problems]


def _check_report_complete(obj: Any, actor: Actor) -> list[Problem]:
    return report_problems(obj)


def _check_data_quality(obj: Any, actor: Actor) -> list[Problem]:
    """Errors, and warnings without an explanation, keep the report from moving on
    (``reporting.quality``). Evaluated afresh: whatever path changed the data."""
    from reporting.quality import services as quality_services

    quality_services.evaluate([obj.pk])
    return _stored_quality_problems(obj)


def _stored_quality_problems(obj: Any) -> list[Problem]:
    """`_check_data_quality` over the flags as stored (every save refreshes them)."""
    from reporting.quality import selectors as quality

    owner, contact = _agency_owner(obj)
    return [
        Problem(f"{obj.service_type.code}: {m}", owner, contact)
        for m in quality.blocking_messages(obj.pk)
    ]


def _check_window_open(obj: Any, actor: Actor) -> list[Problem]:
    submission = obj if isinstance(obj, RegionSubmission) else submission_for(obj)
    problem = window_problem(obj.period, submission)
    return [Problem(problem)] if problem else []


def _check_region_open(obj: Any, actor: Actor) -> list[Problem]:
    frozen = freeze_reason(submission_for(obj))
    return [Problem(frozen)] if frozen else []


def unverified_reports(submission: RegionSubmission, user: AnyUser | None = None) -> list[Report]:
    """All of them for the check; only those `user` may see when shown on a page."""
    qs = Report.objects.visible_to(user, Action.VIEW) if user is not None else Report.objects
    return list(
        qs.filter(region_id=submission.region_id, period_id=submission.period_id)
        .exclude(status=R.VERIFIED)
        .select_related("agency", "service_type")
        .order_by("agency__name", "service_type__order", "service_type__code")
    )


def kabkota_submissions(
    submission: RegionSubmission, user: AnyUser | None = None
) -> QuerySet[RegionSubmission]:
    """A province's kab/kota submissions of the submission's period: those ``user`` may see,
    or all of them (None: a check, or a confirmation whose actor sees the whole province)."""
    subs = (
        RegionSubmission.objects.visible_to(user) if user is not None else RegionSubmission.objects
    )
    return subs.filter(
        period_id=submission.period_id,
        region__province_code=submission.region.code,
        region__level__in=KABKOTA,
    )


def region_problems(submission: RegionSubmission, user: AnyUser | None = None) -> list[Problem]:
    """Exactly what keeps a region from submitting upward, with who owns each part.

    With `user`, lists only the reports and (province) kab/kota submissions that user may see;
    the check itself uses all.
    """
    problems: list[Problem] = []
    reports = Report.objects.filter(region_id=submission.region_id, period_id=submission.period_id)
    if not reports.exists():
        problems.append(Problem(_t("Belum ada laporan layanan untuk periode ini.")))
    for report in unverified_reports(submission, user):
        owner, contact = _agency_owner(report)
        problems.append(
            Problem(
                _t("%(code)s %(name)s: status %(status)s, belum terverifikasi")
                % {
                    "code": report.service_type.code,
                    "name": report.service_type.name,
                    "status": report.get_status_display(),
                },
                owner,
                contact,
            )
        )
    if submission.region.is_province:
        # Shown to `user`: only the kab/kota submissions they may see (the check: all).
        pending = (
            kabkota_submissions(submission, user)
            .filter(status=S.SUBMITTED)
            .select_related("region")
        )
        for child in pending:
            problems.append(
                Problem(
                    _t("%(r)s: pengajuan kabupaten/kota menunggu keputusan provinsi")
                    % {"r": child.region.name},
                    child.region.name,
                    child.region.contact_name,
                )
            )
    return problems


def region_warnings(submission: RegionSubmission) -> list[Problem]:
    """What the level above should know about a region's quarter but that never blocks
    submitting it: the year's action plan missing or not yet set (reporting.plans)."""
    from reporting.plans import selectors as plans

    region = submission.region
    message = plans.plan_warning(region, submission.period.year)
    if message is None:
        return []
    return [
        Problem(
            message,
            _t("verifikator wilayah"),
            region.contact_name,
            reverse(
                "reporting:action_plan",
                kwargs={"code": region.code, "year": submission.period.year},
            ),
        )
    ]


def _check_region_complete(obj: Any, actor: Actor) -> list[Problem]:
    return region_problems(obj)


def _check_parent_open(obj: Any, actor: Actor) -> list[Problem]:
    """A province may reopen its kab/kota only while its own report is not with Bangda."""
    if actor.role != Role.PROVINCE_REVIEWER:
        return []
    parent = RegionSubmission.objects.filter(
        period_id=obj.period_id, region__code=obj.region.province_code
    ).first()
    if parent and parent.status in (S.SUBMITTED, S.ACCEPTED):
        return [
            Problem(
                _t(
                    "Laporan provinsi periode ini sudah diajukan/diterima Bangda; "
                    "pembukaan kembali kabupaten/kota harus melalui Bangda."
                )
            )
        ]
    return []


def target_problem(report: Report) -> str | None:
    """Why the report's year target does not let it be verified (None: the target is verified).

    Policy (issue #15): verifying a report needs the region's verified target for the year and
    service type, or an exception the verifier records with a reason (`transition`).
    """
    verified = Target.objects.filter(
        region_id=report.region_id,
        year=report.period.year,
        service_type__code=report.service_type.code,
        status=Target.Status.VERIFIED,
    ).exists()
    if verified:
        return None
    return _t(
        "Target tahun %(year)s untuk %(code)s belum diverifikasi; verifikasi target dulu "
        "atau catat alasan pengecualian."
    ) % {"year": report.period.year, "code": report.service_type.code}


def target_missing(target: Target) -> list[str]:
    """What a year target still lacks before the agency may submit it."""
    missing = []
    if target.recipients_target is None:
        missing.append(_t("target jumlah penerima"))
    for tq in target.quality.select_related("quality_item"):
        if tq.quality_item.has_quantity and tq.required_quantity is None:
            missing.append(tq.quality_item.description)
    return missing


def _check_target_complete(obj: Any, actor: Actor) -> list[Problem]:
    return [Problem(m) for m in target_missing(obj)]


def step_problems(
    spec: Transition, obj: Flow, actor: Actor, *, shown: bool = False
) -> list[Problem]:
    """What keeps `spec` from being fired on `obj` now (its checks, in order).

    ``shown=True`` is for a page showing the steps: the data-quality check reads the flags as
    stored, which every save of the report has just refreshed, instead of evaluating the rules
    again for each button. The step itself (`transition`) always evaluates afresh.
    """
    return [
        p
        for name in spec.checks
        for p in (
            _stored_quality_problems(obj)
            if shown and name == "data_quality"
            else CHECKS[name](obj, actor)
        )
    ]


CHECKS: dict[str, Callable[[Any, Actor], list[Problem]]] = {
    "target_complete": _check_target_complete,
    "report_complete": _check_report_complete,
    "data_quality": _check_data_quality,
    "window_open": _check_window_open,
    "region_open": _check_region_open,
    "region_complete": _check_region_complete,
    "parent_open": _check_parent_open,
}


# ---------------------------------------------------------------- snapshots


def _num(value: Any) -> Any:
    return None if value is None else str(value)


def snapshot_report(report: Report) -> dict[str, Any]:
    """The report's data as it stands, JSON-ready: what a later resubmission is diffed against."""
    return {
        "values": {
            "recipients_target": report.recipients_target,
            "recipients_served": report.recipients_served,
            "recipients_breakdown": report.recipients_breakdown or {},
            "problems": report.problems,
            "solutions": report.solutions,
            "capaian_index": _num(report.capaian_index),
            "band": report.band,
        },
        "quality": {
            q.quality_item.code: {
                "label": q.quality_item.description,
                "required": _num(q.required),
                "realised": _num(q.realised),
                "met": q.met,
            }
            for q in report.quality.select_related("quality_item")
        },
        "stages": {
            str(s.stage): {"status": s.status, "note": s.note}
            for s in ReportStage.objects.filter(report=report)
        },
        "budget": [
            {
                "key": f"{b.activity_code}/{b.sub_activity_code}",
                "name": b.sub_activity_name or b.activity_name,
                "allocated": b.allocated,
                "realised": b.realised,
            }
            for b in report.budget_lines.all()
        ],
        "files": [
            {"id": e.id, "name": e.original_name, "sha256": e.sha256}
            for e in report.evidence.filter(deleted_at__isnull=True).order_by("id")
        ],
    }


def snapshot_submission(submission: RegionSubmission) -> dict[str, Any]:
    reports = Report.objects.filter(
        region_id=submission.region_id, period_id=submission.period_id
    ).select_related("service_type")
    data: dict[str, Any] = {
        "due_date": effective_due_date(submission.period, submission).isoformat(),
        "is_late": submission.is_late,
        "reports": {
            r.service_type.code: {"status": r.status, "capaian_index": _num(r.capaian_index)}
            for r in reports
        },
    }
    if submission.region.is_province:
        from reporting.recap import recap_snapshot

        data["recap"] = recap_snapshot(submission.region, submission.period)
    return data


def snapshot_target(target: Target) -> dict[str, Any]:
    return {
        "recipients_target": target.recipients_target,
        "quality": {
            tq.quality_item.code: _num(tq.required_quantity)
            for tq in target.quality.select_related("quality_item")
        },
    }


# ---------------------------------------------------------------- the service


def authored_by(report: Report, user: AnyUser | None) -> bool:
    """Did ``user`` submit the report (current cycle) or save its data last?

    Policy (docs/workflow.md, separation of duties): such a user never verifies it.
    """
    if user is None or user.pk is None:
        return False
    if report.updated_by_id is not None and report.updated_by_id == user.pk:
        return True
    submit = (
        WorkflowEvent.objects.filter(report_id=report.pk, action__in=("submit", "head_approve"))
        .order_by("-at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )
    return submit is not None and submit == user.pk


def author_problem(report: Report) -> str:
    return _t(
        "Anda mengajukan atau terakhir mengubah laporan ini; verifikasi harus dilakukan "
        "verifikator lain (pemisahan tugas)."
    )


def note_refusal(report: Report, user: AnyUser) -> TransitionError | None:
    """Why ``user`` may not write section notes on ``report`` now (None: they may).

    Policy: notes belong to the return step — whoever the table lets return the report (the
    region's verifier) writes them, while the report is with them (the step's sources).
    """
    spec = TRANSITIONS[(Kind.REPORT, "return")]
    if actor_for(spec, report, user) is None:
        return NotAllowed(_t("Hanya verifikator wilayah laporan yang dapat menulis catatan."))
    if report.status not in spec.sources:
        return Refused(
            _t("Catatan bagian ditulis selama laporan diverifikasi; status sekarang: %(s)s.")
            % {"s": report.get_status_display()}
        )
    return None


def available_actions(obj: Flow, user: AnyUser | None) -> list[Transition]:
    """Transitions this user could fire on this object in its current state (checks aside)."""
    kind = kind_of(obj)
    return [
        t
        for t in TABLE
        if t.kind == kind
        and obj.status in t.sources
        and actor_for(t, obj, user) is not None
        and not (t.not_by_author and isinstance(obj, Report) and authored_by(obj, user))
    ]


def _lock(obj: Flow, user: AnyUser) -> Flow:
    model = type(obj)
    qs = (
        model.objects.visible_to(user, Action.VIEW)
        .select_for_update(of=("self",))
        .filter(pk=obj.pk)
    )
    locked = qs.first()
    if locked is None:
        raise NotFound
    return locked


def _last_event(obj: Flow) -> WorkflowEvent | None:
    return obj.events.select_related("actor").order_by("-at", "-id").first()


def stamp(at: dt.datetime) -> str:
    """A moment as the workflow's messages name it: the local (WIB) date and time."""
    return timezone.localtime(at).strftime("%d-%m-%Y %H:%M")


def stale_message(obj: Flow) -> str:
    """Who moved the object since it was shown, and what it is now (`Stale`'s message)."""
    last = _last_event(obj)
    status = obj.get_status_display()
    if last is None:
        return _t("Data sudah berubah; status sekarang: %(s)s. Muat ulang halaman.") % {"s": status}
    saved_at = getattr(obj, "updated_at", None)
    saved_by = getattr(obj, "updated_by", None)
    if saved_by is not None and saved_at is not None and saved_at > last.at:
        # The version moved by a save of the data after the last step (another tab), not a step.
        return _t(
            "Data sudah diubah oleh %(who)s pada %(at)s sejak halaman ini ditampilkan; "
            "status sekarang: %(s)s."
        ) % {
            "who": saved_by,
            "at": stamp(saved_at),
            "s": status,
        }
    return _t(
        "Sudah ada yang bertindak lebih dulu: %(label)s oleh %(who)s pada %(at)s; "
        "status sekarang: %(s)s."
    ) % {
        "label": ACTION_LABELS.get(last.action, last.action),
        "who": last.actor,
        "at": stamp(last.at),
        "s": status,
    }


def version_missing() -> Stale:
    """The refusal of a step or bulk step whose form did not say which version it showed: it
    would act on a state nobody saw (`transition` checks nothing without a version)."""
    return Stale(_t("Versi yang Anda lihat tidak terkirim; muat ulang halaman lalu ulangi."))


def transition(
    obj: Flow,
    action: str,
    user: AnyUser,
    *,
    reason: str = "",
    expected_version: int | None = None,
    expected_status: str | None = None,
    due_date: dt.date | None = None,
    target_exception_reason: str = "",
    sections: Iterable[str] = (),
    notify: bool = True,
    require_version: bool = False,
) -> Result:
    """Fire one workflow step. Raises NotFound (out of scope), NotAllowed (role), Refused/Stale.

    `expected_version` / `expected_status` are what the user saw: if someone moved the object
    since, the step is refused as Stale. Pages and the API send the version they showed: the
    status alone proves nothing, since a report can leave `submitted` and come back to it with
    other data (withdraw, edit, resubmit). `require_version=True` (pages) refuses a step sent
    without one (`version_missing`) once the user is known to be its actor; `None` otherwise
    checks nothing, for callers acting on what they just read (tasks, the demo).
    A repeated click of the same step by the same user is answered with `already_done=True`
    instead of a second transition.
    `target_exception_reason` is why a report is verified although its year target is not
    (refused without it); it is recorded as the event's reason.
    `sections` are the report sections (`Section` keys) a returning step's reason is about
    (`RETURNING`); the operator sees the reason beside each of them.
    `notify=False` tells nobody (the demo replaying a history it seeds).
    """
    kind = kind_of(obj)
    spec = TRANSITIONS.get((kind, action))
    if spec is None:
        raise NotFound
    if not isinstance(user, User):  # nobody signed in fires no step
        raise NotAllowed(_t("Peran Anda tidak dapat melakukan tindakan ini pada data ini."))
    reason = reasons.clean(reason)
    with transaction.atomic():
        locked = _lock(obj, user)
        actor = actor_for(spec, locked, user)
        if actor is None:
            raise NotAllowed(_t("Peran Anda tidak dapat melakukan tindakan ini pada data ini."))
        # Separation of duties and the target rule are the report's (the table's verify).
        if spec.not_by_author and isinstance(locked, Report) and authored_by(locked, user):
            raise NotAllowed(author_problem(locked))
        pointed = pointed_sections(kind, action, sections)
        if require_version and expected_version is None:
            raise version_missing()
        stale = versioning.is_stale(locked.version, expected_version) or (
            expected_status is not None and expected_status != locked.status
        )
        if stale or locked.status not in spec.sources:
            last = _last_event(locked)
            if (
                last is not None
                and last.action == action
                and last.actor_id == user.pk
                and (
                    (expected_version is not None and locked.version == expected_version + 1)
                    or (expected_status is not None and last.from_status == expected_status)
                )
            ):
                return Result(locked, last, already_done=True)
            if stale:
                raise Stale(stale_message(locked))
            raise Refused(
                _t("Tindakan ini tidak dapat dilakukan dari status %(s)s.")
                % {"s": locked.get_status_display()}
            )
        if spec.reason_required and not reason:
            raise Refused(_t("Alasan wajib diisi."), field="reason")
        if spec.due_date_required and not isinstance(locked, Target):
            if due_date is None:
                raise Refused(_t("Batas waktu baru wajib diisi."), field="due_date")
            if due_date < timezone.localdate():
                raise Refused(
                    _t("Batas waktu baru tidak boleh sebelum hari ini."), field="due_date"
                )
            latest = latest_due_date(locked.period)
            if due_date > latest:
                raise Refused(
                    _t("Batas waktu baru paling lambat %(d)s (tahun periode + 1).")
                    % {"d": latest.strftime("%d-%m-%Y")},
                    field="due_date",
                )
        problems = step_problems(spec, locked, actor)
        if problems:
            raise Refused(_t("Belum dapat dilanjutkan; lengkapi dulu:"), problems=problems)
        if spec.needs_verified_target and isinstance(locked, Report):
            reason = verify_reason(locked, reason, target_exception_reason)
        event = _apply(
            spec, locked, user, reason=reason, due_date=due_date, sections=pointed, notify=notify
        )
    return Result(locked, event)


def pointed_sections(kind: Kind, action: str, sections: Iterable[str]) -> list[str]:
    """The sections a step's reason points at, in the form's order; Refused on an unknown key
    or on a step that does not send a report back."""
    wanted = {s for s in sections if s}
    if not wanted:
        return []
    if kind != Kind.REPORT or action not in RETURNING:
        raise Refused(
            _t("Bagian laporan hanya ditandai saat laporan dikembalikan."), field="sections"
        )
    unknown = wanted - set(Section.values)
    if unknown:
        raise Refused(
            _t("Bagian laporan tidak dikenal: %(keys)s.") % {"keys": ", ".join(sorted(unknown))},
            field="sections",
        )
    return [key for key in Section.values if key in wanted]


def latest_due_date(period: Period) -> dt.date:
    """Policy: a reopened region's due date lies at most in the year after the period's."""
    return dt.date(period.year + 1, 12, 31)


def verify_reason(report: Report, reason: str, exception: str) -> str:
    """What a verify step records as its reason; Refused when the target rule is not met.

    The given reason as it is when the year target is verified; otherwise the exception
    (required, not blank) is recorded before it. The demo records its exceptions through this.
    """
    problem = target_problem(report)
    if problem is None:
        return reason
    exception = reasons.clean(exception)
    if not exception:
        raise Refused(problem, problems=[Problem(problem)])
    recorded = _t("Pengecualian target belum terverifikasi: %(why)s") % {"why": exception}
    return f"{recorded}\n{reason}" if reason else recorded


def _apply(
    spec: Transition,
    obj: Flow,
    user: User,
    *,
    reason: str,
    due_date: dt.date | None,
    sections: list[str] | None = None,
    notify: bool = True,
) -> WorkflowEvent:
    now = timezone.now()
    from_status = obj.status
    to_status = target_of(spec, obj)
    obj.status = to_status
    obj.version += 1
    fields = ["status", "version"]
    if isinstance(obj, Report):
        if to_status in (R.SUBMITTED, R.AWAITING_HEAD):
            obj.submitted_at = now
            fields.append("submitted_at")
        if to_status == R.VERIFIED:
            obj.verified_at = now
            fields.append("verified_at")
        elif to_status == R.RETURNED:
            obj.verified_at = None
            fields.append("verified_at")
        snapshot = snapshot_report(obj)
        event_links: dict[str, Any] = {"report": obj, "agency_id": obj.agency_id}
    elif isinstance(obj, Target):
        fields.append("updated_at")
        if spec.hands_in:
            obj.updated_by = user
            fields.append("updated_by")
        if to_status == T.VERIFIED:
            obj.verified_at, obj.verified_by = now, user
            obj.return_reason = ""
            fields += ["verified_at", "verified_by", "return_reason"]
        elif to_status == T.RETURNED:
            obj.return_reason = reason
            fields.append("return_reason")
        snapshot = snapshot_target(obj)
        event_links = {"target": obj, "agency_id": obj.agency_id}
    else:
        if spec.action == "submit_region":
            obj.submitted_at, obj.submitted_by = now, user
            obj.return_reason = ""
            fields += ["submitted_at", "submitted_by", "return_reason"]
        elif spec.action in ("accept", "return_region"):
            obj.decided_at, obj.decided_by = now, user
            fields += ["decided_at", "decided_by"]
            if spec.action == "return_region":
                obj.return_reason = reason
                fields.append("return_reason")
        elif spec.action == "reopen_region":
            obj.due_date = due_date
            fields.append("due_date")
        snapshot = snapshot_submission(obj)
        event_links = {"submission": obj}
    step = spec.recorded_as or spec.action
    history.set_actor(obj, user, (f"{step}: {reason}" if reason else step)[:100])
    obj.save(update_fields=fields)
    event = WorkflowEvent.objects.create(
        region_id=obj.region_id,
        action=spec.action,
        from_status=from_status,
        to_status=to_status,
        actor=user,
        reason=reason,
        snapshot=snapshot,
        sections=sections or [],
        **event_links,
    )
    if notify:
        transaction.on_commit(partial(_notify, event.pk))
    return event


def _notify(event_id: int) -> None:
    """On commit of a step: hand its notifications to their task (``reporting.notifications``
    runs there). Never raises into the committed step: a broker that cannot be reached is
    logged and the notifications are sent in this request instead, better late than lost."""
    task = background.task("reporting.tasks.notify_workflow_event")
    try:
        task.delay(event_id)
        return
    except Exception:
        if task.app.conf.task_always_eager:  # ran inline and failed for good: logged, done
            log.exception("notifying event %s failed", event_id)  # pragma: no mutate
            return
        log.exception("queue down, notifying event %s inline", event_id)  # pragma: no mutate
    try:
        task.run(event_id)  # the task's body, here and now
    except Exception:
        log.exception("notifying event %s failed", event_id)  # pragma: no mutate


def bulk_verify(
    reports: Iterable[Report],
    user: AnyUser,
    *,
    seen: Mapping[int, int | None] | None = None,
) -> tuple[list[Report], list[tuple[Report, str]]]:
    """Verify each report on its own (one refusal doesn't undo the others).

    `seen` maps each report's id to the version the verifier was shown (the confirmation
    list's); without it, each report's own `version` is taken as the one shown. A report whose
    version moved since — even back to `submitted`, after a withdraw, an edit and a resubmit —
    is refused as Stale, as is one without a version in `seen`; the others proceed.
    """
    done: list[Report] = []
    refused: list[tuple[Report, str]] = []
    for report in reports:
        shown = report.version if seen is None else seen.get(report.pk)
        try:
            if shown is None:
                raise version_missing()
            result = transition(report, "verify", user, expected_version=shown)
        except TransitionError as exc:
            why = "; ".join(p.message for p in exc.problems if p.message != exc.message)
            refused.append((report, f"{exc.message} {why}" if why else exc.message))
        else:
            if isinstance(result.obj, Report):  # the step was a report's
                done.append(result.obj)
    return done, refused
