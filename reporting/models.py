"""Periods, quarterly service reports and their parts, region submissions, the workflow log."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from espm import storage
from regions.grants import ScopedQuerySet, ScopePaths
from reporting.rules import windows


def private_storage() -> Storage:
    """Evidence and generated files: outside the web root (a local folder or a private
    bucket), served only by checked views. A proxy, so a change of ``STORAGES`` reaches
    the model fields too."""
    return storage.private


# "Triwulan I–IV", as every Indonesian regulation writes it; Q1–Q4 in the English interface.
QUARTER_LABELS = (
    pgettext_lazy("triwulan", "TW I"),
    pgettext_lazy("triwulan", "TW II"),
    pgettext_lazy("triwulan", "TW III"),
    pgettext_lazy("triwulan", "TW IV"),
)


def quarter_label(quarter: int) -> str:
    """'TW III' (Indonesian) or 'Q3' (English) for quarter 3."""
    return str(QUARTER_LABELS[quarter - 1])


REPORT_SCOPE = ScopePaths(region="region", agency="agency", sector="service_type__sector__code")


class Period(models.Model):
    """A reporting quarter (triwulan) with its window."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Belum dibuka")
        OPEN = "open", _("Dibuka")
        CLOSED = "closed", _("Ditutup")

    year = models.PositiveSmallIntegerField(_("tahun"))
    quarter = models.PositiveSmallIntegerField(
        _("triwulan"), choices=[(q, QUARTER_LABELS[q - 1]) for q in (1, 2, 3, 4)]
    )
    due_date = models.DateField(_("batas waktu"))
    state = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.PLANNED
    )
    allow_late = models.BooleanField(_("izinkan pengisian terlambat"), default=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Raised by every change (settings, opening, closing): an edit made on an older reading of
    # the period is refused instead of silently overwriting someone else's (services).
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-quarter"]
        verbose_name = _("periode")
        verbose_name_plural = _("periode")
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="period_unique"),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="period_quarter_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quarter_label} {self.year}"

    @property
    def quarter_label(self) -> str:
        return quarter_label(self.quarter)


class PeriodRegion(models.Model):
    """One region of a period's reporting universe, fixed when the period opens.

    Input status, timeliness and every denominator of a period count these regions, so a
    figure published for a quarter stays reproducible after the region list changes (TW II
    2023 was measured against 34 provinces). Bangda edits it with a reason
    (``PeriodUniverseChange``); ``reporting.rules.universe`` is the only writer.
    """

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="universe")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    # The region's level when it entered the universe (its row may change later).
    level = models.CharField(max_length=10)

    class Meta:
        ordering = ["period", "region__code"]
        verbose_name = _("wilayah pelapor periode")
        verbose_name_plural = _("wilayah pelapor periode")
        constraints = [
            models.UniqueConstraint(fields=["period", "region"], name="period_region_unique")
        ]


