"""The data-quality view's numbers as sentences: every share names its denominator."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from reporting.dashboards.selectors import pct
from reporting.templatetags.entry_tags import num

register = template.Library()


@register.filter
def count(value: Any) -> str:
    """A count with thousands grouping (15.124); None (nothing to count yet) → —."""
    if value is None:
        return "—"
    return number_format(value, force_grouping=True)


def _pct(part: int, whole: int) -> str:
    share = pct(part, whole)
    return "–" if share is None else f"{num(share)}%"


@register.simple_tag
def share(part: int, whole: int, kind: str = "reports") -> str:
    """ "12 dari 29 laporan (41,38%)": the part, its denominator named, the percentage."""
    texts = {
        "reports": _("%(n)s dari %(m)s laporan (%(pct)s)"),
        "entered": _("%(n)s dari %(m)s laporan terisi (%(pct)s)"),
        "warnings": _("%(n)s dari %(m)s peringatan (%(pct)s)"),
        "regions": _("%(n)s dari %(m)s wilayah (%(pct)s)"),
    }
    return texts[kind] % {"n": count(part), "m": count(whole), "pct": _pct(part, whole)}
