"""Pages of the region's action plan (rencana aksi) and Tim Penerapan SPM, per region and year.

Anyone who may see the region reads them; only its verifier (and Bangda) edits them: outside
the user's scope is 404, inside it without the right is 403. Files are served only here,
through the same scoping.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from regions.models import Agency, Region
from regions.scoping import Action
from reporting.entry.evidence import open_stored
from reporting.models import ActionPlan, SpmTeam
from reporting.plans import selectors, services
from reporting.plans.forms import ActionPlanForm, MemberFormSet, SpmTeamForm

MAINTAINER_ONLY = gettext_lazy(
    "Hanya verifikator wilayah ini yang dapat mengubah rencana aksi dan Tim Penerapan SPM."
)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reporting/review/forbidden.html",
        {"message": MAINTAINER_ONLY},
        status=403,
    )


def _put_errors(form: Any, exc: ValidationError) -> int:
    """A service refusal on the form: per field where the form has that field, else on top.
    Returns the page's status: 409 when someone saved first, else 422."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
    if isinstance(exc, services.Stale):
        # The kept typing now carries the current version: saving again is a deliberate choice.
        data = form.data.copy()
        data["version"] = str(exc.current_version)
        form.data = data
        return 409
    return 422


def _file_response(obj: ActionPlan | SpmTeam) -> FileResponse:
    response = FileResponse(
        open_stored(obj.file),
        as_attachment=True,
        filename=obj.original_name or "dokumen.pdf",
        content_type=obj.content_type or "application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _years(region: Region, year: int) -> dict[str, Any]:
    before, after = year - 1, year + 1
    return {
        "previous_year": before if selectors.year_allowed(before) else None,
        "next_year": after if selectors.year_allowed(after) else None,
    }


# ---------------------------------------------------------------- action plan


@login_required
@require_GET
def action_plan(request: HttpRequest, code: str, year: int) -> HttpResponse:
    region = selectors.region_for(request.user, code, year)
    plan = selectors.plan_of(request.user, region, year)
    return render(
        request,
        "reporting/plans/action_plan.html",
        {
            "region": region,
            "year": year,
            "plan": plan,
            "instrument": selectors.instrument(region),
            "rows": [r for r in selectors.commitment_rows(plan, region, year) if r.commitment],
            "can_maintain": selectors.can_maintain(request.user, region),
            "history": selectors.plan_history(plan),
            **_years(region, year),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_plan_edit(request: HttpRequest, code: str, year: int) -> HttpResponse:
    region = selectors.region_for(request.user, code, year)
    if not selectors.can_maintain(request.user, region):
        return _forbidden(request)
    plan = selectors.plan_of(request.user, region, year)
    rows = selectors.commitment_rows(plan, region, year)
    status = 200
    if request.method == "POST":
        form = ActionPlanForm(request.POST, request.FILES, rows=rows)
        status = 422
        if form.is_valid():
            try:
                services.save_action_plan(
                    request.user,
                    region,
                    year,
                    form.plan_input(),
                    form.commitments(),
                    seen_version=form.cleaned_data["version"],
                    upload=form.upload(),
                    remove_file=form.cleaned_data["remove_file"],
                )
            except ValidationError as exc:
                status = _put_errors(form, exc)
            else:
                messages.success(request, _("Rencana aksi disimpan."))
                return redirect("reporting:action_plan", code=region.code, year=year)
    else:
        initial: dict[str, Any] = {"version": plan.version if plan else 0}
        if plan is not None:
            initial.update(status=plan.status, number=plan.number, date=plan.date, title=plan.title)
        else:
            initial["status"] = ActionPlan.Status.NONE
        form = ActionPlanForm(initial=initial, rows=rows)
    return render(
        request,
        "reporting/plans/action_plan_form.html",
        {
            "region": region,
            "year": year,
            "plan": plan,
            "form": form,
            "instrument": selectors.instrument(region),
        },
        status=status,
    )


@login_required
@require_GET
def action_plan_file(request: HttpRequest, code: str, year: int) -> FileResponse:
    plan = (
        ActionPlan.objects.visible_to(request.user, Action.VIEW)
        .filter(region__code=code, year=year)
        .exclude(file="")
        .first()
    )
    if plan is None:
        raise Http404
    return _file_response(plan)


# ---------------------------------------------------------------- Tim Penerapan SPM


@login_required
@require_GET
def spm_team(request: HttpRequest, code: str, year: int) -> HttpResponse:
    region = selectors.region_for(request.user, code, year)
    team = selectors.team_of(request.user, region, year)
    return render(
        request,
        "reporting/plans/spm_team.html",
        {
            "region": region,
            "year": year,
            "team": team,
            "decree": selectors.decree(region),
            "can_maintain": selectors.can_maintain(request.user, region),
            "history": selectors.team_history(team),
            **_years(region, year),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def spm_team_edit(request: HttpRequest, code: str, year: int) -> HttpResponse:
    region = selectors.region_for(request.user, code, year)
    if not selectors.can_maintain(request.user, region):
        return _forbidden(request)
    team = selectors.team_of(request.user, region, year)
    # A member's agency may have been switched off since: it stays choosable for that member.
    kept = [m.agency_id for m in team.members.all() if m.agency_id] if team else []
    agencies = list(
        Agency.objects.filter(Q(region=region, is_active=True) | Q(pk__in=kept))
        .order_by("name")
        .values_list("pk", "name")
    )
    status = 200
    if request.method == "POST":
        form = SpmTeamForm(request.POST, request.FILES)
        members = MemberFormSet(request.POST, prefix="m", agencies=agencies)
        status = 422
        if form.is_valid() and members.is_valid():
            try:
                services.save_spm_team(
                    request.user,
                    region,
                    year,
                    form.team_input(),
                    members.members(),
                    seen_version=form.cleaned_data["version"],
                    upload=form.upload(),
                    remove_file=form.cleaned_data["remove_file"],
                )
            except ValidationError as exc:
                status = _put_errors(form, exc)
            else:
                messages.success(request, _("Tim Penerapan SPM disimpan."))
                return redirect("reporting:spm_team", code=region.code, year=year)
    else:
        initial: dict[str, Any] = {"version": team.version if team else 0}
        if team is not None:
            initial.update(
                decree_number=team.decree_number,
                decree_date=team.decree_date,
                chair_name=team.chair_name,
                chair_position=team.chair_position,
            )
        form = SpmTeamForm(initial=initial)
        rows = [
            {
                "id": m.pk,
                "name": m.name,
                "position": m.position,
                "agency": m.agency_id,
                "unit": m.unit,
                "role": m.role,
            }
            for m in (team.members.all() if team else [])
        ]
        members = MemberFormSet(initial=rows, prefix="m", agencies=agencies)
    return render(
        request,
        "reporting/plans/spm_team_form.html",
        {
            "region": region,
            "year": year,
            "team": team,
            "form": form,
            "members": members,
            "decree": selectors.decree(region),
        },
        status=status,
    )


@login_required
@require_GET
def spm_team_file(request: HttpRequest, code: str, year: int) -> FileResponse:
    team = (
        SpmTeam.objects.visible_to(request.user, Action.VIEW)
        .filter(region__code=code, year=year)
        .exclude(file="")
        .first()
    )
    if team is None:
        raise Http404
    return _file_response(team)
