"""Django admin: for Bangda admins (and superusers) only; everyone else works in the app.

A staff flag alone opens nothing: every model admin here asks the scoping layer whether
the user sees everything. Other apps may reuse ``BangdaOnlyAdmin`` for the same rule.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from espm.history_admin import HistoryAdmin
from regions.models import Agency, Membership, Region, RegionSuccession, User
from regions.scoping import sees_everything

admin.site.site_header = _("Admin e-SPM (Bangda)")
admin.site.site_title = _("Admin e-SPM")


class BangdaOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return sees_everything(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return sees_everything(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting would orphan reports; deactivate instead. Superusers keep the escape hatch.
        return bool(request.user.is_superuser)


class PredecessorInline(admin.TabularInline):
    """Where this region came from (read-only: history comes from regions/data)."""

    model = RegionSuccession
    fk_name = "successor"
    verbose_name = _("asal wilayah")
    verbose_name_plural = _("asal wilayah")
    fields = ("predecessor", "date", "kind", "legal_basis", "note")
    readonly_fields = ("predecessor", "date", "kind", "legal_basis", "note")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user)


class SuccessorInline(PredecessorInline):
    fk_name = "predecessor"
    verbose_name = _("penerus wilayah")
    verbose_name_plural = _("penerus wilayah")
    fields = ("successor", "date", "kind", "legal_basis", "note")
    readonly_fields = ("successor", "date", "kind", "legal_basis", "note")


@admin.register(Region)
class RegionAdmin(BangdaOnlyAdmin):
    list_display = [
        "code",
        "name",
        "level",
        "parent",
        "is_active",
        "is_autonomous",
        "valid_from",
        "valid_until",
    ]
    list_filter = [
        "level",
        "is_active",
        "is_autonomous",
        ("valid_until", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["parent"]
    search_fields = ["code", "official_code", "name"]
    inlines = [PredecessorInline, SuccessorInline]
    # Codes, the tree, autonomy and history come from load_regions, never from hand edits.
    readonly_fields = [
        "code",
        "official_code",
        "name",
        "level",
        "parent",
        "province_code",
        "is_autonomous",
        "valid_from",
        "valid_until",
    ]
    fields = [
        "code",
        "official_code",
        "name",
        "level",
        "parent",
        "province_code",
        "is_active",
        "is_autonomous",
        "valid_from",
        "valid_until",
        "contact_name",
        "contact_position",
        "contact_phone",
        "contact_email",
        "requires_head_signoff",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RegionSuccession)
class RegionSuccessionAdmin(BangdaOnlyAdmin, HistoryAdmin):
    list_display = ["predecessor", "successor", "date", "kind", "legal_basis"]
    list_filter = ["kind"]
    list_select_related = ["predecessor", "successor"]
    search_fields = ["predecessor__code", "successor__code", "predecessor__name", "legal_basis"]
    raw_id_fields = ["predecessor", "successor"]


@admin.register(Agency)
class AgencyAdmin(BangdaOnlyAdmin, HistoryAdmin):
    list_display = ["short_name", "name", "region", "is_active", "contact_name", "contact_email"]
    list_filter = ["is_active"]
    search_fields = ["short_name", "name", "region__name", "region__code", "contact_name"]
    list_select_related = ["region"]
    raw_id_fields = ["region"]


@admin.register(Membership)
class MembershipAdmin(BangdaOnlyAdmin, HistoryAdmin):
    list_display = ["user", "role", "region", "agency", "sector_code", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__full_name", "region__name", "region__code"]
    list_select_related = ["user", "region", "agency"]
    raw_id_fields = ["user", "region", "agency", "created_by"]
    readonly_fields = ["created_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        own = obj is not None and _own_account(request, obj.user)
        return sees_everything(request.user) and not own

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from django.core.exceptions import PermissionDenied

        if _own_account(request, obj.user):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    raw_id_fields = ["region", "agency", "created_by"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user) and not _own_account(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user) and not _own_account(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


def _own_account(request: HttpRequest, obj: Any) -> bool:
    """Nobody but a superuser edits the roles of their own account (no self-grant)."""
    return obj is not None and obj.pk == request.user.pk and not request.user.is_superuser


@admin.register(User)
class UserAdmin(BangdaOnlyAdmin, DjangoUserAdmin):
    list_display = [
        "username",
        "full_name",
        "email",
        "is_active",
        "is_staff",
        "is_demo",
        "last_login",
    ]
    list_filter = ["is_active", "is_staff", "is_demo"]
    search_fields = ["username", "full_name", "email"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Data pribadi"), {"fields": ("full_name", "email", "phone", "position")}),
        (
            _("Hak akses"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "is_demo",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Waktu"), {"fields": ("last_login", "date_joined")}),
    )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only a superuser changes a superuser (its password view asks this too).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = ["last_login", "date_joined", "is_demo"]
        if not request.user.is_superuser:
            # Only a superuser hands out superuser rights or raw permissions.
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly
