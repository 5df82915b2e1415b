"""Reads of the periods area: which periods are open, and the period pages default to."""

from __future__ import annotations

from django.db.models import QuerySet

from reporting.models import Period


def open_periods() -> QuerySet[Period]:
    return Period.objects.filter(state=Period.State.OPEN).order_by("-year", "-quarter")


def current_period() -> Period | None:
    return open_periods().first() or Period.objects.exclude(state=Period.State.PLANNED).first()
