"""Isolation cases of the REST API (/api/v1/): every endpoint × every demo role.

Anonymous callers get 401/403 (no redirect); out of scope is 404, as on the pages.
"""

from __future__ import annotations

import io
import json
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from indicators.models import CatalogYear, ServiceType, Target
from regions.models import Agency, User
from reporting.entry import services
from reporting.imports import services as importer
from reporting.models import (
    BudgetLine,
    Evidence,
    Notification,
    Period,
    PeriodOpening,
    PeriodRegion,
    Report,
    ReviewNote,
    private_storage,
)
from tests.isolation.cases_review import (
    DUE,
    JATENG,
    KLATEN,
    RECAP_READERS,
    _jateng_pk,
    _submission,
    _submission_snapshot,
    _submission_version,
)
from tests.isolation.expect import EVERYONE, viewers
from tests.isolation.framework import ANONYMOUS, OK, Case

PUBLIC = EVERYONE | {ANONYMOUS}

KLATEN_DINKES = ("33.10", "DINKES", "KES")
KLATEN_DINDIK = ("33.10", "DINDIK", "DIK")


def _dinkes() -> Agency:
    return Agency.objects.get(region__code="33.10", short_name="DINKES")


def klaten_report() -> Report:
    """Klaten's K-KES-01 report of the newest period (the demo's, or one made for the test)."""
    found = (
        Report.objects.filter(region__code="33.10", service_type__code="K-KES-01")
        .order_by("-period__year", "-period__quarter")
        .first()
    )
    if found:
        return found
    period = Period.objects.order_by("-year", "-quarter").first() or Period.objects.create(
        year=2026, quarter=1, due_date="2026-04-20", state=Period.State.OPEN
    )
    service_type = ServiceType.objects.filter(code="K-KES-01").order_by("-edition__code").first()
    assert service_type is not None, "the catalog must be loaded"
    return Report.objects.create(
        region=_dinkes().region, period=period, service_type=service_type, agency=_dinkes()
    )


def klaten_code(code: str) -> Report:
    return (
        Report.objects.filter(region__code="33.10", service_type__code=code)
        .order_by("-period__year", "-period__quarter")
        .first()
    )  # type: ignore[return-value]


def _report_state(code: str = "K-KES-01") -> Any:
    return lambda: list(
        Report.objects.filter(pk=klaten_code(code).pk).values(
            "status", "version", "problems", "recipients_served"
        )
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _evidence() -> Evidence:
    report = klaten_report()
    found = Evidence.objects.filter(report=report, deleted_at__isnull=True).first()
    if found:
        return found
    operator = User.objects.get(username="klaten.dinkes")
    return services.add_evidence(
        report.pk, operator, io.BytesIO(PDF), name="bukti.pdf", size=len(PDF)
    )


def _notes_state() -> list[Any]:
    return sorted(ReviewNote.objects.values_list("report_id", "section", "text"))


def _evidence_state() -> list[Any]:
    return sorted(Evidence.objects.values_list("pk", "deleted_at"))


def _klaten_state() -> list[Any]:
    return sorted(
        Report.objects.filter(region__code="33.10").values_list(
            "pk", "version", "status", "recipients_served", "problems"
        )
    )


def _import_target() -> dict[str, Any]:
    period = klaten_report().period
    return {"wilayah": "33.10", "periode": str(period.pk)}


def _workbook() -> bytes:
    report = klaten_report()
    operator = User.objects.get(username="klaten.dinkes")
    return importer.build_workbook(operator, report.region, report.period)


def _import_upload() -> dict[str, Any]:
    return {**_import_target(), "berkas": SimpleUploadedFile("isi.xlsx", _workbook())}


def _import_draft() -> dict[str, Any]:
    """klaten.dinkes's previewed upload, as the preview page leaves it for the commit."""
    token = "0" * 32
    operator = User.objects.get(username="klaten.dinkes")
    name = f"imports/{operator.pk}/{token}.xlsx"
    storage = private_storage()
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(_workbook()))
    return {**_import_target(), "token": token}


IMPORTERS_OF_KLATEN = {"klaten.dinkes", "klaten.dindik", "klaten.tapem"}


