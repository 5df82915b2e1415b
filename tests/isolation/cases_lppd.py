"""LPPD annex tracking: whoever may open a region's whole-region documents follows its status
(OPD staff and sector viewers do not); the region's own verifier (and Bangda, recording one
received) hands in or withdraws; only Bangda sets a year's due date.

The demo year 2026 has no TW IV opened yet, so a permitted hand-in is refused by the rule
(422 on the page, 400 in the API) after the permission check: the full path is tested in
tests/test_lppd_annex.py; here the point is who gets past the check and that nobody else
changes anything.
"""

from __future__ import annotations

import json

from reporting.models import LppdAnnex, LppdDueDate
from tests.isolation.expect import users_with
from tests.isolation.framework import Case

WHOLE = "*"
FOLLOWERS = users_with("verifier", "province_reviewer", "auditor", "bangda_admin")
BANGDA = users_with("bangda_admin")
KLATEN_HANDERS = {"klaten.tapem", "bangda.admin"}
JSON = {"Content-Type": "application/json"}


def _state() -> list:
    return [
        *LppdAnnex.objects.order_by("pk").values(),
        *LppdDueDate.objects.order_by("pk").values(),
        *LppdDueDate.history.values("pk"),
    ]


def _klaten() -> dict:
    return {"code": "33.10", "year": 2026}


CASES = [
    Case("reporting:lppd", allowed=FOLLOWERS, query="year=2026"),
    Case("reporting:lppd_export", allowed=FOLLOWERS, query="year=2026&format=csv"),
    Case(
        "reporting:lppd_hand_in",
        allowed=KLATEN_HANDERS,
        owner=("33.10", WHOLE, WHOLE),
        kwargs=_klaten,
        method="post",
        data=lambda: {"in-33.10-note": "Uji"},
        snapshot=_state,
        ok_status=frozenset({422}),
    ),
    Case(
        "reporting:lppd_withdraw",
        allowed=KLATEN_HANDERS,
        owner=("33.10", WHOLE, WHOLE),
        kwargs=_klaten,
        method="post",
        data=lambda: {"out-33.10-reason": "Uji"},
        snapshot=_state,
        ok_status=frozenset({422}),
    ),
    Case(
        "reporting:lppd_due_date",
        allowed=BANGDA,
        kwargs=lambda: {"year": 2026},
        method="post",
        data=lambda: {"due_date": "2027-04-30", "reason": "Perpanjangan"},
        snapshot=_state,
        ok_status=frozenset({302}),
    ),
    Case("api:lppd", allowed=FOLLOWERS, query="year=2026"),
    Case(
        "api:lppd-hand-in",
        allowed=KLATEN_HANDERS,
        owner=("33.10", WHOLE, WHOLE),
        kwargs=_klaten,
        method="post",
        data=lambda: {"note": "Uji", "version": 0},
        snapshot=_state,
        ok_status=frozenset({400}),
    ),
    Case(
        "api:lppd-withdraw",
        allowed=KLATEN_HANDERS,
        owner=("33.10", WHOLE, WHOLE),
        kwargs=_klaten,
        method="post",
        data=lambda: {"reason": "Uji", "version": 0},
        snapshot=_state,
        ok_status=frozenset({400}),
    ),
    Case(
        "api:lppd-due-date",
        allowed=BANGDA,
        kwargs=lambda: {"year": 2026},
        method="put",
        data=lambda: json.dumps(  # type: ignore[arg-type,return-value]
            {"due_date": "2027-04-30", "reason": "Perpanjangan", "version": 0}
        ),
        headers=JSON,
        snapshot=_state,
        ok_status=frozenset({200}),
    ),
]
