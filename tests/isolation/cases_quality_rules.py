"""Isolation cases for Bangda's data-quality rule editor (reporting/quality/urls.py).

Rules are national: only Bangda opens, changes or tests them; everyone else gets 404 (the
pages do not exist for them) and changes nothing.
"""

from __future__ import annotations

from typing import Any

from reporting.models import ValidationRule
from reporting.quality.forms import RuleForm
from tests.isolation.framework import Case

BANGDA = {"bangda.admin"}


def _rule() -> ValidationRule:
    return ValidationRule.objects.get(code="MELEBIHI-TARGET")


def _state() -> Any:
    return list(
        ValidationRule.objects.order_by("code").values_list(
            "code", "is_active", "expression", "severity", "change_reason"
        )
    )


def _new() -> dict[str, Any]:
    return {
        "code": "UJI-ISOLASI",
        "kind": "expression",
        "each": "report",
        "severity": "warning",
        "section": "recipients",
        "expression": "served > target * 2",
        "message_id": "Penerima {served} lebih dari dua kali target {target}.",
        "message_en": "Recipients {served} exceed twice the target {target}.",
        "reason": "uji isolasi",
    }


def _edit() -> dict[str, Any]:
    """The rule as its editor shows it, made an error, with a reason."""
    data = {k: v for k, v in RuleForm.initial_of(_rule()).items() if v is not None}
    return {**data, "severity": "error", "change_reason": "uji isolasi"}


CASES = [
    Case("reporting:quality_rules", allowed=BANGDA),
    Case("reporting:quality_rule_create", allowed=BANGDA),
    Case(
        "reporting:quality_rule_create",
        allowed=BANGDA,
        method="post",
        data=_new,
        snapshot=_state,
    ),
    Case("reporting:quality_rule", allowed=BANGDA, kwargs=lambda: {"pk": _rule().pk}),
    Case(
        "reporting:quality_rule",
        allowed=BANGDA,
        method="post",
        kwargs=lambda: {"pk": _rule().pk},
        data=_edit,
        snapshot=_state,
    ),
    Case(
        "reporting:quality_rule_switch",
        allowed=BANGDA,
        method="post",
        kwargs=lambda: {"pk": _rule().pk},
        data=lambda: {"active": "0", "reason": "uji isolasi"},
        snapshot=_state,
    ),
    # "Uji aturan" stores nothing, yet reads every region's reports: Bangda only.
    Case(
        "reporting:quality_rule_try_new",
        allowed=BANGDA,
        method="post",
        data=_new,
        headers={"HX-Request": "true"},
        label="htmx",
        snapshot=_state,
    ),
    Case(
        "reporting:quality_rule_try_new",
        allowed=BANGDA,
        method="post",
        data=_new,
        snapshot=_state,
    ),
    Case(
        "reporting:quality_rule_try",
        allowed=BANGDA,
        method="post",
        kwargs=lambda: {"pk": _rule().pk},
        data=_edit,
        headers={"HX-Request": "true"},
        label="htmx",
        snapshot=_state,
    ),
]
