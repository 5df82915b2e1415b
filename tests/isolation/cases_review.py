"""Isolation cases for the review chain (reporting/review/urls.py).

Objects are prepared lazily inside each test's transaction (rolled back afterwards): a 2027
TW I period with Klaten's DINKES report and the Klaten / Jawa Tengah submissions in the
state each step needs. Writes carry a snapshot so a refused step is proven to change nothing.
"""

from __future__ import annotations

from typing import Any

from regions.models import Region
from reporting.models import GeneratedDocument, RegionSubmission, Report, ReviewNote
from tests import factories_review as f
from tests.isolation.expect import EVERYONE, viewers
from tests.isolation.framework import Case

KLATEN_REPORT = ("33.10", "DINKES", "KES")
KLATEN = ("33.10", None, None)
JATENG = ("33", None, None)


def _world() -> tuple[Report, RegionSubmission, RegionSubmission]:
    p = f.period(2027, 1)
    klaten, jateng = Region.objects.get(code="33.10"), Region.objects.get(code="33")
    klaten_sub = f.open_region(klaten, p)
    jateng_sub = f.open_region(jateng, p)
    report = (
        Report.objects.filter(region=klaten, period=p, service_type__code="K-KES-01")
        .select_related("service_type")
        .get()
    )
    f.fill(report)
    return report, klaten_sub, jateng_sub


def _report(status: str) -> Report:
    report, _, _ = _world()
    return f.set_status(report, status)  # type: ignore[return-value]


def _klaten_report_pk() -> int:
    return Report.objects.get(
        period__year=2027, period__quarter=1, region__code="33.10", service_type__code="K-KES-01"
    ).pk


def _klaten_report_version() -> dict[str, Any]:
    """What the page's forms post with a step: the version they showed (read after `kwargs`
    has put the report in its state)."""
    return {"version": Report.objects.values_list("version", flat=True).get(pk=_klaten_report_pk())}


def _report_snapshot() -> Any:
    return list(
        Report.objects.filter(period__year=2027, region__code="33.10").values_list(
            "pk", "status", "version"
        )
    )


def _submission(code: str, status: str, *, all_verified: bool = False) -> RegionSubmission:
    _, klaten_sub, jateng_sub = _world()
    sub = klaten_sub if code == "33.10" else jateng_sub
    if all_verified:
        Report.objects.filter(region=sub.region, period=sub.period).update(status="verified")
    return f.set_status(sub, status)  # type: ignore[return-value]


def _submission_version(code: str) -> int:
    return RegionSubmission.objects.values_list("version", flat=True).get(
        period__year=2027, period__quarter=1, region__code=code
    )


def _submission_snapshot() -> Any:
    return list(
        RegionSubmission.objects.filter(period__year=2027, period__quarter=1).values_list(
            "pk", "status", "version", "due_date"
        )
    )


def _report_step(action: str, status: str, allowed: set[str], **data: Any) -> Case:
    return Case(
        "reporting:report_transition",
        allowed=allowed,
        owner=KLATEN_REPORT,
        method="post",
        kwargs=lambda: {"pk": _report(status).pk, "action": action},
        data=lambda: {**data, "status": status, **_klaten_report_version()},
        snapshot=_report_snapshot,
        label=action,
        superuser=False,  # a workflow step needs the table's role (reporting/workflow.py)
    )


def _region_step(
    code: str, action: str, status: str, allowed: set[str], verified: bool = False, **data: Any
) -> Case:
    return Case(
        "reporting:submission_transition",
        allowed=allowed,
        owner=KLATEN if code == "33.10" else JATENG,
        method="post",
        kwargs=lambda: {
            "pk": _submission(code, status, all_verified=verified).pk,
            "action": action,
        },
        data=lambda: {**data, "status": status, "version": _submission_version(code)},
        snapshot=_submission_snapshot,
        label=f"{action}:{code}",
        superuser=False,  # a workflow step needs the table's role (reporting/workflow.py)
    )


