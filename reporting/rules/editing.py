"""Whether a report's data may be changed now — one answer for the entry form, the API, the
import, the data-quality explanations and the review pages.

A report is editable while its own status is a draft or returned, the region's submission is
not with the level above or accepted (``windows.freeze_reason``), and the entry window is
open (``windows.window_problem``). Who may edit (the owning agency's operator) is asked first
by ``reporting.entry.locks.entry_lock_reason``; this module answers "when".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _t

from reporting.rules import windows

if TYPE_CHECKING:
    from reporting.models import RegionSubmission, Report

# Report statuses whose data the operator may change.
EDITABLE_STATUSES = frozenset({"draft", "returned"})


def status_reason(report: Report) -> str | None:
    """Why the report's own status keeps its data from being changed (None: editable)."""
    if report.status in EDITABLE_STATUSES:
        return None
    if report.status == "awaiting_head":
        return _t("Laporan menunggu persetujuan kepala OPD.")
    if report.status == "submitted":
        return _t("Laporan sedang diverifikasi.")
    if report.status == "verified":
        return _t("Laporan sudah diverifikasi; perbaikan memerlukan pembukaan kembali.")
    return _t(
        "Laporan berstatus “%(status)s”; hanya draf atau laporan dikembalikan yang dapat diubah."
    ) % {"status": report.get_status_display()}


def lock_reason(report: Report, submission: RegionSubmission | None) -> str | None:
    """Why the report's data cannot be changed now, or None (freeze, status, then window)."""
    return (
        windows.freeze_reason(submission)
        or status_reason(report)
        or windows.window_problem(report.period, submission)
    )
