"""Picks the user's active membership (the role switcher) for navigation and home pages.

Visibility never depends on it: the scoping layer always ORs all of a user's grants.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from regions.scoping import GRANTING, Grant

SESSION_KEY = "active_membership_id"


class ActiveMembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.active_membership = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = list(
                user.memberships.filter(GRANTING).select_related("region", "agency").order_by("id")
            )
            request.memberships = memberships  # type: ignore[attr-defined]
            # Seed the scoping layer's per-request cache: saves it a query.
            user._espm_grants = tuple(
                Grant(
                    m.role, m.region_id, m.region.code, m.region.level, m.agency_id, m.sector_code
                )
                for m in memberships
            )
            wanted = request.session.get(SESSION_KEY)
            active = next((m for m in memberships if m.id == wanted), None)
            request.active_membership = active or (memberships[0] if memberships else None)  # type: ignore[attr-defined]
        return self.get_response(request)