def _klaten_target() -> Target:
    return Target.objects.filter(region__code="33.10", service_type__code="K-KES-01").first() or (
        Target.objects.filter(region__code="33.10", service_type__sector__code="KES").first()
    )  # type: ignore[return-value]


def _own_token_prefix() -> dict[str, Any]:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username="klaten.dinkes"))
    return {"prefix": token.key[:8]}


def _tokens() -> list[str]:
    return sorted(Token.objects.values_list("key", flat=True))


# ---------------------------------------------------------------- targets (writes)

JSON = {"Content-Type": "application/json"}


def _klaten_target_of(code: str, year: int = 2026) -> Target:
    return Target.objects.get(region__code="33.10", year=year, service_type__code=code)


def _target_body(code: str, recipients: int, reason: str = "") -> Any:
    """Every quality quantity as it stands (a PUT sends them all), a new recipients target."""

    def body() -> str:
        target = _klaten_target_of(code)
        quality = [
            {"quality_item": tq.quality_item.code, "required_quantity": str(tq.required_quantity)}
            for tq in target.quality.select_related("quality_item")
            if tq.quality_item.has_quantity and tq.required_quantity is not None
        ]
        payload: dict[str, Any] = {
            "version": target.version,
            "recipients_target": recipients,
            "quality": quality,
        }
        if reason:
            payload["reason"] = reason
        return json.dumps(payload)

    return body


def _klaten_targets() -> list[Any]:
    return sorted(
        Target.objects.filter(region__code="33.10").values_list(
            "pk", "year", "status", "version", "recipients_target"
        )
    )


def _new_target_body() -> dict[str, Any]:
    """Klaten K-KES-01 for 2027, which has no target yet (2027 uses the 2026 catalog here)."""
    CatalogYear.objects.get_or_create(
        year=2027, defaults={"edition": CatalogYear.objects.get(year=2026).edition}
    )
    return {"region": "33.10", "year": 2027, "service_type": "K-KES-01", "recipients_target": 120}


# ---------------------------------------------------------------- budget lines (delete)

PINNED_VERSION = 4242  # the report's version is pinned so the static If-Match header matches


def _budget_line() -> dict[str, Any]:
    report = klaten_report()
    line = BudgetLine.objects.create(
        report=report, activity_code="1.02.02.2.02", activity_name="Uji isolasi", allocated=1000
    )
    Report.objects.filter(pk=report.pk).update(version=PINNED_VERSION)
    return {"pk": report.pk, "line_id": line.pk}


def _budget_state() -> list[Any]:
    return [
        sorted(
            BudgetLine.objects.filter(report__region__code="33.10").values_list("pk", flat=True)
        ),
        _klaten_state(),
    ]


def _evidence_item() -> dict[str, Any]:
    evidence = _evidence()
    Report.objects.filter(pk=evidence.report_id).update(version=PINNED_VERSION)
    return {"pk": evidence.report_id, "evidence_id": evidence.pk}


def _evidence_of_another_report() -> dict[str, Any]:
    """Klaten K-KES-01's file asked for under K-KES-02 (same agency, same period)."""
    evidence = _evidence()
    other = klaten_code("K-KES-02")
    Report.objects.filter(pk__in=[evidence.report_id, other.pk]).update(version=PINNED_VERSION)
    return {"pk": other.pk, "evidence_id": evidence.pk}


# ---------------------------------------------------------------- periods (Bangda manages them)

BANGDA = {"bangda.admin"}


def _tw3() -> Period:
    return Period.objects.get(year=2026, quarter=3)


def _open_tw3() -> dict[str, Any]:
    Period.objects.filter(pk=_tw3().pk).update(state=Period.State.OPEN, closed_at=None)
    return {"pk": _tw3().pk}


def _tw3_with_an_opening() -> dict[str, Any]:
    bangda = User.objects.get(username="bangda.admin")
    PeriodOpening.objects.create(period=_tw3(), requested_by=bangda, status="done", progress=100)
    return {"pk": _tw3().pk}


def _periods_and_openings() -> list[Any]:
    return [
        list(
            Period.objects.order_by("pk").values_list(
                "pk", "state", "due_date", "allow_late", "closed_at"
            )
        ),
        sorted(PeriodOpening.objects.values_list("pk", "period_id", "status")),
    ]


# ---------------------------------------------------------------- notifications (one's own)


