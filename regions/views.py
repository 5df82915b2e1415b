from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from espm.parsing import parse_int
from regions import scoping, selectors, services, tokens
from regions.forms import AddRoleForm, AgencyForm, InviteForm, RegionSettingsForm
from regions.middleware import SESSION_KEY, active_membership, memberships, signed_in
from regions.models import Agency, Membership, Region
from regions.roles import Role
from regions.scoping import Action, scoped_get

HOME_TEMPLATES: dict[str, str] = {
    Role.OPD_OPERATOR: "regions/home_operator.html",
    Role.OPD_HEAD: "regions/home_operator.html",
    Role.VERIFIER: "regions/home_verifier.html",
    Role.PROVINCE_REVIEWER: "regions/home_verifier.html",
    Role.BANGDA_ADMIN: "regions/home_bangda.html",
    Role.SECTOR_VIEWER: "regions/home_bangda.html",
    Role.AUDITOR: "regions/home_bangda.html",
}


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


def home_panels(request: HttpRequest, membership: Membership | None) -> list[Panel]:
    panels: list[Panel] = []
    # The project lists which areas contribute (settings.HOME_PANELS), so this lower app names
    # none of the apps above it.
    for spec in settings.HOME_PANELS:
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
    membership = active_membership(request)
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
    ids = {m.id for m in memberships(request)}
    if parse_int(wanted) in ids:
        request.session[SESSION_KEY] = int(wanted)
    return redirect("home")


# ---------------------------------------------------------------- regions and agencies (OPD)


@login_required
def region_index(request: HttpRequest) -> HttpResponse:
    """The region picker: Bangda sees every region, province staff their kab/kota."""
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.regions_for_index(request.user, q), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "regions/region_index.html", {"page": page, "q": q})


