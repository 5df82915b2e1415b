"""An ended region's reports in the maintained figures (``reporting.figures``).

An ended region (the old Papua, ``94@2022``) has no province (``province_code ''``), and ''
is also the whole nation's key in ``ServiceFigure``: its reports count in the nation's rows
once and in no province's row, by the triggers, the rebuild and migration 0021's repair.
Runs on PostgreSQL and on SQLite (the embedded default).
"""

from __future__ import annotations

import dataclasses
import importlib
import io
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection

from regions.models import Region, User
from reporting.dashboards import selectors
from reporting.figures import services as figures
from reporting.models import Report, ServiceFigure
from reporting.rules import universe
from tests.factories_dashboard import PeriodFactory, catalog, report

SAME = {"reports": (0, 0), "region": (0, 0), "service": (0, 0)}


def service_rows(period) -> set[tuple]:
    """(province, service type, status, band, counted, total) of every row of the period."""
    return {
        (r.province_code, r.service_type.code, r.status, r.band, r.counted, r.total)
        for r in ServiceFigure.objects.filter(period=period).select_related("service_type")
    }


@pytest.fixture
def tw1_2022(db):
    """TW I 2022, measured with the old Papua in it (before the July 2022 split): a report of
    the old Papua (80, Madya) and one of Jawa Tengah (90, Utama)."""
    st = catalog(2022)
    p = PeriodFactory(year=2022, quarter=1)
    bangda = User.objects.get(username="bangda.admin")
    assert Region.objects.get(code="94@2022").province_code == ""
    universe.snapshot(p, bangda)
    universe.change(p, bangda, add=["94@2022"], reason="Papua lama masih melapor TW I 2022")
    papua = report("94@2022", st["P-DIK-01"], p, "80")
    report("33", st["P-DIK-01"], p, "90")
    return p, bangda, papua


def test_national_service_rows_by_hand_count_an_ended_region_once(tw1_2022):
    p, _bangda, _papua = tw1_2022
    assert service_rows(p) == {
        # The nation: each report once.
        ("", "P-DIK-01", "verified", "Tuntas Madya", 1, D("80")),
        ("", "P-DIK-01", "verified", "Tuntas Utama", 1, D("90")),
        # Jawa Tengah's own row; the old Papua has none (no province, no province dashboard).
        ("33", "P-DIK-01", "verified", "Tuntas Utama", 1, D("90")),
    }
    assert figures.check() == SAME


def test_national_dashboard_counts_an_ended_regions_report_once(tw1_2022, monkeypatch):
    p, bangda, _papua = tw1_2022
    scope = selectors.scope_for(bangda)
    assert scope.figures and scope.whole  # Bangda reads the nation's maintained rows
    dash = selectors.national_dashboard(bangda, 2022, 1)
    ranked = {r.key: r for r in dash.ranking}
    assert ranked["94@2022"].reported == 1 and ranked["33"].reported == 1
    row = {r.key: r for r in dash.service_types}["P-DIK-01"]
    assert (row.reported, row.mean_reported) == (2, D(85))  # (80 + 90) / 2
    bands = {b.band: b.count for b in dash.bands}
    assert (bands["Tuntas Madya"], bands["Tuntas Utama"]) == (1, 1)
    # The nation's rows the dashboard reads hold the same: two reports, 170.
    national = ServiceFigure.objects.filter(period=p, province_code="")
    assert sum(r.counted for r in national) == 2
    assert sum(r.total for r in national) == D(170)

    # The same dashboard computed from the reports.
    maintained = dataclasses.astuple(dash)
    monkeypatch.setattr(selectors, "reads_regions_whole", lambda user: False)
    assert not selectors.scope_for(bangda).figures
    assert dataclasses.astuple(selectors.national_dashboard(bangda, 2022, 1)) == maintained


def test_rebuilt_equals_maintained_after_each_change_of_an_ended_regions_report(tw1_2022):
    p, _bangda, papua = tw1_2022
    # A new index (another band), a status change, the index lost and back, the region's
    # report replaced by a bulk insert, a deletion: after each the rebuild changes nothing.
    papua.capaian_index, papua.band = D("95"), "Tuntas Utama"
    papua.save()
    assert ("", "P-DIK-01", "verified", "Tuntas Utama", 2, D("185")) in service_rows(p)
    assert figures.check() == SAME
    Report.objects.filter(pk=papua.pk).update(status=Report.Status.RETURNED)
    assert ("", "P-DIK-01", "returned", "Tuntas Utama", 1, D("95")) in service_rows(p)
    assert figures.check() == SAME
    Report.objects.filter(pk=papua.pk).update(capaian_index=None, band="")
    assert figures.check() == SAME
    Report.objects.filter(pk=papua.pk).update(
        capaian_index=D("80"), band="Tuntas Madya", status=Report.Status.VERIFIED
    )
    assert figures.check() == SAME
    Report.objects.filter(pk=papua.pk).delete()
    assert service_rows(p) == {
        ("", "P-DIK-01", "verified", "Tuntas Utama", 1, D("90")),
        ("33", "P-DIK-01", "verified", "Tuntas Utama", 1, D("90")),
    }
    assert figures.check() == SAME


def test_rebuild_command_with_an_ended_regions_report(tw1_2022):
    p, _bangda, _papua = tw1_2022
    maintained = service_rows(p)
    call_command("rebuild_figures", "--check", stdout=(out := io.StringIO()))
    assert "service: 0 baris berlebih, 0 baris kurang" in out.getvalue()
    call_command("rebuild_figures", stdout=(out := io.StringIO()))
    assert "dihitung ulang" in out.getvalue()
    assert service_rows(p) == maintained


def test_migration_0021_repairs_a_doubled_national_row(tw1_2022):
    """A database whose earlier triggers counted the old Papua's report twice nationally."""
    p, _bangda, _papua = tw1_2022
    good = service_rows(p)
    ServiceFigure.objects.filter(period=p, province_code="", band="Tuntas Madya").update(
        counted=2, total=D("160")
    )
    migration = importlib.import_module("reporting.migrations.0021_ended_region_service_figures")
    migration.repair(None, SimpleNamespace(connection=connection))
    assert service_rows(p) == good
    assert figures.check() == SAME
