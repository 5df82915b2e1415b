"""Period labels in templates: ``{{ quarter|quarter_label }}`` → "TW III" (or "Q3" in English)."""

from __future__ import annotations

from django import template

from reporting.models import quarter_label as label_of

register = template.Library()


@register.filter
def quarter_label(quarter: int | str) -> str:
    try:
        number = int(quarter)
    except (TypeError, ValueError):
        return ""
    return label_of(number) if 1 <= number <= 4 else ""
