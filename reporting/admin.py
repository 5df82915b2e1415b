"""Admin for Bangda: periods (state changes go through the Periode page/services) and a
read-only view of reports and evidence with their history — data is entered in the app, where
the editing rules, capaian recompute and version checks live."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from espm.history_admin import HistoryAdmin
from regions.admin import BangdaOnlyAdmin
from reporting.models import (
    BudgetLine,
    Evidence,
    GeneratedDocument,
    Period,
    PeriodOpening,
    RegionSubmission,
    ReminderRule,
    Report,
    SentMessage,
)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Period)
class PeriodAdmin(BangdaOnlyAdmin, HistoryAdmin):
    """Periods are read here; an existing one is changed only on the Periode page.

    Its window (due date, late entry) is saved there by ``periods.services.update_period``,
    which checks the version the page was opened on and raises it; opening and closing go
    through the services too. An admin save would do neither (``version`` is not in the form),
    so a stale page save would pass over it, and it over a page save: an existing period is
    view-only here (its history too: ``espm.history_admin``). A new one may still be added
    (nobody can have read it yet).
    """

    list_display = ["__str__", "state", "due_date", "allow_late", "opened_at", "closed_at"]
    list_filter = ["year", "state"]
    # Opening creates thousands of reports: only through periods.services.open_period (Periode page).
    readonly_fields = ["state", "opened_at", "opened_by", "closed_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        note = format_html(
            _(
                'Periode diubah di <a href="{url}">halaman Periode</a>: batas waktu, izin '
                "pengisian terlambat, pembukaan dan penutupan. Di sana setiap simpanan memeriksa "
                "versi yang Anda buka, sehingga perubahan orang lain tidak tertimpa tanpa "
                "diketahui."
            ),
            url=reverse("reporting:period_list"),
        )
        return [(name, {**options, "description": note}) for name, options in fieldsets]


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0
    can_delete = False
    readonly_fields = [
        "activity_code",
        "activity_name",
        "sub_activity_code",
        "sub_activity_name",
        "allocated",
        "realised",
    ]
    exclude = ["order"]


@admin.register(Report)
class ReportAdmin(ReadOnlyMixin, BangdaOnlyAdmin, HistoryAdmin):
    list_display = ["__str__", "agency", "status", "capaian_index", "band", "entered_at"]
    list_filter = ["period", "status", "band", "service_type__sector"]
    search_fields = ["region__code", "region__name", "service_type__code"]
    list_select_related = ["region", "period", "service_type", "agency"]
    raw_id_fields = ["region", "service_type", "agency", "updated_by"]
    inlines = [BudgetLineInline]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyMixin, BangdaOnlyAdmin, HistoryAdmin):
    list_display = [
        "original_name",
        "report",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "deleted_at",
    ]
    list_select_related = [
        "report__region",
        "report__period",
        "report__service_type",
        "uploaded_by",
    ]
    exclude = ["file"]  # downloads only through the permission-checked view


@admin.register(RegionSubmission)
class RegionSubmissionAdmin(ReadOnlyMixin, BangdaOnlyAdmin, HistoryAdmin):
    list_display = ["__str__", "status", "due_date", "submitted_at", "is_late"]
    list_filter = ["period", "status"]
    list_select_related = ["region", "period"]


# --- Jobs (issue #8): deadline rules editable by Bangda; the send log and documents read-only.


@admin.register(ReminderRule)
class ReminderRuleAdmin(BangdaOnlyAdmin, HistoryAdmin):
    list_display = [
        "__str__",
        "kind",
        "working_days",
        "send_time",
        "by_email",
        "in_app",
        "is_active",
    ]
    list_editable = ["send_time", "by_email", "in_app", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(SentMessage)
class SentMessageAdmin(ReadOnlyMixin, BangdaOnlyAdmin):
    list_display = ["created_at", "kind", "channel", "recipient", "period", "key", "status"]
    list_filter = ["kind", "channel", "status", "period"]
    search_fields = ["recipient", "key", "subject"]


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(ReadOnlyMixin, BangdaOnlyAdmin):
    list_display = ["created_at", "kind", "region", "year", "period", "status", "progress"]
    list_filter = ["kind", "status", "year"]
    exclude = ["file"]


@admin.register(PeriodOpening)
class PeriodOpeningAdmin(ReadOnlyMixin, BangdaOnlyAdmin):
    """Who opened which period when, and what it created (runs come from the Periode page)."""

    list_display = [
        "created_at",
        "period",
        "status",
        "requested_by",
        "regions_done",
        "regions_total",
        "reports_created",
        "submissions_created",
        "finished_at",
    ]
    list_filter = ["status", "period"]
    list_select_related = ["period", "requested_by"]
