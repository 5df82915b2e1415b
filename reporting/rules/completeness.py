"""Does a report count, and with what index — the one home of the complete-report rule.

SPM.md §5: a report has an index only when it is **complete**: recipients served entered
(or a target of 0) and every quality item of its service type answered. A partly filled
report has no index ("belum lengkap") — never 0 — and is treated as missing in every
roll-up. Official figures count only reports verified by the region (``OFFICIAL_STATUSES``,
**policy**); provisional figures (the *sementara* switch) count every complete report.

Everything that shows or aggregates an index asks this module: the stored index
(``services.recompute_capaian``), the dashboards (``counted_q``), the recap, the LPPD
annex, the API (``standing``) and the submit check (``submission_missing``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

# Why a report has no figure (API ``capaian.reason``; pages show the label).
NOT_ENTERED = "not_entered"
INCOMPLETE = "incomplete"
NOT_VERIFIED = "not_verified"
REASON_LABELS = {
    NOT_ENTERED: _("belum diisi"),
    INCOMPLETE: _("belum lengkap"),
    NOT_VERIFIED: _("belum terverifikasi"),
}
DEFAULT_OFFICIAL_STATUSES = ("verified",)


def official_statuses() -> tuple[str, ...]:
    """Report statuses whose data counts in official figures (policy: verified by the region)."""
    return tuple(getattr(settings, "SPM_OFFICIAL_REPORT_STATUSES", DEFAULT_OFFICIAL_STATUSES))


@dataclass(frozen=True)
class Answer:
    """One quality item of the service type and whether the report answers it."""

    code: str
    answered: bool


def quality_answers(items: Iterable[Any], rows: Iterable[Any]) -> list[Answer]:
    """Answers to every quality item of the service type (``items``) from a report's rows.

    An item with a quantity is answered by its realised quantity, one without by met/not met;
    an item the report has no row for is unanswered.
    """
    by_item = {r.quality_item_id: r for r in rows}
    out = []
    for item in items:
        row = by_item.get(item.pk)
        if row is None:
            answered = False
        elif item.has_quantity:
            answered = row.realised is not None
        else:
            answered = row.met is not None
        out.append(Answer(item.code, answered))
    return out


def answers_from_rows(rows: Iterable[Any]) -> list[Answer]:
    """Answers from a report's own quality rows (one per item, created when the period opens)."""
    rows = list(rows)
    return quality_answers([r.quality_item for r in rows], rows)


def index_missing(served: int | None, target: int | None, answers: Sequence[Answer]) -> list[str]:
    """What must still be entered before the report has an index (empty = complete)."""
    out: list[str] = []
    if served is None and target != 0:
        out.append(_t("jumlah penerima terlayani belum diisi"))
    unanswered = [a.code for a in answers if not a.answered]
    if unanswered:
        shown = ", ".join(unanswered[:5]) + ("…" if len(unanswered) > 5 else "")
        out.append(
            _t("%(n)d butir mutu belum dijawab (%(codes)s)")
            % {"n": len(unanswered), "codes": shown}
        )
    return out


def is_complete(served: int | None, target: int | None, answers: Sequence[Answer]) -> bool:
    return not index_missing(served, target, answers)


def submission_missing(
    served: int | None, target: int | None, answers: Sequence[Answer], stage_statuses: Iterable[str]
) -> list[str]:
    """What the submit check asks for: a complete report and at least one stage status."""
    out = index_missing(served, target, answers)
    if not any(stage_statuses):
        out.append(_t("belum ada status tahap penerapan"))
    return out


def counted_q(*, provisional: bool = False, prefix: str = "") -> Q:
    """The SQL form of "this report counts in a figure" (``prefix`` e.g. ``"reports__"``).

    A stored index exists only for a complete report (``services.recompute_capaian``);
    official figures further need a verified report.
    """
    q = Q(**{f"{prefix}capaian_index__isnull": False})
    if not provisional:
        q &= Q(**{f"{prefix}status__in": official_statuses()})
    return q


def counted_figure_q(*, provisional: bool = False) -> Q:
    """``counted_q`` on the maintained figure rows (``reporting.figures``), which keep the
    report status: the rows with indices, and of official statuses unless provisional."""
    q = Q(counted__gt=0)
    if not provisional:
        q &= Q(status__in=official_statuses())
    return q


def counts(report: Any, *, provisional: bool = False) -> bool:
    """The Python form of ``counted_q`` for one loaded report (same answer, tested)."""
    return counts_values(report.capaian_index, report.status, provisional=provisional)


def counts_values(index: Decimal | None, status: str, *, provisional: bool = False) -> bool:
    """``counts`` from a stored index and a status (rows read with ``values_list``)."""
    if index is None:
        return False
    return provisional or status in official_statuses()


@dataclass(frozen=True)
class Standing:
    """A report's figure as every page, export and the API shows it."""

    index: Decimal | None  # the stored index when the report counts, else None
    reason: str  # "" when counted; NOT_ENTERED / INCOMPLETE / NOT_VERIFIED
    complete: bool

    @property
    def reason_label(self) -> str:
        return str(REASON_LABELS[self.reason]) if self.reason else ""


def standing(report: Any, *, provisional: bool = False) -> Standing:
    """Does ``report`` count, and with what index (stored fields only, no query)."""
    if report.capaian_index is None:  # stored only for a complete, entered report
        reason = NOT_ENTERED if report.entered_at is None else INCOMPLETE
        return Standing(None, reason, False)
    if not counts(report, provisional=provisional):
        return Standing(None, NOT_VERIFIED, True)
    return Standing(report.capaian_index, "", True)


def is_provisional(request_or_params: Any) -> bool:
    """The *sementara* switch of a page or API call (``?sementara=1`` / ``?provisional=true``)."""
    params = getattr(request_or_params, "GET", None)
    if params is None:
        params = getattr(request_or_params, "query_params", request_or_params)
    value = (params.get("sementara") or params.get("provisional") or "").strip().lower()
    return value in ("1", "true", "ya", "yes", "on")
