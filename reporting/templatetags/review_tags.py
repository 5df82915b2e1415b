"""Tags that make the review partials self-sufficient: include them with `report` (or
`submission`) in context and they find the actions, checks and timeline themselves."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from reporting import notifications, workflow
from reporting.models import RegionSubmission, Report, Section
from reporting.review import selectors as review_selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def workflow_for(context: dict[str, Any], obj: Report | RegionSubmission) -> dict[str, Any]:
    """Actions the current user may fire now, what blocks them, and the latest return reason."""
    request = context.get("request")
    user = getattr(request, "user", None)
    is_report = isinstance(obj, Report)
    url_name = "reporting:report_transition" if is_report else "reporting:submission_transition"
    actions = []
    for t in workflow.available_actions(obj, user) if user else []:
        actor = workflow.actor_for(t, obj, user) or t.actors[0]
        problems = workflow.step_problems(t, obj, actor, shown=True)
        actions.append(
            {
                "action": t.action,
                "label": t.label,
                "reason_required": t.reason_required,
                "due_date_required": t.due_date_required,
                "style": t.style,
                "url": reverse(url_name, args=[obj.pk, t.action]),
                "problems": problems,
                "confirm": _confirm(t.action, obj) if not problems else "",
                # Verify: the year's target is not verified; an exception reason is asked for.
                "target_problem": workflow.target_problem(obj)
                if t.needs_verified_target and not problems and isinstance(obj, Report)
                else None,
                # A return's reason can point at sections of the form (the operator sees it
                # beside each one).
                "points_sections": is_report and t.action in workflow.RETURNING,
            }
        )
    ready = [a for a in actions if a["action"] == "submit_region" and not a["problems"]]
    shows_reason = obj.status == "returned" or (not is_report and obj.status == "in_progress")
    returned = review_selectors.last_return(obj) if shows_reason else None
    typed = context.get("typed") or {}
    return {
        "obj": obj,
        "is_report": is_report,
        "actions": actions,
        "returned": returned,
        "returned_sections": [
            (key, Section(key).label)
            for key in (returned.sections if returned is not None else [])
            if key in Section.values
        ],
        "sections": Section.choices,
        # What a refused step had typed, back in its form.
        "typed": typed,
        "typed_sections": typed.get("sections") or [],
        # The next step, said: every report verified → submit the region (button right here).
        "prompt": _("Semua laporan terverifikasi — ajukan laporan wilayah") if ready else "",
        "next": context.get("workflow_next") or (request.get_full_path() if request else ""),
        "review_url": reverse("reporting:report_review", args=[obj.pk])
        if is_report
        else reverse("reporting:submission_detail", args=[obj.pk]),
    }


def _confirm(action: str, obj: Report | RegionSubmission) -> str:
    """What a step asks before it fires (app.js ``data-confirm``), or "" to fire at once."""
    if action == "submit" and isinstance(obj, Report) and obj.status == Report.Status.RETURNED:
        changes = review_selectors.changes_since_return(obj)
        if changes is not None and not changes.rows:
            return _(
                "Belum ada perubahan sejak laporan dikembalikan. Tetap ajukan tanpa perubahan?"
            )
        return ""
    if action == "submit_region" and isinstance(obj, RegionSubmission):
        standing = review_selectors.kabkota_standing(obj)
        missing = standing.not_submitted
        text = _(
            "Ajukan laporan wilayah ke tingkat di atas? Data wilayah dibekukan selama ditinjau."
        )
        if missing:
            text = _(
                "%(n)d dari %(total)d kabupaten/kota belum mengajukan laporan (%(names)s); "
                "%(empty)d belum mengisi data sama sekali. %(then)s"
            ) % {
                "n": len(missing),
                "total": standing.total,
                "names": ", ".join(s.region.name for s in missing[:5])
                + ("…" if len(missing) > 5 else ""),
                "empty": len(standing.without_data),
                "then": text,
            }
        return text
    if action == "accept":
        return _("Terima laporan wilayah ini? Datanya dibekukan; perbaikan perlu dibuka kembali.")
    return ""


@register.simple_tag
def timeline_for(obj: Report | RegionSubmission) -> list[Any]:
    return review_selectors.timeline(obj)


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    request = context.get("request")
    return notifications.unread_count(request.user) if request else 0