def _jateng_pk() -> dict[str, Any]:
    return {"pk": _submission("33", "in_progress").pk}


def _notes_snapshot() -> Any:
    return list(
        ReviewNote.objects.filter(report__period__year=2027).values_list(
            "report_id", "section", "text"
        )
    )


def _document_count() -> int:
    return GeneratedDocument.objects.count()


# The province's Biro, its auditor, the national auditor and Bangda (regions.scoping.may_see_province_recap).
RECAP_READERS = {"jateng.biro", "jateng.inspektorat", "itjen.auditor", "bangda.admin"}
# A reopen sets a due date between today and the end of the year after the period's (2026).
DUE = "2027-12-31"

CASES = [
    Case("reporting:review_inbox", allowed=EVERYONE),
    Case("reporting:review_regions", allowed=EVERYONE),
    Case("reporting:notifications", allowed=EVERYONE),
    Case("reporting:notifications_bell", allowed=EVERYONE),
    Case("reporting:notifications_read", allowed=EVERYONE, method="post", data=lambda: {}),
    Case(
        "reporting:report_review",
        allowed=viewers(*KLATEN_REPORT),
        owner=KLATEN_REPORT,
        kwargs=lambda: {"pk": _report("submitted").pk},
    ),
    _report_step("submit", "draft", {"klaten.dinkes"}),
    _report_step("verify", "submitted", {"klaten.tapem"}),
    _report_step("return", "submitted", {"klaten.tapem"}, reason="Data belum sesuai"),
    _report_step("reopen", "verified", {"klaten.tapem"}, reason="Koreksi"),
    # A section note: the region's verifier while the report is with them.
    Case(
        "reporting:review_note",
        allowed={"klaten.tapem"},
        owner=KLATEN_REPORT,
        method="post",
        kwargs=lambda: {"pk": _report("submitted").pk, "section": "budget"},
        data=lambda: {"text": "Pagu belum sesuai DPA.", "base": ""},
        snapshot=_notes_snapshot,
    ),
    Case(
        "reporting:review_bulk_verify",
        allowed={"klaten.tapem"},
        owner=KLATEN_REPORT,
        kwargs=lambda: (_report("submitted"), {})[1],
        method="post",
        data=lambda: {
            "ids": [_klaten_report_pk()],
            "confirm": "1",
            f"version-{_klaten_report_pk()}": _klaten_report_version()["version"],
        },
        snapshot=_report_snapshot,
        label="confirm",
    ),
    Case(
        "reporting:submission_detail",
        allowed=viewers(*KLATEN),
        owner=KLATEN,
        kwargs=lambda: {"pk": _submission("33.10", "submitted").pk},
    ),
    _region_step("33.10", "submit_region", "in_progress", {"klaten.tapem"}, verified=True),
    _region_step("33.10", "accept", "submitted", {"jateng.biro"}),
    _region_step("33.10", "return_region", "submitted", {"jateng.biro"}, reason="Belum lengkap"),
    _region_step(
        "33.10",
        "reopen_region",
        "accepted",
        {"jateng.biro", "bangda.admin"},
        reason="Koreksi",
        due_date=DUE,
    ),  # fmt: skip
    _region_step("33", "submit_region", "in_progress", {"jateng.biro"}, verified=True),
    _region_step("33", "accept", "submitted", {"bangda.admin"}),
    _region_step("33", "return_region", "submitted", {"bangda.admin"}, reason="Rekap kurang"),
    Case("reporting:recap", allowed=RECAP_READERS, owner=JATENG, kwargs=_jateng_pk),
    Case("reporting:recap_xlsx", allowed=RECAP_READERS, owner=JATENG, kwargs=_jateng_pk),
    Case(
        "reporting:recap_pdf",
        allowed=RECAP_READERS,
        owner=JATENG,
        kwargs=_jateng_pk,
        method="post",
        data=lambda: {},
        snapshot=_document_count,
    ),
]
