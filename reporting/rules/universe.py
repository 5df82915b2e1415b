"""The reporting universe of a period: which regions it is measured against.

SPM.md §2 and §7: every autonomous province and kab/kota reports (38 + 415 + 93 = 546
today); DKI Jakarta's administrative units do not (they are inactive regions, see
docs/regions.md). The universe changes over time, so each period keeps the one it was
measured against: a snapshot of the current universe made when the period opens
(``snapshot``), editable by Bangda with a reason (``change``). A period without a snapshot
(planned, never opened) is measured against the current universe.

Every denominator — input status, timeliness, expected reports, rankings — reads
``in_universe_q`` or ``regions_of``; nothing else decides who is counted. The service types
a region is expected to report are ``service_levels`` (Jakarta's province carries the
kab/kota services too: a setting).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _t

from regions.models import Level, Region, service_levels_of
from regions.scoping import AnyUser, acting_user, sees_everything
from regions.selectors import reporting_universe
from reporting.models import Period, PeriodRegion, PeriodUniverseChange
from reporting.rules import reasons

LEVELS: tuple[str, ...] = (Level.PROVINCE, Level.KABUPATEN, Level.KOTA)


class UniverseError(ValueError):
    """A change of a period's universe was refused; nothing was written."""


def service_levels(code: str, level: str) -> tuple[str, ...]:
    """The catalog levels whose service types a region reports (``Region.service_levels``)."""
    return service_levels_of(code, level)


def current_regions() -> QuerySet[Region]:
    """Today's reporting regions (``regions.selectors.reporting_universe``: 546 today)."""
    return reporting_universe()


def in_universe_q(period: Period | None, *, field: str = "pk") -> Q:
    """SQL condition "this region (``field``) is in the period's universe".

    The snapshot when the period has one, else today's active regions; one expression, so a
    dashboard needs no extra query to know which applies.
    """
    current = Q(is_active=True, is_autonomous=True)
    if period is None:
        return current
    mine = PeriodRegion.objects.filter(period_id=period.pk, region_id=OuterRef(field))
    any_row = PeriodRegion.objects.filter(period_id=period.pk)
    return Q(Exists(mine)) | (~Q(Exists(any_row)) & current)


def regions_of(period: Period | None) -> QuerySet[Region]:
    """The regions a period is measured against (provinces and kab/kota)."""
    return Region.objects.filter(level__in=LEVELS).filter(in_universe_q(period))


def year_period(year: int) -> Period | None:
    """The year's last opened period: its universe is the year's set of regions (the award's
    ranking, the LPPD annexes expected)."""
    return (
        Period.objects.filter(year=year)
        .exclude(state=Period.State.PLANNED)
        .order_by("-quarter")
        .first()
    )


def has_snapshot(period: Period) -> bool:
    return PeriodRegion.objects.filter(period=period).exists()


def counts(period: Period | None) -> dict[str, int]:
    """Regions per level in the period's universe, e.g. {"province": 38, "kabupaten": 415, …}."""
    found = Counter(regions_of(period).values_list("level", flat=True))
    return {level: found.get(level, 0) for level in LEVELS}


def snapshot(period: Period, user: AnyUser | None = None) -> int:
    """Fix the period's universe from today's regions (idempotent: once made, kept)."""
    with transaction.atomic():
        Period.objects.select_for_update().get(pk=period.pk)
        if has_snapshot(period):
            return 0
        rows = [
            PeriodRegion(period=period, region_id=pk, level=level)
            for pk, level in current_regions().order_by("code").values_list("pk", "level")
        ]
        PeriodRegion.objects.bulk_create(rows, batch_size=1000)
        PeriodUniverseChange.objects.create(
            period=period,
            actor=acting_user(user) if user is not None else None,
            kind="snapshot",
            added=[],
            reason=_t("Diambil dari daftar wilayah saat periode dibuka (%(n)d wilayah).")
            % {"n": len(rows)},
        )
        return len(rows)


def change(
    period: Period,
    user: AnyUser,
    *,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    reason: str,
) -> PeriodUniverseChange:
    """Bangda adds or removes regions of a period's universe, with a recorded reason."""
    if not sees_everything(user):
        raise UniverseError(_t("Hanya admin Bangda yang dapat mengubah wilayah pelapor periode."))
    if reasons.is_blank(reason):
        raise UniverseError(_t("Alasan perubahan wajib diisi."))
    add_codes = sorted({c.strip() for c in add if c.strip()})
    remove_codes = sorted({c.strip() for c in remove if c.strip()})
    both = set(add_codes) & set(remove_codes)
    if both:
        raise UniverseError(
            _t("Kode ditambah dan dihapus sekaligus: %(codes)s.") % {"codes": ", ".join(both)}
        )
    with transaction.atomic():
        Period.objects.select_for_update().get(pk=period.pk)
        if not has_snapshot(period):
            snapshot(period, user)
        regions = {
            r.code: r
            for r in Region.objects.filter(code__in=add_codes + remove_codes, level__in=LEVELS)
        }
        unknown = [c for c in add_codes + remove_codes if c not in regions]
        if unknown:
            raise UniverseError(
                _t("Kode wilayah tidak dikenal: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        present = set(
            PeriodRegion.objects.filter(period=period).values_list("region__code", flat=True)
        )
        to_add = [c for c in add_codes if c not in present]
        to_remove = [c for c in remove_codes if c in present]
        if not to_add and not to_remove:
            raise UniverseError(_t("Tidak ada perubahan: semua kode sudah sesuai."))
        PeriodRegion.objects.bulk_create(
            [PeriodRegion(period=period, region=regions[c], level=regions[c].level) for c in to_add]
        )
        PeriodRegion.objects.filter(period=period, region__code__in=to_remove).delete()
        return PeriodUniverseChange.objects.create(
            period=period,
            actor=acting_user(user),
            kind="edit",
            added=to_add,
            removed=to_remove,
            reason=reasons.clean(reason),
        )
