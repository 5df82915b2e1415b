"""SPM Award scoring: components, weights, the weighted score and the ranking (pure).

A year's configuration (``reporting.models.AwardConfig``) names criteria, each a known
component key with a weight; the weights sum to 100. Every component is a score 0–100
computed from a raw number over a denominator; a region without data for a component
scores 0 for it and the component says so (``missing``), it is never left out. The
weighted score is sum(weight × component) / 100, rounded half-up to 2 decimals.
The default configuration and its source: docs/decisions.md ("SPM Award scoring").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

HUNDRED = Decimal(100)
CENT = Decimal("0.01")

# Component keys → plain-language definition (shown on the config page and in exports).
COMPONENTS: dict[str, Any] = {
    "capaian": _(
        "Indeks capaian SPM tahunan wilayah atas semua jenis layanan yang diharapkan "
        "(layanan tanpa laporan terhitung 0)."
    ),
    "budget": _(
        "Realisasi anggaran SPM: jumlah realisasi dibagi jumlah pagu pada laporan yang "
        "menjadi angka tahunan (maksimal 100)."
    ),
    "stages": _(
        "Empat tahapan penerapan SPM: tahapan berstatus selesai dibagi 4 × jenis layanan "
        "yang diharapkan, pada laporan yang menjadi angka tahunan."
    ),
    "team": _(
        "Tim Penerapan SPM: 100 bila tim tahun itu ditetapkan dengan surat keputusan dan "
        "beranggota, 50 bila ditetapkan tanpa anggota, 0 bila belum ada."
    ),
    "timeliness": _(
        "Ketepatan waktu pelaporan e-SPM: triwulan yang laporan wilayahnya dikirim tepat "
        "waktu dibagi triwulan yang sudah dibuka tahun itu."
    ),
    "data_quality": _(
        "Kualitas data e-SPM: laporan tahun itu tanpa temuan kualitas data yang masih "
        "terbuka dibagi semua laporan wilayah tahun itu."
    ),
}
COMPONENT_LABELS: dict[str, Any] = {
    "capaian": _("Indeks capaian"),
    "budget": _("Komitmen anggaran"),
    "stages": _("Empat tahapan"),
    "team": _("Tim Penerapan SPM"),
    "timeliness": _("Ketepatan waktu"),
    "data_quality": _("Kualitas data"),
}

# Categories → which regions belong (by ``Region.level``; "team" = every region with a team).
CATEGORIES: dict[str, Any] = {
    "province": _("Provinsi"),
    "kabupaten": _("Kabupaten"),
    "kota": _("Kota"),
    "team": _("Tim Penerapan SPM terbaik"),
}
CATEGORY_LEVELS: dict[str, tuple[str, ...]] = {
    "province": ("province",),
    "kabupaten": ("kabupaten",),
    "kota": ("kota",),
    "team": ("province", "kabupaten", "kota"),
}

# The documented default (docs/decisions.md): Bangda is expected to adjust it per year.
DEFAULT_CRITERIA: tuple[tuple[str, int], ...] = (
    ("capaian", 40),
    ("budget", 15),
    ("stages", 15),
    ("team", 10),
    ("timeliness", 10),
    ("data_quality", 10),
)
DEFAULT_CATEGORIES: tuple[str, ...] = ("province", "kabupaten", "kota", "team")


class ConfigError(ValueError):
    """A configuration Bangda may not save (unknown key, weights not summing to 100, …)."""


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def validate(criteria: Sequence[tuple[str, int]], categories: Sequence[str]) -> None:
    """Refuse an unusable configuration; the message is the user's."""
    keys = [k for k, _w in criteria]
    if not keys:
        raise ConfigError(_("Tetapkan paling sedikit satu kriteria."))
    unknown = [k for k in keys if k not in COMPONENTS]
    if unknown:
        raise ConfigError(_("Kriteria tidak dikenal: %(keys)s.") % {"keys": ", ".join(unknown)})
    if len(set(keys)) != len(keys):
        raise ConfigError(_("Setiap kriteria hanya boleh muncul sekali."))
    if any(w < 0 or w > 100 for _k, w in criteria):
        raise ConfigError(_("Bobot setiap kriteria antara 0 dan 100."))
    total = sum(w for _k, w in criteria)
    if total != 100:
        raise ConfigError(_("Jumlah bobot harus 100 (sekarang %(total)s).") % {"total": total})
    if not categories:
        raise ConfigError(_("Pilih paling sedikit satu kategori."))
    bad = [c for c in categories if c not in CATEGORIES]
    if bad:
        raise ConfigError(_("Kategori tidak dikenal: %(keys)s.") % {"keys": ", ".join(bad)})


@dataclass(frozen=True)
class Component:
    """One component of a region: score 0–100 from ``raw`` over ``denominator``."""

    key: str
    score: Decimal
    raw: Decimal | int
    denominator: Decimal | int
    missing: bool = False  # no data: the score is 0 and the page says so

    @property
    def label(self) -> str:
        return str(COMPONENT_LABELS[self.key])


def ratio(key: str, raw: Decimal | int, denominator: Decimal | int) -> Component:
    """min(raw / denominator, 1) × 100; no denominator → 0, marked missing."""
    if not denominator:
        return Component(key, Decimal(0), raw, denominator, missing=True)
    score = min(Decimal(raw) / Decimal(denominator), Decimal(1)) * HUNDRED
    return Component(key, score, raw, denominator)


def weighted(components: Mapping[str, Component], criteria: Sequence[tuple[str, int]]) -> Decimal:
    """Σ weight × score / 100, rounded half-up to 2 decimals (a missing component is 0)."""
    total = sum(
        (Decimal(w) * components[k].score for k, w in criteria if k in components),
        Decimal(0),
    )
    return round2(total / HUNDRED)


@dataclass
class Scored:
    code: str
    name: str
    level: str
    components: dict[str, Component]
    score: Decimal
    has_team: bool = False
    rank: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [c.label for c in self.components.values() if c.missing]


def members(rows: Iterable[Scored], category: str) -> list[Scored]:
    levels = CATEGORY_LEVELS[category]
    return [r for r in rows if r.level in levels and (category != "team" or r.has_team)]


def rank(
    rows: Iterable[Scored], category: str, criteria: Sequence[tuple[str, int]]
) -> list[Scored]:
    """The category's regions, best first; equal scores share a rank (1, 1, 3), then by the
    components in the configured order of weight, then by code for a stable order."""
    keys = [k for k, _w in sorted(criteria, key=lambda kw: -kw[1])]
    out = sorted(
        (replace(r) for r in members(rows, category)),
        key=lambda r: (-r.score, *[-r.components[k].score for k in keys], r.code),
    )
    previous: Decimal | None = None
    for i, r in enumerate(out, start=1):
        r.rank = out[i - 2].rank if previous is not None and r.score == previous else i
        previous = r.score
    return out
