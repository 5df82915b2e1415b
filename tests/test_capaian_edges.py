"""Edges of the capaian formula that a one-character change would cross unseen.

Every expected value is worked out by hand in the comment beside it; nothing here calls
the formula to find out what it should return.
"""

from __future__ import annotations

from decimal import Decimal

from django.test import override_settings

from reporting.rules import capaian
from reporting.rules.capaian import QualityInput, compute

D = Decimal


def test_served_equal_to_target_is_full_but_not_over_target():
    c = compute(200, 200, [])
    assert c.recipients_pct == D(100)  # 200 / 200 × 100
    assert c.over_target is False  # equal is not "above the target"
    assert compute(201, 200, []).over_target is True  # one more is
    assert compute(199, 200, []).over_target is False


def test_no_target_is_never_over_target():
    c = compute(5, 0, [])
    assert (c.no_target, c.over_target, c.recipients_pct) == (True, False, D(100))
    c = compute(5, None, [])
    assert (c.no_target, c.over_target) == (True, False)


def test_zero_served_of_a_target_is_zero_and_not_over():
    c = compute(0, 1, [])
    assert (c.recipients_pct, c.no_target, c.over_target) == (D(0), False, False)
    # index = 0.8 × 0 + 0.2 × 100 (no items) = 20
    assert c.index == D(20)


def test_rounding_is_half_up_not_bankers():
    # 0.125 → 0.13 half up (half even would give 0.12); 0.135 → 0.14 both ways.
    assert capaian.round2(D("0.125")) == D("0.13")
    assert capaian.round2(D("2.665")) == D("2.67")  # half even: 2.66
    assert capaian.round2(D("0.124")) == D("0.12")
    # served 1 of 32 → 3.125 % → shown 3.13 (half even: 3.12); index 0.8 × 3.125 + 20 = 22.5
    c = compute(1, 32, [])
    assert c.as_dict()["recipients_pct"] == "3.13"
    assert c.as_dict()["index"] == "22.50"
    # quality: 1 of 8 realised → 12.5 %, and one met item → 100; mean (12.5 + 100) / 2 = 56.25
    # with served 1 of 32: index = 0.8 × 3.125 + 0.2 × 56.25 = 2.5 + 11.25 = 13.75
    c = compute(
        1, 32, [QualityInput(D(8), D(1)), QualityInput(None, None, has_quantity=False, met=True)]
    )
    assert c.as_dict()["quality_pct"] == "56.25"
    assert c.index_display == D("13.75")
    # items: 1 of 80 → 1.25, then 0, 0, 0: mean 1.25 / 4 = 0.3125 → shown 0.31
    # 0.8 × 100 (200 of 200) + 0.2 × 0.3125 = 80.0625 → 80.06
    zero = QualityInput(D(1), D(0))
    c = compute(200, 200, [QualityInput(D(80), D(1)), zero, zero, zero])
    assert c.as_dict()["quality_pct"] == "0.31"
    assert c.index_display == D("80.06")


def test_as_dict_carries_every_field_under_its_name():
    # served 150 of 200 → 75 %; items 10/10 → 100 and 4/0 → 0: quality 50
    # index = 0.8 × 75 + 0.2 × 50 = 60 + 10 = 70 → Tuntas Pratama
    c = compute(150, 200, [QualityInput(D(10), D(10)), QualityInput(D(4), D(0))])
    assert c.as_dict() == {
        "recipients_pct": "75.00",
        "quality_pct": "50.00",
        "index": "70.00",
        "band": "Tuntas Pratama",
        "no_target": False,
        "over_target": False,
        "zero_required": False,
    }
    over = compute(300, 200, [QualityInput(D(0), None)]).as_dict()
    assert over == {
        "recipients_pct": "100.00",
        "quality_pct": "100.00",
        "index": "100.00",
        "band": "Tuntas Paripurna",
        "no_target": False,
        "over_target": True,
        "zero_required": True,
    }
    assert compute(3, 0, []).as_dict()["no_target"] is True


