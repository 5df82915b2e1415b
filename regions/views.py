from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from regions.middleware import SESSION_KEY
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


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = request.active_membership  # type: ignore[attr-defined]
    template = HOME_TEMPLATES.get(membership.role) if membership else None
    return render(request, template or "regions/home_norole.html", {"membership": membership})


@login_required
@require_POST
def switch_role(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("membership", "")
    ids = {m.id for m in request.memberships}  # type: ignore[attr-defined]
    if wanted.isdigit() and int(wanted) in ids:
        request.session[SESSION_KEY] = int(wanted)
    return redirect("home")
