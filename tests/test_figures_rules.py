"""The complete-report rule (rules.completeness) and the annual figure (rules.annual) at their
edges, on plain objects: no database, expected values worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace as NS

import pytest
from django.db.models import Q
from django.test import override_settings

from reporting.rules import annual, completeness
from reporting.rules.completeness import Answer

D = Decimal


# ---------------------------------------------------------------- answers


def test_quality_answers_by_kind_of_item_and_missing_rows():
    items = [
        NS(pk=1, code="M1", has_quantity=True),
        NS(pk=2, code="M2", has_quantity=True),
        NS(pk=3, code="M3", has_quantity=False),
        NS(pk=4, code="M4", has_quantity=False),
        NS(pk=5, code="M5", has_quantity=True),  # no row at all
    ]
    rows = [
        NS(quality_item_id=1, realised=D(0), met=None),  # 0 is an answer
        NS(quality_item_id=2, realised=None, met=True),  # met does not answer a quantity
        NS(quality_item_id=3, realised=None, met=False),  # "not met" is an answer
        NS(quality_item_id=4, realised=D(3), met=None),  # a quantity does not answer met
    ]
    assert completeness.quality_answers(items, rows) == [
        Answer("M1", True),
        Answer("M2", False),
        Answer("M3", True),
        Answer("M4", False),
        Answer("M5", False),
    ]


def test_answers_from_rows_reads_each_rows_own_item():
    item = NS(pk=7, code="X", has_quantity=False)
    rows = [NS(quality_item=item, quality_item_id=7, realised=None, met=True)]
    assert completeness.answers_from_rows(iter(rows)) == [Answer("X", True)]


# ---------------------------------------------------------------- what is missing


def test_served_missing_matters_unless_the_target_is_zero():
    assert completeness.index_missing(None, 100, []) == ["jumlah penerima terlayani belum diisi"]
    assert completeness.index_missing(None, None, []) == ["jumlah penerima terlayani belum diisi"]
    assert completeness.index_missing(None, 0, []) == []  # nothing to serve
    assert completeness.index_missing(0, 100, []) == []  # 0 served is an answer
    assert completeness.is_complete(0, 100, []) is True
    assert completeness.is_complete(None, 100, []) is False
    assert completeness.is_complete(None, 0, []) is True  # a target of 0 needs no count


def test_unanswered_items_are_counted_and_the_first_five_named():
    five = [Answer(c, False) for c in "ABCDE"]
    assert completeness.index_missing(1, 1, five) == ["5 butir mutu belum dijawab (A, B, C, D, E)"]
    six = [*five, Answer("F", False), Answer("G", True)]
    assert completeness.index_missing(1, 1, six) == ["6 butir mutu belum dijawab (A, B, C, D, E…)"]
    assert completeness.index_missing(1, 1, [Answer("A", True)]) == []
    both = completeness.index_missing(None, 5, [Answer("Q", False)])
    assert both == [
        "jumlah penerima terlayani belum diisi",
        "1 butir mutu belum dijawab (Q)",
    ]


def test_submission_needs_one_stage_status_besides_a_complete_report():
    assert completeness.submission_missing(1, 1, [], ["in_progress"]) == []
    assert completeness.submission_missing(1, 1, [], ["", "done"]) == []
    assert completeness.submission_missing(1, 1, [], []) == ["belum ada status tahap penerapan"]
    assert completeness.submission_missing(1, 1, [], ["", ""]) == [
        "belum ada status tahap penerapan"
    ]
    assert completeness.submission_missing(None, 1, [], []) == [
        "jumlah penerima terlayani belum diisi",
        "belum ada status tahap penerapan",
    ]


# ---------------------------------------------------------------- what counts


def test_counted_q_official_and_provisional_with_a_prefix():
    assert completeness.counted_q() == Q(capaian_index__isnull=False) & Q(status__in=("verified",))
    assert completeness.counted_q(provisional=True) == Q(capaian_index__isnull=False)
    assert completeness.counted_q(prefix="reports__") == Q(
        reports__capaian_index__isnull=False
    ) & Q(reports__status__in=("verified",))


@pytest.mark.parametrize(
    ("index", "status", "provisional", "counted"),
    [
        (D(80), "verified", False, True),
        (D(80), "submitted", False, False),
        (D(80), "draft", True, True),
        (None, "verified", False, False),
        (None, "verified", True, False),
        (D(0), "verified", False, True),  # an index of 0 counts: it is not missing
    ],
)
def test_counts_values(index, status, provisional, counted):
    assert completeness.counts_values(index, status, provisional=provisional) is counted
    report = NS(capaian_index=index, status=status)
    assert completeness.counts(report, provisional=provisional) is counted


@override_settings(SPM_OFFICIAL_REPORT_STATUSES=("verified", "submitted"))
def test_official_statuses_follow_the_setting():
    assert completeness.official_statuses() == ("verified", "submitted")
    assert completeness.counts_values(D(1), "submitted") is True
    assert completeness.counts_values(D(1), "draft") is False


def test_standing_tells_not_entered_incomplete_and_not_verified_apart():
    s = completeness.standing(NS(capaian_index=None, entered_at=None, status="verified"))
    assert (s.index, s.reason, s.complete, s.reason_label) == (
        None,
        "not_entered",
        False,
        "belum diisi",
    )
    s = completeness.standing(NS(capaian_index=None, entered_at="x", status="draft"))
    assert (s.reason, s.complete, s.reason_label) == ("incomplete", False, "belum lengkap")
    s = completeness.standing(NS(capaian_index=D(70), entered_at="x", status="submitted"))
    assert (s.index, s.reason, s.complete, s.reason_label) == (
        None,
        "not_verified",
        True,
        "belum terverifikasi",
    )
    s = completeness.standing(
        NS(capaian_index=D(70), entered_at="x", status="submitted"), provisional=True
    )
    assert (s.index, s.reason, s.reason_label) == (D(70), "", "")
    s = completeness.standing(NS(capaian_index=D(70), entered_at="x", status="verified"))
    assert (s.index, s.reason, s.complete) == (D(70), "", True)


@pytest.mark.parametrize(
    ("params", "provisional"),
    [
        ({"sementara": "1"}, True),
        ({"sementara": " Ya "}, True),
        ({"provisional": "TRUE"}, True),
        ({"provisional": "yes"}, True),
        ({"sementara": "on"}, True),
        ({"sementara": "0"}, False),
        ({"sementara": "tidak"}, False),
        ({"sementara": ""}, False),
        ({}, False),
    ],
)
def test_the_provisional_switch(params, provisional):
    assert completeness.is_provisional(NS(GET=params)) is provisional  # a Django request
    assert completeness.is_provisional(NS(query_params=params)) is provisional  # DRF
    assert completeness.is_provisional(params) is provisional  # plain mapping


# ---------------------------------------------------------------- the annual figure


def line(*quarters, code="A", sector="KES") -> annual.AnnualLine:
    return annual.AnnualLine(code, f"Layanan {code}", sector, "Kesehatan", tuple(quarters))


def test_the_annual_figure_is_the_latest_counted_quarter():
    tw3 = line(D(60), None, D(75), None)
    assert (tw3.quarter, tw3.index, tw3.final) == (3, D(75), False)
    tw4 = line(None, None, None, D(90))
    assert (tw4.quarter, tw4.index, tw4.final) == (4, D(90), True)
    tw1 = line(D(40), None, None, None)
    assert (tw1.quarter, tw1.index, tw1.final) == (1, D(40), False)
    nothing = line(None, None, None, None)
    assert (nothing.quarter, nothing.index, nothing.final) == (None, None, False)
    zero = line(None, D(0), None, None)  # a counted 0 is a figure, not a gap
    assert (zero.quarter, zero.index) == (2, D(0))


def services(*specs):
    return [NS(code=c, name=f"Layanan {c}", sector_code=s, sector_name=s) for c, s in specs]


def test_build_rolls_up_the_region_and_each_sector_over_every_expected_service():
    svc = services(("A", "KES"), ("B", "KES"), ("C", "DIK"))
    cells = {"A": {1: D(50), 4: D(90)}, "C": {2: D(60)}}  # B never counts
    a = annual.build(2027, svc, cells, provisional=True)
    assert (a.year, a.provisional) == (2027, True)
    assert [ln.quarters for ln in a.lines] == [
        (D(50), None, None, D(90)),
        (None, None, None, None),
        (None, D(60), None, None),
    ]
    # region: (90 + 0 + 60) / 3 = 50, mean of the reported (90 + 60) / 2 = 75
    overall = a.overall
    assert (overall.index, overall.mean_reported, overall.reported, overall.expected) == (
        D(50),
        D(75),
        2,
        3,
    )
    # KES: (90 + 0) / 2 = 45; DIK: 60 / 1 = 60
    assert a.sectors["KES"].index == D(45) and a.sectors["KES"].expected == 2
    assert a.sectors["DIK"].index == D(60) and a.sectors["DIK"].expected == 1
    # each quarter on its own: TW I (50 + 0 + 0) / 3, TW II 60 / 3, TW III none, TW IV 90 / 3
    quarters = a.quarter_rollups
    assert [q.index for q in quarters] == [D(50) / 3, D(20), None, D(30)]
    assert [q.expected for q in quarters] == [3, 3, 3, 3]
    assert a.complete_year is False


def test_the_year_is_complete_when_every_service_counts_in_tw4():
    svc = services(("A", "KES"), ("B", "DIK"))
    done = annual.build(2027, svc, {"A": {4: D(80)}, "B": {3: D(70), 4: D(60)}})
    assert done.complete_year is True and done.provisional is False
    assert done.overall.index == D(70)  # (80 + 60) / 2
    half = annual.build(2027, svc, {"A": {4: D(80)}, "B": {3: D(70)}})
    assert half.complete_year is False
    assert annual.build(2027, [], {}).complete_year is False  # nothing expected: not final


def test_counts_is_official_unless_asked_otherwise():
    submitted = NS(capaian_index=D(70), status="submitted")
    assert completeness.counts(submitted) is False  # official by default
    assert completeness.counts_values(D(70), "submitted") is False


def test_build_keeps_each_services_names():
    a = annual.build(2027, services(("A", "KES")), {})
    ln = a.lines[0]
    assert (ln.code, ln.name, ln.sector_code, ln.sector_name) == ("A", "Layanan A", "KES", "KES")


@pytest.mark.django_db
def test_annual_reads_the_counted_reports_of_its_year_only():
    from regions.models import Region
    from reporting.models import Report
    from tests import factories_review as f

    klaten = Region.objects.get(code="33.10")
    p1, p2 = f.period(2027, 1), f.period(2027, 2)
    f.open_region(klaten, p1)
    f.open_region(klaten, p2)
    mine = Report.objects.filter(region=klaten, agency__short_name="DINKES")
    first = mine.filter(period=p1).order_by("service_type__code").first()
    code = first.service_type.code
    f.fill(first)  # 80 of 100: 0.8 × 80 + 20 = 84
    f.set_status(first, Report.Status.VERIFIED)
    second = mine.get(period=p2, service_type__code=code)
    f.fill(second, served=50)  # 0.8 × 50 + 20 = 60, still a draft
    svc = [NS(code=code, name="Layanan", sector_code="KES", sector_name="Kesehatan")]
    reports = Report.objects.filter(region=klaten)
    official = annual.annual(reports, 2027, svc)
    assert official.lines[0].quarters == (D(84), None, None, None)
    assert (official.provisional, official.year) == (False, 2027)
    provisional = annual.annual(reports, 2027, svc, provisional=True)
    assert provisional.lines[0].quarters == (D(84), D(60), None, None)
    assert provisional.provisional is True
    assert annual.annual(reports, 2028, svc).lines[0].quarters == (None, None, None, None)


def test_submission_check_with_a_target_of_zero_needs_no_served_count():
    assert completeness.submission_missing(None, 0, [], ["done"]) == []
