"""Pages of the catalog, editions, assignments and yearly targets (thin: selectors + services)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from espm import drafts
from espm.parsing import parse_int
from indicators import selectors, services, sheets
from indicators.forms import (
    CatalogFilterForm,
    DraftEditionForm,
    PublishForm,
    ReturnForm,
    TargetForm,
    UploadForm,
)
from indicators.models import (
    Assignment,
    CatalogEdition,
    CatalogYear,
    QualityItem,
    ServiceType,
    Target,
)
from regions.middleware import active_membership
from regions.models import Agency, Region
from regions.scoping import Action, AnyUser, can, scoped_get
from reporting import workflow

YEARS = range(2023, 2031)


def _editions_for(user: AnyUser) -> Any:
    qs = CatalogEdition.objects.all()
    if not selectors.is_bangda(user):
        qs = qs.filter(status=CatalogEdition.Status.PUBLISHED)
    return qs


def _default_edition() -> CatalogEdition | None:
    return selectors.edition_for_year_or_none(selectors.current_year()) or (
        CatalogEdition.objects.filter(status=CatalogEdition.Status.PUBLISHED).first()
    )


# --------------------------------------------------------------------------- catalog


@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    editions = list(_editions_for(request.user))
    wanted = request.GET.get("edisi", "")
    edition = next((e for e in editions if e.code == wanted), None) or _default_edition()
    form = CatalogFilterForm(request.GET or None)
    filters: dict[str, Any] = {"sector": "", "level": "", "q": ""}
    if form.is_valid():
        sector = form.cleaned_data["sector"]
        filters = {
            "sector": sector.code if sector else "",
            "level": form.cleaned_data["level"],
            "q": form.cleaned_data["q"].strip(),
        }
    types = selectors.catalog_search(edition, **filters) if edition else ServiceType.objects.none()
    return render(
        request,
        "indicators/catalog.html",
        {
            "edition": edition,
            "editions": editions,
            "form": form,
            "types": types,
            "is_bangda": selectors.is_bangda(request.user),
        },
    )


@login_required
def service_type_detail(request: HttpRequest, edition: str, code: str) -> HttpResponse:
    st = get_object_or_404(
        ServiceType.objects.select_related("sector", "edition").filter(
            edition__in=_editions_for(request.user)
        ),
        edition__code=edition,
        code=code,
    )
    return render(
        request,
        "indicators/service_type.html",
        {
            "st": st,
            "items": selectors.quality_items_for(st),
            "dimensions": selectors.breakdown_dimensions_for(st),
            "years": st.edition.years.order_by("year"),
            "is_bangda": selectors.is_bangda(request.user),
        },
    )


# --------------------------------------------------------------------------- editions


@login_required
def edition_list(request: HttpRequest) -> HttpResponse:
    editions = list(selectors.edition_summary().filter(pk__in=_editions_for(request.user)))
    years = {y.year: y.edition for y in CatalogYear.objects.select_related("edition")}
    return render(
        request,
        "indicators/editions.html",
        {
            "editions": editions,
            "years": sorted(years.items()),
            "is_bangda": selectors.is_bangda(request.user),
            "draft_form": DraftEditionForm(),
            "publish_years": list(YEARS),
        },
    )


@login_required
def edition_diff(request: HttpRequest) -> HttpResponse:
    editions = {e.code: e for e in _editions_for(request.user)}
    new = editions.get(request.GET.get("ke", ""))
    if new is None:
        new = next(iter(editions.values()), None)
    old = editions.get(request.GET.get("dari", ""))
    if old is None and new is not None and new.based_on_id:
        old = next((e for e in editions.values() if e.pk == new.based_on_id), None)
    changes = services.diff_editions(old, new) if old and new and old != new else []
    return render(
        request,
        "indicators/edition_diff.html",
        {"editions": list(editions.values()), "old": old, "new": new, "changes": changes},
    )


@login_required
@require_POST
def edition_copy(request: HttpRequest, code: str) -> HttpResponse:
    if not selectors.is_bangda(request.user):
        raise PermissionDenied
    source = get_object_or_404(CatalogEdition, code=code)
    form = DraftEditionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("indicators:edition_list")
    try:
        draft = services.create_draft_edition(
            request.user, source, form.cleaned_data["code"], form.cleaned_data["name"]
        )
    except services.CatalogError as exc:
        messages.error(request, str(exc))
        return redirect("indicators:edition_list")
    messages.success(
        request,
        _("Edisi draf %(code)s dibuat. Ubah jenis pelayanan dan butir mutunya di admin.")
        % {"code": draft.code},
    )
    return redirect("indicators:edition_list")


@login_required
@require_POST
def edition_publish(request: HttpRequest, code: str) -> HttpResponse:
    if not selectors.is_bangda(request.user):
        raise PermissionDenied
    edition = get_object_or_404(CatalogEdition, code=code)
    form = PublishForm(request.POST, years=list(YEARS))
    if not form.is_valid():
        messages.error(request, _("Pilihan tahun tidak valid."))
        return redirect("indicators:edition_list")
    try:
        moved = services.publish_edition(request.user, edition, form.cleaned_data["years"])
    except services.CatalogError as exc:
        messages.error(request, str(exc))
        return redirect("indicators:edition_list")
    messages.success(
        request,
        _("Edisi %(code)s terbit; tahun: %(years)s.")
        % {"code": edition.code, "years": ", ".join(map(str, moved)) or "—"},
    )
    return redirect("indicators:edition_list")


# --------------------------------------------------------------------------- assignments


@login_required
def assignments(request: HttpRequest, region: str) -> HttpResponse:
    reg = scoped_get(Region, request.user, Action.VIEW, code=region)
    # Policy: only the region's own verifier and Bangda manage assignments (not the province).
    may_change = can(request.user, Action.MANAGE, reg)
    types = list(selectors.service_types_for_region(reg, selectors.current_year()))
    agencies = list(Agency.objects.filter(region=reg, is_active=True).order_by("short_name"))
    current: dict[str, int | None] = {
        a.service_code: a.agency_id for a in Assignment.objects.filter(region=reg)
    }
    error = ""
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        wanted: dict[str, int | None] = {}
        for st in types:
            raw = request.POST.get(f"a_{st.code}", "")
            wanted[st.code] = parse_int(raw)
        try:
            changed = services.set_assignments(request.user, reg, wanted)
        except services.TargetError as exc:
            error = exc.message
            current = dict(wanted)
        else:
            messages.success(request, _("Penugasan disimpan (%(n)s perubahan).") % {"n": changed})
            return redirect("indicators:assignments", region=reg.code)
    rows = [(st, current.get(st.code)) for st in types]
    return render(
        request,
        "indicators/assignments.html",
        {
            "region": reg,
            "rows": rows,
            "agencies": agencies,
            "may_change": may_change,
            "unassigned": sum(1 for _st, a in rows if not a),
            "error": error,
        },
        status=400 if error else 200,
    )


# --------------------------------------------------------------------------- targets


@login_required
def my_targets(request: HttpRequest) -> HttpResponse:
    """The target page of the active role's region for the current year."""
    membership = active_membership(request)
    if membership is None or membership.region.level == "national":
        return redirect("indicators:catalog")
    return redirect(
        "indicators:region_targets", region=membership.region.code, year=selectors.current_year()
    )


