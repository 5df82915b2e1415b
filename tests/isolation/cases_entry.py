"""Isolation cases for data entry and periods (reporting/entry/urls.py, reporting/periods/urls.py).

They use the demo's TW III 2026 (seeded once per session): Klaten DINKES's K-KES-01 is a
filled draft. Objects a case needs (an evidence file, a period without catalog) are made
lazily inside the test's transaction. Writes carry a snapshot: refused means unchanged.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from reporting.models import BudgetLine, Evidence, Period, Report
from tests.factories_reporting import PDF_BYTES, demo_report
from tests.isolation.expect import EVERYONE, viewers
from tests.isolation.framework import Case

OWNER = ("33.10", "DINKES", "KES")
READERS = viewers(*OWNER)
OPERATOR = {"klaten.dinkes"}
BANGDA = {"bangda.admin"}


def _report() -> Report:
    return demo_report(code="K-KES-01")


def _report_state() -> Any:
    r = Report.objects.get(pk=_report().pk)
    return (r.version, r.recipients_served, r.problems, r.status)


def _line() -> BudgetLine:
    return BudgetLine.objects.filter(report=_report()).order_by("id").first()  # type: ignore[return-value]


def _budget_state() -> Any:
    return list(
        BudgetLine.objects.filter(report=_report()).values_list("pk", "allocated", "realised")
    )


def _universe_state() -> Any:
    from reporting.models import PeriodRegion

    return sorted(PeriodRegion.objects.filter(period=_tw3()).values_list("region__code", flat=True))


def _evidence() -> Evidence:
    """One stored file on the report (the file itself is written by the service, as in real use)."""
    ev = Evidence.objects.filter(report=_report(), original_name="isolasi.pdf").first()
    if ev is None:
        from regions.models import User
        from reporting.entry import services

        upload = SimpleUploadedFile("isolasi.pdf", PDF_BYTES)
        ev = services.add_evidence(
            _report().pk,
            User.objects.get(username="klaten.dinkes"),
            upload,
            name="isolasi.pdf",
            size=len(PDF_BYTES),
        )
    return ev


def _evidence_state() -> Any:
    return list(Evidence.objects.filter(report=_report()).values_list("pk", "deleted_at"))


def _period_states() -> Any:
    return list(Period.objects.order_by("pk").values_list("pk", "state", "due_date", "allow_late"))


def _no_catalog_period() -> Period:
    period, _ = Period.objects.get_or_create(
        year=2090, quarter=1, defaults={"due_date": "2090-04-20"}
    )
    return period


def _tw3() -> Period:
    return Period.objects.get(year=2026, quarter=3)


CASES = [
    # periods
    Case("reporting:period_list", allowed=EVERYONE),
    Case("reporting:period_list", allowed=EVERYONE, query="export=csv", label="csv"),
    Case(
        "reporting:period_create",
        allowed=BANGDA,
        method="post",
        data=lambda: {"year": "2091"},
        snapshot=lambda: Period.objects.filter(year=2091).count(),
    ),
    Case(
        "reporting:period_update",
        allowed=BANGDA,
        method="post",
        kwargs=lambda: {"pk": _tw3().pk},
        data=lambda: {
            f"p{_tw3().pk}-due_date": "2026-12-31",
            f"p{_tw3().pk}-allow_late": "on",
            f"p{_tw3().pk}-version": str(_tw3().version),
        },
        snapshot=_period_states,
    ),
    Case(
        "reporting:period_open",
        allowed=BANGDA,
        method="post",
        kwargs=lambda: {"pk": _no_catalog_period().pk},
        snapshot=_period_states,
    ),
    # the progress of opening a period (its table row, polled by HTMX): Bangda only
    Case("reporting:period_opening", allowed=BANGDA, kwargs=lambda: {"pk": _tw3().pk}),
    Case(
        "reporting:period_opening",
        allowed=BANGDA,
        kwargs=lambda: {"pk": _tw3().pk},
        headers={"HX-Request": "true"},
        label="htmx",
    ),
    Case(
        "reporting:period_close",
        allowed=BANGDA,
        method="post",
        kwargs=lambda: {"pk": _tw3().pk},
        snapshot=_period_states,
    ),
    # a period's reporting universe: Bangda reads and changes it (with a reason)
    Case("reporting:period_universe", allowed=BANGDA, kwargs=lambda: {"pk": _tw3().pk}),
    Case(
        "reporting:period_universe",
        allowed=BANGDA,
        method="post",
        kwargs=lambda: {"pk": _tw3().pk},
        data=lambda: {"remove": "33.10", "reason": "uji isolasi"},
        snapshot=_universe_state,
    ),
    # lists (scoped, so everyone may open them) and exports
    Case("reporting:report_list", allowed=EVERYONE),
    Case(
        "reporting:report_list", allowed=EVERYONE, query="wilayah=33.10&export=xlsx", label="xlsx"
    ),
    # a short list downloads at once; each user's rows are their own (a long one is a job)
    Case(
        "reporting:report_export",
        allowed=EVERYONE,
        method="post",
        query="wilayah=33.10",
        data=lambda: {"export": "csv"},
    ),
    # the report page
    Case(
        "reporting:report_detail", allowed=READERS, owner=OWNER, kwargs=lambda: {"pk": _report().pk}
    ),
    Case(
        "reporting:report_detail",
        allowed=READERS,
        owner=OWNER,
        kwargs=lambda: {"pk": _report().pk},
        query="tab=riwayat",
        label="riwayat",
    ),
    Case(
        "reporting:report_history",
        allowed=READERS,
        owner=OWNER,
        kwargs=lambda: {"pk": _report().pk},
    ),
    Case(
        "reporting:report_section",
        allowed=OPERATOR,
        owner=OWNER,
        method="post",
        kwargs=lambda: {"pk": _report().pk, "section": "recipients"},
        data=lambda: {"version": str(_report().version), "recipients_served": "7"},
        snapshot=_report_state,
    ),
    Case(
        "reporting:report_section",
        allowed=OPERATOR,
        owner=OWNER,
        method="post",
        kwargs=lambda: {"pk": _report().pk, "section": "problems"},
        data=lambda: {"version": str(_report().version), "problems": "x", "solutions": "y"},
        snapshot=_report_state,
        label="problems",
    ),
    Case(
        "reporting:budget_add",
        allowed=OPERATOR,
        owner=OWNER,
        method="post",
        kwargs=lambda: {"pk": _report().pk},
        data=lambda: {
            "new-version": str(_report().version),
            "new-activity_code": "1.02.02.2.02",
            "new-activity_name": "Kegiatan",
            "new-allocated": "1.000",
            "new-realised": "0",
        },
        snapshot=_budget_state,
    ),
    Case(
        "reporting:budget_nomenclature",
        allowed=READERS,
        owner=OWNER,
        kwargs=lambda: {"pk": _report().pk},
        query="new-activity_code=1.02",
    ),
    Case(
        "reporting:budget_update",
        allowed=OPERATOR,
        owner=OWNER,
        method="post",
        kwargs=lambda: {"pk": _report().pk, "line_id": _line().pk},
        data=lambda: {
            f"b{_line().pk}-version": str(_report().version),
            f"b{_line().pk}-activity_code": "1.02.02.2.02",
            f"b{_line().pk}-activity_name": "Kegiatan",
            f"b{_line().pk}-allocated": "9.000",
            f"b{_line().pk}-realised": "1.000",
        },
        snapshot=_budget_state,
    ),
    Case(
        "reporting:budget_delete",
        allowed=OPERATOR,
        owner=OWNER,
        method="post",
        kwargs=lambda: {"pk": _report().pk, "line_id": _line().pk},
        data=lambda: {"version": str(_report().version)},
        snapshot=_budget_state,
    ),
    # evidence
    Case(
        "reporting:evidence_upload",
        allowed=OPERATOR,
        owner=OWNER,
        method="post",
        kwargs=lambda: {"pk": _report().pk},
        data=lambda: {"file": SimpleUploadedFile("bukti.pdf", PDF_BYTES), "description": ""},
        snapshot=_evidence_state,
    ),
    Case(
        "reporting:evidence_download",
        allowed=READERS,
        owner=OWNER,
        kwargs=lambda: {"pk": _evidence().pk},
    ),
    Case(
        "reporting:evidence_preview",
        allowed=READERS,
        owner=OWNER,
        kwargs=lambda: {"pk": _evidence().pk},
    ),
    Case(
        "reporting:evidence_delete",
        allowed=OPERATOR,
        owner=OWNER,
        method="post",
        kwargs=lambda: {"pk": _evidence().pk},
        snapshot=_evidence_state,
    ),
]
