"""Grants and the filters they make: the half of the scoping layer that the models import.

It never imports a model (the models import it for ``ScopedQuerySet`` and ``ScopePaths``): a
user's memberships are read through the user's own ``memberships`` relation, and the one rule
that needs a second table (a sector viewer's agencies) gets the model from the queryset asking.
Everyone else imports ``regions.scoping``, which re-exports these names next to the named
predicates ("may this user do this") and the lookups that do import the models; the rules
themselves are described there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, TypeGuard, cast

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from regions.roles import AGENCY_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from regions.models import Membership, User

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

    @classmethod
    def of(cls, membership: Membership) -> Grant:
        region = membership.region
        return cls(
            membership.role,
            membership.region_id,
            region.code,
            region.level,
            membership.agency_id,
            membership.sector_code,
        )


def signed_in(user: AnyUser | None) -> TypeGuard[User]:
    """Somebody signed in (an account, active or not): not nobody, not the anonymous user."""
    return user is not None and user.is_authenticated


def acts(user: AnyUser | None) -> TypeGuard[User]:
    """A signed-in, active user: the only kind any grant (or the superuser flag) counts for."""
    return signed_in(user) and user.is_active


def acting_user(user: AnyUser | None) -> User:
    """The signed-in user a write is recorded against (who changed it, who stepped it);
    PermissionDenied for nobody signed in. Write services call it where they store the user."""
    if not signed_in(user):
        raise PermissionDenied
    return user


def granting_memberships(user: AnyUser | None, *, reload: bool = False) -> list[Membership]:
    """The user's granting memberships with region and agency, loaded once per user object.

    ActiveMembershipMiddleware asks first (``reload``: a request starts from the database, even
    with a user object kept from an earlier one), so a request reads them and its grants in
    one query.
    """
    if not acts(user):
        return []
    cached = getattr(user, "_espm_memberships", None)
    if cached is not None and not reload:
        return cast("list[Membership]", cached)
    rows = list(user.memberships.filter(GRANTING).select_related("region", "agency").order_by("id"))
    user._espm_memberships = rows  # type: ignore[attr-defined]
    user._espm_grants = tuple(Grant.of(m) for m in rows)  # type: ignore[attr-defined]
    return rows


def grants_for(user: AnyUser | None) -> tuple[Grant, ...]:
    """The user's active memberships as grants, loaded once per user object (i.e. per request)."""
    if not acts(user):
        return ()
    cached = getattr(user, "_espm_grants", None)
    if cached is None:
        granting_memberships(user, reload=True)
        cached = getattr(user, "_espm_grants", ())
    return cast("tuple[Grant, ...]", cached)


def sees_everything(user: AnyUser | None) -> bool:
    """Bangda (or the superuser flag): every row, every action."""
    if not acts(user):
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


def grant_q(
    paths: ScopePaths, grant: Grant, action: Action, model: type[models.Model] | None = None
) -> Q:
    """The rows one grant opens for an action (scope_q ORs these over a user's grants).

    ``model`` (the model ``paths`` belong to) is needed only for ``sector_of_agency``.
    """
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
            if model is None:
                raise ValueError("sector_of_agency needs the model the paths belong to")
            ids = model._default_manager.filter(sectors__code=grant.sector_code).values("pk")
            return Q(pk__in=ids)
        return Q(**{paths.sector: grant.sector_code}) if paths.sector else Q()
    if role in (Role.VERIFIER, Role.PROVINCE_REVIEWER, Role.AUDITOR):
        return _subtree(paths, grant)
    if role in AGENCY_ROLES:
        if agency_field:
            return Q(**{agency_field: grant.agency_id})
        return _own_region(paths, grant)
    return NOTHING


def combine(grants: tuple[Grant, ...] | list[Grant], q_of: Any) -> Q:
    """OR ``q_of(grant)`` over ``grants``, stopping at the first grant that opens everything."""
    combined: Q | None = None
    for grant in grants:
        q = q_of(grant)
        if q == Q():
            return Q()
        if q == NOTHING:
            continue
        combined = q if combined is None else combined | q
    return combined if combined is not None else NOTHING


def scope_q(
    user: AnyUser | None,
    action: Action | str,
    paths: ScopePaths,
    model: type[models.Model] | None = None,
) -> Q:
    """A Q object selecting exactly the rows of a model with ``paths`` the user may act on."""
    action = Action(action)
    if not acts(user):
        return NOTHING
    if user.is_superuser:
        return Q()
    return combine(grants_for(user), lambda grant: grant_q(paths, grant, action, model))


class Scoped(Protocol):
    """A model that opts into the layer: its ``objects`` is a ScopedQuerySet manager."""

    scope_paths: ClassVar[ScopePaths]


def paths_of(model: type[models.Model]) -> ScopePaths:
    """A scoped model's ``scope_paths``."""
    return cast("type[Scoped]", model).scope_paths


class ScopedQuerySet[M: models.Model](models.QuerySet[M]):
    def visible_to(self, user: AnyUser | None, action: Action | str = Action.VIEW) -> Self:
        return self.filter(scope_q(user, action, paths_of(self.model), self.model))

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


def can(user: AnyUser | None, action: Action | str, obj: models.Model) -> bool:
    return scoped(type(obj)).visible_to(user, action).filter(pk=obj.pk).exists()
