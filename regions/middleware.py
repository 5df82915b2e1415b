"""Picks the user's active membership (the role switcher) for navigation and home pages.

Visibility never depends on it: the scoping layer always ORs all of a user's grants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from regions.scoping import GRANTING, Grant

if TYPE_CHECKING:
    from regions.models import Membership, User

SESSION_KEY = "active_membership_id"


class _WithRoles(Protocol):
    """What ActiveMembershipMiddleware adds to every request."""

    memberships: list[Membership]
    active_membership: Membership | None


def memberships(request: HttpRequest) -> list[Membership]:
    """The user's granting memberships, loaded once for this request (none when anonymous)."""
    return cast(_WithRoles, request).memberships


def active_membership(request: HttpRequest) -> Membership | None:
    """The role the user picked with the role switcher (navigation and home page only)."""
    return cast(_WithRoles, request).active_membership


def signed_in(request: HttpRequest) -> User:
    """The request's user where a view requires login (an anonymous one is refused)."""
    from regions.models import User  # the models import the scoping layer, as this module

    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


class ActiveMembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        roles = cast(_WithRoles, request)
        roles.active_membership = None
        roles.memberships = []
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = list(
                user.memberships.filter(GRANTING).select_related("region", "agency").order_by("id")
            )
            roles.memberships = memberships
            # Seed the scoping layer's per-request cache: saves it a query.
            user._espm_grants = tuple(
                Grant(
                    m.role, m.region_id, m.region.code, m.region.level, m.agency_id, m.sector_code
                )
                for m in memberships
            )
            wanted = request.session.get(SESSION_KEY)
            active = next((m for m in memberships if m.id == wanted), None)
            roles.active_membership = active or (memberships[0] if memberships else None)
        return self.get_response(request)