@login_required
def agency_list(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.region_for(request.user, code)
    return render(
        request,
        "regions/agency_list.html",
        {
            "region": region,
            "agencies": selectors.agencies_of(request.user, region),
            "can_manage": selectors.can_manage(request.user, region),
            "can_see_people": _sees_people(request, region.code),
            "history": selectors.history_of(region),
        },
    )


@login_required
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = scoped_get(Agency, request.user, Action.VIEW, pk=pk)
    return render(
        request,
        "regions/agency_detail.html",
        {
            "agency": agency,
            "region": agency.region,
            "missing": selectors.contact_missing(agency),
            "can_manage": selectors.can_manage(request.user, agency.region),
        },
    )


@login_required
def agency_create(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.region_for(request.user, code, Action.MANAGE)
    form = AgencyForm(request.POST or None, region=region)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agency = services.create_agency(signed_in(request), region, data, data["sectors"])
        except (ValidationError, IntegrityError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request, _("Perangkat daerah %(name)s ditambahkan.") % {"name": agency.name}
            )
            return redirect("agency_list", code=region.code)
    return render(request, "regions/agency_form.html", {"form": form, "region": region})


@login_required
def agency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agency = scoped_get(Agency, request.user, Action.MANAGE, pk=pk)
    region = agency.region
    if request.method == "POST":
        form = AgencyForm(request.POST, instance=agency, region=region)
        if form.is_valid() and _save_or_keep(
            form,
            lambda seen: services.update_agency(
                signed_in(request),
                form.instance,
                form.cleaned_data,
                form.cleaned_data["sectors"],
                seen_version=seen,
            ),
            lambda: services.agency_version(Agency.objects.get(pk=agency.pk)),
        ):
            messages.success(request, _("Perubahan disimpan."))
            return redirect("agency_list", code=region.code)
    else:
        form = AgencyForm(
            instance=agency, region=region, initial={"version": services.agency_version(agency)}
        )
    return render(
        request, "regions/agency_form.html", {"form": form, "region": region, "agency": agency}
    )


@login_required
def region_edit(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.region_for(request.user, code, Action.MANAGE)
    if request.method != "POST":
        form = RegionSettingsForm(
            instance=region, initial={"version": services.region_settings_version(region)}
        )
        return render(request, "regions/region_form.html", {"form": form, "region": region})
    form = RegionSettingsForm(request.POST, instance=region)
    if form.is_valid() and _save_or_keep(
        form,
        lambda seen: services.update_region_settings(
            signed_in(request),
            region,
            form.cleaned_data,
            seen_version=seen,
        ),
        lambda: services.region_settings_version(Region.objects.get(pk=region.pk)),
    ):
        messages.success(request, _("Perubahan disimpan."))
        return redirect("agency_list", code=region.code)
    return render(request, "regions/region_form.html", {"form": form, "region": region})


def _save_or_keep(
    form: forms.BaseForm, save: Callable[[str], object], version_now: Callable[[], str]
) -> bool:
    """``save(seen_version)``; True when saved. A refusal goes on the form, which keeps the
    typing; when it was stale the kept typing carries the current version, so saving again,
    after the message named what changed, is a deliberate choice and no longer refused."""
    try:
        save(form.cleaned_data.get("version", ""))
    except ValidationError as exc:
        form.add_error(None, _error_text(exc))
        if isinstance(exc, services.StaleEdit):
            data = cast(QueryDict, form.data).copy()  # the POST
            data["version"] = version_now()
            form.data = data
        return False
    return True


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return _("Data tidak dapat disimpan karena bentrok dengan data lain. Periksa lalu coba lagi.")


# ---------------------------------------------------------------- people (users and their roles)


def _sees_people(request: HttpRequest, code: str) -> bool:
    try:
        selectors.people_region_for(request.user, code)
    except Http404:
        return False
    return True


@login_required
def user_list(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.people_region_for(request.user, code)
    return render(
        request,
        "regions/user_list.html",
        {
            "region": region,
            "roles": selectors.memberships_of(request.user, region),
            "can_manage": selectors.can_manage(request.user, region),
        },
    )


@login_required
def user_create(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.region_for(request.user, code, Action.MANAGE)
    roles = scoping.assignable_roles(request.user, region)
    form = InviteForm(request.POST or None, region=region, roles=roles)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.invite_user(
                signed_in(request),
                region,
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                role=data["role"],
                agency=data.get("agency"),
                sector_code=data.get("sector_code", ""),
                base_url=request.build_absolute_uri("/"),
            )
        except (ValidationError, IntegrityError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request,
                _("Akun %(username)s dibuat; tautan untuk membuat kata sandi dikirim ke %(email)s.")
                % {"username": person.username, "email": person.email},
            )
            return redirect("user_list", code=region.code)
    return render(request, "regions/user_form.html", {"form": form, "region": region})


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    manageable = set(
        Membership.objects.visible_to(request.user, Action.CHANGE)
        .filter(user=person)
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "regions/user_detail.html",
        {
            "person": person,
            "roles": person.visible_memberships,  # type: ignore[attr-defined]
            "manageable": manageable,
            "history": selectors.membership_history(request.user, person),
            "add_role_regions": selectors.regions_to_add_roles(request.user, person),
        },
    )


@login_required
def role_add(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    region = selectors.region_for(request.user, code, Action.MANAGE)
    person = selectors.person_for(request.user, pk)
    form = AddRoleForm(
        request.POST or None, region=region, roles=scoping.assignable_roles(request.user, region)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_role(
                signed_in(request),
                person,
                region,
                role=data["role"],
                agency=data.get("agency"),
                sector_code=data.get("sector_code", ""),
            )
        except (ValidationError, IntegrityError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Peran ditambahkan."))
            return redirect("user_detail", pk=person.pk)
    return render(
        request, "regions/role_form.html", {"form": form, "region": region, "person": person}
    )


@login_required
@require_POST
def membership_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    membership = scoped_get(Membership, request.user, Action.CHANGE, pk=pk)
    if membership.user_id == request.user.pk:
        messages.error(request, _("Anda tidak dapat menonaktifkan peran Anda sendiri."))
    elif membership.is_active:
        services.deactivate_membership(signed_in(request), membership)
        messages.success(request, _("Peran dinonaktifkan."))
    else:
        try:
            services.reactivate_membership(signed_in(request), membership)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Peran diaktifkan kembali."))
    return redirect("user_detail", pk=membership.user_id)


@login_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    manageable = Membership.objects.visible_to(request.user, Action.CHANGE).filter(user=person)
    if not manageable.exists() or person.pk == request.user.pk:
        raise Http404
    try:
        services.deactivate_user(signed_in(request), person, manageable)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request, _("Akun %(username)s dinonaktifkan.") % {"username": person.username}
        )
    return redirect("user_detail", pk=person.pk)


@login_required
@require_POST
def user_reinvite(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    if not Membership.objects.visible_to(request.user, Action.CHANGE).filter(user=person).exists():
        raise Http404
    if not services.send_invitation(person.pk, request.build_absolute_uri("/")):
        messages.error(
            request, _("Email tidak terkirim. Periksa alamat email pengguna lalu coba lagi.")
        )
        return redirect("user_detail", pk=person.pk)
    messages.success(
        request,
        _("Tautan untuk membuat kata sandi dikirim ulang ke %(email)s.") % {"email": person.email},
    )
    return redirect("user_detail", pk=person.pk)


# ---------------------------------------------------------------- my account


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The user's own account: password link and API tokens (list, expiry, revoke)."""
    rows = [
        {
            "prefix": t.key[: tokens.PREFIX_LENGTH],
            "created": t.created,
            "expires": tokens.expires_at(t),
            "expired": tokens.is_expired(t),
        }
        for t in tokens.tokens_of(signed_in(request))
    ]
    return render(
        request,
        "regions/account.html",
        {"tokens": rows, "token_days": tokens.lifetime().days},
    )


@login_required
@require_POST
def account_token_revoke(request: HttpRequest, prefix: str) -> HttpResponse:
    if not tokens.revoke(signed_in(request), prefix):
        raise Http404
    messages.success(request, _("Token dicabut."))
    return redirect("account")
