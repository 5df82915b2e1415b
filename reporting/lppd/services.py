"""Writes of the LPPD annex tracking: hand in, withdraw, and Bangda's due date of a year.

A hand-in records the annex PDF built over today's data and the headline figure as handed
in. Provisional figures (not every expected service counts in TW IV) may be handed in with a
written reason: the LPPD is due whatever the state of the data. Each write is versioned (a
stale form is refused, nothing written) and kept in the history with who and why.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from espm import history, versioning
from regions.models import Region
from regions.scoping import AnyUser, acting_user
from reporting.lppd import selectors
from reporting.models import LppdAnnex, LppdDueDate
from reporting.rules import capaian, reasons, universe


def _stale() -> str:
    return _("Data ini sudah diubah orang lain sejak Anda membukanya; muat ulang halaman.")


def _check_version(current: int, seen: int | None) -> None:
    """Refuse a write made on another version than ``current`` (0: nothing saved yet).

    Never skipped: a write that names no version counts as made on 0, so it may create the
    row but never replace what someone saved (the API asks for a version: 400 without one).
    """
    if versioning.is_stale(current, 0 if seen is None else seen):
        raise ValidationError({"version": _stale()})


def hand_in(
    user: AnyUser, region: Region, year: int, *, note: str = "", seen_version: int | None = None
) -> LppdAnnex:
    """Record that the region hands in its annex of ``year`` (its verifier; Bangda may record
    one received outside the system)."""
    if not selectors.may_hand_in(user, region):
        raise PermissionDenied(_("Hanya verifikator wilayah ini yang dapat menyerahkan lampiran."))
    period = universe.year_period(year)
    if period is None or period.quarter != 4:
        raise ValidationError(
            {
                "year": _("Lampiran tahun %(y)s baru dapat diserahkan setelah TW IV dibuka.")
                % {"y": year}
            }
        )
    document = selectors.current_annex_document(region, year)
    if document is None:
        raise ValidationError(
            {
                "document": _(
                    "Buat lampiran LPPD atas data terkini terlebih dahulu; yang diserahkan adalah berkas itu."
                )
            }
        )
    figures = selectors.annuals([region], year)[region.pk]
    note = reasons.clean(note)
    if not figures.complete_year and not note:
        raise ValidationError(
            {
                "note": _(
                    "Angka tahunan masih sementara (belum semua jenis pelayanan terhitung di TW IV): tuliskan alasan menyerahkan sekarang."
                )
            }
        )
    overall = figures.overall
    with transaction.atomic():
        annex = LppdAnnex.objects.select_for_update().filter(region=region, year=year).first()
        if annex is None:
            annex = LppdAnnex(region=region, year=year, version=0)
        _check_version(annex.version, seen_version)
        if annex.submitted_at is not None:
            raise ValidationError({"year": _("Lampiran tahun ini sudah diserahkan.")})
        annex.submitted_at = timezone.now()
        annex.submitted_by = acting_user(user)
        annex.document = document
        annex.annual_index = capaian.round2(overall.index) if overall.index is not None else None
        annex.services_counted = overall.reported
        annex.services_expected = len(figures.lines)
        annex.figures_final = figures.complete_year
        annex.note = note
        annex.version += 1
        history.set_actor(annex, user, (note or _("Diserahkan"))[:100])
        annex.save()
        return annex


def withdraw(
    user: AnyUser, region: Region, year: int, *, reason: str, seen_version: int | None = None
) -> LppdAnnex:
    """Take a hand-in back (to correct and hand in again); the history keeps the first one."""
    if not selectors.may_hand_in(user, region):
        raise PermissionDenied(_("Hanya verifikator wilayah ini yang dapat menarik lampiran."))
    if reasons.is_blank(reason):
        raise ValidationError({"reason": _("Tuliskan alasan menarik lampiran.")})
    with transaction.atomic():
        annex = LppdAnnex.objects.select_for_update().filter(region=region, year=year).first()
        if annex is None or annex.submitted_at is None:
            raise ValidationError({"year": _("Lampiran tahun ini belum diserahkan.")})
        _check_version(annex.version, seen_version)
        annex.submitted_at = None
        annex.version += 1
        history.set_actor(annex, user, (_("Ditarik: ") + reasons.clean(reason))[:100])
        annex.save()
        return annex


def set_due_date(
    user: AnyUser, year: int, due: dt.date, *, reason: str, seen_version: int | None = None
) -> LppdDueDate:
    """Bangda sets the year's due date (another date than 31 March of the next year)."""
    if not selectors.may_set_due_date(user):
        raise PermissionDenied(_("Hanya Bangda yang dapat mengubah batas waktu lampiran LPPD."))
    if reasons.is_blank(reason):
        raise ValidationError({"reason": _("Tuliskan alasan perubahan.")})
    if due <= dt.date(year, 12, 31):
        raise ValidationError(
            {"due_date": _("Batas waktu harus sesudah akhir tahun %(y)s.") % {"y": year}}
        )
    with transaction.atomic():
        row = LppdDueDate.objects.select_for_update().filter(year=year).first()
        if row is None:
            row = LppdDueDate(year=year, version=0)
        _check_version(row.version, seen_version)
        row.due_date = due
        row.reason = reasons.clean(reason)
        row.version += 1
        history.set_actor(row, user, row.reason[:100])
        row.save()
        return row
