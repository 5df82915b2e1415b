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

``CHANGE`` is the outer bound of every write: a row outside it is absent (404). Inside it, what
a role may write is one named predicate below, never a role test in a view or service:
a report's data only the owning agency's *operator* (``may_edit_report_data``; the OPD head
signs off through the workflow but does not edit, the verifier and province reviewer review);
a target the agency's operator or head (``operated_agency_ids``) and the region's verifier
(``is_region_verifier``); a workflow step the transition table of ``reporting.workflow``.

``Action.MANAGE`` is the region's set-up (its agencies and its people): Bangda admins
everywhere, a verifier in its own region, nobody else.

Models flagged ``people=True`` (users' roles) are visible to Bangda, to the
verifier of the region, and to auditors of the scope, and to nobody else.

The pure half (grants, ``ScopePaths``, ``ScopedQuerySet``) lives in ``regions.grants`` so the
models can import it; this module re-exports it and is the one callers import.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from regions.grants import (
    GRANTING,
    NATIONAL,
    NOTHING,
    PROVINCE,
    Action,
    AnyUser,
    Grant,
    Scoped,
    ScopedQuerySet,
    ScopePaths,
    acting_user,
    acts,
    can,
    combine,
    grant_q,
    granting_memberships,
    grants_for,
    paths_of,
    scope_q,
    scoped,
    scoped_get,
    sees_everything,
)
from regions.models import Level, Region
from regions.roles import AGENCY_ROLES, NATIONAL_ROLES, Role

if TYPE_CHECKING:
    from django.http import HttpRequest

    from reporting.models import Report

__all__ = [
    "AUDIT_ROLES",
    "DATA_QUALITY_ROLES",
    "GRANTING",
    "IMPORT_ROLES",
    "NATIONAL",
    "NOTHING",
    "PROVINCE",
    "PROVINCE_WIDE_ROLES",
    "Action",
    "AnyUser",
    "Grant",
    "ScopePaths",
    "Scoped",
    "ScopedQuerySet",
    "acting_user",
    "acts",
    "assignable_roles",
    "audit_scope_q",
    "can",
    "grant_q",
    "granting_memberships",
    "grants_for",
    "has_national_view",
    "import_region_ids",
    "is_region_verifier",
    "may_edit_report_data",
    "may_read_audit_trail",
    "may_see_province_recap",
    "may_view_data_quality",
    "operated_agency_ids",
    "paths_of",
    "reads_region_as_agency_only",
    "reads_regions_whole",
    "region_in_scope",
    "reviewer_province_codes",
    "scope_q",
    "scoped",
    "scoped_get",
    "sector_limit",
    "sees_everything",
    "sees_region_wide",
]

# Who works on a whole province: its Biro (reviewer, verifier) and its inspectorate.
PROVINCE_WIDE_ROLES = frozenset({Role.PROVINCE_REVIEWER, Role.VERIFIER, Role.AUDITOR})
# Whose trail the audit pages read: only these grants widen it (an operator's never does).
AUDIT_ROLES = frozenset({Role.AUDITOR, Role.VERIFIER, Role.BANGDA_ADMIN})
# Whose work is the quality of a region's data: the region's verifier, the province, Bangda, the
# sector ministries (their sector) and the inspectorate. OPD staff see their own reports' flags
# on the report form.
DATA_QUALITY_ROLES = frozenset(
    {Role.VERIFIER, Role.PROVINCE_REVIEWER, Role.AUDITOR, Role.BANGDA_ADMIN, Role.SECTOR_VIEWER}
)
# Who brings a region's figures in from a workbook: the operators who enter them and the
# verifier who checks them (each row still passes ``may_edit_report_data`` and the lock).
IMPORT_ROLES = frozenset({Role.OPD_OPERATOR, Role.VERIFIER})


def _superuser(user: AnyUser | None) -> bool:
    return acts(user) and user.is_superuser


# ---------------------------------------------------------------- lookups


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
    lookup: dict[str, Any] = {"code": code, "level__in": levels}
    if active_only:
        lookup["is_active"] = True
    return scoped_get(Region, request.user, **lookup)


# ---------------------------------------------------------------- writes


def may_edit_report_data(user: AnyUser | None, report: Report) -> bool:
    """Only the operators of the owning agency enter a report's data (not its head, not the
    verifier, not Bangda); *when* they may is ``reporting.rules.editing``."""
    if report.agency_id is None:
        return False
    return any(
        g.role == Role.OPD_OPERATOR and g.agency_id == report.agency_id for g in grants_for(user)
    )


def operated_agency_ids(user: AnyUser | None, region: Region) -> set[int]:
    """The agencies of ``region`` whose targets the user enters (OPD operator or head)."""
    return {
        g.agency_id
        for g in grants_for(user)
        if g.role in AGENCY_ROLES and g.region_id == region.pk and g.agency_id
    }


def is_region_verifier(user: AnyUser | None, region: Region) -> bool:
    """The verifier of this very region (a province's verifier is not its kab/kota's)."""
    return any(g.role == Role.VERIFIER and g.region_id == region.pk for g in grants_for(user))


def assignable_roles(user: AnyUser | None, region: Region) -> list[Role]:
    """Roles the actor may give in this region: a verifier its region's roles, Bangda all."""
    if region.level == Level.NATIONAL:
        roles = [Role.BANGDA_ADMIN, Role.SECTOR_VIEWER, Role.AUDITOR]
    else:
        roles = [Role.OPD_OPERATOR, Role.OPD_HEAD, Role.VERIFIER, Role.AUDITOR]
        if region.level == Level.PROVINCE:
            roles.append(Role.PROVINCE_REVIEWER)
    if not can(user, Action.MANAGE, region):
        return []
    if sees_everything(user):
        return roles
    # A verifier never hands out roles above its own level.
    return [r for r in roles if r not in NATIONAL_ROLES and r != Role.PROVINCE_REVIEWER]


def import_region_ids(user: AnyUser | None) -> set[int]:
    """Regions whose workbook the user may download and import (``IMPORT_ROLES``)."""
    return {g.region_id for g in grants_for(user) if g.role in IMPORT_ROLES}


def reviewer_province_codes(user: AnyUser | None) -> frozenset[str]:
    """The provinces the user reviews as their Biro Pemerintahan (province reviewer)."""
    return frozenset(g.region_code for g in grants_for(user) if g.role == Role.PROVINCE_REVIEWER)


# ---------------------------------------------------------------- what a page shows


def has_national_view(user: AnyUser | None) -> bool:
    """Superuser, or any grant on the national root (Bangda, sector ministry, national auditor)."""
    return _superuser(user) or any(g.is_national for g in grants_for(user))


def sector_limit(user: AnyUser | None) -> frozenset[str] | None:
    """The sectors a purely sector-ministry user may read; None when not limited by sector."""
    if sees_everything(user):
        return None
    grants = grants_for(user)
    if grants and all(g.role == Role.SECTOR_VIEWER for g in grants):
        return frozenset(g.sector_code for g in grants)
    return None


def sees_region_wide(user: AnyUser | None, region: Region, sector: str | None = None) -> bool:
    """Does the user see the whole region (not only an agency's part), optionally for a sector?

    The region-wide roles read their grant's subtree, as ``Action.VIEW`` does: the region, a
    province's kab/kota, and for a national auditor every region.
    """
    if sees_everything(user):
        return True
    for g in grants_for(user):
        if g.role == Role.SECTOR_VIEWER and (sector is None or sector == g.sector_code):
            return True
        if g.role in PROVINCE_WIDE_ROLES and (
            g.is_national
            or g.region_id == region.pk
            or (g.region_level == PROVINCE and region.province_code == g.region_code)
        ):
            return True
    return False


def reads_region_as_agency_only(user: AnyUser | None, region: Region) -> bool:
    """The user reads ``region`` only through OPD roles (its grants there and national ones)."""
    if sees_everything(user):
        return False
    grants = [g for g in grants_for(user) if g.region_id == region.pk or g.is_national]
    return bool(grants) and all(g.role in AGENCY_ROLES for g in grants)


def reads_regions_whole(user: AnyUser | None) -> bool:
    """Does the user read every report of each region it sees (a sector viewer: of its sectors)?

    Not when one of its grants is an OPD role, which opens only that agency's reports, nor when
    a sector viewer's grant stands beside another role: it reads its sectors everywhere and the
    other role's regions whole, a mix no per-region figure matches (``sector_limit`` is None).
    Such a user's figures can be read from the maintained figures (``reporting.figures``).
    """
    if sees_everything(user):
        return True
    if not acts(user):
        return False
    roles = {g.role for g in grants_for(user)}
    if roles & AGENCY_ROLES:
        return False
    return Role.SECTOR_VIEWER not in roles or roles == {Role.SECTOR_VIEWER}


def may_see_province_recap(user: AnyUser | None, province: Region) -> bool:
    """Bangda, the province's own Biro (reviewer/verifier) and inspectorate, and a national
    auditor (whose scope is every region): those who see every kab/kota and sector of it."""
    if sees_everything(user):
        return True
    return any(
        (g.role in PROVINCE_WIDE_ROLES and g.region_code == province.code)
        or (g.role == Role.AUDITOR and g.is_national)
        for g in grants_for(user)
    )


def may_view_data_quality(user: AnyUser | None) -> bool:
    """May the user open the data-quality view at all (what they see is their scope)."""
    return _superuser(user) or any(g.role in DATA_QUALITY_ROLES for g in grants_for(user))


def may_read_audit_trail(user: AnyUser | None) -> bool:
    return _superuser(user) or any(g.role in AUDIT_ROLES for g in grants_for(user))


def audit_scope_q(user: AnyUser | None, paths: ScopePaths) -> Q:
    """Rows of a model with ``paths`` inside the user's *audit* grants (other roles don't count).

    Only audit grants are used, so an operator membership never widens the trail; and the
    agency path (``pk`` on a history table is ``history_id``) is never consulted.
    """
    if not acts(user):
        return NOTHING
    if _superuser(user):
        return Q()
    grants = [g for g in grants_for(user) if g.role in AUDIT_ROLES]
    return combine(grants, lambda grant: grant_q(paths, grant, Action.VIEW))
