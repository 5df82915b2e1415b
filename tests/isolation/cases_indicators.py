"""Isolation cases for the catalog, assignment and target pages (demo data: Klaten 2026)."""

from __future__ import annotations

from typing import Any

from indicators.models import Assignment, CatalogEdition, CatalogYear, Target
from tests.isolation.expect import EVERYONE, viewers
from tests.isolation.framework import Case

KLATEN = "33.10"
YEAR = 2026
KLATEN_OPERATORS_DINKES = {"klaten.dinkes", "klaten.kadinkes"}
KLATEN_OPERATORS = {"klaten.dinkes", "klaten.kadinkes", "klaten.dindik"}


def _target_kwargs(code: str):
    return lambda: {"region": KLATEN, "year": YEAR, "code": code}


def _target(code: str) -> Target:
    return Target.objects.get(region__code=KLATEN, year=YEAR, service_type__code=code)


def _targets_snapshot() -> list[Any]:
    rows = Target.objects.filter(region__code=KLATEN, year=YEAR).order_by("id")
    return list(rows.values_list("id", "status", "version", "recipients_target", "return_reason"))


def _editions_snapshot() -> list[Any]:
    return [
        list(CatalogEdition.objects.order_by("id").values_list("id", "code", "status")),
        list(CatalogYear.objects.order_by("year").values_list("year", "edition_id")),
    ]


def _assignments_snapshot() -> list[Any]:
    return list(
        Assignment.objects.filter(region__code=KLATEN)
        .order_by("service_code")
        .values_list("service_code", "agency_id")
    )


def _assignment_data() -> dict[str, Any]:
    return {f"a_{code}": agency for code, agency in _assignments_snapshot()}


def _save_data(code: str, recipients: int, reason: str = "") -> Any:
    def data() -> dict[str, Any]:
        target = _target(code)
        payload: dict[str, Any] = {"version": target.version, "recipients_target": recipients}
        for tq in target.quality.select_related("quality_item"):
            if tq.quality_item.has_quantity:
                payload[f"q_{tq.quality_item.code}"] = str(tq.required_quantity or 0)
        if reason:
            payload["reason"] = reason
        return payload

    return data


def _version(code: str, **extra: str) -> Any:
    return lambda: {"version": _target(code).version, **extra}


def _sheet_upload() -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from indicators.sheets import target_sheet
    from regions.models import Region, User

    user = User.objects.get(username="klaten.dinkes")
    content = target_sheet(user, Region.objects.get(code=KLATEN), YEAR).export("xlsx")
    return {"file": SimpleUploadedFile("target.xlsx", content)}


CASES = [
    Case("indicators:catalog", allowed=EVERYONE),
    Case("indicators:nomenclature", allowed=EVERYONE, query="sector=KES&q=ibu"),
    Case(
        "indicators:nomenclature",
        allowed=EVERYONE,
        query="format=csv",
        label="csv",
    ),
    Case(
        "indicators:service_type",
        allowed=EVERYONE,
        kwargs=lambda: {"edition": "2026.1", "code": "K-KES-01"},
    ),
    Case("indicators:edition_list", allowed=EVERYONE),
    Case("indicators:edition_diff", allowed=EVERYONE),
    Case(
        "indicators:edition_copy",
        allowed={"bangda.admin"},
        method="post",
        kwargs=lambda: {"code": "2026.1"},
        data=lambda: {"code": "2099.1", "name": "Uji"},
        snapshot=_editions_snapshot,
    ),
    Case(
        "indicators:edition_publish",
        allowed={"bangda.admin"},
        method="post",
        kwargs=lambda: {"code": "2026.1"},
        data=lambda: {"years": ["2030"]},
        snapshot=_editions_snapshot,
    ),
    Case("indicators:assignments", allowed=viewers(KLATEN), kwargs=lambda: {"region": KLATEN}),
    Case(
        "indicators:assignments",
        allowed={"klaten.tapem", "bangda.admin"},  # the region's verifier and Bangda only
        owner=(KLATEN, None, None),
        method="post",
        kwargs=lambda: {"region": KLATEN},
        data=lambda: {**_assignment_data(), "a_K-KES-01": ""},
        snapshot=_assignments_snapshot,
    ),
    Case("indicators:my_targets", allowed=EVERYONE),
    Case(
        "indicators:region_targets",
        allowed=viewers(KLATEN),
        owner=(KLATEN, None, None),
        kwargs=lambda: {"region": KLATEN, "year": YEAR},
    ),
    Case(
        "indicators:target_sheet",
        allowed=viewers(KLATEN),
        owner=(KLATEN, None, None),
        kwargs=lambda: {"region": KLATEN, "year": YEAR},
    ),
    Case(
        "indicators:target_upload",
        allowed=KLATEN_OPERATORS,
        owner=(KLATEN, None, None),
        kwargs=lambda: {"region": KLATEN, "year": YEAR},
    ),
    Case(
        "indicators:target_upload",
        allowed=KLATEN_OPERATORS,
        owner=(KLATEN, None, None),
        method="post",
        kwargs=lambda: {"region": KLATEN, "year": YEAR},
        data=_sheet_upload,
        snapshot=_targets_snapshot,
        # klaten.dindik previews a DINKES sheet: row errors (400), nothing saved
        ok_status=frozenset({200, 400}),
        label="preview",
    ),
    Case(
        "indicators:target",
        allowed=viewers(KLATEN, "DINKES", "KES"),
        owner=(KLATEN, "DINKES", "KES"),
        kwargs=_target_kwargs("K-KES-01"),
    ),
    Case(
        "indicators:target",
        allowed=KLATEN_OPERATORS_DINKES,
        owner=(KLATEN, "DINKES", "KES"),
        method="post",
        kwargs=_target_kwargs("K-KES-11"),
        data=_save_data("K-KES-11", 9100),
        snapshot=_targets_snapshot,
        label="draft",
    ),
    Case(
        "indicators:target",
        allowed={"klaten.tapem"},
        owner=(KLATEN, "DINKES", "KES"),
        method="post",
        kwargs=_target_kwargs("K-KES-01"),
        data=_save_data("K-KES-01", 17500, reason="Revisi proyeksi penduduk BPS"),
        snapshot=_targets_snapshot,
        label="locked",
    ),
    Case(
        "indicators:target_submit",
        allowed=KLATEN_OPERATORS_DINKES,
        owner=(KLATEN, "DINKES", "KES"),
        method="post",
        kwargs=_target_kwargs("K-KES-11"),
        data=_version("K-KES-11"),
        snapshot=_targets_snapshot,
    ),
    Case(
        "indicators:target_verify",
        allowed={"klaten.tapem"},
        owner=(KLATEN, "DINDIK", "DIK"),
        method="post",
        kwargs=_target_kwargs("K-DIK-03"),
        data=_version("K-DIK-03"),
        snapshot=_targets_snapshot,
    ),
    Case(
        "indicators:target_return",
        allowed={"klaten.tapem"},
        owner=(KLATEN, "DINDIK", "DIK"),
        method="post",
        kwargs=_target_kwargs("K-DIK-03"),
        data=_version("K-DIK-03", reason="Angka belum sesuai data Dapodik."),
        snapshot=_targets_snapshot,
    ),
]