def _region_year(request: HttpRequest, region: str, year: int) -> Region:
    reg = scoped_get(Region, request.user, Action.VIEW, code=region)
    if year not in YEARS or reg.level == "national":
        raise Http404
    return reg


@login_required
def region_targets(request: HttpRequest, region: str, year: int) -> HttpResponse:
    reg = _region_year(request, region, year)
    data = selectors.region_targets(request.user, reg, year)
    return render(
        request,
        "indicators/region_targets.html",
        {
            "region": reg,
            "year": year,
            "data": data,
            "years": [y for y in YEARS if y in {c.year for c in CatalogYear.objects.all()}],
            "is_operator": bool(selectors.agency_ids_operated(request.user, reg)),
            "is_verifier": selectors.is_region_verifier(request.user, reg),
        },
    )


def _target_context(
    request: HttpRequest, region: str, year: int, code: str
) -> tuple[Region, ServiceType, Assignment | None, Target | None]:
    """Region, service type, assignment and target, or 404 when outside the user's view."""
    reg = _region_year(request, region, year)
    st = get_object_or_404(
        selectors.service_types_for_region(reg, year).prefetch_related(
            Prefetch("quality_items", queryset=QualityItem.objects.order_by("order", "code"))
        ),
        code=code,
    )
    assignment = selectors.assignment_for(reg, code)
    target = Target.objects.filter(region=reg, year=year, service_type=st).first()
    if not selectors.may_see_target(request.user, reg, st, assignment, target):
        raise Http404
    return reg, st, assignment, target