def test_compute_keeps_its_inputs_and_weights():
    c = compute(150, 200, [])
    assert (c.served, c.target) == (150, 200)
    assert c.weights == (D("0.8"), D("0.2"))
    assert compute(None, None, []).served is None


def test_quality_terms_are_labelled_and_explained():
    terms = compute(
        1,
        1,
        [
            QualityInput(D(4), D(2), label="Bidan"),
            QualityInput(D(0), D(3), label="Nol"),
            QualityInput(None, None, has_quantity=False, met=True, label="Ada SOP"),
            QualityInput(None, None, has_quantity=False, met=False, label="Ada SK"),
            QualityInput(None, None, has_quantity=False, met=None, label="Belum"),
        ],
    ).quality_terms
    assert [(t.label, t.pct, t.explanation, t.zero_required) for t in terms] == [
        ("Bidan", D(50), "min(2 / 4, 1) × 100", False),  # 2 / 4 × 100 = 50
        ("Nol", D(100), "tidak ada jumlah minimal (0)", True),
        ("Ada SOP", D(100), "terpenuhi", False),
        ("Ada SK", D(0), "belum terpenuhi", False),
        ("Belum", D(0), "belum terpenuhi", False),
    ]


def test_an_item_with_quantity_but_no_required_figure_counts_by_met():
    # has_quantity, but required not known: met/not met decides (100 / 0), no division.
    met = capaian.quality_term(QualityInput(None, D(5), has_quantity=True, met=True, label="x"))
    assert (met.pct, met.explanation) == (D(100), "terpenuhi")
    unmet = capaian.quality_term(QualityInput(None, D(5), has_quantity=True, met=False))
    assert (unmet.pct, unmet.explanation) == (D(0), "belum terpenuhi")


def test_realised_missing_counts_zero_of_the_requirement():
    t = capaian.quality_term(QualityInput(D(5), None))
    assert (t.pct, t.explanation) == (D(0), "min(0 / 5, 1) × 100")


def test_quality_mean_is_over_all_items():
    # 3 items: 100, 0, 50 → (100 + 0 + 50) / 3 = 50
    c = compute(
        10, 10, [QualityInput(D(2), D(2)), QualityInput(D(2), D(0)), QualityInput(D(2), D(1))]
    )
    assert c.quality_pct == D(50)
    # index = 0.8 × 100 + 0.2 × 50 = 90 → Tuntas Utama
    assert (c.index, c.band) == (D(90), "Tuntas Utama")


def test_band_below_every_bound_is_the_lowest_band():
    assert capaian.band_for(D("-0.01")) == "Belum Tuntas"


@override_settings(SPM_CAPAIAN_BANDS=[(50, "Tinggi"), (20, "Sedang"), (10, "Rendah")])
def test_band_below_a_configured_table_is_its_lowest_band():
    assert capaian.band_for(D(50)) == "Tinggi"
    assert capaian.band_for(D("49.99")) == "Sedang"
    assert capaian.band_for(D(10)) == "Rendah"
    assert capaian.band_for(D("9.99")) == "Rendah"  # nothing lower: the lowest there is
    assert capaian.band_for(D(0)) == "Rendah"


def test_rollup_of_counts_and_expected_at_least_reported():
    r = capaian.rollup_of(D(150), 2, 1)  # expected below reported: taken as 2
    assert (r.index, r.mean_reported, r.expected, r.missing) == (D(75), D(75), 2, 0)
    assert r.complete is True
    empty = capaian.rollup_of(D(0), 0, 0)
    assert (empty.index, empty.complete, empty.missing) == (None, False, 0)
    # exactly as many reported as expected is complete; one fewer is not
    assert capaian.rollup([D(10)], expected=1).complete is True
    assert capaian.rollup([D(10)], expected=2).complete is False
    assert capaian.rollup([D(10)], expected=2).missing == 1
