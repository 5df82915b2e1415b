from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from regions.middleware import SESSION_KEY
from regions.models import Membership
from regions.roles import Role

HOME_TEMPLATES = {
    Role.OPD_OPERATOR: "regions/home_operator.html",
    Role.OPD_HEAD: "regions/home_operator.html",
    Role.VERIFIER: "regions/home_verifier.html",
    Role.PROVINCE_REVIEWER: "regions/home_verifier.html",
    Role.BANGDA_ADMIN: "regions/home_bangda.html",
    Role.SECTOR_VIEWER: "regions/home_bangda.html",
    Role.AUDITOR: "regions/home_bangda.html",
}


# Each area contributes panels to the role home pages: "module:function", the function
# taking (request, membership) and returning a list of Panel. Missing modules are skipped.
HOME_PANELS = [
    "reporting.home_entry:panels",
    "reporting.home_review:panels",
    "reporting.home_dashboard:panels",
    "indicators.home:panels",
    "regions.home:panels",
]


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


def home_panels(request: HttpRequest, membership: Membership | None) -> list[Panel]:
    panels: list[Panel] = []
    for spec in HOME_PANELS:
        module_name, func = spec.split(":")
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        panels.extend(getattr(module, func)(request, membership))
    return sorted(panels, key=lambda p: p.order)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = request.active_membership  # type: ignore[attr-defined]
    template = HOME_TEMPLATES.get(membership.role) if membership else None
    return render(
        request,
        template or "regions/home_norole.html",
        {"membership": membership, "panels": home_panels(request, membership)},
    )


@login_required
@require_POST
def switch_role(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("membership", "")
    ids = {m.id for m in request.memberships}  # type: ignore[attr-defined]
    if wanted.isdigit() and int(wanted) in ids:
        request.session[SESSION_KEY] = int(wanted)
    return redirect("home")