def _initial(target: Target | None) -> dict[str, Any]:
    if target is None:
        return {"version": 0}
    initial: dict[str, Any] = {
        "version": target.version,
        "recipients_target": target.recipients_target,
    }
    for tq in target.quality.select_related("quality_item"):
        qty = tq.required_quantity
        # whole numbers without ".00": staff and goods are counted, rarely fractional
        if qty is not None and qty == qty.to_integral_value():
            qty = qty.quantize(Decimal(1))
        initial[f"q_{tq.quality_item.code}"] = qty
    return initial


def _stored_quality(target: Target, items: list[QualityItem]) -> list[tuple[str, Any, str]]:
    """A target's stored quantities as the form words them: (item, quantity, unit)."""
    stored = {tq.quality_item_id: tq.required_quantity for tq in target.quality.all()}
    return [(qi.description, stored.get(qi.pk), qi.unit) for qi in items if qi.has_quantity]


@login_required
def target_detail(request: HttpRequest, region: str, year: int, code: str) -> HttpResponse:
    reg, st, assignment, target = _target_context(request, region, year, code)
    items = list(st.quality_items.all())
    may_edit = selectors.may_edit_target(request.user, reg, assignment, target)
    locked = bool(target and target.is_locked)
    status = 200
    conflict = None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        form = TargetForm(request.POST, items=items, locked=locked)
        if form.is_valid():
            cd = form.cleaned_data
            data = services.TargetInput(
                recipients_target=cd.get("recipients_target"),
                quality={qi.code: cd.get(f"q_{qi.code}") for qi in form.items},
            )
            try:
                services.save_target(
                    request.user,
                    reg,
                    year,
                    st,
                    data,
                    version=cd.get("version"),
                    reason=cd.get("reason") or "",
                )
            except services.StaleVersion as exc:
                form.add_error(None, exc.message)
                conflict = exc.current
            except services.TargetError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Target %(code)s disimpan.") % {"code": st.code})
                return redirect("indicators:target", region=reg.code, year=year, code=st.code)
        status = 400
    else:
        form = TargetForm(initial=_initial(target), items=items, locked=locked)
    history = target.history.select_related("history_user")[:20] if target else []
    return render(
        request,
        "indicators/target_detail.html",
        {
            "region": reg,
            "year": year,
            "st": st,
            "items": items,
            "assignment": assignment,
            "target": target,
            "form": form,
            "may_edit": may_edit,
            "conflict": conflict,
            "conflict_quality": _stored_quality(conflict, items) if conflict else [],
            "may_submit": bool(
                target
                and target.status in (Target.Status.DRAFT, Target.Status.RETURNED)
                and target.agency_id in selectors.agency_ids_operated(request.user, reg)
            ),
            "may_review": bool(
                target
                and target.status == Target.Status.SUBMITTED
                and selectors.is_region_verifier(request.user, reg)
            ),
            "return_form": ReturnForm(initial={"version": target.version if target else 0}),
            "history": history,
        },
        status=status,
    )


def _workflow_target(request: HttpRequest, region: str, year: int, code: str) -> Target:
    _reg, _st, _assignment, target = _target_context(request, region, year, code)
    if target is None:
        raise Http404
    return target


def _version(request: HttpRequest) -> int | None:
    return parse_int(request.POST.get("version", ""))


def _back(target: Target) -> HttpResponse:
    return redirect(
        "indicators:target",
        region=target.region.code,
        year=target.year,
        code=target.service_type.code,
    )


def _target_step(
    request: HttpRequest, region: str, year: int, code: str, action: str, done: str
) -> HttpResponse:
    """A target page button: the workflow table's step (``reporting.workflow``)."""
    target = _workflow_target(request, region, year, code)
    try:
        workflow.transition(
            target,
            action,
            request.user,
            reason=request.POST.get("reason", ""),
            expected_version=_version(request),
            require_version=True,
        )
    except workflow.NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except workflow.TransitionError as exc:
        messages.error(request, " ".join([exc.message, *(p.message for p in exc.problems)]))
    else:
        messages.success(request, done)
    return _back(target)


@login_required
@require_POST
def target_submit(request: HttpRequest, region: str, year: int, code: str) -> HttpResponse:
    return _target_step(request, region, year, code, "submit", _("Target diajukan ke verifikator."))


