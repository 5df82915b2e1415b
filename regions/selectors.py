"""Reads on regions, agencies and people — always through the scoping layer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from regions.models import Agency, Level, Membership, Region, RegionSuccession, User
from regions.scoping import Action, AnyUser, ScopePaths, scope_q, sees_everything

# A region seen as the home of people: who may see (VIEW) or administer (MANAGE) its users.
PEOPLE_OF_REGION = ScopePaths(region="", people=True)


def region_for(user: AnyUser, code: str, action: Action = Action.VIEW) -> Region:
    """The region with this code if the user may act on it, else Http404."""
    try:
        return Region.objects.visible_to(user, action).get(code=code)
    except Region.DoesNotExist as exc:
        raise Http404 from exc


def people_region_for(user: AnyUser, code: str) -> Region:
    """The region if the user may see its users (verifier, auditor, Bangda), else Http404."""
    try:
        return Region.objects.filter(scope_q(user, Action.VIEW, PEOPLE_OF_REGION)).get(code=code)
    except Region.DoesNotExist as exc:
        raise Http404 from exc


def can_manage(user: AnyUser, region: Region) -> bool:
    return Region.objects.visible_to(user, Action.MANAGE).filter(pk=region.pk).exists()


def regions_for_index(user: AnyUser, q: str = "") -> QuerySet[Region]:
    """Regions the user may see, for the region picker (Bangda, province staff)."""
    qs = Region.objects.visible_to(user, Action.VIEW).select_related("parent")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs.order_by("code")


def agencies_of(user: AnyUser, region: Region) -> QuerySet[Agency]:
    return (
        Agency.objects.visible_to(user, Action.VIEW)
        .filter(region=region)
        .prefetch_related("sectors")
        .order_by("-is_active", "name")
    )


def contact_missing(agency: Agency) -> list[str]:
    """The data-contact fields (penanggung jawab data) still empty."""
    fields = ("contact_name", "contact_position", "contact_phone", "contact_email")
    return [f for f in fields if not getattr(agency, f)]


@dataclass(frozen=True)
class ContactCompleteness:
    total: int
    complete: int
    incomplete: list[Agency]

    @property
    def percent(self) -> int:
        return round(100 * self.complete / self.total) if self.total else 100


def contact_completeness(user: AnyUser, region: Region) -> ContactCompleteness:
    agencies = list(agencies_of(user, region).filter(is_active=True))
    incomplete = [a for a in agencies if contact_missing(a)]
    return ContactCompleteness(len(agencies), len(agencies) - len(incomplete), incomplete)


def memberships_of(user: AnyUser, region: Region) -> QuerySet[Membership]:
    return (
        Membership.objects.visible_to(user, Action.VIEW)
        .filter(region=region)
        .select_related("user", "agency", "created_by")
        .order_by("-is_active", "user__username", "role")
    )


def people_count(user: AnyUser, region: Region) -> int:
    return (
        memberships_of(user, region)
        .filter(is_active=True)
        .aggregate(n=Count("user", distinct=True))["n"]
    )


def person_for(user: AnyUser, pk: int) -> User:
    """A user the actor may see through one of the user's roles; Http404 otherwise."""
    visible = Membership.objects.visible_to(user, Action.VIEW)
    qs = User.objects.filter(pk=pk)
    if not sees_everything(user):
        qs = qs.filter(memberships__in=visible).distinct()
    person = qs.prefetch_related(
        Prefetch(
            "memberships",
            queryset=visible.select_related("region", "agency").order_by("region__code", "role"),
            to_attr="visible_memberships",
        )
    ).first()
    if person is None:
        raise Http404
    return person


def membership_history(user: AnyUser, person: User) -> list[Any]:
    """Audit trail (django-simple-history) of the person's roles the actor may see."""
    visible_ids = Membership.objects.visible_to(user, Action.VIEW).filter(user=person)
    return list(
        Membership.history.filter(id__in=visible_ids.values("id"))
        .select_related("history_user", "region", "agency")
        .order_by("-history_date")[:50]
    )


def regions_to_add_roles(user: AnyUser, person: User) -> list[Region]:
    """Regions where the actor may give this person another role: those of the person's roles it manages."""
    visible = [m.region for m in getattr(person, "visible_memberships", [])]
    managed = set(
        Region.objects.visible_to(user, Action.MANAGE)
        .filter(pk__in=[r.pk for r in visible])
        .values_list("pk", flat=True)
    )
    seen: dict[int, Region] = {}
    for region in visible:
        if region.pk in managed:
            seen.setdefault(region.pk, region)
    return list(seen.values())


# ---------------------------------------------------------------- region history and universe


def successors(region: Region) -> list[RegionSuccession]:
    """The succession rows out of ``region`` (who continued it), oldest first, successor loaded."""
    return list(
        RegionSuccession.objects.filter(predecessor=region)
        .select_related("successor")
        .order_by("date", "successor__code")
    )


def predecessors(region: Region) -> list[RegionSuccession]:
    """The succession rows into ``region`` (what it came from), oldest first, predecessor loaded."""
    return list(
        RegionSuccession.objects.filter(successor=region)
        .select_related("predecessor")
        .order_by("date", "predecessor__code")
    )


@dataclass(frozen=True)
class RegionHistory:
    predecessors: list[RegionSuccession]
    successors: list[RegionSuccession]

    def __bool__(self) -> bool:
        return bool(self.predecessors or self.successors)


def history_of(region: Region) -> RegionHistory:
    """Both directions in one query, for the region page."""
    rows = (
        RegionSuccession.objects.filter(Q(predecessor=region) | Q(successor=region))
        .select_related("predecessor", "successor")
        .order_by("date", "predecessor__code", "successor__code")
    )
    before: list[RegionSuccession] = []
    after: list[RegionSuccession] = []
    for row in rows:
        (after if row.predecessor_id == region.pk else before).append(row)
    return RegionHistory(before, after)


def region_valid_on(date: dt.date) -> QuerySet[Region]:
    """Regions that existed on ``date``, ended ones included (Region.objects.valid_on)."""
    return Region.objects.valid_on(date)


def reporting_universe() -> QuerySet[Region]:
    """Today's reporting regions: active, autonomous, current provinces and kab/kota."""
    return (
        Region.objects.current()
        .filter(is_active=True, is_autonomous=True)
        .exclude(level=Level.NATIONAL)
    )


def reporting_universe_counts() -> dict[str, int]:
    """Reporting regions per level (today: 38 provinces, 415 kabupaten, 93 kota)."""
    counts = dict(
        reporting_universe()
        .order_by()
        .values("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    return {level: counts.get(level, 0) for level in (Level.PROVINCE, Level.KABUPATEN, Level.KOTA)}
