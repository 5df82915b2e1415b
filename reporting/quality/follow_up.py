"""Follow-up of data-quality flags: an operator's explanation of a warning and a verifier's
"checked — correct", both attributable through the flag's history.

Apart from the evaluation (``services``): asking the workflow who may verify must not make
the evaluation, which the workflow's submit check runs, import the workflow back.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from espm import history
from regions.scoping import AnyUser, acting_user
from reporting.models import ReportCheck
from reporting.quality.services import CheckError
from reporting.rules import reasons


def explain(check: ReportCheck, user: AnyUser, text: str) -> ReportCheck:
    """The operator's written explanation of a warning (errors must be corrected)."""
    from reporting.entry.locks import entry_lock_reason

    with transaction.atomic():
        check = (
            ReportCheck.objects.select_for_update(of=("self",))
            .select_related("report__period", "report__region", "report__service_type", "rule")
            .get(pk=check.pk)
        )
        reason = entry_lock_reason(check.report, user)
        if reason:
            raise CheckError(reason)
        if check.is_error:
            raise CheckError(_("Galat tidak dapat dijelaskan; perbaiki datanya."))
        text = reasons.clean(text)
        check.explanation = text
        check.explained_by = acting_user(user) if text else None
        check.explained_at = timezone.now() if text else None
        history.set_actor(check, user, "explain")
        check.save(update_fields=["explanation", "explained_by", "explained_at", "updated_at"])
        return check


def may_confirm(check: ReportCheck, user: AnyUser) -> bool:
    from reporting import workflow

    spec = workflow.TRANSITIONS[(workflow.Kind.REPORT, "verify")]
    return workflow.actor_for(spec, check.report, user) is not None


def confirm(check: ReportCheck, user: AnyUser, note: str, *, undo: bool = False) -> ReportCheck:
    """The verifier's "checked — correct" on a warning: it stops nagging until the numbers
    change. ``undo`` takes it back."""
    with transaction.atomic():
        check = (
            ReportCheck.objects.select_for_update(of=("self",))
            .select_related(
                "report__period", "report__region", "report__service_type", "report__agency", "rule"
            )
            .get(pk=check.pk)
        )
        if not may_confirm(check, user):
            raise CheckError(_("Hanya verifikator wilayah ini yang dapat menandai temuan."))
        if check.is_error:
            raise CheckError(_("Galat tidak dapat ditandai benar; data harus diperbaiki."))
        if undo:
            check.confirmed_note, check.confirmed_values = "", None
            check.confirmed_by, check.confirmed_at = None, None
        else:
            note = reasons.clean(note)
            if not note:
                raise CheckError(_("Tulis catatan pemeriksaan (apa yang sudah dicek)."))
            check.confirmed_note, check.confirmed_values = note, check.values
            check.confirmed_by, check.confirmed_at = acting_user(user), timezone.now()
        history.set_actor(check, user, "unconfirm" if undo else "confirm")
        check.save(
            update_fields=[
                "confirmed_note", "confirmed_values", "confirmed_by", "confirmed_at", "updated_at"
            ]
        )  # fmt: skip
        return check
