"""Capaian (achievement) of one report — the only place the formula lives.

Section 5 of the domain reference:
- recipients % = min(served / target, 1) × 100; target 0 → 100 and flagged "no target";
- quality % = mean over quality items of min(realised / required, 1) × 100; an item
  without a quantity counts 100 when met, 0 when not; an item whose required quantity is 0
  is met (100) and flagged like a zero target; no items → 100;
- index = w_r × recipients % + w_q × quality % (0.8 / 0.2), rounded only when shown;
- band from a configurable table (settings.SPM_CAPAIAN_BANDS).

Whether a report has an index at all (it must be complete) is decided by
``reporting.rules.completeness``; this module only computes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

HUNDRED = Decimal(100)
DEFAULT_WEIGHTS = (Decimal("0.8"), Decimal("0.2"))
# (lower bound inclusive, band label); checked from the top.
DEFAULT_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(100), "Tuntas Paripurna"),
    (Decimal(90), "Tuntas Utama"),
    (Decimal(80), "Tuntas Madya"),
    (Decimal(70), "Tuntas Pratama"),
    (Decimal(60), "Tuntas Muda"),
    (Decimal(0), "Belum Tuntas"),
)


@dataclass(frozen=True)
class QualityInput:
    required: Decimal | None
    realised: Decimal | None
    has_quantity: bool = True
    met: bool | None = None
    label: str = ""


@dataclass(frozen=True)
class QualityTerm:
    label: str
    pct: Decimal
    explanation: str
    # Nothing was required of this item (required quantity 0): met by definition, flagged.
    zero_required: bool = False


@dataclass(frozen=True)
class Capaian:
    recipients_pct: Decimal
    quality_pct: Decimal
    index: Decimal
    band: str
    no_target: bool
    over_target: bool
    weights: tuple[Decimal, Decimal]
    served: int | None
    target: int | None
    quality_terms: tuple[QualityTerm, ...] = field(default_factory=tuple)

    @property
    def index_display(self) -> Decimal:
        return round2(self.index)

    @property
    def zero_required(self) -> bool:
        """Some quality item required a quantity of 0 (met by definition; flagged)."""
        return any(t.zero_required for t in self.quality_terms)

    def as_dict(self) -> dict[str, object]:
        return {
            "recipients_pct": str(round2(self.recipients_pct)),
            "quality_pct": str(round2(self.quality_pct)),
            "index": str(round2(self.index)),
            "band": self.band,
            "no_target": self.no_target,
            "over_target": self.over_target,
            "zero_required": self.zero_required,
        }


def round2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def weights() -> tuple[Decimal, Decimal]:
    w = getattr(settings, "SPM_CAPAIAN_WEIGHTS", DEFAULT_WEIGHTS)
    return Decimal(str(w[0])), Decimal(str(w[1]))


def bands() -> Sequence[tuple[Decimal, str]]:
    table = getattr(settings, "SPM_CAPAIAN_BANDS", DEFAULT_BANDS)
    return sorted(((Decimal(str(lo)), label) for lo, label in table), reverse=True)


def band_for(index: Decimal) -> str:
    for lower, label in bands():
        if index >= lower:
            return label
    return bands()[-1][1]


def recipients_pct(served: int | None, target: int | None) -> tuple[Decimal, bool, bool]:
    """(pct, no_target, over_target). Missing served counts as 0 served."""
    served_n = Decimal(served or 0)
    if not target:
        return HUNDRED, True, False
    over = served_n > target
    return min(served_n / Decimal(target), Decimal(1)) * HUNDRED, False, over


def quality_term(item: QualityInput) -> QualityTerm:
    if item.has_quantity and item.required is not None and Decimal(item.required) == 0:
        return QualityTerm(item.label, HUNDRED, "tidak ada jumlah minimal (0)", zero_required=True)
    if not item.has_quantity or item.required is None:
        pct = HUNDRED if item.met else Decimal(0)
        return QualityTerm(item.label, pct, "terpenuhi" if item.met else "belum terpenuhi")
    realised = item.realised or Decimal(0)
    required = Decimal(item.required)
    pct = min(realised / required, Decimal(1)) * HUNDRED
    return QualityTerm(item.label, pct, f"min({realised} / {required}, 1) × 100")


def compute(served: int | None, target: int | None, quality: Iterable[QualityInput]) -> Capaian:
    r_pct, no_target, over = recipients_pct(served, target)
    terms = tuple(quality_term(q) for q in quality)
    q_pct = sum((t.pct for t in terms), Decimal(0)) / len(terms) if terms else HUNDRED
    w_r, w_q = weights()
    index = w_r * r_pct + w_q * q_pct
    return Capaian(
        recipients_pct=r_pct,
        quality_pct=q_pct,
        index=index,
        band=band_for(index),
        no_target=no_target,
        over_target=over,
        weights=(w_r, w_q),
        served=served,
        target=target,
        quality_terms=terms,
    )


@dataclass(frozen=True)
class Rollup:
    """A roll-up over the service types expected of a region, sector or service type.

    Policy (SPM.md §5, docs/decisions.md): the official figure is the index over **all**
    expected reports, a missing or incomplete one counting 0, so partial reporting never
    ranks above complete reporting. Beside it always: how many were reported of how many
    expected, and the mean of what was reported (labelled as such).
    """

    # Sum of reported indices / expected; None when nothing was reported (no data, no figure).
    index: Decimal | None
    mean_reported: Decimal | None  # mean of the reported indices only; None when none reported
    reported: int
    expected: int

    @property
    def missing(self) -> int:
        return max(self.expected - self.reported, 0)

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.reported >= self.expected


def rollup_of(total: Decimal, reported: int, expected: int) -> Rollup:
    """The roll-up from a sum of reported indices and the two counts (SQL aggregates)."""
    expected = max(expected, reported)
    return Rollup(
        index=total / expected if reported else None,
        mean_reported=total / reported if reported else None,
        reported=reported,
        expected=expected,
    )


def rollup(indices: Iterable[Decimal | None], expected: int) -> Rollup:
    """Roll up report indices (None = missing or incomplete) against the expected count."""
    present = [i for i in indices if i is not None]
    return rollup_of(sum(present, Decimal(0)), len(present), expected)
