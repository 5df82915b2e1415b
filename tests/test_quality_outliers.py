"""Outlier flags (issue #16): the robust z-score against the region's own history and
against comparable regions, computed by hand here, with the threshold and minimum sample
boundaries. Pure: no database."""

from __future__ import annotations

from decimal import Decimal as D

from reporting.rules import quality as q


def facts(served, target=1000, quarter=4, history=(), peers=()):
    return q.ReportFacts(
        served=served,
        target=target,
        prev_served=None,
        breakdown={},
        quarter=quarter,
        year=2026,
        history=[D(x) for x in history],
        peers=[D(x) for x in peers],
    )


# median 100; |x - 100| = 0, 10, 10, 5, 5 → MAD 5; z = 0,6745 × (x − 100) / 5
HISTORY = (100, 110, 90, 105, 95)


def test_robust_z_by_hand():
    assert q.robust_z(D(200), [D(x) for x in HISTORY]) == D("13.49")  # 0,6745 × 100 / 5
    assert q.robust_z(D(100), [D(x) for x in HISTORY]) == D("0.00")
    assert q.robust_z(D(75), [D(x) for x in HISTORY]) == D("-3.37")


def test_history_outlier_threshold_boundary():
    # pace at TW IV = served; 125 → z 3,37 (not above 3,5); 126 → 3,51 (above).
    assert q.outlier(q.KIND_HISTORY, facts(125, history=HISTORY), D("3.5"), 4) is None
    hit = q.outlier(q.KIND_HISTORY, facts(126, history=HISTORY), D("3.5"), 4)
    assert hit is not None and hit["score"] == D("3.51") and hit["median"] == D("100.00")
    assert hit["peers"] == 5
    # Far below counts too.
    assert q.outlier(q.KIND_HISTORY, facts(74, history=HISTORY), D("3.5"), 4)["score"] == D("-3.51")


def test_history_uses_the_annualised_pace():
    # TW II with 63 served: pace 63 × 4 / 2 = 126 → flagged like 126 at TW IV.
    hit = q.outlier(q.KIND_HISTORY, facts(63, quarter=2, history=HISTORY), D("3.5"), 4)
    assert hit is not None and hit["value"] == D("126.00")


def test_too_few_values_or_no_spread_say_nothing():
    assert q.outlier(q.KIND_HISTORY, facts(900, history=HISTORY[:3]), D("3.5"), 4) is None
    assert q.outlier(q.KIND_HISTORY, facts(900, history=HISTORY[:4]), D("3.5"), 4) is not None
    assert q.outlier(q.KIND_HISTORY, facts(900, history=(100,) * 8), D("3.5"), 4) is None
    assert q.outlier(q.KIND_HISTORY, facts(None, history=HISTORY), D("3.5"), 4) is None


def test_peers_compare_served_as_a_share_of_target():
    # median 50; |x − 50| = 0, 0, 2,5 ×4, 5, 5 → MAD 2,5; z = 0,6745 × d / 2,5
    peers = (50, 50, 52.5, 47.5, 52.5, 47.5, 55, 45)
    # 600 of 1000 = 60 % → z = 0,6745 × 10 / 2,5 = 2,70: not flagged.
    assert q.outlier(q.KIND_PEERS, facts(600, peers=peers), D("3.5"), 8) is None
    # 640 of 1000 = 64 % → z = 0,6745 × 14 / 2,5 = 3,78: flagged.
    hit = q.outlier(q.KIND_PEERS, facts(640, peers=peers), D("3.5"), 8)
    assert hit is not None and hit["score"] == D("3.78") and hit["value"] == D("64.00")
    # Seven peers are not enough at the default minimum of eight; no target, no share.
    assert q.outlier(q.KIND_PEERS, facts(640, peers=peers[:7]), D("3.5"), 8) is None
    assert q.outlier(q.KIND_PEERS, facts(640, target=0, peers=peers), D("3.5"), 8) is None


def test_threshold_is_configurable():
    assert q.outlier(q.KIND_HISTORY, facts(126, history=HISTORY), D("4"), 4) is None
    assert q.outlier(q.KIND_HISTORY, facts(126, history=HISTORY), D("3"), 4) is not None


def test_message_numbers_in_indonesian_format():
    text = q.render(
        "Laju {value} jauh dari median {median} (skor {score}); {served} dari {target}",
        {"value": D("126.00"), "median": D("100.00"), "score": D("-3.51"), "served": 12345,
         "target": 1000000},
    )  # fmt: skip
    assert text == "Laju 126 jauh dari median 100 (skor -3,51); 12.345 dari 1.000.000"
    # Unknown placeholders stay as written; no attribute access through the template.
    assert q.render("{served.__class__} {nope}", {"served": 1}) == "{served.__class__} {nope}"
