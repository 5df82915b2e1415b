"""The LPPD annex's due date and a region's status — the only place the rule lives.

SPM.md §6: the annual SPM report of a region is part of its LPPD (Laporan Penyelenggaraan
Pemerintahan Daerah), which PP 13/2019 requires at most three months after the budget year
ends: **31 March of the next year**, unless Bangda sets another date for that year.

A region's status for a year:
- *handed in on time*: handed in on or before the due date (the local calendar date of the
  hand-in, ``settings.TIME_ZONE``; the due date itself is on time);
- *handed in late*: handed in after the due date;
- *overdue*: not handed in and today is after the due date;
- *ready*: not handed in, not overdue, and every expected service counts in TW IV (the
  annual figures are final, ``rules.annual``);
- *in progress*: not handed in, not overdue, the annual figures still provisional.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Q
from django.db.models.expressions import Combinable
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.rules import windows

Status = Literal["on_time", "late", "overdue", "ready", "in_progress"]
STATUSES: tuple[Status, ...] = ("on_time", "late", "overdue", "ready", "in_progress")
LABELS = {
    "on_time": _("Diserahkan tepat waktu"),
    "late": _("Diserahkan terlambat"),
    "overdue": _("Terlambat, belum diserahkan"),
    "ready": _("Siap diserahkan"),
    "in_progress": _("Data tahunan belum final"),
}
HANDED_IN: tuple[Status, ...] = ("on_time", "late")
# The legal basis printed on the annex and the page (SPM.md §1).
LEGAL_BASIS = (
    _("Peraturan Pemerintah Nomor 2 Tahun 2018 tentang Standar Pelayanan Minimal"),
    _(
        "Peraturan Pemerintah Nomor 13 Tahun 2019 tentang Laporan dan Evaluasi Penyelenggaraan Pemerintahan Daerah"
    ),
    _(
        "Peraturan Menteri Dalam Negeri Nomor 59 Tahun 2021 tentang Penerapan Standar Pelayanan Minimal"
    ),
)


def default_due(year: int) -> dt.date:
    """Three months after the budget year ends: 31 March of the next year."""
    return dt.date(year + 1, 3, 31)


def due_date(year: int, set_by_bangda: dt.date | None = None) -> dt.date:
    return set_by_bangda or default_due(year)


def handed_in_on(submitted_at: dt.datetime | None) -> dt.date | None:
    """The local calendar date of a hand-in (Indonesia's, not the browser's)."""
    if submitted_at is None:
        return None
    return timezone.localtime(submitted_at, windows.local_tz()).date()


def handed_in_on_sql(submitted_at: Combinable) -> TruncDate:
    """`handed_in_on` in SQL, over an expression giving the hand-in time (or NULL)."""
    return TruncDate(submitted_at, tzinfo=windows.local_tz())


def on_time_q(sent_on: str, due: dt.date) -> Q:
    """`status` = on_time in SQL, over an annotation ``sent_on`` (= `handed_in_on_sql`)."""
    return Q(**{f"{sent_on}__lte": due})


def late_q(sent_on: str, due: dt.date) -> Q:
    """`status` = late in SQL (handed in after the due date)."""
    return Q(**{f"{sent_on}__gt": due})


def status(
    submitted_at: dt.datetime | None,
    due: dt.date,
    *,
    figures_final: bool,
    today: dt.date | None = None,
) -> Status:
    sent = handed_in_on(submitted_at)
    if sent is not None:
        return "late" if sent > due else "on_time"
    today = today or timezone.localdate()
    if today > due:
        return "overdue"
    return "ready" if figures_final else "in_progress"
