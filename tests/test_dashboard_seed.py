"""seed_synthetic: reproducible, marked, refuses production, and feeds the dashboards."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from regions.models import Region, User
from reporting.dashboards import selectors as d
from reporting.management.commands import seed_synthetic
from reporting.models import RegionSubmission, Report

ARGS = {"years": 1, "end_year": 2025, "seed": 5, "provinces": "36", "verbosity": 0}


def _snapshot() -> list[tuple]:
    return list(
        Report.objects.filter(problems__startswith="[SINTETIS]")
        .order_by("region__code", "period__quarter", "service_type__code")
        .values_list(
            "region__code", "period__quarter", "service_type__code", "capaian_index", "status"
        )
    )


@pytest.mark.django_db
def test_fills_every_region_service_and_quarter_reproducibly():
    call_command("seed_synthetic", **ARGS)
    regions = Region.objects.filter(province_code="36", is_active=True).exclude(level="national")
    kabkota = regions.exclude(level="province").count()
    rows = _snapshot()
    assert len(rows) == 4 * (14 + 29 * kabkota)
    assert (
        RegionSubmission.objects.filter(period__year=2025, region__province_code="36").count()
        == 4 * regions.count()
    )
    assert all(r[3] is None or 0 <= r[3] <= 100 for r in rows)
    call_command("seed_synthetic", purge=True, verbosity=0)
    assert not Report.objects.filter(problems__startswith="[SINTETIS]").exists()
    call_command("seed_synthetic", **ARGS)
    assert _snapshot() == rows


@pytest.mark.django_db
def test_dashboard_reads_synthetic_data():
    call_command("seed_synthetic", **ARGS)
    rows = {r.level: r for r in d.input_status(User.objects.get(username="bangda.admin"), 2025, 4)}
    assert rows["province"].total == 38 and rows["province"].entered <= 1
    assert rows["kabupaten"].entered + rows["kota"].entered >= 1


@pytest.mark.django_db
def test_refuses_production_and_needs_the_catalog(monkeypatch, settings):
    settings.DEBUG = False
    monkeypatch.setattr(seed_synthetic, "database_is_non_production", lambda: False)
    with pytest.raises(CommandError, match="produksi"):
        call_command("seed_synthetic", **ARGS)
    assert not Report.objects.filter(problems__startswith="[SINTETIS]").exists()
    with pytest.raises(CommandError, match="load_catalog"):
        call_command(
            "seed_synthetic", **{**ARGS, "end_year": 2040}, i_know_this_is_not_production=True
        )
