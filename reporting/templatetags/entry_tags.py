"""Display helpers for the data-entry pages (Indonesian number style)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import lokal
from django import template
from django.utils.text import slugify

register = template.Library()


@register.filter
def rupiah(value: Any) -> str:
    """1234567 → Rp1.234.567"""
    if value is None or value == "":
        return "—"
    return lokal.format_rupiah(int(value))


@register.filter
def num(value: Any, places: int = 2) -> str:
    """Decimal comma, dot thousands: 1234.5 → 1.234,50; None → —.

    Rounded half up, the figures' rule (``rules.capaian.round2``, which the API, XLSX, PDFs
    and dashboards use): 12.345 → 12,35 and 20.025 → 20,03, never the banker's 12,34. A float
    is read as its shortest text (12.345, not its binary 12.3449…), as ``dec2`` and the PDFs
    read it.
    """
    if value is None or value == "":
        return "—"
    places = int(places)
    d = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    q = d.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    if q.is_zero():
        q = abs(q)  # -0.004 → 0,00, no sign (as the dashboards' dec2 and floatformat)
    text = f"{q:,.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


@register.filter
def qty(value: Any) -> str:
    """A quantity without trailing zeros: 5.00 → 5, 12.50 → 12,5."""
    if value is None or value == "":
        return "—"
    d = Decimal(value).normalize()
    text = f"{d:,f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


@register.filter
def band_class(band: str) -> str:
    return f"band-{slugify(band)}" if band else "band-none"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.inclusion_tag("reporting/_index_cell.html")
def report_index(report: Any, provisional: bool = True, band: bool = True) -> dict[str, Any]:
    """A report's index in Indonesian format, or why it has none ("belum lengkap", …).

    ``rules.completeness.standing`` decides; a report's own pages show a complete draft's
    index (``provisional``), official lists pass ``provisional=False``.
    """
    from reporting.rules import completeness

    stand = completeness.standing(report, provisional=provisional)
    return {
        "value": num(stand.index) if stand.index is not None else "",
        "band": report.band if band and stand.index is not None else "",
        "reason": stand.reason_label,
    }
