"""Admin for Bangda: catalog editions, service types, quality items (Excel import/export).

Published editions are read-only here: change the catalog through a draft edition.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from import_export.admin import ImportExportModelAdmin

from espm.history_admin import HistoryAdmin
from indicators.models import (
    Assignment,
    BreakdownDimension,
    BreakdownGroup,
    CatalogEdition,
    CatalogYear,
    NomenclatureItem,
    QualityItem,
    Sector,
    ServiceBudgetCode,
    ServiceType,
    Target,
)
from indicators.selectors import is_bangda
from indicators.sheets import QualityItemResource, ServiceTypeResource


class BangdaOnly:
    """Django model permissions are not used: Bangda admins (and superusers) manage the catalog."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff and is_bangda(request.user))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request) and _editable(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request) and obj is not None and _editable(obj)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)


def _editable(obj: Any) -> bool:
    """Only rows of draft editions may change; other models are always editable."""
    if obj is None:
        return True
    edition = getattr(obj, "edition", None)
    if isinstance(obj, (QualityItem, BreakdownDimension)):
        edition = obj.service_type.edition
    if isinstance(obj, CatalogEdition):
        return True
    return edition is None or edition.status == CatalogEdition.Status.DRAFT


@admin.register(Sector)
class SectorAdmin(BangdaOnly, admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    filter_horizontal = ["agencies"]


@admin.register(CatalogEdition)
class CatalogEditionAdmin(BangdaOnly, admin.ModelAdmin):
    list_display = ["code", "name", "status", "based_on", "published_at"]
    readonly_fields = ["status", "published_at", "based_on"]


@admin.register(CatalogYear)
class CatalogYearAdmin(BangdaOnly, admin.ModelAdmin):
    list_display = ["year", "edition"]


class QualityItemInline(admin.TabularInline):
    model = QualityItem
    extra = 0
    fields = ["order", "code", "kind", "description", "unit", "has_quantity", "source"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj)


@admin.register(ServiceType)
class ServiceTypeAdmin(BangdaOnly, ImportExportModelAdmin):
    resource_classes = [ServiceTypeResource]
    list_display = ["code", "name", "sector", "level", "edition", "regulation"]
    list_filter = ["edition", "sector", "level"]
    search_fields = ["code", "name"]
    inlines = [QualityItemInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("edition", "sector")


class BreakdownGroupInline(admin.TabularInline):
    model = BreakdownGroup
    extra = 0
    fields = ["key", "label", "order"]


@admin.register(BreakdownDimension)
class BreakdownDimensionAdmin(BangdaOnly, admin.ModelAdmin):
    list_display = ["service_type", "key", "label", "sums_to_total", "source"]
    list_filter = ["service_type__edition", "service_type__sector"]
    search_fields = ["service_type__code", "label"]
    inlines = [BreakdownGroupInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("service_type__edition")


@admin.register(QualityItem)
class QualityItemAdmin(BangdaOnly, ImportExportModelAdmin):
    resource_classes = [QualityItemResource]
    list_display = ["service_type", "code", "kind", "description", "unit", "has_quantity"]
    list_filter = ["service_type__edition", "kind", "service_type__sector"]
    search_fields = ["service_type__code", "description"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("service_type__edition")


@admin.register(Assignment)
class AssignmentAdmin(BangdaOnly, HistoryAdmin):
    list_display = ["region", "service_code", "agency"]
    search_fields = ["region__code", "region__name", "service_code"]
    raw_id_fields = ["region", "agency"]


@admin.register(Target)
class TargetAdmin(BangdaOnly, HistoryAdmin):
    """Read-only: targets change through their pages (workflow, lock, reasons)."""

    list_display = ["region", "year", "service_type", "agency", "recipients_target", "status"]
    list_filter = ["year", "status"]
    search_fields = ["region__code", "region__name", "service_type__code"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NomenclatureItem)
class NomenclatureItemAdmin(BangdaOnly, admin.ModelAdmin):
    """Loaded by ``manage.py load_nomenclature``; the admin is for looking things up."""

    list_display = ("code", "name", "level", "sector")
    list_filter = ("level", "sector")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(ServiceBudgetCode)
class ServiceBudgetCodeAdmin(BangdaOnly, admin.ModelAdmin):
    list_display = ("service_code", "item", "order")
    search_fields = ("service_code", "item__code")
    raw_id_fields = ("item",)
