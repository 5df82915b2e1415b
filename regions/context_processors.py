from __future__ import annotations

from django.http import HttpRequest


def membership(request: HttpRequest) -> dict[str, object]:
    active = getattr(request, "active_membership", None)
    return {
        "active_membership": active,
        "memberships": getattr(request, "memberships", []),
        "active_role": active.role if active else "",
    }
