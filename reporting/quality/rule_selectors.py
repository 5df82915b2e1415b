"""Reads for Bangda's rule editor: the rule list, a rule's history, the catalog to choose
from, the names a rule may use, and the quarter a draft rule is tested on."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from indicators.models import Sector, ServiceType
from reporting.models import Period, Report, ValidationRule
from reporting.quality import services
from reporting.rules import quality as rules

# History columns that say nothing a reader needs (who and when are shown on their own).
_QUIET = {"id", "updated_at", "updated_by", "change_reason"}


def sector_choices() -> list[tuple[str, str]]:
    return list(Sector.objects.order_by("order", "code").values_list("code", "name"))


def service_type_choices() -> list[tuple[str, str]]:
    """Every service type code of any catalog edition, named as in its newest edition."""
    seen: dict[str, str] = {}
    for code, name in ServiceType.objects.order_by(
        "sector__order", "order", "code", "-edition__code"
    ).values_list("code", "name"):
        seen.setdefault(code, f"{code} {name}")
    return list(seen.items())


def applies_to(rule: ValidationRule, sectors: dict[str, str] | None = None) -> str:
    """ "Semua jenis layanan", or the sectors and service type codes the rule is limited to."""
    if not rule.service_types and not rule.sectors:
        return _("Semua jenis layanan")
    names = sectors if sectors is not None else dict(sector_choices())
    parts = []
    if rule.sectors:
        parts.append(_("Bidang: %(s)s") % {"s": ", ".join(names.get(c, c) for c in rule.sectors)})
    if rule.service_types:
        parts.append(_("Layanan: %(s)s") % {"s": ", ".join(rule.service_types)})
    return "; ".join(parts)


def rule_rows() -> list[dict[str, Any]]:
    sectors = dict(sector_choices())
    return [
        {"rule": r, "applies_to": applies_to(r, sectors)}
        for r in ValidationRule.objects.order_by("code")
    ]


@dataclass(frozen=True)
class NameGroup:
    each: str
    label: str
    names: list[tuple[str, str]]


def name_groups() -> list[NameGroup]:
    """The names an expression may use: the report's, then those of each item kind."""
    labels = dict(ValidationRule.Each.choices)
    groups = [
        NameGroup(
            "",
            _("Selalu tersedia (laporan)"),
            [(n, str(m)) for n, m in rules.REPORT_NAMES.items()],
        )
    ]
    for each, names in rules.EACH_NAMES.items():
        if names:
            groups.append(
                NameGroup(each, str(labels[each]), [(n, str(m)) for n, m in names.items()])
            )
    return groups


# ---------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryEntry:
    at: Any
    user: str
    reason: str
    kind: str  # created / changed
    changes: list[tuple[str, str, str]]


def _label(name: str) -> str:
    return str(getattr(ValidationRule._meta.get_field(name), "verbose_name", name))


def _shown(name: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    choices = dict(getattr(ValidationRule._meta.get_field(name), "choices", None) or [])
    if value in choices:
        return str(choices[value])
    if isinstance(value, (bool, int, Decimal)):
        return rules.shown(value)
    return str(value)


def history(rule: ValidationRule, limit: int = 100) -> list[HistoryEntry]:
    """The rule's recorded changes, newest first: who, when, why, old → new."""
    records = list(
        rule.history.select_related("history_user").order_by("history_date", "history_id")
    )
    entries = []
    previous = None
    for rec in records:
        changes: list[tuple[str, str, str]] = []
        if previous is not None:
            for ch in rec.diff_against(previous).changes:
                if ch.field not in _QUIET:
                    changes.append(
                        (_label(ch.field), _shown(ch.field, ch.old), _shown(ch.field, ch.new))
                    )
        previous = rec
        if rec.history_type == "~" and not changes:
            continue
        entries.append(
            HistoryEntry(
                at=rec.history_date,
                user=str(rec.history_user) if rec.history_user else _("sistem"),
                reason=rec.change_reason if rec.history_type == "~" else "",
                kind="created" if rec.history_type == "+" else "changed",
                changes=changes,
            )
        )
    return entries[::-1][:limit]


# ---------------------------------------------------------------- testing a draft


def periods_with_data() -> list[Period]:
    """Periods where some report has been filled in, newest first."""
    filled = Report.objects.filter(period=OuterRef("pk"), entered_at__isnull=False)
    return list(Period.objects.filter(Exists(filled)).order_by("-year", "-quarter"))


def last_quarter(periods: list[Period] | None = None) -> Period | None:
    """Where a draft rule is tested by default: the latest closed quarter with data (its
    figures are final), else the latest quarter with data."""
    periods = periods_with_data() if periods is None else periods
    closed = [p for p in periods if p.state == Period.State.CLOSED]
    return (closed or periods)[0] if periods else None


@dataclass(frozen=True)
class Sample:
    region: str
    service_type: str
    message: str


@dataclass(frozen=True)
class TrialResult:
    period: Period
    checked: int
    flagged: int
    flags: int
    sample: list[Sample]


def try_rule(rule: ValidationRule, period: Period) -> TrialResult:
    """What the (unsaved) rule would flag in the period, with up to 20 of its messages."""
    run = services.dry_run(rule, period.pk)
    names = dict(
        Report.objects.filter(pk__in=[r.pk for r, _f in run.sample]).values_list(
            "pk", "region__name"
        )
    )
    template = rule.message()
    sample = [
        Sample(
            region=names.get(r.pk, ""),
            service_type=r.service_type.code,
            message=rules.render(template, rules.restore(f.values)),
        )
        for r, f in run.sample
    ]
    return TrialResult(period, run.checked, run.flagged, run.flags, sample)
