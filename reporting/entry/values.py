"""What a section's form hands to its save service: typed values, no form and no model."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class QualityValue:
    realised: Decimal | None = None
    met: bool | None = None
    required: Decimal | None = None
    set_required: bool = False  # only when no verified target fixes it
