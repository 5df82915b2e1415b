"""Demo: the documented default SPM Award configuration for 2026 (docs/decisions.md), saved
once so the demo's ranking page shows a configured year with its history entry."""

from __future__ import annotations

from espm import history
from reporting.award import selectors
from reporting.models import AwardConfig

DEMO_YEAR = 2026


def seed() -> None:
    if AwardConfig.objects.filter(year=DEMO_YEAR).exists():
        return
    config = AwardConfig(year=DEMO_YEAR, **selectors.default_fields())
    history.set_reason(config, "Konfigurasi bawaan (docs/decisions.md)")
    config.save()
