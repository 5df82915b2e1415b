"""Tags that make the review partials self-sufficient: include them with `report` (or
`submission`) in context and they find the actions, checks and timeline themselves."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from reporting import notifications, review_selectors, workflow
from reporting.models import RegionSubmission, Report

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
        problems = [p for name in t.checks for p in workflow.CHECKS[name](obj, actor)]
        actions.append(
            {
                "action": t.action,
                "label": t.label,
                "reason_required": t.reason_required,
                "due_date_required": t.due_date_required,
                "style": t.style,
                "url": reverse(url_name, args=[obj.pk, t.action]),
                "problems": problems,
                # Verify: the year's target is not verified; an exception reason is asked for.
                "target_problem": workflow.target_problem(obj)  # type: ignore[arg-type]
                if t.needs_verified_target and not problems
                else None,
            }
        )
    shows_reason = obj.status == "returned" or (not is_report and obj.status == "in_progress")
    returned = review_selectors.last_return(obj) if shows_reason else None
    return {
        "obj": obj,
        "is_report": is_report,
        "actions": actions,
        "returned": returned,
        "next": context.get("workflow_next") or (request.get_full_path() if request else ""),
        "review_url": reverse("reporting:report_review", args=[obj.pk])
        if is_report
        else reverse("reporting:submission_detail", args=[obj.pk]),
    }


@register.simple_tag
def timeline_for(obj: Report | RegionSubmission) -> list[Any]:
    return review_selectors.timeline(obj)


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    request = context.get("request")
    return notifications.unread_count(request.user) if request else 0