class PeriodUniverseChange(models.Model):
    """Who changed a period's reporting universe, when, what and why."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="universe_changes")
    # Empty for the snapshot a migration made of periods opened before universes existed.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=10)  # snapshot / edit
    added = models.JSONField(default=list, blank=True)
    removed = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("perubahan wilayah pelapor")
        verbose_name_plural = _("perubahan wilayah pelapor")


# Report columns only database triggers write (``reporting.figures.triggers``).
TRIGGER_FIELDS = ("budget_allocated", "budget_realised", "budget_line_count")


def _trigger_field() -> models.BigIntegerField:
    return models.BigIntegerField(default=0, db_default=0, editable=False, serialize=False)


class Report(models.Model):
    """One quarterly service report: region × period × service type, owned by an agency."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draf")
        AWAITING_HEAD = "awaiting_head", _("Menunggu persetujuan kepala OPD")
        SUBMITTED = "submitted", _("Diajukan ke verifikator")
        RETURNED = "returned", _("Dikembalikan")
        VERIFIED = "verified", _("Terverifikasi")

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="reports")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="reports")
    service_type = models.ForeignKey(
        "indicators.ServiceType", on_delete=models.PROTECT, related_name="reports"
    )
    agency = models.ForeignKey(
        "regions.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    status = models.CharField(
        max_length=15, choices=Status.choices, default=Status.DRAFT, db_index=True
    )

    # 1. Recipients (cumulative within the year, policy stated on the form).
    recipients_target = models.PositiveIntegerField(_("target penerima"), null=True, blank=True)
    recipients_served = models.PositiveIntegerField(_("penerima terlayani"), null=True, blank=True)
    recipients_breakdown = models.JSONField(_("rincian penerima"), default=dict, blank=True)
    # 5. Problems and solutions.
    problems = models.TextField(_("permasalahan"), blank=True)
    solutions = models.TextField(_("solusi"), blank=True)

    # Capaian, recomputed by reporting.rules.capaian on every save in the same transaction.
    recipients_pct = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    quality_pct = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    capaian_index = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True, db_index=True
    )
    band = models.CharField(max_length=20, blank=True, db_index=True)
    flag_no_target = models.BooleanField(default=False)
    flag_over_target = models.BooleanField(default=False)
    # A quality item required a quantity of 0: met by definition (100), flagged for review.
    flag_zero_required = models.BooleanField(default=False)

    version = models.PositiveIntegerField(default=1)
    entered_at = models.DateTimeField(_("pertama diisi"), null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # The sums of the report's budget lines, kept by the lines' database triggers
    # (``reporting.figures``) so its maintained figures can follow them. Never written from
    # Python: ``save`` leaves them out, forms and serialised data never see them.
    budget_allocated = _trigger_field()
    budget_realised = _trigger_field()
    budget_line_count = _trigger_field()

    history = HistoricalRecords(excluded_fields=list(TRIGGER_FIELDS))
    objects = ScopedQuerySet.as_manager()
    scope_paths = REPORT_SCOPE

    # This request's region submission, cached by reporting.entry.locks (one query per report).
    _submission_cache: RegionSubmission | None

    class Meta:
        ordering = ["region__code", "service_type__order"]
        verbose_name = _("laporan triwulan")
        verbose_name_plural = _("laporan triwulan")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "period", "service_type"], name="report_unique"
            )
        ]
        indexes = [
            models.Index(fields=["period", "status"]),
            models.Index(fields=["period", "region"]),
            # Sector/service aggregates of one period (sector viewers' national dashboard).
            models.Index(fields=["period", "service_type"], name="report_period_service_idx"),
            # What is still to be entered in a period (the province page's lists of regions
            # and agencies that have not entered): small once the quarter fills.
            models.Index(
                fields=["period", "region"],
                condition=models.Q(entered_at__isnull=True),
                name="report_not_entered_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region.code} {self.period} {self.service_type.code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save the report's own fields; the trigger-kept budget sums are the database's.

        An instance loaded before its budget lines changed would otherwise write their old
        sums back over the ones the triggers just wrote. Fields not loaded (``only``/``defer``)
        are left out as Django itself does.
        """
        adding_or_forced = self._state.adding or kwargs.get("force_insert")
        if not adding_or_forced and kwargs.get("update_fields") is None:
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in TRIGGER_FIELDS and f.attname not in deferred
            ]
        super().save(*args, **kwargs)


class ReportQuality(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="quality")
    quality_item = models.ForeignKey(
        "indicators.QualityItem", on_delete=models.PROTECT, related_name="+"
    )
    required = models.DecimalField(
        _("jumlah minimal"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    realised = models.DecimalField(
        _("realisasi"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # For items without a quantity: met or not.
    met = models.BooleanField(_("terpenuhi"), null=True, blank=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(
        region="report__region",
        agency="report__agency",
        sector="report__service_type__sector__code",
    )

    class Meta:
        ordering = ["quality_item__order"]
        constraints = [
            models.UniqueConstraint(fields=["report", "quality_item"], name="report_quality_unique")
        ]


class Stage(models.IntegerChoices):
    """The four stages of applying SPM (Permendagri 59/2021)."""

    DATA = 1, _("Pengumpulan data")
    NEEDS = 2, _("Penghitungan kebutuhan pemenuhan pelayanan dasar")
    PLAN = 3, _("Penyusunan rencana pemenuhan pelayanan dasar")
    DELIVERY = 4, _("Pelaksanaan pemenuhan pelayanan dasar")


class ReportStage(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Belum dilaksanakan")
        IN_PROGRESS = "in_progress", _("Sedang dilaksanakan")
        DONE = "done", _("Selesai")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="stages")
    stage = models.PositiveSmallIntegerField(_("tahap"), choices=Stage.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, blank=True)
    note = models.TextField(_("keterangan"), blank=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(
        region="report__region",
        agency="report__agency",
        sector="report__service_type__sector__code",
    )

    class Meta:
        ordering = ["stage"]
        constraints = [
            models.UniqueConstraint(fields=["report", "stage"], name="report_stage_unique")
        ]


class BudgetLine(models.Model):
    """Allocated vs realised Rupiah per (sub-)activity under Kepmendagri 900.1-2850/2025."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="budget_lines")
    activity_code = models.CharField(_("kode kegiatan"), max_length=40)
    activity_name = models.CharField(_("nama kegiatan"), max_length=300)
    sub_activity_code = models.CharField(_("kode sub kegiatan"), max_length=40, blank=True)
    sub_activity_name = models.CharField(_("nama sub kegiatan"), max_length=300, blank=True)
    allocated = models.PositiveBigIntegerField(_("pagu (Rp)"), default=0)
    realised = models.PositiveBigIntegerField(_("realisasi (Rp)"), default=0)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(
        region="report__region",
        agency="report__agency",
        sector="report__service_type__sector__code",
    )

    class Meta:
        ordering = ["order", "id"]


class Evidence(models.Model):
    """A bukti dukung file, stored privately and served only through a permission-checked view."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="evidence")
    stage = models.ForeignKey(
        ReportStage, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    quality = models.ForeignKey(
        ReportQuality, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    file = models.FileField(upload_to="evidence/%Y/%m/", storage=private_storage)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("keterangan"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(
        region="report__region",
        agency="report__agency",
        sector="report__service_type__sector__code",
    )

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("bukti dukung")
        verbose_name_plural = _("bukti dukung")


class RegionSubmission(models.Model):
    """A region's quarterly report as a whole, submitted to the level above.

    kab/kota → province reviewer; province (own services + recap of its kab/kota) → Bangda.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("Sedang disusun")
        SUBMITTED = "submitted", _("Diajukan")
        RETURNED = "returned", _("Dikembalikan")
        ACCEPTED = "accepted", _("Diterima")

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="submissions"
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.IN_PROGRESS, db_index=True
    )
    # A reopen sets a region-specific due date that overrides the period's.
    due_date = models.DateField(_("batas waktu khusus"), null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    return_reason = models.TextField(_("alasan pengembalian"), blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(region="region")

    class Meta:
        ordering = ["period", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "period"], name="submission_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.period}"

    @property
    def effective_due_date(self) -> datetime.date:
        return windows.effective_due_date(self.period, self)

    @property
    def timeliness(self) -> str:
        """'on_time', 'late' or 'missing' (reporting.rules.windows; never stored)."""
        return windows.timeliness(self)

    @property
    def is_late(self) -> bool:
        return self.timeliness == "late"


class Section(models.TextChoices):
    """The parts of the report form, keyed as the form keys them (``sec-<key>`` on the report
    page, ``patch.SECTION_KEYS``): what a verifier's note or a return reason points at."""

    RECIPIENTS = "recipients", _("Penerima layanan")
    QUALITY = "quality", _("Mutu minimal")
    STAGES = "stages", _("Tahapan penerapan SPM")
    BUDGET = "budget", _("Anggaran")
    PROBLEMS = "problems", _("Permasalahan dan solusi")
    EVIDENCE = "evidence", _("Bukti dukung")


class ReviewNote(models.Model):
    """The verifier's note on one section of a report, shown to the operator beside it.

    One per (report, section): writing again replaces the text, the history keeps each one.
    Only ``reporting.review.services.save_note`` writes it.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="review_notes")
    section = models.CharField(_("bagian"), max_length=12, choices=Section.choices)
    text = models.TextField(_("catatan"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(
        region="report__region",
        agency="report__agency",
        sector="report__service_type__sector__code",
    )

    class Meta:
        verbose_name = _("catatan verifikator")
        verbose_name_plural = _("catatan verifikator")
        constraints = [
            models.UniqueConstraint(fields=["report", "section"], name="review_note_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.section}"


class WorkflowEvent(models.Model):
    """One workflow step (who, when, what, why) on a report, a region submission or a target."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(
        "regions.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    submission = models.ForeignKey(
        RegionSubmission, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    target = models.ForeignKey(
        "indicators.Target", on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=15, blank=True)
    to_status = models.CharField(max_length=15, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    reason = models.TextField(blank=True)
    # The data as it stood at this step, so a resubmission can be diffed against a return.
    snapshot = models.JSONField(default=dict, blank=True)
    # The report sections (``Section`` keys) a return's reason is about; empty = the whole report.
    sections = models.JSONField(default=list, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(region="region", agency="agency")

    # Set by the review selectors for display (workflow.ACTION_LABELS), never stored.
    label: str

    class Meta:
        ordering = ["at", "id"]


class ActionPlan(models.Model):
    """Rencana aksi penerapan SPM: the region's plan for applying SPM in one year.

    Set by a Peraturan Gubernur (province) or Peraturan Bupati/Wali Kota (kab/kota); kept by
    the region's verifier (``reporting.plans.services``) and shown with every quarter of the
    year, in the region submission's checks, the province recap, the documents and dashboards.
    """

    class Status(models.TextChoices):
        NONE = "none", _("Belum ada")
        DRAFT = "draft", _("Rancangan")
        SET = "set", _("Ditetapkan")

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="action_plans"
    )
    year = models.PositiveSmallIntegerField(_("tahun"))
    status = models.CharField(
        _("status"), max_length=5, choices=Status.choices, default=Status.NONE, db_index=True
    )
    number = models.CharField(_("nomor peraturan"), max_length=200, blank=True)
    date = models.DateField(_("tanggal penetapan"), null=True, blank=True)
    title = models.CharField(_("judul peraturan"), max_length=500, blank=True)
    file = models.FileField(upload_to="action-plans/%Y/", storage=private_storage, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # Raised by every save: an edit made on an older reading is refused (form version, If-Match).
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(region="region")

    class Meta:
        ordering = ["region__code", "-year"]
        verbose_name = _("rencana aksi")
        verbose_name_plural = _("rencana aksi")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="action_plan_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region.code} {self.year}"

    @property
    def is_set(self) -> bool:
        return self.status == self.Status.SET


class ActionPlanCommitment(models.Model):
    """What a region's action plan commits to for one service type."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="commitments")
    service_type = models.ForeignKey(
        "indicators.ServiceType", on_delete=models.PROTECT, related_name="+"
    )
    commitment = models.TextField(_("komitmen"))
    budget = models.PositiveBigIntegerField(_("rencana anggaran (Rp)"), null=True, blank=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(region="plan__region", sector="service_type__sector__code")

    class Meta:
        ordering = ["service_type__order", "service_type__code"]
        verbose_name = _("komitmen rencana aksi")
        verbose_name_plural = _("komitmen rencana aksi")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "service_type"], name="action_plan_commitment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.service_type_id}"


class SpmTeam(models.Model):
    """Tim Penerapan SPM: the team that applies SPM in a region in one year.

    Set by a decree of the head of region, chaired by the Sekretaris Daerah, members from
    the agencies; the people the province coordinates with and one SPM Award criterion.
    """

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="spm_teams")
    year = models.PositiveSmallIntegerField(_("tahun"))
    decree_number = models.CharField(_("nomor keputusan"), max_length=200)
    decree_date = models.DateField(_("tanggal keputusan"))
    chair_name = models.CharField(_("nama ketua"), max_length=150)
    chair_position = models.CharField(_("jabatan ketua"), max_length=200)
    file = models.FileField(upload_to="spm-teams/%Y/", storage=private_storage, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(region="region")

    class Meta:
        ordering = ["region__code", "-year"]
        verbose_name = _("Tim Penerapan SPM")
        verbose_name_plural = _("Tim Penerapan SPM")
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="spm_team_unique")]

    def __str__(self) -> str:
        return f"{self.region.code} {self.year}"


class SpmTeamMember(models.Model):
    """One member of a Tim Penerapan SPM: who, from which agency (or other unit), in what role."""

    class Role(models.TextChoices):
        VICE_CHAIR = "vice_chair", _("Wakil ketua")
        SECRETARY = "secretary", _("Sekretaris")
        COORDINATOR = "coordinator", _("Koordinator bidang")
        MEMBER = "member", _("Anggota")

    team = models.ForeignKey(SpmTeam, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("nama"), max_length=150)
    position = models.CharField(_("jabatan"), max_length=200)
    agency = models.ForeignKey(
        "regions.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A unit that is not one of the region's SPM agencies (Bappeda, a Bagian of the Setda).
    unit = models.CharField(_("unit kerja lain"), max_length=200, blank=True)
    role = models.CharField(_("peran dalam tim"), max_length=12, choices=Role.choices)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(region="team__region")

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("anggota Tim Penerapan SPM")
        verbose_name_plural = _("anggota Tim Penerapan SPM")

    def __str__(self) -> str:
        return self.name

    @property
    def unit_name(self) -> str:
        return self.agency.name if self.agency is not None else self.unit


class Notification(models.Model):
    """An in-app notification (the bell); always read through ``user=request.user``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    # Deduplication key: the same event never notifies the same user twice.
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set in the same transaction as the send: a retried task e-mails only what is still unsent.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]


# --- Jobs: reminder rules, the send log, generated documents (issue #8) -----------------------


class ReminderRule(models.Model):
    """When deadline messages go out; edited by Bangda in the admin, read by the hourly tick.

    A reminder fires ``working_days`` working days before a due date; an escalation fires
    ``working_days`` working days after it (1 = the first working day after the due date).
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Pengingat sebelum batas waktu")
        ESCALATION = "escalation", _("Eskalasi setelah batas waktu")

    kind = models.CharField(_("jenis"), max_length=12, choices=Kind.choices)
    working_days = models.PositiveSmallIntegerField(_("hari kerja"))
    send_time = models.TimeField(_("jam kirim (WIB)"), default=datetime.time(8, 0))
    by_email = models.BooleanField(_("kirim email"), default=True)
    in_app = models.BooleanField(_("notifikasi aplikasi"), default=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "-working_days"]
        verbose_name = _("aturan pengingat")
        verbose_name_plural = _("aturan pengingat")
        constraints = [
            models.UniqueConstraint(fields=["kind", "working_days"], name="reminder_rule_unique")
        ]

    def __str__(self) -> str:
        sign = "H-" if self.kind == self.Kind.REMINDER else "H+"
        return f"{self.get_kind_display()} {sign}{self.working_days} ({self.send_time:%H:%M})"


class SentMessage(models.Model):
    """One deadline message to one recipient: the row is inserted before sending, so the
    unique constraint — not timing — guarantees each message goes out at most once."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Pengingat")
        ESCALATION = "escalation", _("Eskalasi")
        DIGEST = "digest", _("Ringkasan nasional")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        IN_APP = "in_app", _("Aplikasi")

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu")
        SENT = "sent", _("Terkirim")
        SKIPPED = "skipped", _("Tidak perlu lagi")
        FAILED = "failed", _("Gagal")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # An email address (lower case) or "user:<id>" for in-app messages.
    recipient = models.CharField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="sent_messages")
    # Threshold and target, e.g. "H-3:2026-04-20:agency:17"; part of the uniqueness.
    key = models.CharField(max_length=120)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        "regions.Agency", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(region="region", agency="agency")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pesan terkirim")
        verbose_name_plural = _("pesan terkirim")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "channel", "kind", "period", "key"], name="sent_message_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → {self.recipient}"


class GeneratedDocument(models.Model):
    """A generated PDF (LPPD annex, quarter report, province recap), a batch zip, a large
    report list download or the SPM Award ranking's export, built by a Celery task.

    Scoped by the data it contains: ``agency`` empty = every agency of the region and
    ``sector_code`` empty = every sector, so OPD staff and sector viewers (who may see only a
    part of the region's data) never reach a whole-region document. A report list download
    and an award export hold what their requester sees, so only their requester reaches them
    (``documents.reachable``).
    """

    class Kind(models.TextChoices):
        ANNEX = "annex", _("Lampiran LPPD (laporan tahunan SPM)")
        QUARTER = "quarter", _("Laporan triwulan")
        BATCH = "batch", _("Paket lampiran LPPD semua provinsi")
        RECAP = "recap", _("Rekap SPM provinsi (PDF)")
        REPORT_LIST = "list", _("Daftar laporan (unduhan)")
        AWARD = "award", _("Peringkat Penghargaan SPM (unduhan)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Dalam antrean")
        RUNNING = "running", _("Sedang dibuat")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    kind = models.CharField(_("jenis"), max_length=8, choices=Kind.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="generated_documents"
    )
    agency = models.ForeignKey(
        "regions.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sector_code = models.CharField(max_length=10, blank=True)
    year = models.PositiveSmallIntegerField(_("tahun"))
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("kemajuan (%)"), default=0)
    message = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to="documents/%Y/", storage=private_storage, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    # The data the file was built from (count and last change of reports and their history).
    fingerprint = models.CharField(max_length=64, blank=True)
    # The UI language of a translated document (the recap); empty = Indonesian only (the annex).
    language = models.CharField(max_length=8, blank=True)
    # A report list download: its filters and format, as the list page's query string; an
    # SPM Award download: its year, category and format.
    query = models.CharField(max_length=300, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The job's heartbeat: every progress step touches it, so a silent job is known lost.
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(region="region", agency="agency", sector="sector_code")

    # Set by the document views: its data changed since it was built (documents.is_stale).
    stale: bool

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("dokumen")
        verbose_name_plural = _("dokumen")
        indexes = [models.Index(fields=["region", "kind", "year"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.region.code} {self.year}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class PeriodOpening(models.Model):
    """One run of opening a quarter for every region, done by a Celery task (Bangda's action).

    The row is the job's progress for the polling page and its record: who started it, when,
    and what it created. At most one run per period is queued or running (the constraint), so
    a second click, or two Bangda admins at once, join the running one instead of starting
    another.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Dalam antrean")
        RUNNING = "running", _("Sedang dibuka")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="openings")
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("kemajuan (%)"), default=0)
    message = models.CharField(max_length=300, blank=True)
    regions_total = models.PositiveIntegerField(default=0)
    regions_done = models.PositiveIntegerField(default=0)
    reports_created = models.PositiveIntegerField(default=0)
    submissions_created = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Every progress write touches it: a queued or running job silent for long is lost.
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pembukaan periode")
        verbose_name_plural = _("pembukaan periode")
        constraints = [
            models.UniqueConstraint(
                fields=["period"],
                condition=models.Q(status__in=["queued", "running"]),
                name="period_opening_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ValidationRule(models.Model):
    """A data-quality rule Bangda manages: flag a report when its expression holds.

    The language, the facts a rule sees and the built-in rules are in
    ``reporting.rules.quality``; ``reporting.quality.services`` evaluates and stores flags.
    Rules are never deleted (flags point at them): switch one off with ``is_active``.
    """

    class Severity(models.TextChoices):
        WARNING = "warning", _("Peringatan (boleh diajukan dengan penjelasan)")
        ERROR = "error", _("Galat (menghalangi pengajuan)")

    class Each(models.TextChoices):
        REPORT = "report", _("Laporan")
        QUALITY = "quality", _("Setiap butir mutu")
        BUDGET = "budget", _("Setiap baris anggaran")
        STAGE = "stage", _("Setiap tahapan")

    class Kind(models.TextChoices):
        EXPRESSION = "expression", _("Ekspresi")
        OUTLIER_HISTORY = "outlier_history", _("Pencilan terhadap riwayat wilayah")
        OUTLIER_PEERS = "outlier_peers", _("Pencilan terhadap wilayah sebanding")

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    severity = models.CharField(_("tingkat"), max_length=10, choices=Severity.choices)
    each = models.CharField(_("diperiksa pada"), max_length=10, choices=Each.choices)
    section = models.CharField(_("bagian formulir"), max_length=12, choices=Section.choices)
    expression = models.TextField(_("tandai bila"), blank=True)
    message_id = models.TextField(_("pesan (Indonesia)"))
    message_en = models.TextField(_("pesan (Inggris)"))
    reason = models.TextField(_("alasan aturan"))
    # Service type codes and sector codes it applies to; both empty = every service type.
    service_types = models.JSONField(_("jenis layanan"), default=list, blank=True)
    sectors = models.JSONField(_("bidang"), default=list, blank=True)
    # Outliers: flag when |robust z| > threshold, judged on at least `min_points` values.
    threshold = models.DecimalField(
        _("ambang skor z"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    min_points = models.PositiveSmallIntegerField(_("data minimal"), null=True, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    is_builtin = models.BooleanField(_("bawaan"), default=False)
    change_reason = models.TextField(_("alasan perubahan"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("aturan kualitas data")
        verbose_name_plural = _("aturan kualitas data")

    def __str__(self) -> str:
        return self.code

    def message(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        lang = (language or get_language() or "id")[:2]
        return self.message_en if lang == "en" and self.message_en else self.message_id


class ReportCheck(models.Model):
    """One open data-quality flag on a report (or one of its items), with its follow-up.

    Rewritten by ``reporting.quality.services`` whenever the report changes: a flag that no
    longer fires is deleted, one whose numbers changed keeps its explanation but loses the
    verifier's "checked — correct" (``confirmed_values`` no longer match ``values``).
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="checks")
    rule = models.ForeignKey(ValidationRule, on_delete=models.PROTECT, related_name="checks")
    item_key = models.CharField(max_length=40, blank=True)
    severity = models.CharField(max_length=10, choices=ValidationRule.Severity.choices)
    section = models.CharField(max_length=12, choices=Section.choices)
    values = models.JSONField(default=dict)
    explanation = models.TextField(_("penjelasan"), blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    explained_at = models.DateTimeField(null=True, blank=True)
    confirmed_note = models.TextField(_("catatan pemeriksaan"), blank=True)
    confirmed_values = models.JSONField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(
        region="report__region",
        agency="report__agency",
        sector="report__service_type__sector__code",
    )

    # Set by the selectors for display (quality.selectors.message), never stored.
    text: str

    class Meta:
        ordering = ["section", "rule__code", "item_key"]
        verbose_name = _("temuan kualitas data")
        verbose_name_plural = _("temuan kualitas data")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "rule", "item_key"], name="report_check_unique"
            )
        ]
        indexes = [models.Index(fields=["report", "severity"], name="report_check_severity_idx")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.rule_id} {self.item_key}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None and self.confirmed_values == self.values

    @property
    def is_error(self) -> bool:
        return self.severity == ValidationRule.Severity.ERROR

    @property
    def needs_explanation(self) -> bool:
        """A warning the operator has neither explained nor the verifier confirmed."""
        return not self.is_error and not self.explanation.strip() and not self.is_confirmed

    @property
    def blocks(self) -> bool:
        """What keeps the report from being submitted or verified."""
        return self.is_error or self.needs_explanation


class AwardConfig(models.Model):
    """Bangda's SPM Award configuration of one year: categories and weighted criteria.

    ``criteria`` is a list of ``{"key": <component>, "weight": <int>}`` whose weights sum to
    100; the components and categories are those of ``reporting.rules.award``. Only Bangda
    changes it (``reporting.award.services.save_config``), each change with a reason.
    """

    year = models.PositiveSmallIntegerField(_("tahun"), unique=True)
    categories = models.JSONField(_("kategori"), default=list)
    criteria = models.JSONField(_("kriteria"), default=list)
    note = models.TextField(_("sumber / catatan"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("konfigurasi Penghargaan SPM")
        verbose_name_plural = _("konfigurasi Penghargaan SPM")

    def __str__(self) -> str:
        return f"AwardConfig {self.year}"

    @property
    def weights(self) -> list[tuple[str, int]]:
        return [(c["key"], int(c["weight"])) for c in self.criteria]


class LppdDueDate(models.Model):
    """Bangda's due date for the year's LPPD annex, when it differs from the default.

    The default is PP 13/2019's: the LPPD reaches the Minister at most three months after the
    budget year ends, i.e. 31 March of the next year (``reporting.rules.lppd.default_due``).
    """

    year = models.PositiveSmallIntegerField(_("tahun laporan"), unique=True)
    due_date = models.DateField(_("batas waktu penyerahan"))
    reason = models.TextField(_("alasan"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("batas waktu lampiran LPPD")
        verbose_name_plural = _("batas waktu lampiran LPPD")

    def __str__(self) -> str:
        return f"LPPD {self.year}: {self.due_date}"


class LppdAnnex(models.Model):
    """A region's annual SPM report handed in as the annex of its LPPD for one year.

    The region's verifier hands in a generated annex PDF built over the current data; the
    headline figure and whether it was final are kept as handed in. Withdrawing (to hand in
    again after a correction) clears ``submitted_at``; the history keeps every step.
    """

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="lppd_annexes"
    )
    year = models.PositiveSmallIntegerField(_("tahun laporan"))
    submitted_at = models.DateTimeField(_("diserahkan pada"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        "reporting.GeneratedDocument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The headline as handed in: the annual index (None: nothing counted) and its basis.
    annual_index = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    services_counted = models.PositiveSmallIntegerField(default=0)
    services_expected = models.PositiveSmallIntegerField(default=0)
    figures_final = models.BooleanField(default=False)
    note = models.TextField(_("catatan"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(region="region")

    class Meta:
        ordering = ["-year", "region__code"]
        verbose_name = _("lampiran LPPD")
        verbose_name_plural = _("lampiran LPPD")
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="lppd_annex_unique")]

    def __str__(self) -> str:
        return f"LPPD {self.region_id} {self.year}"


# ----------------------------------------------------------------------------- maintained figures
# Kept by database triggers on ``reporting_report`` (``reporting.figures``), in the transaction
# of every write, whatever path makes it: a row exists while something counts in it, and
# ``manage.py rebuild_figures`` recomputes both tables from the reports. Foreign keys without a
# database constraint: a trigger may still write a row while a deletion is under way.


def _figure_fk(to: str) -> models.ForeignKey:
    return models.ForeignKey(
        to, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )


class RegionFigure(models.Model):
    """One period × region × sector × report status: reports entered, counted, sum of indices,
    and their budget lines' sums."""

    period = _figure_fk("reporting.Period")
    region = _figure_fk("regions.Region")
    sector = _figure_fk("indicators.Sector")
    status = models.CharField(max_length=20)
    entered = models.IntegerField(default=0)  # reports with entered_at set
    counted = models.IntegerField(default=0)  # reports with a capaian index
    total = models.DecimalField(max_digits=14, decimal_places=4, default=0)  # sum of the indices
    # The budget lines of those reports: Rupiah allocated and realised, reports with a line.
    allocated = models.BigIntegerField(default=0)
    realised = models.BigIntegerField(default=0)
    budgeted = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "region", "sector", "status"], name="region_figure_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_id}/{self.region_id}/{self.sector_id}/{self.status}"


class ServiceFigure(models.Model):
    """One period × province × service type × report status × band: counted reports, sum.

    Each report counts twice: in its province's row and in the whole nation's (code ''); a
    report of a region without a province (an ended one) only in the nation's.
    """

    period = _figure_fk("reporting.Period")
    province_code = models.CharField(max_length=2)  # '' = the whole nation
    service_type = _figure_fk("indicators.ServiceType")
    status = models.CharField(max_length=20)
    band = models.CharField(max_length=20)
    counted = models.IntegerField(default=0)
    total = models.DecimalField(max_digits=14, decimal_places=4, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "province_code", "service_type", "status", "band"],
                name="service_figure_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_id}/{self.province_code}/{self.service_type_id}/{self.status}"
