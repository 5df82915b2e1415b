"""Bangda's writes to the data-quality rules: create, edit (with a reason), switch off and on.

Every write is kept in the rule's history (who, when, the reason in ``change_reason``) and,
once committed, re-evaluates the open periods' reports that are not verified yet in the
background (``reporting.tasks.evaluate_data_quality``), so a changed rule applies from then
on while what a verifier has already accepted stays as it was checked.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from espm import background, history, versioning
from regions.scoping import AnyUser, acting_user
from reporting.models import Period, ValidationRule
from reporting.rules import reasons

log = logging.getLogger(__name__)

# What the rule editor writes; ``code`` and ``kind`` only when the rule is made.
EDITABLE = (
    "severity",
    "each",
    "section",
    "expression",
    "message_id",
    "message_en",
    "reason",
    "service_types",
    "sectors",
    "threshold",
    "min_points",
)


class RuleError(Exception):
    """A refused change; the message is for Bangda (Indonesian)."""


class RuleChanged(RuleError):
    """The rule was changed by someone else since the editor was opened."""

    def __init__(self, message: str, version: int) -> None:
        super().__init__(message)
        self.version = version


def version_of(rule_id: int) -> int:
    """The rule's latest history entry: what an edit was made against."""
    latest = (
        ValidationRule.history.filter(id=rule_id)
        .order_by("-history_id")
        .values_list("history_id", flat=True)
        .first()
    )
    return latest or 0


def create_rule(user: AnyUser, data: dict[str, Any]) -> ValidationRule:
    """A new rule from the editor's cleaned data (``code``, ``kind`` and ``EDITABLE``)."""
    with transaction.atomic():
        rule = ValidationRule(
            code=data["code"],
            kind=data["kind"],
            is_active=True,
            is_builtin=False,
            change_reason="",
            updated_by=acting_user(user),
            **{name: data[name] for name in EDITABLE},
        )
        history.set_actor(rule, user, "create")
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError as exc:  # the same code saved a moment ago (the form checked)
            raise RuleError(_("Kode %(code)s sudah dipakai.") % {"code": data["code"]}) from exc
        _reevaluate_on_commit()
    return rule


def update_rule(
    rule_id: int, user: AnyUser, data: dict[str, Any], *, reason: str, version: int
) -> tuple[ValidationRule, list[str]]:
    """Save an edit made against ``version``; refused when the rule changed meanwhile.
    Returns the rule and the names of the fields that changed (none: nothing saved)."""
    reason = reasons.clean(reason)
    if not reason:
        raise RuleError(_("Tulis alasan perubahan."))
    with transaction.atomic():
        rule = ValidationRule.objects.select_for_update().get(pk=rule_id)
        current = version_of(rule_id)
        if versioning.is_stale(current, version):
            latest = rule.history.select_related("history_user").first()
            raise RuleChanged(
                _(
                    "Aturan ini baru saja diubah oleh %(who)s. Isian Anda tetap di formulir; "
                    "periksa riwayat di bawah, lalu simpan lagi bila perubahan Anda tetap perlu."
                )
                % {"who": (latest.history_user if latest else None) or _("sistem")},
                current,
            )
        changed = [name for name in EDITABLE if getattr(rule, name) != data[name]]
        if not changed:
            return rule, []
        for name in changed:
            setattr(rule, name, data[name])
        rule.change_reason = reason
        rule.updated_by = acting_user(user)
        history.set_actor(rule, user, "edit")
        rule.save()
        _reevaluate_on_commit()
    return rule, changed


def switch_rule(rule_id: int, user: AnyUser, *, active: bool, reason: str) -> ValidationRule:
    """Switch a rule off (its flags stop showing and blocking) or back on, with a reason."""
    reason = reasons.clean(reason)
    if not reason:
        raise RuleError(
            _("Tulis alasan mengaktifkan aturan.")
            if active
            else _("Tulis alasan menonaktifkan aturan.")
        )
    with transaction.atomic():
        rule = ValidationRule.objects.select_for_update().get(pk=rule_id)
        if rule.is_active == active:
            raise RuleError(
                _("Aturan %(code)s sudah aktif.") % {"code": rule.code}
                if active
                else _("Aturan %(code)s sudah nonaktif.") % {"code": rule.code}
            )
        rule.is_active = active
        rule.change_reason = reason
        rule.updated_by = acting_user(user)
        history.set_actor(rule, user, "activate" if active else "deactivate")
        rule.save(update_fields=["is_active", "change_reason", "updated_by", "updated_at"])
        _reevaluate_on_commit()
    return rule


def _reevaluate_on_commit() -> None:
    transaction.on_commit(reevaluate_open_periods)


def reevaluate_open_periods() -> list[int]:
    """Queue one re-evaluation per open period (the rules changed); returns their ids."""
    ids = list(
        Period.objects.filter(state=Period.State.OPEN).order_by("pk").values_list("pk", flat=True)
    )
    for period_id in ids:
        try:
            background.task("reporting.tasks.evaluate_data_quality").delay(period_id)
        except Exception:  # broker down (or an inline run failed): never undo the saved rule
            log.exception("data-quality run of period %s not queued or failed", period_id)
    return ids
