"""Writes of the review chain besides the steps themselves: the verifier's section notes."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _t

from espm import history
from regions.scoping import Action, AnyUser, acting_user
from reporting import workflow
from reporting.models import Report, ReviewNote, Section
from reporting.rules import reasons

NOTE_MAX_LENGTH = 3000


def save_note(report_id: int, user: AnyUser, section: str, text: str) -> ReviewNote | None:
    """Set the verifier's note on one section of a report; blank text removes it.

    Raises ``workflow.NotFound`` (out of scope or unknown section), ``workflow.NotAllowed``
    (not the report's verifier) or ``workflow.Refused`` (not under verification, too long).
    Returns the note, or None when it was removed. Each change is a history row.
    """
    if section not in Section.values:
        raise workflow.NotFound
    text = reasons.clean(text)
    if len(text) > NOTE_MAX_LENGTH:
        raise workflow.Refused(
            _t("Catatan paling panjang %(n)d karakter.") % {"n": NOTE_MAX_LENGTH}, field="text"
        )
    with transaction.atomic():
        # The report's row lock orders a note against a step (a return) fired at the same time.
        report = (
            Report.objects.visible_to(user, Action.VIEW)
            .select_for_update(of=("self",))
            .filter(pk=report_id)
            .first()
        )
        if report is None:
            raise workflow.NotFound
        refusal = workflow.note_refusal(report, user)
        if refusal is not None:
            raise refusal
        note = ReviewNote.objects.filter(report=report, section=section).first()
        if not text:
            if note is not None:
                history.set_actor(note, user)
                note.delete()
            return None
        if note is None:
            note = ReviewNote(report=report, section=section)
        elif note.text == text:
            return note
        note.text, note.author = text, acting_user(user)
        history.set_actor(note, user)
        note.save()
        return note
