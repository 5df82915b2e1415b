"""The region tree, agencies (OPD), users and their roles.

Region codes are Kemendagri codes (Kepmendagri 300.2.2-2138/2025): ``33`` for a
province, ``33.10`` for a kabupaten/kota; the national root (Kemendagri/Bangda)
has the project's own code ``00``.

Regions have history: a region that ended (e.g. the old province Papua, code 94 until
the 2022 split) stays in the table under a key that cannot collide with today's list
(``code="94@2022"``, ``official_code="94"``), with ``valid_until`` and
``RegionSuccession`` rows to the regions that replaced it (docs/regions.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.grants import ScopedQuerySet, ScopePaths
from regions.roles import AGENCY_ROLES, Role, sector_place

NATIONAL_CODE = "00"
# An ended region's key: its official code, "@", the year it ended ("94@2022").
ENDED_KEY_SEPARATOR = "@"


class Level(models.TextChoices):
    NATIONAL = "national", _("Nasional")
    PROVINCE = "province", _("Provinsi")
    KABUPATEN = "kabupaten", _("Kabupaten")
    KOTA = "kota", _("Kota")


class RegionQuerySet(ScopedQuerySet["Region"]):
    def valid_on(self, date: dt.date) -> Self:
        """Regions that existed on ``date`` (null bounds are open; both bounds inclusive)."""
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=date),
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=date),
        )

    def current(self) -> Self:
        """Regions of today's list (and the national root): not ended."""
        return self.filter(valid_until__isnull=True)


