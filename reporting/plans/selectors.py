"""Reads on the region's yearly SPM set-up: its action plan (rencana aksi) and its Tim
Penerapan SPM, always through the scoping layer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import ServiceType
from indicators.selectors import service_types_for_region
from regions.models import Level, Region
from regions.scoping import Action, AnyUser
from reporting.models import ActionPlan, ActionPlanCommitment, SpmTeam, SpmTeamMember
from reporting.rules.capaian import round2

# The first year a plan can be recorded for: SPM as applied since PP 2/2018.
FIRST_YEAR = 2019

# The regulation that sets a region's action plan, by region level (policy, docs/action-plan.md).
INSTRUMENT: dict[str, tuple[Any, Any]] = {
    Level.PROVINCE: (gettext_lazy("Peraturan Gubernur"), gettext_lazy("Pergub")),
    Level.KABUPATEN: (gettext_lazy("Peraturan Bupati"), gettext_lazy("Perbup")),
    Level.KOTA: (gettext_lazy("Peraturan Wali Kota"), gettext_lazy("Perwal")),
}
# The decree that sets the Tim Penerapan SPM.
DECREE: dict[str, Any] = {
    Level.PROVINCE: gettext_lazy("Keputusan Gubernur"),
    Level.KABUPATEN: gettext_lazy("Keputusan Bupati"),
    Level.KOTA: gettext_lazy("Keputusan Wali Kota"),
}


def last_year() -> int:
    """The latest year a plan can be recorded for: next year's is drafted during this one."""
    return timezone.localdate().year + 1


def year_allowed(year: int) -> bool:
    return FIRST_YEAR <= year <= last_year()


def instrument(region: Region) -> str:
    """'Peraturan Bupati' for a kabupaten, 'Peraturan Wali Kota' for a kota, …"""
    return str(INSTRUMENT.get(region.level, INSTRUMENT[Level.KABUPATEN])[0])


def instrument_short(region: Region) -> str:
    return str(INSTRUMENT.get(region.level, INSTRUMENT[Level.KABUPATEN])[1])


def decree(region: Region) -> str:
    return str(DECREE.get(region.level, DECREE[Level.KABUPATEN]))


def region_for(user: AnyUser, code: str, year: int) -> Region:
    """A reporting region (province or kab/kota) the user may see, for a year plans exist in;
    Http404 otherwise (out of scope looks like absent)."""
    if not year_allowed(year):
        raise Http404
    try:
        return Region.objects.visible_to(user, Action.VIEW).get(
            code=code, level__in=(Level.PROVINCE, Level.KABUPATEN, Level.KOTA)
        )
    except Region.DoesNotExist as exc:
        raise Http404 from exc


def can_maintain(user: AnyUser, region: Region) -> bool:
    """The region's own verifier keeps its plan and team (and Bangda, who administers all)."""
    return Region.objects.visible_to(user, Action.MANAGE).filter(pk=region.pk).exists()


def plan_of(user: AnyUser, region: Region, year: int) -> ActionPlan | None:
    """The region's plan of the year with the commitments the user may see, or None."""
    commitments = (
        ActionPlanCommitment.objects.visible_to(user, Action.VIEW)
        .select_related("service_type__sector")
        .order_by("service_type__order", "service_type__code")
    )
    return (
        ActionPlan.objects.visible_to(user, Action.VIEW)
        .filter(region=region, year=year)
        .select_related("updated_by")
        .prefetch_related(Prefetch("commitments", queryset=commitments))
        .first()
    )


def plan_brief(region_id: int, year: int) -> ActionPlan | None:
    """The plan's header only (status, number, date), for a line on a page that already proved
    the region visible (a report of that region)."""
    return (
        ActionPlan.objects.filter(region_id=region_id, year=year)
        .only("id", "region_id", "year", "status", "number", "date", "title", "file")
        .first()
    )


@dataclass(frozen=True)
class CommitmentRow:
    service_type: ServiceType
    commitment: ActionPlanCommitment | None


def commitment_rows(plan: ActionPlan | None, region: Region, year: int) -> list[CommitmentRow]:
    """Every service type the region reports that year, with the plan's commitment or None."""
    by_type = {c.service_type_id: c for c in plan.commitments.all()} if plan else {}
    return [CommitmentRow(st, by_type.get(st.pk)) for st in service_types_for_region(region, year)]


def plan_history(plan: ActionPlan | None, limit: int = 10) -> list[Any]:
    if plan is None:
        return []
    return list(
        ActionPlan.history.filter(id=plan.pk)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )


def team_brief(region_id: int, year: int) -> SpmTeam | None:
    """The team's header only (decree, chair), for a page that proved the region visible."""
    return (
        SpmTeam.objects.filter(region_id=region_id, year=year)
        .only("id", "region_id", "year", "decree_number", "decree_date", "chair_name")
        .first()
    )


def team_of(user: AnyUser, region: Region, year: int) -> SpmTeam | None:
    members = (
        SpmTeamMember.objects.visible_to(user, Action.VIEW)
        .select_related("agency")
        .order_by("order", "id")
    )
    return (
        SpmTeam.objects.visible_to(user, Action.VIEW)
        .filter(region=region, year=year)
        .select_related("updated_by")
        .prefetch_related(Prefetch("members", queryset=members))
        .first()
    )


