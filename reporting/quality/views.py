"""Bangda's pages for the data-quality rules: list, create, edit (with history), switch off/on,
and "Uji aturan" — a draft rule tried on the last quarter before it is saved.

Bangda admins (and superusers) only; anyone else gets 404, as for every page out of scope.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from espm.parsing import parse_int
from regions.scoping import sees_everything
from reporting.models import Period, ValidationRule
from reporting.quality import rule_selectors, rule_services
from reporting.quality.forms import OUTLIERS, RuleForm
from reporting.rules import quality as rules


def _require_bangda(request: HttpRequest) -> None:
    if not sees_everything(request.user):
        raise Http404


def _rule(pk: int) -> ValidationRule:
    rule = ValidationRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    _require_bangda(request)
    return render(request, "reporting/quality/rule_list.html", {"rows": rule_selectors.rule_rows()})


def _page(
    request: HttpRequest,
    form: RuleForm,
    rule: ValidationRule | None,
    *,
    result: rule_selectors.TrialResult | None = None,
    trial_period: Period | None = None,
    tried: bool = False,
    switch_reason: str = "",
    status: int = 200,
) -> HttpResponse:
    periods = rule_selectors.periods_with_data()
    return render(
        request,
        "reporting/quality/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "kind": form.rule_kind,
            "each": form.rule_each,
            "outlier_kinds": list(OUTLIERS),
            "name_groups": rule_selectors.name_groups(),
            "functions": list(rules.FUNCTIONS),
            "periods": periods,
            "trial_period": trial_period or rule_selectors.last_quarter(periods),
            "result": result,
            "tried": tried,
            "history": rule_selectors.history(rule) if rule else [],
            "applies_to": rule_selectors.applies_to(rule) if rule else "",
            "switch_reason": switch_reason,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    _require_bangda(request)
    if request.method == "GET":
        return _page(request, RuleForm(), None)
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            rule = rule_services.create_rule(request.user, form.values())
        except rule_services.RuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Aturan %(code)s disimpan; laporan periode yang dibuka diperiksa ulang.")
                % {"code": rule.code},
            )
            return redirect("reporting:quality_rule", pk=rule.pk)
    return _page(request, form, None, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The rule: its editor (saving needs a reason), switch off/on, and its history."""
    _require_bangda(request)
    rule = _rule(pk)
    if request.method == "GET":
        return _page(request, RuleForm(rule=rule), rule)
    form = RuleForm(request.POST, rule=rule)
    if not form.is_valid():
        return _page(request, form, rule, status=400)
    try:
        saved, changed = rule_services.update_rule(
            rule.pk,
            request.user,
            form.values(),
            reason=form.cleaned_data["change_reason"],
            version=form.cleaned_data.get("version") or 0,
        )
    except rule_services.RuleChanged as exc:
        # Keep what was typed, now against the current version: saving again is a decision
        # made knowing the other change (shown in the history).
        messages.error(request, str(exc))
        data = request.POST.copy()
        data["version"] = str(exc.version)
        rule.refresh_from_db()
        return _page(request, RuleForm(data, rule=rule), rule, status=409)
    except rule_services.RuleError as exc:
        form.add_error(None, str(exc))
        return _page(request, form, rule, status=400)
    if changed:
        messages.success(
            request,
            _("Aturan %(code)s diperbarui; laporan periode yang dibuka diperiksa ulang.")
            % {"code": saved.code},
        )
    else:
        messages.info(request, _("Tidak ada yang berubah."))
    return redirect("reporting:quality_rule", pk=rule.pk)


@login_required
@require_POST
def rule_switch(request: HttpRequest, pk: int) -> HttpResponse:
    _require_bangda(request)
    rule = _rule(pk)
    active = request.POST.get("active") == "1"
    reason = request.POST.get("reason", "")
    try:
        rule_services.switch_rule(rule.pk, request.user, active=active, reason=reason)
    except rule_services.RuleError as exc:
        messages.error(request, str(exc))
        rule.refresh_from_db()
        return _page(request, RuleForm(rule=rule), rule, switch_reason=reason, status=400)
    messages.success(
        request,
        (
            _("Aturan %(code)s diaktifkan.")
            if active
            else _("Aturan %(code)s dinonaktifkan; temuannya tidak lagi tampil.")
        )
        % {"code": rule.code},
    )
    return redirect("reporting:quality_rule", pk=rule.pk)


def _trial_period(request: HttpRequest) -> Period | None:
    periods = rule_selectors.periods_with_data()
    wanted = parse_int(request.POST.get("trial_period"))
    chosen = next((p for p in periods if p.pk == wanted), None)
    return chosen or rule_selectors.last_quarter(periods)


@login_required
@require_POST
def rule_try(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """ "Uji aturan": what the rule as typed (not saved) would flag in a quarter, for every
    region. With HTMX only the result; without, the editor again with the result below."""
    _require_bangda(request)
    rule = _rule(pk) if pk is not None else None
    form = RuleForm(request.POST, rule=rule, testing=True)
    period = _trial_period(request)
    result = None
    if form.is_valid() and period is not None:
        result = rule_selectors.try_rule(form.draft(), period)
    if getattr(request, "htmx", False):
        return render(
            request,
            "reporting/quality/_try_result.html",
            {"form": form, "result": result, "trial_period": period},
        )
    return _page(request, form, rule, result=result, trial_period=period, tried=True)
