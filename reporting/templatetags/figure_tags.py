"""The dashboards' figure format and region links, at a fraction of the built-ins' cost.

A national dashboard prints a few hundred figures; Django's ``floatformat`` spends most of a
figure's time on generality the dashboards never use (any precision, grouping, ``g``/``u``
suffixes, any input type). ``dec2`` prints the same text for what the dashboards give it
(a Decimal, an int or None): two decimals rounded half up, the active language's decimal
separator, no grouping (``USE_THOUSAND_SEPARATOR`` is off). ``tests/test_figure_tags.py``
holds it to ``floatformat:2`` in both languages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import get_format

from reporting.dashboards.links import region_url
from reporting.rules.capaian import round2

register = template.Library()


@register.filter
def dec2(value: Any) -> str:
    """1234.5 → "1234,50" in Indonesian, "1234.50" in English; None or "" → ""."""
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    text = f"{round2(number):f}"
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]  # floatformat prints no sign on a value that rounds to zero
    separator = get_format("DECIMAL_SEPARATOR")
    return text if separator == "." else text.replace(".", separator)


@register.filter
def region_dashboard_url(code: str) -> str:
    """``{% url 'reporting:dashboard_region' code %}`` for the many links of a ranking."""
    return region_url(code)
