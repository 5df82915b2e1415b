"""The audit trail, read-only: data changes (django-simple-history) and workflow steps.

Every audited model's history table and ``WorkflowEvent`` are unioned in SQL into one
stream of ``(at, user, kind, pk, op, reason)`` rows, each table filtered by the scoping
layer with the live model's ``scope_paths`` (historical rows carry the same fields).
Only audit roles read it (``scoping.may_read_audit_trail``, ``scoping.audit_scope_q``): an
auditor for its region (and below, for a province or national auditor), a verifier for its
region, Bangda for everything.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.models import CharField, F, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from espm.history import history_model
from regions.scoping import AnyUser, audit_scope_q, paths_of

WORKFLOW = "workflow"
OPS = {"+": _("dibuat"), "~": _("diubah"), "-": _("dihapus")}
# Bookkeeping columns that change on every save and say nothing to an auditor.
NOISE = frozenset({"updated_at", "version", "history_id", "history_date", "history_user"})


@dataclass(frozen=True)
class Source:
    key: str
    label: Any
    model_path: str  # "app_label.ModelName" of the live model

    @property
    def model(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.model_path)

    @property
    def history_model(self) -> Any:
        """Made by simple_history at run time: its fields are unknown to the type checker."""
        return history_model(self.model)


SOURCES: tuple[Source, ...] = (
    Source("report", _("Laporan triwulan"), "reporting.Report"),
    Source("report_quality", _("Mutu layanan laporan"), "reporting.ReportQuality"),
    Source("report_stage", _("Tahapan penerapan"), "reporting.ReportStage"),
    Source("budget_line", _("Anggaran"), "reporting.BudgetLine"),
    Source("evidence", _("Bukti dukung"), "reporting.Evidence"),
    Source("review_note", _("Catatan verifikator"), "reporting.ReviewNote"),
    Source("report_check", _("Temuan kualitas data"), "reporting.ReportCheck"),
    Source("action_plan", _("Rencana aksi"), "reporting.ActionPlan"),
    Source("action_plan_commitment", _("Komitmen rencana aksi"), "reporting.ActionPlanCommitment"),
    Source("spm_team", _("Tim Penerapan SPM"), "reporting.SpmTeam"),
    Source("spm_team_member", _("Anggota Tim Penerapan SPM"), "reporting.SpmTeamMember"),
    Source("target", _("Target"), "indicators.Target"),
    Source("target_quality", _("Target mutu"), "indicators.TargetQuality"),
    Source("agency", _("Perangkat daerah"), "regions.Agency"),
    Source("membership", _("Peran pengguna"), "regions.Membership"),
    Source("assignment", _("Penugasan layanan"), "indicators.Assignment"),
    Source("region", _("Pengaturan wilayah"), "regions.Region"),
)
SOURCE_BY_KEY = {s.key: s for s in SOURCES}
KIND_CHOICES: list[tuple[str, Any]] = [
    *((s.key, s.label) for s in SOURCES),
    (WORKFLOW, _("Langkah alur kerja")),
]


@dataclass
class AuditFilters:
    kind: str = ""
    username: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, data: Any) -> AuditFilters:
        f = cls()
        kind = (data.get("kind") or "").strip()
        if kind and kind not in dict(KIND_CHOICES):
            f.errors.append(str(_("Jenis data tidak dikenal.")))
        else:
            f.kind = kind
        f.username = (data.get("user") or "").strip()[:150]
        for name, label in (("date_from", _("Dari tanggal")), ("date_to", _("Sampai tanggal"))):
            raw = (data.get(name) or "").strip()
            if not raw:
                continue
            try:
                setattr(f, name, datetime.date.fromisoformat(raw))
            except ValueError:
                f.errors.append(str(_("%(f)s: tanggal tidak valid (YYYY-MM-DD).") % {"f": label}))
        return f

    def as_query(self) -> dict[str, str]:
        out = {"kind": self.kind, "user": self.username}
        out["date_from"] = self.date_from.isoformat() if self.date_from else ""
        out["date_to"] = self.date_to.isoformat() if self.date_to else ""
        return {k: v for k, v in out.items() if v}


def _day_bounds(f: AuditFilters) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    tz = timezone.get_current_timezone()
    start = end = None
    if f.date_from:
        start = datetime.datetime.combine(f.date_from, datetime.time.min, tzinfo=tz)
    if f.date_to:
        end = datetime.datetime.combine(
            f.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
    return start, end


COLUMNS = ("a_at", "a_user", "a_kind", "a_pk", "a_op", "a_reason")


def _history_stream(user: AnyUser, source: Source, f: AuditFilters) -> models.QuerySet:
    start, end = _day_bounds(f)
    qs = source.history_model.objects.filter(audit_scope_q(user, paths_of(source.model)))
    if start:
        qs = qs.filter(history_date__gte=start)
    if end:
        qs = qs.filter(history_date__lt=end)
    if f.username:
        qs = qs.filter(history_user__username=f.username)
    return qs.annotate(
        a_at=F("history_date"),
        a_user=F("history_user_id"),
        a_kind=Value(source.key, output_field=CharField()),
        a_pk=F("history_id"),
        a_op=F("history_type"),
        a_reason=F("history_change_reason"),
    ).values(*COLUMNS)


def _workflow_stream(user: AnyUser, f: AuditFilters) -> models.QuerySet:
    from reporting.models import WorkflowEvent

    start, end = _day_bounds(f)
    qs = WorkflowEvent.objects.filter(audit_scope_q(user, WorkflowEvent.scope_paths))
    if start:
        qs = qs.filter(at__gte=start)
    if end:
        qs = qs.filter(at__lt=end)
    if f.username:
        qs = qs.filter(actor__username=f.username)
    return qs.annotate(
        a_at=F("at"),
        a_user=F("actor_id"),
        a_kind=Value(WORKFLOW, output_field=CharField()),
        a_pk=F("id"),
        a_op=F("action"),
        a_reason=F("reason"),
    ).values(*COLUMNS)


ORDER = ("-a_at", "-a_pk")


class AuditStream:
    """Every audited table in the user's scope as one newest-first stream (SQL UNION ALL).

    Sliceable and countable, so Django's Paginator can page it. A slice ``[a:b]`` asks each
    table only for its newest ``b`` rows (where the database allows ORDER BY/LIMIT inside a
    UNION), so a page never sorts a national history; the count is the sum of each table's.
    """

    def __init__(self, user: AnyUser, f: AuditFilters) -> None:
        self.parts: list[models.QuerySet] = []
        if f.kind in ("", WORKFLOW):
            self.parts.append(_workflow_stream(user, f))
        for source in SOURCES:
            if f.kind in ("", source.key):
                self.parts.append(_history_stream(user, source, f))

    def count(self) -> int:
        return sum(part.order_by().count() for part in self.parts)

    def __len__(self) -> int:
        return self.count()

    def _union(self, stop: int | None) -> models.QuerySet:
        first, *rest = self.parts
        if not rest:
            return first.order_by(*ORDER)
        if stop is not None and connection.features.supports_slicing_ordering_in_compound:
            first, *rest = (p.order_by(*ORDER)[:stop] for p in self.parts)
        else:
            # History models order by default; SQLite refuses ORDER BY inside a compound.
            first, *rest = (p.order_by() for p in self.parts)
        return first.union(*rest, all=True).order_by(*ORDER)

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        if not isinstance(key, slice):
            raise TypeError("AuditStream supports slices only")
        if key.stop is not None and key.stop <= (key.start or 0):
            return []
        return list(self._union(key.stop)[key])


def audit_stream(user: AnyUser, f: AuditFilters) -> AuditStream:
    return AuditStream(user, f)


@dataclass
class AuditEntry:
    at: datetime.datetime
    user: str
    kind: str
    kind_label: Any
    op: str
    op_label: Any
    reason: str
    region: str = ""
    subject: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    def changes_text(self) -> str:
        return "; ".join(f"{name}: {old} → {new}" for name, old, new in self.changes)


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("ya")) if value else str(_("tidak"))
    return str(value)


def _subject(kind: str, obj: Any) -> tuple[str, str]:
    """(region label, what was changed) of one history row or workflow event."""
    if kind in ("report", "target"):
        return obj.region.code, f"{obj.service_type.code} {getattr(obj, 'period', '') or obj.year}"
    if kind in (
        "report_quality", "report_stage", "budget_line", "evidence", "review_note", "report_check"
    ):  # fmt: skip
        report = obj.report
        detail = {
            "report_quality": lambda: f"{obj.quality_item.code}",
            "report_stage": lambda: f"{_('tahap')} {obj.stage}",
            "budget_line": lambda: obj.activity_name,
            "evidence": lambda: obj.original_name,
            "review_note": lambda: f"{_('catatan')} {obj.get_section_display()}",
            "report_check": lambda: " ".join(
                x for x in (str(_("temuan")), obj.rule.code, obj.item_key) if x
            ),
        }[kind]()
        return report.region.code, f"{report.service_type.code} {report.period} · {detail}"
    if kind == "target_quality":
        t = obj.target
        return t.region.code, f"{t.service_type.code} {t.year} · {obj.quality_item.code}"
    if kind == "agency":
        return obj.region.code, obj.short_name
    if kind == "membership":
        return obj.region.code, f"{obj.user.username} · {obj.get_role_display()}"
    if kind == "assignment":
        return obj.region.code, f"{obj.service_code} → {obj.agency}"
    if kind == "region":
        return obj.code, obj.name
    if kind == "action_plan":
        return obj.region.code, f"{_('Rencana aksi')} {obj.year}"
    if kind == "action_plan_commitment":
        plan = obj.plan
        return plan.region.code, f"{_('Rencana aksi')} {plan.year} · {obj.service_type.code}"
    if kind == "spm_team":
        return obj.region.code, f"{_('Tim Penerapan SPM')} {obj.year}"
    if kind == "spm_team_member":
        team = obj.team
        return team.region.code, f"{_('Tim Penerapan SPM')} {team.year} · {obj.name}"
    # workflow
    target = obj.report or obj.submission
    return obj.region.code, f"{target}" if target else ""


RELATED: dict[str, tuple[str, ...]] = {
    "report": ("region", "service_type", "period"),
    "target": ("region", "service_type"),
    "report_quality": ("report__region", "report__service_type", "report__period", "quality_item"),
    "report_stage": ("report__region", "report__service_type", "report__period"),
    "budget_line": ("report__region", "report__service_type", "report__period"),
    "evidence": ("report__region", "report__service_type", "report__period"),
    "review_note": ("report__region", "report__service_type", "report__period"),
    "report_check": ("report__region", "report__service_type", "report__period", "rule"),
    "target_quality": ("target__region", "target__service_type", "quality_item"),
    "agency": ("region",),
    "membership": ("region", "user"),
    "assignment": ("region", "agency"),
    "region": ("history_user",),
    "action_plan": ("region",),
    "action_plan_commitment": ("plan__region", "service_type"),
    "spm_team": ("region",),
    "spm_team_member": ("team__region",),
    WORKFLOW: ("region", "report__region", "report__service_type", "report__period", "submission"),
}


def _changes(source: Source, rows: list[Any]) -> dict[int, list[tuple[str, str, str]]]:
    """Field changes of each history row against the previous row of the same object.

    One query per page for all predecessors (not simple-history's one query per row).
    """
    hm = source.history_model
    if not rows:
        return {}
    ids = {r.id for r in rows}
    latest = max(r.history_date for r in rows)
    timeline: dict[int, list[Any]] = defaultdict(list)
    for h in hm.objects.filter(id__in=ids, history_date__lte=latest).order_by(
        "history_date", "history_id"
    ):
        timeline[h.id].append(h)
    fields = [
        f
        for f in source.model._meta.concrete_fields
        if f.attname not in NOISE and f.name not in NOISE
    ]
    out: dict[int, list[tuple[str, str, str]]] = {}
    for row in rows:
        history = timeline.get(row.id, [])
        idx = next((i for i, h in enumerate(history) if h.history_id == row.history_id), None)
        prev = history[idx - 1] if idx else None
        if row.history_type != "~" or prev is None:
            out[row.history_id] = []
            continue
        diffs = []
        for f in fields:
            old, new = getattr(prev, f.attname, None), getattr(row, f.attname, None)
            if old != new:
                diffs.append((str(f.verbose_name), _fmt(old), _fmt(new)))
        out[row.history_id] = diffs
    return out


def resolve(rows: Iterable[dict[str, Any]]) -> list[AuditEntry]:
    """Turn a page of stream rows into entries: who, what, where, and which fields changed."""
    from regions.models import User
    from reporting.models import WorkflowEvent

    rows = list(rows)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        by_kind[r["a_kind"]].append(r["a_pk"])
    usernames = dict(
        User.objects.filter(id__in={r["a_user"] for r in rows if r["a_user"]}).values_list(
            "id", "username"
        )
    )
    objects: dict[tuple[str, int], Any] = {}
    changes: dict[tuple[str, int], list[tuple[str, str, str]]] = {}
    for kind, pks in by_kind.items():
        if kind == WORKFLOW:
            qs = WorkflowEvent.objects.select_related(*RELATED[kind]).filter(id__in=pks)
            objects.update({(kind, o.id): o for o in qs})
            continue
        source = SOURCE_BY_KEY[kind]
        hqs = source.history_model.objects.select_related(*RELATED[kind]).filter(history_id__in=pks)
        hrows = list(hqs)
        objects.update({(kind, h.history_id): h for h in hrows})
        for hid, diff in _changes(source, hrows).items():
            changes[(kind, hid)] = diff
    entries = []
    for r in rows:
        kind, pk = r["a_kind"], r["a_pk"]
        obj = objects.get((kind, pk))
        region, subject = ("", "")
        if obj is not None:
            try:
                region, subject = _subject(kind, obj)
            except models.ObjectDoesNotExist:  # the live parent is gone; keep the row
                region, subject = "", ""
        is_workflow = kind == WORKFLOW
        entries.append(
            AuditEntry(
                at=r["a_at"],
                user=usernames.get(r["a_user"], "—") if r["a_user"] else str(_("sistem")),
                kind=kind,
                kind_label=dict(KIND_CHOICES)[kind],
                op=r["a_op"] or "",
                op_label=(r["a_op"] if is_workflow else OPS.get(r["a_op"], r["a_op"])) or "",
                reason=r["a_reason"] or "",
                region=region,
                subject=subject,
                changes=changes.get((kind, pk), []),
            )
        )
    return entries


def iter_entries(
    user: AnyUser, f: AuditFilters, limit: int, chunk: int = 500
) -> Iterator[AuditEntry]:
    """Up to ``limit`` entries, newest first, resolved in chunks (for the CSV export)."""
    stream = audit_stream(user, f)
    for offset in range(0, limit, chunk):
        rows = list(stream[offset : min(offset + chunk, limit)])
        if not rows:
            return
        yield from resolve(rows)
        if len(rows) < chunk:
            return
