"""Picks the user's active membership (the role switcher) for navigation and home pages.

Visibility never depends on it: the scoping layer always ORs all of a user's grants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from regions.models import User
from regions.scoping import granting_memberships

if TYPE_CHECKING:
    from regions.models import Membership

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
            # One query, through the scoping layer, which keeps the grants it derives for later.
            memberships = granting_memberships(user, reload=True)
            roles.memberships = memberships
            wanted = request.session.get(SESSION_KEY)
            active = next((m for m in memberships if m.id == wanted), None)
            roles.active_membership = active or (memberships[0] if memberships else None)
        return self.get_response(request)
