"""The capaian formula (section 5 of the domain reference): cases, caps, flags and band edges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from reporting.rules import capaian
from reporting.rules.capaian import QualityInput, compute

D = Decimal


def q(required, realised, has_quantity=True, met=None):
    return QualityInput(
        required=None if required is None else D(str(required)),
        realised=None if realised is None else D(str(realised)),
        has_quantity=has_quantity,
        met=met,
    )


def test_worked_example_is_76_tuntas_pratama():
    items = [q(10, 10), q(5, 5), q(1, 1), q(3, 3), q(4, 0)]
    c = compute(150, 200, items)
    assert c.recipients_pct == D(75)
    assert c.quality_pct == D(80)
    assert c.index_display == D("76.00")
    assert c.band == "Tuntas Pratama"
    assert not c.no_target and not c.over_target
    assert c.as_dict()["index"] == "76.00"


def test_target_zero_counts_100_and_is_flagged():
    c = compute(0, 0, [q(1, 1)])
    assert c.recipients_pct == D(100)
    assert c.no_target is True
    assert c.index == D(100)
    assert c.band == "Tuntas Paripurna"


def test_missing_target_is_treated_like_zero_target():
    c = compute(10, None, [])
    assert c.no_target is True and c.recipients_pct == D(100)


def test_served_above_target_is_capped_and_flagged():
    c = compute(250, 200, [q(2, 2)])
    assert c.recipients_pct == D(100)
    assert c.over_target is True
    assert c.index == D(100)


def test_realised_above_required_is_capped():
    c = compute(100, 100, [q(5, 50), q(10, 0)])
    assert c.quality_pct == D(50)
    assert [t.pct for t in c.quality_terms] == [D(100), D(0)]


def test_no_quality_items_counts_100():
    c = compute(100, 200, [])
    assert c.quality_pct == D(100)
    assert c.index == D("0.8") * 50 + D("0.2") * 100 == D(60)
    assert c.band == "Tuntas Muda"


def test_items_without_quantity_count_100_when_met_0_when_not():
    c = compute(
        200,
        200,
        [q(None, None, has_quantity=False, met=True), q(None, None, has_quantity=False, met=False)],
    )
    assert c.quality_pct == D(50)
    not_answered = compute(200, 200, [q(None, None, has_quantity=False, met=None)])
    assert not_answered.quality_pct == D(0)


def test_nothing_served_yet_is_zero_recipients():
    c = compute(None, 200, [q(1, 1)])
    assert c.recipients_pct == D(0)
    assert c.index == D(20)


@pytest.mark.parametrize(
    ("index", "band"),
    [
        (D(100), "Tuntas Paripurna"),
        (D("99.99"), "Tuntas Utama"),
        (D(90), "Tuntas Utama"),
        (D("89.99"), "Tuntas Madya"),
        (D(80), "Tuntas Madya"),
        (D("79.99"), "Tuntas Pratama"),
        (D(70), "Tuntas Pratama"),
        (D("69.99"), "Tuntas Muda"),
        (D(60), "Tuntas Muda"),
        (D("59.99"), "Belum Tuntas"),
        (D(0), "Belum Tuntas"),
    ],
)
def test_band_boundaries(index, band):
    assert capaian.band_for(index) == band


@pytest.mark.parametrize(
    ("served", "band"),
    [
        (100, "Tuntas Paripurna"),
        (90, "Tuntas Utama"),
        (80, "Tuntas Madya"),
        (70, "Tuntas Pratama"),
        (60, "Tuntas Muda"),
    ],
)
def test_band_boundaries_through_compute(served, band):
    """Exactly 60, 70, 80, 90, 100: no items → quality 100, so index = 0.8 × served% + 20."""
    # index = 0.8 * pct + 20 → pct = (index - 20) / 0.8; with target 1000 the served count is exact.
    index = D(served)
    pct = (index - 20) / D("0.8")
    c = compute(int(pct * 10), 1000, [])
    assert c.index == index
    assert c.band == band


@override_settings(
    SPM_CAPAIAN_BANDS=[(95, "A"), (0, "B")], SPM_CAPAIAN_WEIGHTS=(D("0.5"), D("0.5"))
)
def test_bands_and_weights_are_configurable():
    c = compute(150, 200, [q(1, 1)])
    assert c.index == D("87.5")
    assert c.band == "B"
    assert compute(200, 200, []).band == "A"


def test_rollup_counts_missing_services_as_zero_and_shows_the_reported_mean():
    r = capaian.rollup([D(80), None, D(60)], expected=4)
    assert r.index == D(35)  # (80 + 0 + 60 + 0) / 4: the official figure
    assert r.mean_reported == D(70)  # (80 + 60) / 2, shown beside it, labelled
    assert (r.reported, r.missing, r.complete) == (2, 2, False)


def test_rollup_of_nothing_reported_has_no_figure_and_complete_reporting_is_the_mean():
    none = capaian.rollup([None, None], expected=2)
    assert (none.index, none.mean_reported, none.reported, none.missing) == (None, None, 0, 2)
    full = capaian.rollup([D(90), D(70)], expected=2)
    assert (full.index, full.mean_reported, full.complete) == (D(80), D(80), True)
    assert capaian.rollup([], expected=0).index is None


def test_quality_item_with_required_zero_is_met_and_flagged():
    # required 0, realised 5 → 100 (nothing was required), flagged; another item at 50%.
    c = compute(
        100,
        100,
        [QualityInput(D(0), D(5), has_quantity=True), QualityInput(D(10), D(5))],
    )
    assert c.quality_terms[0].pct == D(100) and c.quality_terms[0].zero_required
    assert c.quality_pct == D(75)  # (100 + 50) / 2
    assert c.zero_required and c.as_dict()["zero_required"] is True
    # required 0 and nothing realised is still met: nothing was asked.
    c = compute(100, 100, [QualityInput(D(0), None, has_quantity=True)])
    assert (c.quality_pct, c.index) == (D(100), D(100))
    # A real requirement is not flagged.
    assert not compute(1, 1, [QualityInput(D(1), D(1))]).zero_required