@login_required
@require_POST
def target_verify(request: HttpRequest, region: str, year: int, code: str) -> HttpResponse:
    return _target_step(
        request, region, year, code, "verify", _("Target diverifikasi dan dikunci.")
    )


@login_required
@require_POST
def target_return(request: HttpRequest, region: str, year: int, code: str) -> HttpResponse:
    return _target_step(
        request, region, year, code, "return", _("Target dikembalikan ke perangkat daerah.")
    )


# --------------------------------------------------------------------------- Excel target sheet


@login_required
def target_sheet(request: HttpRequest, region: str, year: int) -> HttpResponse:
    reg = _region_year(request, region, year)
    dataset = sheets.target_sheet(request.user, reg, year)
    response = HttpResponse(
        dataset.export("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="target-{reg.code}-{year}.xlsx"'
    return response


def _draft_file(data: bytes) -> ContentFile[bytes]:
    """A previewed draft as the sheet reader takes it: an .xlsx is a zip, else it was CSV."""
    return ContentFile(
        data, name="lembar-target.xlsx" if data[:4] == b"PK\x03\x04" else "lembar-target.csv"
    )


@login_required
def target_upload(request: HttpRequest, region: str, year: int) -> HttpResponse:
    """Preview an uploaded target sheet (a dry run), then commit exactly the previewed file:
    kept between the two as an import draft (``espm.drafts``, as the report workbook import)."""
    reg = _region_year(request, region, year)
    if not selectors.agency_ids_operated(request.user, reg):
        raise PermissionDenied
    report = None
    token = ""
    form = UploadForm()
    status = 200
    if request.method == "POST" and "token" in request.POST:
        seen = str(request.POST["token"])
        data = drafts.load(request.user, seen)
        if data is None:
            messages.error(request, _("Pratinjau kedaluwarsa; unggah ulang berkasnya."))
            return redirect("indicators:target_upload", region=reg.code, year=year)
        try:
            rows = sheets.read_target_sheet(_draft_file(data))
        except sheets.SheetError as exc:  # the same bytes read at preview: not expected
            messages.error(request, str(exc))
            return redirect("indicators:target_upload", region=reg.code, year=year)
        report = services.import_targets(request.user, reg, year, rows, dry_run=False)
        if report.committed:
            drafts.delete(request.user, seen)
            messages.success(
                request,
                _("Lembar target disimpan: %(n)s target berubah.") % {"n": report.targets_changed},
            )
            return redirect("indicators:region_targets", region=reg.code, year=year)
        status = 400
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            upload.seek(0)
            try:
                rows = sheets.read_target_sheet(upload)
            except sheets.SheetError as exc:
                form.add_error("file", str(exc))
                status = 422 if isinstance(exc, sheets.SheetTooLarge) else 400
            else:
                report = services.import_targets(request.user, reg, year, rows, dry_run=True)
                if report.ok:
                    token = drafts.save(request.user, data)
                else:
                    status = 400
        else:
            status = 400
    return render(
        request,
        "indicators/target_upload.html",
        {"region": reg, "year": year, "form": form, "report": report, "token": token},
        status=status,
    )


def target_url(region: Region, year: int, code: str) -> str:
    return reverse("indicators:target", kwargs={"region": region.code, "year": year, "code": code})


@login_required
def nomenclature(request: HttpRequest) -> HttpResponse:
    """The budget nomenclature's SPM-relevant subset: searchable, downloadable (CSV/Excel)."""
    from espm import exports
    from indicators.forms import NomenclatureFilterForm

    form = NomenclatureFilterForm(request.GET or None)
    sector, q = None, ""
    if form.is_valid():
        sector = form.cleaned_data["sector"].code if form.cleaned_data["sector"] else None
        q = form.cleaned_data["q"].strip()
    items = selectors.nomenclature_list(q, sector)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        headers = [_("kode"), _("nomenklatur"), _("tingkat"), _("bidang"), _("sumber")]
        rows = [
            [i.code, i.name, i.get_level_display(), i.sector.code if i.sector else "", i.source]
            for i in items
        ]
        if fmt == "csv":
            return exports.csv_response(headers, rows, "nomenklatur.csv")
        return exports.xlsx_response(headers, rows, "nomenklatur.xlsx", "nomenklatur")
    return render(
        request,
        "indicators/nomenclature.html",
        {"form": form, "items": items, "query": request.GET.urlencode()},
    )
