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


class NoteChanged(workflow.Stale):
    """The note is no longer the one the verifier started from (another tab, another verifier
    saved or removed it since): nothing was written. ``current`` is the note as it stands now
    (None: there is none)."""

    def __init__(self, message: str, current: ReviewNote | None) -> None:
        super().__init__(message)
        self.current = current


def _as_stored(text: str | None) -> str:
    """A note's text as compared: trimmed as it is saved, line breaks as one (a browser posts
    a form's line breaks as CRLF, an API client may send LF)."""
    return reasons.clean(text).replace("\r\n", "\n").replace("\r", "\n")


def _changed(report: Report, section: str, note: ReviewNote | None) -> NoteChanged:
    """The refusal of a save made on another note than the one stored now: who changed it, when."""
    label = Section(section).label
    if note is not None:
        message = _t(
            "Catatan bagian %(s)s sudah diubah oleh %(who)s pada %(at)s sejak Anda membukanya; "
            "catatan Anda belum disimpan."
        ) % {"s": label, "who": note.author, "at": workflow.stamp(note.updated_at)}
        return NoteChanged(message, note)
    removed = (
        ReviewNote.history.filter(report_id=report.pk, section=section, history_type="-")
        .select_related("history_user")
        .order_by("-history_date")
        .first()
    )
    if removed is None or removed.history_user is None:
        return NoteChanged(
            _t("Data telah diubah oleh pengguna lain. Muat ulang lalu ulangi."), None
        )
    message = _t(
        "Catatan bagian %(s)s sudah dihapus oleh %(who)s pada %(at)s sejak Anda membukanya; "
        "catatan Anda belum disimpan."
    ) % {"s": label, "who": removed.history_user, "at": workflow.stamp(removed.history_date)}
    return NoteChanged(message, None)


def save_note(
    report_id: int, user: AnyUser, section: str, text: str, *, base: str = ""
) -> ReviewNote | None:
    """Set the verifier's note on one section of a report; blank text removes it.

    ``base`` is the note's text the verifier started from ("" when the section had none, the
    default): a save made on another note than the one stored now — another tab or another
    verifier saved or removed it since — is refused with ``NoteChanged`` and writes nothing,
    so no note is silently replaced. Saving what is already stored changes nothing and is
    never refused (a repeated click).

    Raises ``workflow.NotFound`` (out of scope or unknown section), ``workflow.NotAllowed``
    (not the report's verifier), ``NoteChanged`` or ``workflow.Refused`` (not under
    verification, too long). Returns the note, or None when there is none. Each change is a
    history row.
    """
    if section not in Section.values:
        raise workflow.NotFound
    text = reasons.clean(text)
    if len(text) > NOTE_MAX_LENGTH:
        raise workflow.Refused(
            _t("Catatan paling panjang %(n)d karakter.") % {"n": NOTE_MAX_LENGTH}, field="text"
        )
    with transaction.atomic():
        # The report's row lock orders a note against a step (a return) fired at the same time,
        # and against another save of a note of this report.
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
        stored = _as_stored(note.text if note is not None else "")
        if stored == _as_stored(text):
            return note
        if stored != _as_stored(base):
            raise _changed(report, section, note)
        if not text:
            if note is not None:
                history.set_actor(note, user)
                note.delete()
            return None
        if note is None:
            note = ReviewNote(report=report, section=section)
        note.text, note.author = text, acting_user(user)
        history.set_actor(note, user)
        note.save()
        return note