def _dinkes_notification() -> dict[str, Any]:
    note, _ = Notification.objects.get_or_create(
        user=User.objects.get(username="klaten.dinkes"),
        key="isolation:api",
        defaults={"kind": "returned", "title": "Uji isolasi", "url": "/"},
    )
    return {"pk": note.pk}


# ---------------------------------------------------------------- region submissions


def _submission_pk(code: str, status: str, verified: bool = False) -> Any:
    return lambda: {"pk": _submission(code, status, all_verified=verified).pk}


def _region_step(
    code: str, step: str, status: str, allowed: set[str], verified: bool = False, **data: Any
) -> Case:
    return Case(
        f"api:region-submission-{step}",
        allowed=allowed,
        owner=KLATEN if code == "33.10" else JATENG,
        method="post",
        kwargs=_submission_pk(code, status, verified),
        data=lambda: {**data, "version": _submission_version(code)},
        snapshot=_submission_snapshot,
        label=code,
        superuser=False,  # a workflow step needs the table's role (reporting/workflow.py)
    )


CASES = [
    # Auth: anyone may ask for a token; wrong credentials are a 400, never a token.
    Case(
        "api:token-obtain",
        allowed=PUBLIC,
        method="post",
        data=lambda: {"username": "klaten.dinkes", "password": "wrong-password"},
        ok_status=frozenset({400}),
        snapshot=_tokens,
        label="wrong-password",
    ),
    Case("api:token-list", allowed=EVERYONE),
    Case(
        "api:token-detail",
        allowed={"klaten.dinkes"},
        method="delete",
        kwargs=_own_token_prefix,
        snapshot=_tokens,
    ),
    # Schema and documentation pages are public: they describe the API, not the data.
    Case("api:schema", allowed=PUBLIC),
    Case("api:docs", allowed=PUBLIC),
    Case("api:redoc", allowed=PUBLIC),
    # Regions and agencies.
    Case("api:region-list", allowed=EVERYONE),
    Case(
        "api:region-detail",
        allowed=viewers("33.10"),
        owner=("33.10", None, None),
        kwargs=lambda: {"code": "33.10"},
    ),
    Case("api:agency-list", allowed=EVERYONE),
    Case(
        "api:agency-detail",
        allowed=viewers("33.10", "DINKES"),
        owner=("33.10", "DINKES", None),
        kwargs=lambda: {"pk": _dinkes().pk},
    ),
    Case(
        "api:agency-detail",
        allowed=viewers("33.10", "DINDIK", "DIK"),
        owner=("33.10", "DINDIK", "DIK"),
        kwargs=lambda: {"pk": Agency.objects.get(region__code="33.10", short_name="DINDIK").pk},
        label="other-sector",
    ),
    # Catalog and targets.
    Case("api:service-type-list", allowed=EVERYONE),
    Case("api:nomenclature", allowed=EVERYONE, query="q=ibu&sector=KES"),
    Case("api:service-type-detail", allowed=EVERYONE, kwargs=lambda: {"code": "K-KES-01"}),
    Case("api:target-list", allowed=EVERYONE),
    Case(
        "api:target-detail",
        allowed=viewers(*KLATEN_DINKES),
        owner=KLATEN_DINKES,
        kwargs=lambda: {"pk": _klaten_target().pk},
    ),
    # Target writes: the assigned agency's staff on a draft, the verifier on a locked one.
    Case(
        "api:target-detail",
        allowed={"klaten.dinkes", "klaten.kadinkes"},
        owner=KLATEN_DINKES,
        method="patch",
        kwargs=lambda: {"pk": _klaten_target_of("K-KES-11").pk},
        data=_target_body("K-KES-11", 9100),
        headers=JSON,
        snapshot=_klaten_targets,
        label="draft",
    ),
    Case(
        "api:target-detail",
        allowed={"klaten.tapem"},
        owner=KLATEN_DINKES,
        method="put",
        kwargs=lambda: {"pk": _klaten_target_of("K-KES-01").pk},
        data=_target_body("K-KES-01", 17500, reason="Revisi proyeksi penduduk BPS"),
        headers=JSON,
        snapshot=_klaten_targets,
        label="locked",
    ),
    Case(
        "api:target-submit",
        allowed={"klaten.dinkes", "klaten.kadinkes"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=lambda: {"pk": _klaten_target_of("K-KES-11").pk},
        data=lambda: {"version": _klaten_target_of("K-KES-11").version},
        snapshot=_klaten_targets,
    ),
    Case(
        "api:target-verify",
        allowed={"klaten.tapem"},
        owner=KLATEN_DINDIK,
        method="post",
        kwargs=lambda: {"pk": _klaten_target_of("K-DIK-03").pk},
        data=lambda: {"version": _klaten_target_of("K-DIK-03").version},
        snapshot=_klaten_targets,
    ),
    Case(
        "api:target-return",
        allowed={"klaten.tapem"},
        owner=KLATEN_DINDIK,
        method="post",
        kwargs=lambda: {"pk": _klaten_target_of("K-DIK-03").pk},
        data=lambda: {
            "reason": "Angka belum sesuai data Dapodik.",
            "version": _klaten_target_of("K-DIK-03").version,
        },
        snapshot=_klaten_targets,
    ),
    Case(
        "api:target-list",
        allowed={"klaten.dinkes", "klaten.kadinkes"},
        owner=KLATEN_DINKES,
        method="post",
        data=_new_target_body,
        snapshot=_klaten_targets,
        label="create",
    ),
    # Periods and reports.
    Case("api:period-list", allowed=EVERYONE),
    Case(
        "api:period-detail",
        allowed=EVERYONE,
        kwargs=lambda: {"pk": klaten_report().period_id},
    ),
    # Period management: Bangda's buttons of the period page; everyone else 403, nothing changes.
    Case(
        "api:period-list",
        allowed=BANGDA,
        method="post",
        data=lambda: {"year": "2092"},
        snapshot=lambda: Period.objects.filter(year=2092).count(),
        label="create",
    ),
    Case(
        "api:period-detail",
        allowed=BANGDA,
        method="patch",
        kwargs=lambda: {"pk": _tw3().pk},
        data=lambda: json.dumps(  # type: ignore[arg-type,return-value]
            {"due_date": "2026-12-31", "allow_late": False, "version": _tw3().version}
        ),
        headers=JSON,
        snapshot=_periods_and_openings,
    ),
    # Queued only: the test transaction never commits, so no task runs.
    Case(
        "api:period-open",
        allowed=BANGDA,
        method="post",
        kwargs=lambda: {"pk": _tw3().pk},
        ok_status=frozenset({202}),
        snapshot=_periods_and_openings,
    ),
    Case("api:period-opening", allowed=BANGDA, kwargs=_tw3_with_an_opening),
    Case("api:period-universe", allowed=BANGDA, kwargs=lambda: {"pk": _tw3().pk}),
    Case(
        "api:period-universe",
        allowed=BANGDA,
        method="post",
        kwargs=lambda: {"pk": _tw3().pk},
        data=lambda: {"remove": ["33.10"], "reason": "uji isolasi"},
        snapshot=lambda: sorted(
            PeriodRegion.objects.filter(period=_tw3()).values_list("region__code", flat=True)
        ),
    ),
    Case(
        "api:period-close",
        allowed=BANGDA,
        method="post",
        kwargs=_open_tw3,
        snapshot=_periods_and_openings,
    ),
    # Notifications: one's own only. Everyone may mark their own read; that another user's
    # ids mark nothing is tested in tests/test_api_notifications.py.
    Case("api:notification-list", allowed=EVERYONE),
    Case(
        "api:notification-detail",
        allowed={"klaten.dinkes"},
        kwargs=_dinkes_notification,
    ),
    Case("api:notification-unread-count", allowed=EVERYONE),
    Case(
        "api:notification-mark-read",
        allowed=EVERYONE,
        method="post",
        data=lambda: {"ids": [_dinkes_notification()["pk"]]},
    ),
    Case("api:report-list", allowed=EVERYONE),
    Case(
        "api:report-detail",
        allowed=viewers(*KLATEN_DINKES),
        owner=KLATEN_DINKES,
        kwargs=lambda: {"pk": klaten_report().pk},
    ),
    # Writes: only the owning agency's operator; a viewer who may not gets 403, others 404.
    Case(
        "api:report-detail",
        allowed={"klaten.dinkes"},
        owner=KLATEN_DINKES,
        method="patch",
        kwargs=lambda: {"pk": klaten_report().pk},
        data=lambda: json.dumps(  # type: ignore[arg-type,return-value]
            {"version": klaten_report().version, "problems": "Uji isolasi (demo)."}
        ),
        headers={"Content-Type": "application/json"},
        snapshot=_report_state(),
    ),
    Case(
        "api:report-submit",
        allowed={"klaten.dinkes"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=lambda: {"pk": klaten_report().pk},
        data=lambda: {"version": klaten_report().version},
        snapshot=_report_state(),
    ),
    Case(
        "api:report-withdraw",
        allowed={"klaten.dinkes"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=lambda: {"pk": klaten_code("K-KES-03").pk},
        data=lambda: {"version": klaten_code("K-KES-03").version},
        snapshot=_report_state("K-KES-03"),
    ),
    Case(
        "api:report-verify",
        allowed={"klaten.tapem"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=lambda: {"pk": klaten_code("K-KES-03").pk},
        data=lambda: {"version": klaten_code("K-KES-03").version},
        snapshot=_report_state("K-KES-03"),
    ),
    Case(
        "api:report-return",
        allowed={"klaten.tapem"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=lambda: {"pk": klaten_code("K-KES-03").pk},
        data=lambda: {"reason": "Uji isolasi (demo).", "version": klaten_code("K-KES-03").version},
        snapshot=_report_state("K-KES-03"),
    ),
    # The OPD head and the verifier reach these steps; the report's state refuses them (409).
    Case(
        "api:report-head-approve",
        allowed={"klaten.kadinkes"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=lambda: {"pk": klaten_code("K-KES-03").pk},
        data=lambda: {"version": klaten_code("K-KES-03").version},
        ok_status=frozenset({409}),
        snapshot=_report_state("K-KES-03"),
    ),
    Case(
        "api:report-head-return",
        allowed={"klaten.kadinkes"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=lambda: {"pk": klaten_code("K-KES-03").pk},
        data=lambda: {"reason": "Uji isolasi (demo).", "version": klaten_code("K-KES-03").version},
        ok_status=frozenset({409}),
        snapshot=_report_state("K-KES-03"),
    ),
    Case(
        "api:report-reopen",
        allowed={"klaten.tapem"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=lambda: {"pk": klaten_code("K-KES-03").pk},
        data=lambda: {"reason": "Uji isolasi (demo).", "version": klaten_code("K-KES-03").version},
        ok_status=frozenset({409}),
        snapshot=_report_state("K-KES-03"),
    ),
    # Section notes: the region's verifier, while the report is submitted.
    Case(
        "api:report-review-notes",
        allowed={"klaten.tapem"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=lambda: {"pk": klaten_code("K-KES-03").pk},
        data=lambda: {"section": "quality", "text": "Uji isolasi (demo).", "base": ""},
        snapshot=_notes_state,
    ),
    # Timeline: whoever reads the report reads its workflow steps; others 404.
    Case(
        "api:report-timeline",
        allowed=viewers(*KLATEN_DINKES),
        owner=KLATEN_DINKES,
        kwargs=lambda: {"pk": klaten_report().pk},
    ),
    # Evidence: read by the report's viewers, added by its operator, files only in scope.
    Case(
        "api:report-evidence",
        allowed=viewers(*KLATEN_DINKES),
        owner=KLATEN_DINKES,
        kwargs=lambda: {"pk": klaten_report().pk},
    ),
    Case(
        "api:report-evidence",
        allowed={"klaten.dinkes"},
        owner=KLATEN_DINKES,
        method="post",
        kwargs=lambda: {"pk": klaten_report().pk},
        data=lambda: {"file": SimpleUploadedFile("bukti.pdf", PDF), "description": "uji"},
        snapshot=_evidence_state,
    ),
    Case(
        "api:report-evidence-download",
        allowed=viewers(*KLATEN_DINKES),
        owner=KLATEN_DINKES,
        kwargs=lambda: {"pk": _evidence().report_id, "evidence_id": _evidence().pk},
    ),
    # Evidence delete: only the owning agency's operator, only the report's own file.
    Case(
        "api:report-evidence-item",
        allowed={"klaten.dinkes"},
        owner=KLATEN_DINKES,
        method="delete",
        kwargs=_evidence_item,
        headers={"If-Match": f'"{PINNED_VERSION}"'},
        snapshot=_evidence_state,
    ),
    Case(
        "api:report-evidence-item",
        allowed=set(),
        owner=KLATEN_DINKES,
        method="delete",
        kwargs=_evidence_of_another_report,
        headers={"If-Match": f'"{PINNED_VERSION}"'},
        snapshot=_evidence_state,
        label="another-report",
    ),
    # Budget lines: deleted only by the owning agency's operator (version in If-Match).
    Case(
        "api:report-budget-line",
        allowed={"klaten.dinkes"},
        owner=KLATEN_DINKES,
        method="delete",
        kwargs=_budget_line,
        headers={"If-Match": f'"{PINNED_VERSION}"'},
        snapshot=_budget_state,
    ),
    # Region submissions: read by the region's viewers; each step only by the table's actor.
    Case("api:region-submission-list", allowed=EVERYONE),
    Case(
        "api:region-submission-detail",
        allowed=viewers("33.10"),
        owner=KLATEN,
        kwargs=_submission_pk("33.10", "submitted"),
    ),
    Case(
        "api:region-submission-detail",
        allowed=viewers("33"),
        owner=JATENG,
        kwargs=_submission_pk("33", "submitted"),
        label="province",
    ),
    Case(
        "api:region-submission-timeline",
        allowed=viewers("33.10"),
        owner=KLATEN,
        kwargs=_submission_pk("33.10", "submitted"),
    ),
    Case(
        "api:region-submission-timeline",
        allowed=viewers("33"),
        owner=JATENG,
        kwargs=_submission_pk("33", "submitted"),
        label="province",
    ),
    # The recap page's rule: the province's Biro and Bangda; a kab/kota has no recap (404).
    Case(
        "api:region-submission-recap",
        allowed=RECAP_READERS,
        owner=JATENG,
        kwargs=_jateng_pk,
    ),
    Case(
        "api:region-submission-recap",
        allowed=set(),
        owner=KLATEN,
        kwargs=_submission_pk("33.10", "submitted"),
        label="kabkota",
    ),
    _region_step("33.10", "submit", "in_progress", {"klaten.tapem"}, verified=True),
    _region_step("33.10", "accept", "submitted", {"jateng.biro"}),
    _region_step("33.10", "return", "submitted", {"jateng.biro"}, reason="Belum lengkap"),
    _region_step(
        "33.10",
        "reopen",
        "accepted",
        {"jateng.biro", "bangda.admin"},
        reason="Koreksi",
        due_date=DUE,
    ),
    _region_step("33", "submit", "in_progress", {"jateng.biro"}, verified=True),
    _region_step("33", "accept", "submitted", {"bangda.admin"}),
    _region_step("33", "return", "submitted", {"bangda.admin"}, reason="Rekap kurang"),
    # Excel import: operators and the verifier of the region; previews never write.
    Case("reporting:import_start", allowed=EVERYONE),
    Case(
        "reporting:import_download",
        allowed=IMPORTERS_OF_KLATEN,
        owner=("33.10", None, None),
        query="wilayah=33.10&periode=2026-3",
    ),
    Case(
        "reporting:import_preview",
        allowed=IMPORTERS_OF_KLATEN,
        owner=("33.10", None, None),
        method="post",
        data=_import_upload,
        ok_status=frozenset({200, 422}),  # another agency's rows are refused row by row
        snapshot=_klaten_state,
    ),
    Case(
        "reporting:import_commit",
        allowed={"klaten.dinkes"},
        owner=("33.10", None, None),
        method="post",
        data=_import_draft,
        snapshot=_klaten_state,
    ),
    # Dashboards: everyone signed in, each sees the numbers of their own scope.
    Case("api:dashboard-input-status", allowed=EVERYONE, query="year=2026&quarter=3"),
    Case("api:dashboard-capaian", allowed=EVERYONE, query="year=2026&quarter=3&by=sector"),
    # The year's figures of one region: whoever reads that region's dashboard.
    Case(
        "api:dashboard-annual",
        allowed=viewers("33.10"),
        owner=("33.10", None, None),
        query="region=33.10&year=2026",
    ),
]

__all__ = ["CASES", "OK", "klaten_report"]
