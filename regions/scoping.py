"""The one scoping layer: which regions, agencies and records a user may see or change.

Every page, API endpoint, export, file download, task and dashboard reaches data
through ``Model.objects.visible_to(user, action)`` (or ``scoped_get`` for one
object). A model opts in by using ``ScopedQuerySet`` and declaring ``scope_paths``:
the ORM paths from the model to its region, agency and sector. Out-of-scope
objects are simply absent from the queryset, so views answer 404, never 403.

Rules (a user's grants are OR-ed; each grant is one active membership):

| role | view | change |
| --- | --- | --- |
| Bangda admin, superuser | everything | everything |
| sector ministry viewer | everything of its sector (region-level rows too) | nothing |
| auditor | its region and, for a province/national auditor, below it | nothing |
| province reviewer | its province and its kab/kota | the same |
| verifier | its region (a province verifier also sees its kab/kota) | its own region |
| OPD operator / head | its agency's rows; region-level rows of its region | its agency's rows |

``Action.MANAGE`` is the region's set-up (its agencies and its people): Bangda admins
everywhere, a verifier in its own region, nobody else.

Models flagged ``people=True`` (users' roles) are visible to Bangda, to the
verifier of the region, and to auditors of the scope, and to nobody else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404

from regions.roles import AGENCY_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    from regions.models import Region, User

# Whoever a request acts for (``request.user``): a signed-in user or the anonymous one. Lazy,
# so other modules may import it at run time.
type AnyUser = User | AnonymousUser

NATIONAL = "national"
PROVINCE = "province"
NOTHING = Q(pk__in=[])
# Memberships that grant anything: active, and (OPD roles) of an agency that is still active.
GRANTING = Q(is_active=True) & (Q(agency__isnull=True) | Q(agency__is_active=True))


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"
    MANAGE = "manage"  # administer a region's agencies and users


@dataclass(frozen=True)
class ScopePaths:
    """ORM paths from a model to its region, agency and sector.

    ``region=""`` means the model *is* the region; ``agency=""`` means it *is* the
    agency; ``None`` means the model has no such link.
    """

    region: str
    agency: str | None = None
    sector: str | None = None
    people: bool = False
    # The model is the agency and its sectors are many: match through a subquery (no duplicates).
    sector_of_agency: bool = False

    def region_field(self, field: str) -> str:
        return f"{self.region}__{field}" if self.region else field

    def agency_field(self) -> str | None:
        if self.agency is None:
            return None
        return f"{self.agency}_id" if self.agency else "pk"


@dataclass(frozen=True)
class Grant:
    role: str
    region_id: int
    region_code: str
    region_level: str
    agency_id: int | None
    sector_code: str

    @property
    def is_national(self) -> bool:
        return self.region_level == NATIONAL


def grants_for(user: User | AnonymousUser | None) -> tuple[Grant, ...]:
    """The user's active memberships, loaded once per user object (i.e. per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ()
    cached = getattr(user, "_espm_grants", None)
    if cached is not None:
        return cached
    from regions.models import Membership

    rows = Membership.objects.filter(GRANTING, user=user).values_list(
        "role", "region_id", "region__code", "region__level", "agency_id", "sector_code"
    )
    grants = tuple(Grant(*row) for row in rows)
    user._espm_grants = grants  # type: ignore[attr-defined]
    return grants