def team_history(team: SpmTeam | None, limit: int = 10) -> list[Any]:
    if team is None:
        return []
    return list(
        SpmTeam.history.filter(id=team.pk)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )


@dataclass(frozen=True)
class YearRow:
    year: int
    plan: ActionPlan | None
    team: SpmTeam | None


def years_of(user: AnyUser, region: Region, current: int | None = None) -> list[YearRow]:
    """The region's plans and teams by year (newest first), always listing ``current``."""
    current = current or timezone.localdate().year
    plans = {
        p.year: p for p in ActionPlan.objects.visible_to(user, Action.VIEW).filter(region=region)
    }
    teams = {t.year: t for t in SpmTeam.objects.visible_to(user, Action.VIEW).filter(region=region)}
    years = sorted({current, *plans, *teams}, reverse=True)
    return [YearRow(y, plans.get(y), teams.get(y)) for y in years if year_allowed(y)]


# ---------------------------------------------------------------- counts (recap, dashboards)


def statuses(region_ids: Iterable[int], year: int) -> dict[int, ActionPlan]:
    """region id → its plan of the year (regions without a row are absent)."""
    return {
        p.region_id: p
        for p in ActionPlan.objects.filter(region_id__in=list(region_ids), year=year).only(
            "id", "region_id", "year", "status", "number", "date", "title"
        )
    }


def team_decrees(region_ids: Iterable[int], year: int) -> dict[int, str]:
    """region id → the decree number of its Tim Penerapan SPM of the year."""
    return dict(
        SpmTeam.objects.filter(region_id__in=list(region_ids), year=year).values_list(
            "region_id", "decree_number"
        )
    )


def teams(region_ids: Iterable[int], year: int) -> dict[int, SpmTeam]:
    """region id → its Tim Penerapan SPM of the year, with members and their agencies."""
    return {
        t.region_id: t
        for t in SpmTeam.objects.filter(region_id__in=list(region_ids), year=year)
        .select_related("region")
        .prefetch_related(
            Prefetch("members", queryset=SpmTeamMember.objects.select_related("agency"))
        )
    }


@dataclass(frozen=True)
class Share:
    """How many regions of a set have a set action plan: the share always names its
    denominator ("3 dari 7 wilayah (42,86%)")."""

    count: int
    total: int

    @property
    def pct(self) -> Decimal | None:
        return round2(Decimal(self.count) * 100 / Decimal(self.total)) if self.total else None

    @property
    def text(self) -> str:
        if not self.total:
            return _("tidak ada wilayah")
        pct = f"{self.pct:.2f}".replace(".", ",")
        return _("%(n)s dari %(m)s wilayah (%(pct)s%%)") % {
            "n": self.count,
            "m": self.total,
            "pct": pct,
        }


def set_codes(region_codes: Iterable[str], year: int) -> frozenset[str]:
    """The codes among ``region_codes`` whose action plan of ``year`` is set.

    The year's set plans (at most one per reporting region), kept where asked: cheaper than
    sending the database a list of every region of the nation."""
    set_this_year = ActionPlan.objects.filter(year=year, status=ActionPlan.Status.SET)
    return frozenset(region_codes) & frozenset(set_this_year.values_list("region__code", flat=True))


def set_share(region_ids: Iterable[int], year: int) -> Share:
    """Regions of ``region_ids`` whose plan of ``year`` is set (ditetapkan), over all of them."""
    ids = list(set(region_ids))
    count = ActionPlan.objects.filter(
        region_id__in=ids, year=year, status=ActionPlan.Status.SET
    ).count()
    return Share(count, len(ids))


def plan_warning(region: Region, year: int) -> str | None:
    """Why the region's plan of the year deserves a warning on its submission (never a block):
    none recorded, or only a draft; None when it is set."""
    plan = plan_brief(region.pk, year)
    if plan is None or plan.status == ActionPlan.Status.NONE:
        return _("Rencana aksi penerapan SPM tahun %(year)s belum ada.") % {"year": year}
    if plan.status == ActionPlan.Status.DRAFT:
        return _(
            "Rencana aksi penerapan SPM tahun %(year)s masih rancangan (belum ditetapkan)."
        ) % {"year": year}
    return None


def plan_text(region: Region, plan: ActionPlan | None) -> str:
    """One line for documents and exports: 'Perbup No. 12 Tahun 2026 (ditetapkan 3-2-2026)',
    'rancangan', or 'belum ada'."""
    if plan is None or plan.status == ActionPlan.Status.NONE:
        return _("belum ada")
    if plan.status == ActionPlan.Status.DRAFT:
        return _("rancangan")
    text = _("%(kind)s No. %(number)s") % {"kind": instrument_short(region), "number": plan.number}
    if plan.date:
        text += " " + _("(ditetapkan %(date)s)") % {"date": format_day(plan.date)}
    return text


def format_day(day: dt.date) -> str:
    """3 Februari 2026 in Indonesian, 3 February 2026 in English (the active language)."""
    from django.utils.formats import date_format

    return date_format(day, "j F Y")
