"""Data-quality flags: evaluate the rules over reports and store what they flag.

``evaluate(report_ids)`` is the one path: a section save calls it for one report inside the
save's transaction (``refresh``), the period job for a whole quarter in chunks. The facts
are gathered in a fixed number of queries per chunk, whatever its size; the rules are pure
(``reporting.rules.quality``).

Writes here: the flags themselves. An operator's explanation and a verifier's "checked —
correct" are ``reporting.quality.follow_up``'s.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from reporting.models import (
    BudgetLine,
    Evidence,
    Period,
    Report,
    ReportCheck,
    ReportQuality,
    ReportStage,
    Stage,
    ValidationRule,
)
from reporting.rules import quality as rules
from reporting.rules.breakdown import dimensions_by_service_type, is_structured

log = logging.getLogger(__name__)

CHUNK = 2000
HISTORY_QUARTERS = 8
_SECTION_OF_EACH = {
    rules.EACH_QUALITY: "quality",
    rules.EACH_BUDGET: "budget",
    rules.EACH_STAGE: "stages",
}


class CheckError(Exception):
    """A refused explanation or confirmation; the message is for the user (Indonesian)."""


# ---------------------------------------------------------------- built-in rules


def ensure_builtin_rules() -> int:
    """Create the built-in rules that are missing (never rewrites one Bangda edited)."""
    existing = set(ValidationRule.objects.values_list("code", flat=True))
    created = 0
    for b in rules.BUILT_IN:
        old = rules.SUPERSEDED_MESSAGES.get(b.code)
        if old and b.code in existing:
            ValidationRule.objects.filter(
                code=b.code, is_builtin=True, message_id=old[0], message_en=old[1]
            ).update(message_id=b.message_id, message_en=b.message_en, reason=b.reason)
        if b.code in existing:
            continue
        ValidationRule.objects.create(
            code=b.code,
            kind=b.kind,
            severity=b.severity,
            each=b.each,
            section=b.section,
            expression=b.expression,
            message_id=b.message_id,
            message_en=b.message_en,
            reason=b.reason,
            threshold=b.threshold,
            min_points=b.min_points,
            is_builtin=True,
        )
        created += 1
    return created


@dataclass
class ActiveRule:
    rule: ValidationRule
    compiled: rules.Compiled | None

    def applies_to(self, service_code: str, sector_code: str) -> bool:
        r = self.rule
        if not r.service_types and not r.sectors:
            return True
        return service_code in (r.service_types or []) or sector_code in (r.sectors or [])


def active_rules(rules_qs: Iterable[ValidationRule] | None = None) -> list[ActiveRule]:
    out = []
    qs = rules_qs if rules_qs is not None else ValidationRule.objects.filter(is_active=True)
    for rule in qs:
        compiled = None
        if rule.kind == ValidationRule.Kind.EXPRESSION:
            try:
                compiled = rules.compile_expression(rule.expression, rule.each)
            except rules.RuleSyntaxError:
                log.warning("data-quality rule %s does not compile; skipped", rule.code)
                continue
        out.append(ActiveRule(rule, compiled))
    return out


# ---------------------------------------------------------------- facts


def _facts_of(
    reports: Sequence[Report], outliers: frozenset[str] = frozenset()
) -> dict[int, rules.ReportFacts]:
    """The facts of each report, in a fixed number of queries (``outliers``: outlier kinds to
    gather for even when no active rule needs them, as a draft rule's test does)."""
    ids = [r.pk for r in reports]
    docs: dict[int, int] = dict(
        Evidence.objects.filter(report_id__in=ids, deleted_at__isnull=True, stage__isnull=False)
        .values_list("stage_id")
        .annotate(n=Count("id"))
        .values_list("stage_id", "n")
    )
    quality, budget, stages = _parts(ids, docs)
    prev = _previous_served(reports)
    history = _history(reports, force=rules.KIND_HISTORY in outliers)
    peers = _peers(reports, force=rules.KIND_PEERS in outliers)
    structured = {r.service_type_id for r in reports if is_structured(r.recipients_breakdown)}
    dimensions = dimensions_by_service_type(structured) if structured else {}
    out = {}
    for r in reports:
        out[r.pk] = rules.ReportFacts(
            served=r.recipients_served,
            target=r.recipients_target,
            prev_served=prev.get((r.region_id, r.period.year, r.period.quarter, _code(r))),
            breakdown=r.recipients_breakdown or {},
            quarter=r.period.quarter,
            year=r.period.year,
            quality=quality.get(r.pk, []),
            budget=budget.get(r.pk, []),
            stages=stages.get(r.pk, []),
            history=history.get(r.pk, []),
            peers=peers.get(r.pk, []),
            dimensions=dimensions.get(r.service_type_id, ()),
        )  # fmt: skip
    return out


def _parts(
    ids: Sequence[int], docs: dict[int, int]
) -> tuple[
    dict[int, list[rules.QualityFact]],
    dict[int, list[rules.BudgetFact]],
    dict[int, list[rules.StageFact]],
]:
    """Quality answers, budget lines and stages of the reports, as facts (three queries).

    Read as plain rows in the models' own order: a quarter has some 150 000 of them, and
    model instances would cost more than the rules themselves.
    """
    quality: dict[int, list[rules.QualityFact]] = defaultdict(list)
    for rid, code, name, required, realised, per_recipient, has_quantity in (
        ReportQuality.objects.filter(report_id__in=ids)
        .order_by("quality_item__order")
        .values_list(
            "report_id", "quality_item__code", "quality_item__description", "required",
            "realised", "quality_item__per_recipient", "quality_item__has_quantity",
        )
    ):  # fmt: skip
        quality[rid].append(
            rules.QualityFact(
                code=code,
                name=name,
                required=required,
                realised=realised,
                per_recipient=per_recipient,
                has_quantity=has_quantity,
            )
        )
    budget: dict[int, list[rules.BudgetFact]] = defaultdict(list)
    for pk, rid, act_code, act_name, sub_code, sub_name, allocated, spent in (
        BudgetLine.objects.filter(report_id__in=ids)
        .order_by("order", "id")
        .values_list(
            "pk", "report_id", "activity_code", "activity_name", "sub_activity_code",
            "sub_activity_name", "allocated", "realised",
        )
    ):  # fmt: skip
        budget[rid].append(
            rules.BudgetFact(
                key=f"line:{pk}",
                name=" ".join(x for x in (sub_code or act_code, sub_name or act_name) if x),
                allocated=allocated,
                realised=spent,
            )
        )
    stages: dict[int, list[rules.StageFact]] = defaultdict(list)
    stage_names = {value: str(label) for value, label in Stage.choices}
    for pk, rid, number, status in (
        ReportStage.objects.filter(report_id__in=ids)
        .order_by("stage")
        .values_list("pk", "report_id", "stage", "status")
    ):
        stages[rid].append(
            rules.StageFact(
                number=number,
                name=stage_names.get(number, str(number)),
                done=status == ReportStage.Status.DONE,
                documents=docs.get(pk, 0),
            )
        )
    return quality, budget, stages


def _code(r: Report) -> str:
    return r.service_type.code


def _previous_served(reports: Sequence[Report]) -> dict[tuple[int, int, int, str], int | None]:
    """Served of the quarter before, same year, keyed as (region, year, quarter, code)."""
    wanted = {(r.period.year, r.period.quarter - 1) for r in reports if r.period.quarter > 1}
    if not wanted:
        return {}
    cond = Q()
    for year, quarter in wanted:
        cond |= Q(period__year=year, period__quarter=quarter)
    rows = Report.objects.filter(
        cond,
        region_id__in={r.region_id for r in reports},
        service_type__code__in={_code(r) for r in reports},
    ).order_by().values_list("region_id", "period__year", "period__quarter",
                             "service_type__code", "recipients_served")  # fmt: skip
    return {(reg, y, q + 1, code): served for reg, y, q, code, served in rows}


def _history(reports: Sequence[Report], force: bool = False) -> dict[int, list[Decimal]]:
    """Each report's region's annualised pace in up to 8 earlier quarters (oldest first)."""
    active = ValidationRule.objects.filter(is_active=True, kind=ValidationRule.Kind.OUTLIER_HISTORY)
    if not force and not active.exists():
        return {}
    periods = list(Period.objects.order_by("year", "quarter").values_list("id", "year", "quarter"))
    order = {pid: i for i, (pid, _y, _q) in enumerate(periods)}
    earlier: dict[int, list[int]] = {}
    for r in reports:
        i = order.get(r.period_id, 0)
        earlier[r.pk] = [pid for pid, _y, _q in periods[max(0, i - HISTORY_QUARTERS) : i]]
    all_periods = {p for ps in earlier.values() for p in ps}
    if not all_periods:
        return {}
    pace: dict[tuple[int, int, str], Decimal] = {}
    for reg, pid, quarter, code, served in Report.objects.filter(
        period_id__in=all_periods,
        region_id__in={r.region_id for r in reports},
        service_type__code__in={_code(r) for r in reports},
        recipients_served__isnull=False,
    ).order_by().values_list("region_id", "period_id", "period__quarter",
                             "service_type__code", "recipients_served"):  # fmt: skip
        value = rules.annual_pace(served, quarter)
        if value is not None:
            pace[(reg, pid, code)] = value
    out: dict[int, list[Decimal]] = {}
    for r in reports:
        out[r.pk] = [
            v for pid in earlier[r.pk] if (v := pace.get((r.region_id, pid, _code(r)))) is not None
        ]
    return out


def _peers(reports: Sequence[Report], force: bool = False) -> dict[int, list[Decimal]]:
    """Served-as-%-of-target of the other regions with the same service type and quarter."""
    active = ValidationRule.objects.filter(is_active=True, kind=ValidationRule.Kind.OUTLIER_PEERS)
    if not force and not active.exists():
        return {}
    keys = {(r.period_id, r.service_type_id) for r in reports}
    cond = Q()
    for pid, sid in keys:
        cond |= Q(period_id=pid, service_type_id=sid)
    values: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    own: dict[int, Decimal] = {}
    # No ordering: the default one (region code) would join every region for nothing.
    for pk, pid, sid, served, target in (
        Report.objects.filter(cond, recipients_served__isnull=False, recipients_target__gt=0)
        .order_by()
        .values_list("pk", "period_id", "service_type_id", "recipients_served", "recipients_target")
    ):
        pct = rules.served_pct(served, target)
        if pct is not None:
            values[(pid, sid)].append(pct)
            own[pk] = pct
    # Each group sorted once; a report's peers are its group without its own value (one
    # equal value removed: the same multiset as leaving out its row). Sorted samples also
    # make the medians of ``rules.robust_z`` cheap (Timsort on ordered runs).
    for group in values.values():
        group.sort()
    out: dict[int, list[Decimal]] = {}
    for r in reports:
        group = values.get((r.period_id, r.service_type_id), [])
        mine = own.get(r.pk)
        if mine is None:
            out[r.pk] = list(group)
        else:
            i = bisect_left(group, mine)
            out[r.pk] = group[:i] + group[i + 1 :]
    return out


# ---------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Flag:
    rule: ValidationRule
    item_key: str
    values: dict[str, Any]

    @property
    def section(self) -> str:
        return self.rule.section or _SECTION_OF_EACH.get(self.rule.each, "recipients")


def flags_of(facts: rules.ReportFacts, active: Sequence[ActiveRule], service_code: str,
             sector_code: str) -> list[Flag]:  # fmt: skip
    """What the active rules flag in one report's facts (pure: no database)."""
    out: list[Flag] = []
    for a in active:
        if not a.applies_to(service_code, sector_code):
            continue
        rule = a.rule
        if a.compiled is None:
            numbers = rules.outlier(
                rule.kind,
                facts,
                rule.threshold if rule.threshold is not None else Decimal("3.5"),
                rule.min_points or 4,
            )
            if numbers is not None:
                out.append(Flag(rule, "", {k: rules._jsonable(v) for k, v in numbers.items()}))
            continue
        for subject in rules.subjects(rule.each, facts):
            try:
                hit = rules.evaluate(a.compiled, subject.names)
            except rules.NotApplicable:
                continue
            except rules.RuleSyntaxError:
                log.warning("data-quality rule %s cannot be evaluated; skipped", rule.code)
                break
            if hit:
                out.append(Flag(rule, subject.key, rules.message_names(a.compiled, subject.names)))
    return out


@dataclass
class Summary:
    reports: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def _load(ids: Sequence[int], known: Mapping[int, Report] | None = None) -> list[Report]:
    """The reports with their period and sector; ``known``: instances as just stored."""
    known = known or {}
    missing = [pk for pk in ids if pk not in known]
    loaded = {
        r.pk: r
        for r in Report.objects.filter(pk__in=missing)
        .order_by()
        .select_related("period", "service_type__sector")
    } if missing else {}  # fmt: skip
    return [r for pk in ids if (r := known.get(pk) or loaded.get(pk)) is not None]


def evaluate(
    report_ids: Iterable[int],
    active: Sequence[ActiveRule] | None = None,
    *,
    skip_busy: bool = False,
    known: Mapping[int, Report] | None = None,
) -> Summary:
    """Re-evaluate the reports' flags and store the difference (idempotent).

    ``skip_busy`` (the background job): a report being saved right now (row locked) or saved
    since its facts were read (version moved on) is left to that save, whose own ``refresh``
    writes its flags — a job never overwrites them with older facts, and never waits on a
    clerk's save (``SKIP LOCKED``, so no deadlock either). ``known``: reports as their save has
    just stored them (with period and sector), not read again.
    """
    active = list(active) if active is not None else active_rules()
    ids = list(report_ids)
    summary = Summary()
    # The outlier rules at hand need their comparisons: no query to ask whether any is active.
    outliers = frozenset(a.rule.kind for a in active) - {rules.KIND_EXPRESSION}
    for start in range(0, len(ids), CHUNK):
        chunk = _load(ids[start : start + CHUNK], known)
        facts = _facts_of(chunk, outliers)
        wanted: dict[tuple[int, int, str], Flag] = {}
        for r in chunk:
            for f in flags_of(facts[r.pk], active, _code(r), r.service_type.sector.code):
                wanted[(r.pk, f.rule.pk, f.item_key)] = f
                summary.by_rule[f.rule.code] = summary.by_rule.get(f.rule.code, 0) + 1
        if not skip_busy:
            _store([r.pk for r in chunk], wanted, summary)
            summary.reports += len(chunk)
            continue
        with transaction.atomic():
            free = dict(
                Report.objects.select_for_update(skip_locked=True)
                .filter(pk__in=[r.pk for r in chunk])
                .order_by("pk")
                .values_list("pk", "version")
            )
            keep = {r.pk for r in chunk if free.get(r.pk) == r.version}
            _store(sorted(keep), {k: f for k, f in wanted.items() if k[0] in keep}, summary)
            summary.reports += len(keep)
    return summary


@dataclass
class DryRun:
    """What a rule would flag in one period; nothing is stored."""

    checked: int = 0  # reports of the period the rule applies to
    flagged: int = 0  # of those, reports with at least one flag
    flags: int = 0  # flags in all (a per-item rule may flag one report several times)
    sample: list[tuple[Report, Flag]] = field(default_factory=list)


def dry_run(rule: ValidationRule, period_id: int, *, sample: int = 20) -> DryRun:
    """Evaluate a (possibly unsaved) rule over every report of a period it applies to, as
    ``evaluate`` would, and keep the first ``sample`` flags (Bangda's "Uji aturan")."""
    out = DryRun()
    active = active_rules([rule])
    if not active:
        return out
    qs = Report.objects.filter(period_id=period_id)
    if rule.service_types or rule.sectors:
        qs = qs.filter(
            Q(service_type__code__in=rule.service_types or [])
            | Q(service_type__sector__code__in=rule.sectors or [])
        )
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    outliers = frozenset({rule.kind}) - {rules.KIND_EXPRESSION}
    for start in range(0, len(ids), CHUNK):
        chunk = _load(ids[start : start + CHUNK])
        facts = _facts_of(chunk, outliers)
        for r in chunk:
            found = flags_of(facts[r.pk], active, _code(r), r.service_type.sector.code)
            out.flagged += bool(found)
            out.flags += len(found)
            out.sample += [(r, f) for f in found[: max(0, sample - len(out.sample))]]
        out.checked += len(chunk)
    return out


def _store(ids: list[int], wanted: dict[tuple[int, int, str], Flag], summary: Summary) -> None:
    existing = {
        (c.report_id, c.rule_id, c.item_key): c
        for c in ReportCheck.objects.filter(report_id__in=ids)
    }
    gone = [c.pk for key, c in existing.items() if key not in wanted]
    if gone:
        ReportCheck.objects.filter(pk__in=gone).delete()
        summary.removed += len(gone)
    create, update = [], []
    for key, f in wanted.items():
        c = existing.get(key)
        if c is None:
            create.append(
                ReportCheck(
                    report_id=key[0],
                    rule_id=key[1],
                    item_key=f.item_key,
                    severity=f.rule.severity,
                    section=f.section,
                    values=f.values,
                )
            )
        elif (c.values, c.severity, c.section) != (f.values, f.rule.severity, f.section):
            c.values, c.severity, c.section = f.values, f.rule.severity, f.section
            c.updated_at = timezone.now()
            update.append(c)
    if create:
        ReportCheck.objects.bulk_create(create, ignore_conflicts=True)
        summary.created += len(create)
    if update:
        ReportCheck.objects.bulk_update(update, ["values", "severity", "section", "updated_at"])
        summary.updated += len(update)


def refresh(report: Report) -> None:
    """After a save: this report's flags, and the next quarter's (its "previous" changed)."""
    ids = [report.pk]
    ids += list(
        Report.objects.filter(
            region_id=report.region_id,
            service_type__code=report.service_type.code,
            period__year=report.period.year,
            period__quarter=report.period.quarter + 1,
        )
        .exclude(status=Report.Status.VERIFIED)
        .order_by()
        .values_list("pk", flat=True)
    )
    evaluate(ids, known={report.pk: report})


def evaluate_period(period_id: int, *, include_verified: bool = False) -> Summary:
    """A whole quarter (the job behind a rule change and ``check_data_quality``)."""
    qs = Report.objects.filter(period_id=period_id)
    if not include_verified:
        qs = qs.exclude(status=Report.Status.VERIFIED)
    return evaluate(qs.order_by("pk").values_list("pk", flat=True), skip_busy=True)