def sees_everything(user: User | AnonymousUser | None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(g.role == Role.BANGDA_ADMIN for g in grants_for(user))


def _subtree(paths: ScopePaths, grant: Grant) -> Q:
    """The grant's region and, for a province or the national root, everything below it."""
    if grant.is_national:
        return Q()
    if grant.region_level == PROVINCE:
        return Q(**{paths.region_field("province_code"): grant.region_code})
    return Q(**{paths.region_field("id"): grant.region_id})


def _own_region(paths: ScopePaths, grant: Grant) -> Q:
    if grant.is_national:
        return Q()
    return Q(**{paths.region_field("id"): grant.region_id})


def grant_q(paths: ScopePaths, grant: Grant, action: Action) -> Q:
    """The rows one grant opens for an action (scope_q ORs these over a user's grants)."""
    role = grant.role
    agency_field = paths.agency_field()
    if role == Role.BANGDA_ADMIN:
        return Q()
    if action == Action.MANAGE:
        return _own_region(paths, grant) if role == Role.VERIFIER else NOTHING
    if action == Action.CHANGE:
        if role == Role.VERIFIER:
            return _own_region(paths, grant)
        if role == Role.PROVINCE_REVIEWER and not paths.people:
            return _subtree(paths, grant)
        if role in AGENCY_ROLES and agency_field and not paths.people:
            return Q(**{agency_field: grant.agency_id})
        return NOTHING
    # Action.VIEW
    if paths.people:
        if role == Role.VERIFIER:
            return _own_region(paths, grant)
        if role == Role.AUDITOR:
            return _subtree(paths, grant)
        return NOTHING
    if role == Role.SECTOR_VIEWER:
        if paths.sector_of_agency:
            from regions.models import Agency  # the models import this module

            ids = Agency.objects.filter(sectors__code=grant.sector_code).values("pk")
            return Q(pk__in=ids)
        return Q(**{paths.sector: grant.sector_code}) if paths.sector else Q()
    if role in (Role.VERIFIER, Role.PROVINCE_REVIEWER, Role.AUDITOR):
        return _subtree(paths, grant)
    if role in AGENCY_ROLES:
        if agency_field:
            return Q(**{agency_field: grant.agency_id})
        return _own_region(paths, grant)
    return NOTHING


def scope_q(user: User | AnonymousUser | None, action: Action | str, paths: ScopePaths) -> Q:
    """A Q object selecting exactly the rows of a model with ``paths`` the user may act on."""
    action = Action(action)
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Q()
    combined: Q | None = None
    for grant in grants_for(user):
        q = grant_q(paths, grant, action)
        if q == Q():
            return Q()
        if q == NOTHING:
            continue
        combined = q if combined is None else combined | q
    return combined if combined is not None else NOTHING


class Scoped(Protocol):
    """A model that opts into the layer: its ``objects`` is a ScopedQuerySet manager."""

    scope_paths: ClassVar[ScopePaths]


def paths_of(model: type[models.Model]) -> ScopePaths:
    """A scoped model's ``scope_paths``."""
    return cast("type[Scoped]", model).scope_paths


class ScopedQuerySet[M: models.Model](models.QuerySet[M]):
    def visible_to(self, user: AnyUser | None, action: Action | str = Action.VIEW) -> Self:
        return self.filter(scope_q(user, action, paths_of(self.model)))

    def restrict(self, user: AnyUser | None, action: Action | str = Action.VIEW) -> Self:
        """NetBox's name for the same thing."""
        return self.visible_to(user, action)


def scoped[M: models.Model](model: type[M]) -> ScopedQuerySet[M]:
    """All rows of a scoped model, as the ScopedQuerySet its default manager makes."""
    return cast("ScopedQuerySet[M]", model._default_manager.all())


def scoped_get[M: models.Model](
    model: type[M], user: AnyUser | None, action: Action | str = Action.VIEW, **lookup: Any
) -> M:
    """One object inside the user's scope, or Http404: out of scope looks like absent."""
    qs = scoped(model).visible_to(user, action)
    try:
        return qs.get(**lookup)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404 from exc


def region_in_scope(
    request: HttpRequest, code: str, levels: Iterable[str], *, active_only: bool = False
) -> Region:
    """A region by code and level that the user may view, or Http404.

    A user's own membership regions are always in their view scope (every role sees at least
    its own region), and ActiveMembershipMiddleware has already loaded them with this
    request: those are answered without a query. Any other region goes through
    ``scoped_get``. Tested to agree with ``scoped_get`` for every role.
    """
    levels = tuple(levels)
    for membership in getattr(request, "memberships", ()):
        region = membership.region
        if region.code == code and region.level in levels and (region.is_active or not active_only):
            return region
    from regions.models import Region  # the models import this module

    lookup: dict[str, Any] = {"code": code, "level__in": levels}
    if active_only:
        lookup["is_active"] = True
    return scoped_get(Region, request.user, **lookup)


def can(user: AnyUser | None, action: Action | str, obj: models.Model) -> bool:
    return scoped(type(obj)).visible_to(user, action).filter(pk=obj.pk).exists()
