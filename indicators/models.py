"""The SPM catalog (sectors, service types, quality items, editions) and yearly targets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.grants import ScopedQuerySet, ScopePaths


class ServiceLevel(models.TextChoices):
    PROVINCE = "province", _("Provinsi")
    KABKOTA = "kabkota", _("Kabupaten/Kota")


class Sector(models.Model):
    """One of the six bidang of PP 2/2018."""

    code = models.CharField(
        _("kode"), max_length=10, unique=True
    )  # DIK, KES, PU, PKP, TRANTIB, SOS
    name = models.CharField(_("nama bidang"), max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    agencies = models.ManyToManyField(
        "regions.Agency", related_name="sectors", blank=True, verbose_name=_("perangkat daerah")
    )

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("bidang")
        verbose_name_plural = _("bidang")

    def __str__(self) -> str:
        return self.name


class CatalogEdition(models.Model):
    """A version of the catalog; each reporting year points at one, past reports keep theirs."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draf")
        PUBLISHED = "published", _("Terbit")

    code = models.CharField(_("kode edisi"), max_length=20, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="successors"
    )
    notes = models.TextField(_("catatan"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-code"]
        verbose_name = _("edisi katalog")
        verbose_name_plural = _("edisi katalog")

    def __str__(self) -> str:
        return self.name


class CatalogYear(models.Model):
    """Which catalog edition a reporting year uses."""

    year = models.PositiveSmallIntegerField(_("tahun"), unique=True)
    edition = models.ForeignKey(CatalogEdition, on_delete=models.PROTECT, related_name="years")

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.edition.code}"


class ServiceType(models.Model):
    """A jenis pelayanan dasar, as defined in one catalog edition."""

    edition = models.ForeignKey(
        CatalogEdition, on_delete=models.PROTECT, related_name="service_types"
    )
    code = models.CharField(_("kode"), max_length=20)  # P-DIK-01 … K-SOS-05
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="service_types")
    level = models.CharField(_("tingkat"), max_length=10, choices=ServiceLevel.choices)
    name = models.CharField(_("jenis pelayanan dasar"), max_length=300)
    regulation = models.CharField(_("peraturan teknis"), max_length=300, blank=True)
    recipient_definition = models.TextField(_("penerima layanan"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["edition", "order", "code"]
        verbose_name = _("jenis pelayanan dasar")
        verbose_name_plural = _("jenis pelayanan dasar")
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="service_type_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class QualityItem(models.Model):
    """A mutu item of a service type: goods/services or staff that must be met."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("Barang/jasa")
        STAFF = "staff", _("SDM")

    service_type = models.ForeignKey(
        ServiceType, on_delete=models.CASCADE, related_name="quality_items"
    )
    code = models.CharField(_("kode"), max_length=30)
    kind = models.CharField(_("jenis mutu"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("uraian"), max_length=400)
    unit = models.CharField(_("satuan"), max_length=50, blank=True)
    has_quantity = models.BooleanField(_("memiliki jumlah"), default=True)
    # Given one per recipient (e.g. a learning kit per pupil): realised ≤ recipients served.
    per_recipient = models.BooleanField(_("per penerima"), default=False)
    source = models.CharField(_("sumber"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["service_type", "order", "code"]
        verbose_name = _("mutu minimal")
        verbose_name_plural = _("mutu minimal")
        constraints = [
            models.UniqueConstraint(fields=["service_type", "code"], name="quality_item_unique")
        ]

    def __str__(self) -> str:
        return self.description


class BreakdownDimension(models.Model):
    """A way the technical standard breaks a service type's recipients down (sex, age group…).

    Its groups partition the recipients: with ``sums_to_total`` the groups of a fully filled
    dimension add up to the recipients served (a data-quality warning when they do not).
    """

    service_type = models.ForeignKey(
        ServiceType, on_delete=models.CASCADE, related_name="breakdown_dimensions"
    )
    key = models.SlugField(_("kode"), max_length=40)
    label = models.CharField(_("dimensi rincian"), max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    sums_to_total = models.BooleanField(_("jumlahnya sama dengan penerima terlayani"), default=True)
    source = models.CharField(_("sumber"), max_length=300, blank=True)

    class Meta:
        ordering = ["service_type", "order", "key"]
        verbose_name = _("dimensi rincian penerima")
        verbose_name_plural = _("dimensi rincian penerima")
        constraints = [
            models.UniqueConstraint(fields=["service_type", "key"], name="breakdown_dimension_key")
        ]

    def __str__(self) -> str:
        return self.label


class BreakdownGroup(models.Model):
    """One group of a breakdown dimension (e.g. "Perempuan" of sex)."""

    dimension = models.ForeignKey(
        BreakdownDimension, on_delete=models.CASCADE, related_name="groups"
    )
    key = models.SlugField(_("kode"), max_length=40)
    label = models.CharField(_("kelompok"), max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["dimension", "order", "key"]
        verbose_name = _("kelompok rincian penerima")
        verbose_name_plural = _("kelompok rincian penerima")
        constraints = [
            models.UniqueConstraint(fields=["dimension", "key"], name="breakdown_group_key")
        ]

    def __str__(self) -> str:
        return self.label


class Assignment(models.Model):
    """Which agency of a region is responsible for a service type (by stable code)."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="assignments"
    )
    service_code = models.CharField(_("kode jenis pelayanan"), max_length=20)
    agency = models.ForeignKey(
        "regions.Agency", on_delete=models.PROTECT, related_name="assignments"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(region="region", agency="agency")

    class Meta:
        ordering = ["region", "service_code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "service_code"], name="assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region.code} {self.service_code} → {self.agency}"


class Target(models.Model):
    """Per region × year × service type: target recipients and minimum quality (SE 600.4/2851/ST)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draf")
        SUBMITTED = "submitted", _("Diajukan")
        RETURNED = "returned", _("Dikembalikan")
        VERIFIED = "verified", _("Terverifikasi (terkunci)")

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="targets")
    year = models.PositiveSmallIntegerField(_("tahun"))
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="targets")
    agency = models.ForeignKey(
        "regions.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="targets"
    )
    recipients_target = models.PositiveIntegerField(
        _("target jumlah penerima"), null=True, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    return_reason = models.TextField(_("alasan pengembalian"), blank=True)
    change_reason = models.TextField(_("alasan perubahan"), blank=True)
    version = models.PositiveIntegerField(default=1)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(region="region", agency="agency", sector="service_type__sector__code")

    class Meta:
        ordering = ["region", "year", "service_type__order"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "service_type"], name="target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region.code} {self.year} {self.service_type.code}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.VERIFIED


class TargetQuality(models.Model):
    """The required quantity of one quality item in a year's target."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="quality")
    quality_item = models.ForeignKey(QualityItem, on_delete=models.PROTECT, related_name="+")
    required_quantity = models.DecimalField(
        _("jumlah minimal"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(
        region="target__region",
        agency="target__agency",
        sector="target__service_type__sector__code",
    )

    class Meta:
        ordering = ["quality_item__order"]
        constraints = [
            models.UniqueConstraint(fields=["target", "quality_item"], name="target_quality_unique")
        ]


class NomenclatureItem(models.Model):
    """A program, kegiatan or sub kegiatan of the Kepmendagri 900.1-2850/2025 nomenclature."""

    class Level(models.TextChoices):
        PROGRAM = "program", _("Program")
        ACTIVITY = "activity", _("Kegiatan")
        SUB_ACTIVITY = "sub_activity", _("Sub kegiatan")

    code = models.CharField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nomenklatur"), max_length=500)
    level = models.CharField(_("tingkat"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # The SPM sector of the bidang urusan (1.01 → DIK …); null for one outside the six.
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, null=True, blank=True, related_name="nomenclature"
    )
    source = models.CharField(_("sumber"), max_length=200, blank=True)

    # Set by indicators.selectors.search_nomenclature: usual for the service, never stored.
    is_usual: bool

    class Meta:
        ordering = ["code"]
        verbose_name = _("nomenklatur anggaran")
        verbose_name_plural = _("nomenklatur anggaran")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ServiceBudgetCode(models.Model):
    """The usual kegiatan / sub kegiatan of a service type (by its stable code)."""

    service_code = models.CharField(_("kode jenis pelayanan"), max_length=20)
    item = models.ForeignKey(
        NomenclatureItem, on_delete=models.CASCADE, related_name="service_links"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["service_code", "order"]
        constraints = [
            models.UniqueConstraint(fields=["service_code", "item"], name="service_budget_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service_code} → {self.item.code}"