class Region(models.Model):
    # The lookup key used everywhere (URLs, get(code=...)): the Kemendagri code for a
    # current region, "<official code>@<year ended>" for an ended one.
    code = models.CharField(_("kode"), max_length=13, unique=True)
    # The Kemendagri code as it was while the region existed; equal to ``code`` for today's.
    official_code = models.CharField(_("kode Kemendagri"), max_length=13, blank=True, db_index=True)
    name = models.CharField(_("nama"), max_length=200)
    level = models.CharField(_("tingkat"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # The two-digit province prefix, denormalised so scoping is one indexed equality.
    province_code = models.CharField(max_length=2, blank=True, db_index=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    # False for DKI Jakarta's administrative kab/kota (settings.SPM_NON_AUTONOMOUS_REGIONS):
    # listed by Kemendagri but never reporting; the loader also keeps them inactive.
    is_autonomous = models.BooleanField(_("daerah otonom"), default=True)
    # Null bounds are open: valid_from null = before the history we record; valid_until
    # null = still in today's list. Both inclusive.
    valid_from = models.DateField(_("berlaku sejak"), null=True, blank=True)
    valid_until = models.DateField(_("berlaku sampai"), null=True, blank=True)
    # Region-level data contact (penanggung jawab data), visible to the level above.
    contact_name = models.CharField(_("penanggung jawab data"), max_length=150, blank=True)
    contact_position = models.CharField(_("jabatan"), max_length=150, blank=True)
    contact_phone = models.CharField(_("telepon"), max_length=30, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    # Policy: the optional OPD-head sign-off step before reports reach the verifier.
    requires_head_signoff = models.BooleanField(_("wajib persetujuan kepala OPD"), default=False)

    # Who changed a region's settings (contact, sign-off policy) and when; the loaders of the
    # official list save without a history row (regions.services._without_history).
    history = HistoricalRecords()
    objects = RegionQuerySet.as_manager()
    scope_paths = ScopePaths(region="")

    class Meta:
        ordering = ["code"]
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.official_code:
            self.official_code = self.code.split(ENDED_KEY_SEPARATOR)[0]
        super().save(*args, **kwargs)

    @property
    def is_ended(self) -> bool:
        return self.valid_until is not None

    def is_valid_on(self, date: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= date) and (
            self.valid_until is None or date <= self.valid_until
        )

    @property
    def is_province(self) -> bool:
        return self.level == Level.PROVINCE

    @property
    def is_kabkota(self) -> bool:
        return self.level in (Level.KABUPATEN, Level.KOTA)

    @property
    def service_level(self) -> str:
        """The catalog level of the region's own tier ('province' or 'kabkota').

        Kept for callers that want one level; what a region reports is ``service_levels``.
        """
        return "province" if self.level == Level.PROVINCE else "kabkota"

    @property
    def service_levels(self) -> tuple[str, ...]:
        """The catalog levels whose service types this region reports.

        A province reports "province", and also "kabkota" when it delivers the kab/kota
        services itself (settings.SPM_PROVINCES_WITH_KABKOTA_SERVICES: Jakarta); a
        kabupaten/kota reports "kabkota"; the national root and non-autonomous regions
        (Jakarta's administrative kab/kota) report nothing.
        """
        return service_levels_of(self.code, self.level, is_autonomous=self.is_autonomous)


def service_levels_of(code: str, level: str, *, is_autonomous: bool = True) -> tuple[str, ...]:
    """``Region.service_levels`` from a region's code and level (rows read with ``values``)."""
    if level == Level.NATIONAL or not is_autonomous:
        return ()
    if level == Level.PROVINCE:
        if code in settings.SPM_PROVINCES_WITH_KABKOTA_SERVICES:
            return ("province", "kabkota")
        return ("province",)
    return ("kabkota",)


class SuccessionKind(models.TextChoices):
    SPLIT = "split", _("pemekaran")
    RENAME = "rename", _("perubahan nama")
    MERGE = "merge", _("penggabungan")
    CODE_CHANGE = "code change", _("perubahan kode")


class RegionSuccession(models.Model):
    """One edge of region history: ``predecessor`` was (partly) continued by ``successor``."""

    predecessor = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="successions_out", verbose_name=_("asal")
    )
    successor = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="successions_in", verbose_name=_("penerus")
    )
    date = models.DateField(_("tanggal"))
    kind = models.CharField(_("jenis"), max_length=12, choices=SuccessionKind.choices)
    legal_basis = models.CharField(_("dasar hukum"), max_length=300)
    note = models.TextField(_("catatan"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "predecessor__code", "successor__code"]
        verbose_name = _("suksesi wilayah")
        verbose_name_plural = _("suksesi wilayah")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor", "date"], name="region_succession_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(predecessor=models.F("successor")),
                name="region_succession_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor.code} → {self.successor.code} ({self.date:%Y-%m-%d})"


class Agency(models.Model):
    """A Perangkat Daerah (OPD) of one region."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="agencies")
    name = models.CharField(_("nama perangkat daerah"), max_length=200)
    short_name = models.CharField(_("singkatan"), max_length=40)
    is_active = models.BooleanField(_("aktif"), default=True)
    contact_name = models.CharField(_("penanggung jawab data"), max_length=150, blank=True)
    contact_position = models.CharField(_("jabatan"), max_length=150, blank=True)
    contact_phone = models.CharField(_("telepon"), max_length=30, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    # A sector ministry viewer sees the agencies of its sector only (their contacts are personal data).
    scope_paths = ScopePaths(region="region", agency="", sector_of_agency=True)

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("perangkat daerah")
        verbose_name_plural = _("perangkat daerah")
        constraints = [
            models.UniqueConstraint(fields=["region", "short_name"], name="agency_unique_short")
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    full_name = models.CharField(_("nama lengkap"), max_length=150, blank=True)
    phone = models.CharField(_("telepon"), max_length=30, blank=True)
    position = models.CharField(_("jabatan"), max_length=150, blank=True)
    is_demo = models.BooleanField(_("akun demo"), default=False)

    def __str__(self) -> str:
        return self.full_name or self.username


class Membership(models.Model):
    """One role held by a user, bound to a region (and an agency for OPD roles)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="memberships")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    # For sector ministry viewers: the sector code (e.g. "KES") they may read nationally.
    sector_code = models.CharField(_("bidang"), max_length=10, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(region="region", agency="agency", people=True)

    class Meta:
        ordering = ["region__code", "role"]
        verbose_name = _("peran pengguna")
        verbose_name_plural = _("peran pengguna")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region", "agency", "sector_code"],
                name="membership_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.place}"

    @property
    def place(self) -> str:
        """Where the role works: its agency, its region, or a sector viewer's ministry and sector."""
        if self.role == Role.SECTOR_VIEWER:
            return sector_place(self.sector_code)
        return self.agency.short_name if self.agency_id and self.agency else self.region.name

    def clean(self) -> None:
        if self.role in AGENCY_ROLES and not self.agency_id:
            raise ValidationError({"agency": _("Peran OPD harus terikat pada perangkat daerah.")})
        if self.agency_id and self.agency and self.agency.region_id != self.region_id:
            raise ValidationError({"agency": _("Perangkat daerah harus dari wilayah yang sama.")})
        if self.role in (Role.BANGDA_ADMIN, Role.SECTOR_VIEWER) and (
            self.region_id and self.region.level != Level.NATIONAL
        ):
            raise ValidationError({"region": _("Peran ini hanya untuk tingkat nasional.")})
        if self.role == Role.SECTOR_VIEWER and not self.sector_code:
            raise ValidationError({"sector_code": _("Pemantau sektor harus memilih bidang.")})
        if self.role == Role.PROVINCE_REVIEWER and self.region_id and not self.region.is_province:
            raise ValidationError({"region": _("Reviewer provinsi harus pada wilayah provinsi.")})
