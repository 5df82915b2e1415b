"""The review chain's rules at their edges: windows (the due date itself, a reopen's own date),
freezes, who binds to what (agency, region, parent province, Bangda), reopen dates, a
province that may not submit while a kab/kota waits for its decision; and what one step
records and refuses (timestamps, versions, events, snapshots, sections a return points at,
the target exception, separation of duties, a repeated click, the bulk verify's messages).

Dates are worked out by hand from today (``timezone.localdate()``) or from a fixed due date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from regions.models import Agency, Region, User
from regions.roles import Role
from regions.scoping import Grant
from reporting import workflow
from reporting.entry import locks
from reporting.models import (
    Evidence,
    Period,
    RegionSubmission,
    Report,
    ReportCheck,
    ReportStage,
    ValidationRule,
    WorkflowEvent,
)
from reporting.rules import windows
from reporting.workflow import Actor, Binding, Kind
from tests import factories_review as f
from tests import factories_targets as targets

R = Report.Status
S = RegionSubmission.Status
DUE = dt.date(2027, 4, 20)
DAY = dt.timedelta(days=1)


def per(state=Period.State.OPEN, allow_late=False, due=DUE) -> Period:
    return Period(year=2027, quarter=1, due_date=due, state=state, allow_late=allow_late)


def sub(due=None, status=S.IN_PROGRESS) -> RegionSubmission:
    return RegionSubmission(due_date=due, status=status)


# ---------------------------------------------------------------- the window (pure)


def test_the_window_is_open_on_the_due_date_itself_and_shut_the_day_after():
    assert workflow.window_problem(per(), None, today=DUE) is None
    assert workflow.window_problem(per(), None, today=DUE - DAY) is None
    shut = workflow.window_problem(per(), None, today=DUE + DAY)
    assert shut is not None and "20 April 2027" in shut and "terlambat" in shut


def test_a_period_that_allows_late_entry_stays_open_after_the_due_date():
    assert workflow.window_problem(per(allow_late=True), None, today=DUE + 30 * DAY) is None


def test_a_reopen_opens_until_its_own_date_inclusive():
    own = DUE + 10 * DAY  # 30 April 2027
    assert workflow.window_problem(per(), sub(own), today=own) is None
    after = workflow.window_problem(per(), sub(own), today=own + DAY)
    assert after is not None and "30 April 2027" in after


def test_a_closed_period_opens_only_for_a_reopened_region_until_its_date():
    closed = per(state=Period.State.CLOSED, allow_late=True)
    today = DUE + 5 * DAY
    assert "ditutup" in workflow.window_problem(closed, None, today=today)
    assert "ditutup" in workflow.window_problem(closed, sub(today - DAY), today=today)
    assert workflow.window_problem(closed, sub(today), today=today) is None
    assert workflow.window_problem(closed, sub(today + DAY), today=today) is None


def test_a_planned_period_is_shut_whatever_the_region():
    problem = workflow.window_problem(per(state=Period.State.PLANNED), sub(DUE), today=DUE)
    assert problem is not None and "belum dibuka" in problem


def test_the_window_defaults_to_today():
    today = timezone.localdate()
    assert workflow.window_problem(per(due=today), None) is None
    assert workflow.window_problem(per(due=today - DAY), None) is not None


# ---------------------------------------------------------------- freezes (pure)


def test_a_submitted_or_accepted_region_freezes_its_data():
    assert "ditinjau" in workflow.freeze_reason(sub(status=S.SUBMITTED))
    assert "diterima" in workflow.freeze_reason(sub(status=S.ACCEPTED))
    assert workflow.freeze_reason(sub(status=S.IN_PROGRESS)) is None
    assert workflow.freeze_reason(sub(status=S.RETURNED)) is None
    assert workflow.freeze_reason(None) is None


FROZEN = "Laporan wilayah sedang ditinjau tingkat di atasnya; data tidak dapat diubah."
ACCEPTED = (
    "Laporan wilayah sudah diterima tingkat di atasnya; data dibekukan. "
    "Perbaikan memerlukan pembukaan kembali."
)


@pytest.mark.parametrize(
    ("status", "region_status", "expected"),
    [
        (R.DRAFT, S.SUBMITTED, FROZEN),  # the region's freeze comes first
        (R.RETURNED, S.ACCEPTED, ACCEPTED),
        (R.AWAITING_HEAD, S.IN_PROGRESS, "Laporan menunggu persetujuan kepala OPD."),
        (R.SUBMITTED, S.IN_PROGRESS, "Laporan sedang diverifikasi."),
        (
            R.VERIFIED,
            S.RETURNED,
            "Laporan sudah diverifikasi; perbaikan memerlukan pembukaan kembali.",
        ),
        (
            "arsip",  # a status the rule does not know: named, never editable
            S.IN_PROGRESS,
            "Laporan berstatus “arsip”; hanya draf atau laporan dikembalikan yang dapat diubah.",
        ),
        (R.DRAFT, S.IN_PROGRESS, None),
        (R.RETURNED, S.RETURNED, None),
    ],
)
def test_review_lock_reason(status, region_status, expected):
    report = Report(status=status, period=per(allow_late=True))
    assert workflow.review_lock_reason(report, sub(status=region_status)) == expected


def test_review_lock_reason_falls_back_to_the_window():
    report = Report(status=R.DRAFT, period=per(due=timezone.localdate() - DAY))
    reason = workflow.review_lock_reason(report, sub())
    assert reason is not None and "terlambat" in reason


def test_a_reopened_regions_latest_due_date_is_the_end_of_the_next_year():
    assert workflow.latest_due_date(per()) == dt.date(2028, 12, 31)  # period year 2027 + 1


# ---------------------------------------------------------------- who binds (DB regions)


@pytest.fixture
def places(db):
    regions = {r.code: r for r in Region.objects.filter(code__in=["33", "33.10", "35", "35.21"])}
    dinkes = Agency.objects.get(region=regions["33.10"], short_name="DINKES")
    dindik = Agency.objects.get(region=regions["33.10"], short_name="DINDIK")
    return regions, dinkes, dindik


def grant(role, region, agency=None) -> Grant:
    return Grant(role, region.pk, region.code, region.level, agency.pk if agency else None, "")


def test_agency_binding_needs_the_reports_own_agency_in_its_own_region(places):
    regions, dinkes, dindik = places
    klaten = regions["33.10"]
    report = Report(region=klaten, agency=dinkes)
    op = workflow.OPERATOR
    assert workflow._binds(op, grant(Role.OPD_OPERATOR, klaten, dinkes), report) is True
    assert workflow._binds(op, grant(Role.OPD_OPERATOR, klaten, dindik), report) is False
    # the right agency id but held in another region (a corrupt grant) binds nothing
    assert workflow._binds(op, grant(Role.OPD_OPERATOR, regions["35.21"], dinkes), report) is False
    # a report without an agency binds no agency role, not even a grant without one
    assert workflow._binds(op, grant(Role.OPD_OPERATOR, klaten), Report(region=klaten)) is False
    # a region submission has no agency
    assert workflow._binds(op, grant(Role.OPD_OPERATOR, klaten, dinkes), sub_of(klaten)) is False
    # another role with the same agency
    assert workflow._binds(op, grant(Role.OPD_HEAD, klaten, dinkes), report) is False


def sub_of(region: Region) -> RegionSubmission:
    return RegionSubmission(region=region, status=S.SUBMITTED)


def test_region_binding_is_the_objects_own_region(places):
    regions, dinkes, _ = places
    v = workflow.VERIFIER
    assert workflow._binds(v, grant(Role.VERIFIER, regions["33.10"]), sub_of(regions["33.10"]))
    assert not workflow._binds(v, grant(Role.VERIFIER, regions["33"]), sub_of(regions["33.10"]))
    assert not workflow._binds(v, grant(Role.VERIFIER, regions["35.21"]), sub_of(regions["33.10"]))


def test_parent_binding_is_the_province_above_a_kabkota_only(places):
    regions, _, _ = places
    p = workflow.PROVINCE_FOR_KABKOTA
    jateng = grant(Role.PROVINCE_REVIEWER, regions["33"])
    assert workflow._binds(p, jateng, sub_of(regions["33.10"])) is True
    assert workflow._binds(p, jateng, sub_of(regions["35.21"])) is False  # another province's
    assert workflow._binds(p, jateng, sub_of(regions["33"])) is False  # its own: not a kab/kota
    # even without the table's level filter, a province is never its own parent
    any_level = Actor(Role.PROVINCE_REVIEWER, Binding.PARENT)
    assert workflow._binds(any_level, jateng, sub_of(regions["33"])) is False
    assert workflow._binds(any_level, jateng, sub_of(regions["33.10"])) is True


def test_national_binding_with_and_without_a_level(places):
    regions, _, _ = places
    national = Region.objects.get(code="00")
    bangda = grant(Role.BANGDA_ADMIN, national)
    assert workflow._binds(workflow.BANGDA_ANY, bangda, sub_of(regions["33.10"])) is True
    assert workflow._binds(workflow.BANGDA_FOR_PROVINCE, bangda, sub_of(regions["33"])) is True
    assert workflow._binds(workflow.BANGDA_FOR_PROVINCE, bangda, sub_of(regions["33.10"])) is False
    # a reviewer is not Bangda, whatever its region
    reviewer = grant(Role.PROVINCE_REVIEWER, regions["33"])
    assert workflow._binds(workflow.BANGDA_ANY, reviewer, sub_of(regions["33.10"])) is False


def test_an_unknown_binding_binds_nothing(places):
    regions, _, _ = places
    odd = Actor(Role.VERIFIER, "elsewhere")  # type: ignore[arg-type]
    assert (
        workflow._binds(odd, grant(Role.VERIFIER, regions["33.10"]), sub_of(regions["33.10"]))
        is False
    )


def test_kind_of_refuses_what_is_not_a_workflow_object(places):
    regions, _, _ = places
    assert workflow.kind_of(Report()) == workflow.Kind.REPORT
    assert workflow.kind_of(sub()) == workflow.Kind.SUBMISSION
    with pytest.raises(TypeError):
        workflow.kind_of(regions["33"])


# ---------------------------------------------------------------- the chain (DB)


@pytest.fixture
def chain(db, celery_eager):
    p = f.period(2027, 1, due_date=timezone.localdate() + 10 * DAY, allow_late=False)
    klaten = Region.objects.get(code="33.10")
    jateng = Region.objects.get(code="33")
    klaten_sub = f.open_region(klaten, p)
    report = (
        Report.objects.filter(region=klaten, period=p, agency__short_name="DINKES")
        .order_by("service_type__code")
        .first()
    )
    f.fill(report)
    return p, report, klaten_sub, jateng


def user(name: str) -> User:
    return User.objects.get(username=name)


def fresh(report: Report) -> Report:
    return Report.objects.select_related("period").get(pk=report.pk)


def test_entry_is_open_on_the_due_date_and_locked_the_day_after(chain):
    p, report, _, _ = chain
    dinkes = user("klaten.dinkes")
    today = timezone.localdate()
    Period.objects.filter(pk=p.pk).update(due_date=today)
    r = fresh(report)
    assert locks.is_late(r) is False and locks.days_left(r) == 0
    assert locks.entry_lock_reason(r, dinkes) is None
    Period.objects.filter(pk=p.pk).update(due_date=today - DAY)
    r = fresh(report)
    assert locks.is_late(r) is True and locks.days_left(r) == -1
    assert "sudah lewat" in locks.entry_lock_reason(r, dinkes)
    # the same day late, in a period that accepts late entry: open
    Period.objects.filter(pk=p.pk).update(allow_late=True)
    assert locks.entry_lock_reason(fresh(report), dinkes) is None


def test_days_left_counts_calendar_days(chain):
    p, report, _, _ = chain
    Period.objects.filter(pk=p.pk).update(due_date=timezone.localdate() + 3 * DAY)
    assert locks.days_left(fresh(report)) == 3


def test_a_reopen_opens_a_closed_period_through_its_due_date_and_not_a_day_longer(chain):
    p, report, klaten_sub, _ = chain
    dinkes = user("klaten.dinkes")
    today = timezone.localdate()
    Period.objects.filter(pk=p.pk).update(state=Period.State.CLOSED, due_date=today - 10 * DAY)
    assert "ditutup" in locks.entry_lock_reason(fresh(report), dinkes)
    RegionSubmission.objects.filter(pk=klaten_sub.pk).update(due_date=today)
    r = fresh(report)
    assert locks.reopened(r) is True and locks.is_late(r) is False
    assert locks.effective_due_date(r) == today
    assert locks.entry_lock_reason(r, dinkes) is None
    RegionSubmission.objects.filter(pk=klaten_sub.pk).update(due_date=today - DAY)
    r = fresh(report)
    assert locks.reopened(r) is False
    assert "ditutup" in locks.entry_lock_reason(r, dinkes)


def test_entry_lock_reasons_in_order(chain):
    p, report, klaten_sub, _ = chain
    dinkes = user("klaten.dinkes")
    only = "Hanya operator perangkat daerah pemilik laporan yang dapat mengisi laporan ini."
    assert locks.entry_lock_reason(fresh(report), user("klaten.dindik")) == only
    assert locks.entry_lock_reason(fresh(report), user("klaten.kadinkes")) == only
    assert locks.entry_lock_reason(Report(period=p), dinkes) == only  # no agency
    Period.objects.filter(pk=p.pk).update(state=Period.State.PLANNED)
    assert "belum dibuka" in locks.entry_lock_reason(fresh(report), dinkes)
    Period.objects.filter(pk=p.pk).update(state=Period.State.OPEN)
    f.set_status(report, R.SUBMITTED)
    assert "sedang diverifikasi" in locks.entry_lock_reason(fresh(report), dinkes)
    f.set_status(report, R.RETURNED)
    assert locks.entry_lock_reason(fresh(report), dinkes) is None
    # the region's report is with the province: frozen, even for a returned report
    f.set_status(klaten_sub, S.SUBMITTED)
    assert "tidak dapat diubah" in locks.entry_lock_reason(fresh(report), dinkes)
    f.set_status(klaten_sub, S.ACCEPTED)
    assert "dibekukan" in locks.entry_lock_reason(fresh(report), dinkes)


def test_nothing_moves_in_a_region_frozen_by_its_submission(chain):
    _, report, klaten_sub, _ = chain
    f.set_status(klaten_sub, S.SUBMITTED)
    with pytest.raises(workflow.Refused) as refused:
        workflow.transition(report, "submit", user("klaten.dinkes"))
    assert any("ditinjau" in p.message for p in refused.value.problems)
    f.set_status(report, R.SUBMITTED)
    with pytest.raises(workflow.Refused):
        workflow.transition(report, "withdraw", user("klaten.dinkes"))
    assert Report.objects.get(pk=report.pk).status == R.SUBMITTED


def test_submit_on_the_due_date_itself_goes_through_and_the_day_after_is_refused(chain):
    p, report, _, _ = chain
    dinkes = user("klaten.dinkes")
    Period.objects.filter(pk=p.pk).update(due_date=timezone.localdate() - DAY)
    with pytest.raises(workflow.Refused) as refused:
        workflow.transition(fresh(report), "submit", dinkes)
    assert any("terlambat" in p.message for p in refused.value.problems)
    Period.objects.filter(pk=p.pk).update(due_date=timezone.localdate())
    moved = workflow.transition(fresh(report), "submit", dinkes).obj
    assert moved.status in (R.SUBMITTED, R.AWAITING_HEAD)


def test_reopen_due_date_from_today_to_the_end_of_the_next_year(chain):
    p, _, klaten_sub, _ = chain
    bangda = user("bangda.admin")
    today = timezone.localdate()
    for bad, message in (
        (today - DAY, "Batas waktu baru tidak boleh sebelum hari ini."),
        (dt.date(2029, 1, 1), "Batas waktu baru paling lambat 31-12-2028 (tahun periode + 1)."),
    ):
        with pytest.raises(workflow.Refused) as refused:
            workflow.transition(klaten_sub, "reopen_region", bangda, reason="Banjir", due_date=bad)
        assert (refused.value.field, refused.value.message) == ("due_date", message)
    with pytest.raises(workflow.Refused) as refused:
        workflow.transition(klaten_sub, "reopen_region", bangda, reason="Banjir")
    assert (refused.value.field, refused.value.message) == (
        "due_date",
        "Batas waktu baru wajib diisi.",
    )
    with pytest.raises(workflow.Refused) as refused:
        workflow.transition(klaten_sub, "reopen_region", bangda, due_date=today)
    assert refused.value.field == "reason"
    done = workflow.transition(klaten_sub, "reopen_region", bangda, reason="Banjir", due_date=today)
    assert done.obj.due_date == today
    last = workflow.transition(
        done.obj, "reopen_region", bangda, reason="Longsor", due_date=dt.date(2028, 12, 31)
    )
    assert last.obj.due_date == dt.date(2028, 12, 31)


def test_a_province_reopens_its_kabkota_only_while_its_own_report_is_not_with_bangda(chain):
    p, _, klaten_sub, jateng = chain
    jateng_sub = f.open_region(jateng, p)
    due = timezone.localdate() + 5 * DAY
    f.set_status(jateng_sub, S.SUBMITTED)
    with pytest.raises(workflow.Refused) as refused:
        workflow.transition(
            klaten_sub, "reopen_region", user("jateng.biro"), reason="Data", due_date=due
        )
    assert any("Bangda" in p.message for p in refused.value.problems)
    # Bangda itself may, whatever the province's state
    workflow.transition(klaten_sub, "reopen_region", user("bangda.admin"), reason="D", due_date=due)
    f.set_status(jateng_sub, S.RETURNED)
    result = workflow.transition(
        klaten_sub, "reopen_region", user("jateng.biro"), reason="Data", due_date=due
    )
    assert result.obj.status == S.IN_PROGRESS


def test_a_province_may_not_submit_while_a_kabkota_waits_for_its_decision(chain):
    p, _, klaten_sub, jateng = chain
    jateng_sub = f.verified_region(jateng, p)
    f.set_status(klaten_sub, S.SUBMITTED)
    biro = user("jateng.biro")
    with pytest.raises(workflow.Refused) as refused:
        workflow.transition(jateng_sub, "submit_region", biro)
    messages = [p.message for p in refused.value.problems]
    assert messages == ["Kabupaten Klaten: pengajuan kabupaten/kota menunggu keputusan provinsi"]
    assert RegionSubmission.objects.get(pk=jateng_sub.pk).status == S.IN_PROGRESS
    # decided (accepted): the province goes up
    f.set_status(klaten_sub, S.ACCEPTED)
    assert workflow.transition(jateng_sub, "submit_region", biro).obj.status == S.SUBMITTED


def test_another_provinces_pending_kabkota_does_not_hold_a_province(chain):
    p, _, _, jateng = chain
    jateng_sub = f.verified_region(jateng, p)
    ngawi_sub = f.open_region(Region.objects.get(code="35.21"), p)
    f.set_status(ngawi_sub, S.SUBMITTED)
    assert workflow.region_problems(jateng_sub) == []


def test_a_region_without_reports_has_a_problem(chain):
    p, _, _, _ = chain
    serang = Region.objects.get(code="36.73")
    empty = RegionSubmission.objects.create(region=serang, period=p)
    Report.objects.filter(region=serang, period=p).delete()
    problems = workflow.region_problems(empty)
    assert [x.message for x in problems] == ["Belum ada laporan layanan untuk periode ini."]


def test_only_the_regions_verifier_submits_the_region_and_only_the_parent_accepts(chain):
    p, _, klaten_sub, _ = chain
    for name in ("ngawi.tapem", "jateng.inspektorat", "itjen.auditor", "klaten.dinkes"):
        with pytest.raises((workflow.NotAllowed, workflow.NotFound)):
            workflow.transition(klaten_sub, "submit_region", user(name))
    role = "Peran Anda tidak dapat melakukan tindakan ini pada data ini."
    for nobody in (user("klaten.dinkes"), AnonymousUser()):
        with pytest.raises(workflow.NotAllowed) as refused:
            workflow.transition(klaten_sub, "submit_region", nobody)
        assert refused.value.message == role
    f.set_status(klaten_sub, S.SUBMITTED)
    for name in ("jatim.biro", "klaten.tapem", "bangda.admin"):
        with pytest.raises((workflow.NotAllowed, workflow.NotFound)):
            workflow.transition(klaten_sub, "accept", user(name))
    accepted = workflow.transition(klaten_sub, "accept", user("jateng.biro")).obj
    assert accepted.status == S.ACCEPTED
    assert accepted.decided_by == user("jateng.biro") and accepted.decided_at is not None


def test_a_superuser_without_a_role_fires_no_step(chain):
    _, report, klaten_sub, _ = chain
    root = user("root.super")
    with pytest.raises(workflow.NotAllowed):
        workflow.transition(report, "submit", root)
    assert workflow.available_actions(klaten_sub, root) == []


def test_a_withdrawn_membership_fires_nothing_and_sees_nothing(chain):
    _, report, _, _ = chain
    with pytest.raises(workflow.NotFound):
        workflow.transition(report, "submit", user("serang.mantan"))


# ---------------------------------------------------------------- timeliness (rules.windows)


def test_timeliness_edges_in_python():
    p = per()
    on_due = RegionSubmission(
        period=p,
        status=S.ACCEPTED,
        submitted_at=dt.datetime(2027, 4, 20, 9, 0, tzinfo=windows.local_tz()),
    )
    assert windows.timeliness(on_due) == "on_time"  # accepted counts as submitted
    assert windows.is_late_submission(on_due) is False
    day_after = RegionSubmission(
        period=p,
        status=S.SUBMITTED,
        submitted_at=dt.datetime(2027, 4, 21, 9, 0, tzinfo=windows.local_tz()),
    )
    assert windows.is_late_submission(day_after) is True
    no_time = RegionSubmission(period=p, status=S.SUBMITTED, submitted_at=None)
    assert windows.submitted_on(no_time) is None and windows.timeliness(no_time) == "missing"
    # a submitted region is never overdue, even long after the date
    assert windows.is_overdue(p, day_after, today=DUE + 30 * DAY) is False
    # a reopened region is overdue only after its own date
    reopened = RegionSubmission(period=p, status=S.IN_PROGRESS, due_date=DUE + 5 * DAY)
    assert windows.is_overdue(p, reopened, today=DUE + 5 * DAY) is False
    assert windows.is_overdue(p, reopened, today=DUE + 6 * DAY) is True
    assert windows.is_overdue(p, None, today=DUE) is False
    assert windows.is_overdue(p, None, today=DUE + DAY) is True


@pytest.mark.django_db
def test_timeliness_filters_by_name():
    p = f.period(2027, 1, due_date=DUE)
    klaten = Region.objects.get(code="33.10")
    RegionSubmission.objects.filter(region=klaten, period=p).delete()
    sent = dt.datetime(2027, 4, 20, 23, 59, tzinfo=windows.local_tz())
    s = RegionSubmission.objects.create(
        region=klaten, period=p, status=S.SUBMITTED, submitted_at=sent
    )
    mine = RegionSubmission.objects.filter(pk=s.pk)
    assert mine.filter(windows.timeliness_q("on_time")).exists()
    assert not mine.filter(windows.timeliness_q("late")).exists()
    assert not mine.filter(windows.timeliness_q("missing")).exists()
    assert windows.annotate_timeliness(mine, "t").values_list("t", flat=True).get() == "on_time"
    RegionSubmission.objects.filter(pk=s.pk).update(submitted_at=sent + dt.timedelta(minutes=1))
    assert mine.filter(windows.timeliness_q("late")).exists()
    assert not mine.filter(windows.timeliness_q("on_time")).exists()
    RegionSubmission.objects.filter(pk=s.pk).update(status=S.RETURNED)
    assert mine.filter(windows.timeliness_q("missing")).exists()
    assert windows.annotate_timeliness(mine).values_list("timeliness_sql", flat=True).get() == (
        "missing"
    )


# ---------------------------------------------------------------- what one step records
# A region without OPD-head sign-off, so "submit" lands with the verifier.


@pytest.fixture
def steps(db, celery_eager):
    p = f.period(2027, 1, due_date=timezone.localdate() + 10 * DAY)
    klaten = Region.objects.get(code="33.10")
    Region.objects.filter(pk=klaten.pk).update(requires_head_signoff=False)
    sub = f.open_region(klaten, p)
    report = (
        Report.objects.filter(region=klaten, period=p, agency__short_name="DINKES")
        .order_by("service_type__code")
        .first()
    )
    f.fill(report)
    return p, report, sub


def reload(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


# ---------------------------------------------------------------- sections a return points at


def test_pointed_sections_in_the_forms_order():
    assert workflow.pointed_sections(Kind.REPORT, "return", []) == []
    assert workflow.pointed_sections(Kind.REPORT, "return", ["", ""]) == []
    assert workflow.pointed_sections(Kind.SUBMISSION, "accept", [""]) == []  # nothing pointed
    assert workflow.pointed_sections(Kind.REPORT, "return", ["budget", "recipients"]) == [
        "recipients",
        "budget",
    ]
    assert workflow.pointed_sections(Kind.REPORT, "head_return", ["quality"]) == ["quality"]
    assert workflow.pointed_sections(Kind.REPORT, "reopen", ["evidence", "evidence"]) == [
        "evidence"
    ]


@pytest.mark.parametrize(("kind", "action"), [(Kind.REPORT, "verify"), (Kind.SUBMISSION, "return")])
def test_only_a_returning_report_step_points_at_sections(kind, action):
    with pytest.raises(workflow.Refused) as refused:
        workflow.pointed_sections(kind, action, ["quality"])
    assert refused.value.field == "sections"
    assert refused.value.message == "Bagian laporan hanya ditandai saat laporan dikembalikan."


def test_unknown_sections_are_named_sorted():
    with pytest.raises(workflow.Refused) as refused:
        workflow.pointed_sections(Kind.REPORT, "return", ["zeta", "quality", "alpha"])
    assert refused.value.message == "Bagian laporan tidak dikenal: alpha, zeta."
    assert refused.value.field == "sections"


# ---------------------------------------------------------------- what a step records


def test_submit_verify_return_record_their_times_version_and_event(steps):
    _, report, _ = steps
    version = reload(report).version
    before = timezone.now()
    done = workflow.transition(
        reload(report), "submit", user("klaten.dinkes"), expected_status="draft"
    )
    r = reload(report)
    assert (r.status, r.version) == (R.SUBMITTED, version + 1)
    assert r.submitted_at is not None and r.submitted_at >= before
    assert r.verified_at is None
    event = done.event
    assert (event.action, event.from_status, event.to_status) == ("submit", "draft", "submitted")
    assert (event.actor.username, event.region_id, event.report_id) == (
        "klaten.dinkes",
        r.region_id,
        r.pk,
    )
    assert event.agency_id == r.agency_id and event.submission_id is None
    assert event.snapshot["values"]["recipients_served"] == 80
    assert event.snapshot["values"]["recipients_target"] == 100
    assert event.snapshot["values"]["capaian_index"] == "84.0000"  # 0.8 × 80 + 20, 4 decimals
    assert set(event.snapshot) == {"values", "quality", "stages", "budget", "files"}
    assert event.snapshot["stages"] == {"1": {"status": "in_progress", "note": ""}}
    assert r.history.first().history_change_reason == "submit"

    targets.verified_targets(r.region, 2027)
    workflow.transition(r, "verify", user("klaten.tapem"), reason="Lengkap")
    r = reload(report)
    assert (r.status, r.version) == (R.VERIFIED, version + 2)
    assert r.verified_at is not None
    assert r.history.first().history_change_reason == "verify: Lengkap"

    back = workflow.transition(
        r, "reopen", user("klaten.tapem"), reason="Salah ketik", sections=["quality"]
    )
    r = reload(report)
    assert (r.status, r.verified_at, r.version) == (R.RETURNED, None, version + 3)
    assert (back.event.reason, back.event.sections) == ("Salah ketik", ["quality"])


def test_region_steps_record_who_decided_and_why(steps):
    p, report, klaten_sub = steps
    klaten = klaten_sub.region
    klaten_sub = f.verified_region(klaten, p)
    RegionSubmission.objects.filter(pk=klaten_sub.pk).update(return_reason="lama")
    sub = RegionSubmission.objects.get(pk=klaten_sub.pk)
    version = sub.version
    workflow.transition(sub, "submit_region", user("klaten.tapem"))
    sub = RegionSubmission.objects.get(pk=klaten_sub.pk)
    assert (sub.status, sub.version, sub.return_reason) == (S.SUBMITTED, version + 1, "")
    assert sub.submitted_by.username == "klaten.tapem" and sub.submitted_at is not None
    assert sub.decided_at is None
    event = WorkflowEvent.objects.filter(submission=sub).latest("id")
    assert event.report_id is None and event.agency_id is None
    assert event.snapshot["due_date"] == p.due_date.isoformat()
    assert event.snapshot["is_late"] is False
    assert "recap" not in event.snapshot  # a kab/kota has no recap
    # every report filled (80 of 100, quality 100: 0.8 × 80 + 20 = 84) and verified
    assert event.snapshot["reports"][report.service_type.code] == {
        "status": "verified",
        "capaian_index": "84.0000",
    }

    workflow.transition(sub, "return_region", user("jateng.biro"), reason="  Belum lengkap  ")
    sub = RegionSubmission.objects.get(pk=klaten_sub.pk)
    assert (sub.status, sub.return_reason) == (S.RETURNED, "Belum lengkap")
    assert sub.decided_by.username == "jateng.biro" and sub.decided_at is not None

    due = timezone.localdate() + dt.timedelta(days=7)
    workflow.transition(sub, "reopen_region", user("jateng.biro"), reason="Banjir", due_date=due)
    sub = RegionSubmission.objects.get(pk=klaten_sub.pk)
    assert (sub.status, sub.due_date, sub.version) == (S.IN_PROGRESS, due, version + 3)
    assert sub.return_reason == "Belum lengkap"  # the reopen keeps the last return's reason


def test_a_province_submission_snapshot_carries_its_recap(steps):
    p, _, _ = steps
    jateng_sub = f.verified_region(Region.objects.get(code="33"), p)
    snapshot = workflow.snapshot_submission(jateng_sub)
    assert "recap" in snapshot and snapshot["is_late"] is False


def test_submit_lands_with_the_head_when_the_region_asks_for_signoff(steps):
    _, report, _ = steps
    Region.objects.filter(code="33.10").update(requires_head_signoff=True)
    r = reload(report)
    assert workflow.target_of(workflow.TRANSITIONS[(Kind.REPORT, "submit")], r) == R.AWAITING_HEAD
    assert workflow.target_of(workflow.TRANSITIONS[(Kind.REPORT, "verify")], r) == R.VERIFIED
    workflow.transition(r, "submit", user("klaten.dinkes"))
    r = reload(report)
    assert r.status == R.AWAITING_HEAD and r.submitted_at is not None


# ---------------------------------------------------------------- refusals and repeats


def test_a_reason_of_invisible_characters_is_no_reason(steps):
    _, report, _ = steps
    f.set_status(report, R.SUBMITTED)
    with pytest.raises(workflow.Refused) as refused:
        workflow.transition(reload(report), "return", user("klaten.tapem"), reason=" \u200b ")
    assert (refused.value.message, refused.value.field) == ("Alasan wajib diisi.", "reason")


def test_a_step_from_the_wrong_status_names_the_status(steps):
    _, report, _ = steps
    with pytest.raises(workflow.Refused) as refused:
        workflow.transition(reload(report), "verify", user("klaten.tapem"))
    assert refused.value.message == "Tindakan ini tidak dapat dilakukan dari status Draf."
    assert not isinstance(refused.value, workflow.Stale)


def test_an_unknown_action_is_not_found(steps):
    _, report, _ = steps
    with pytest.raises(workflow.NotFound):
        workflow.transition(reload(report), "publish", user("klaten.dinkes"))
    with pytest.raises(workflow.NotFound):  # a submission's action on a report
        workflow.transition(reload(report), "accept", user("jateng.biro"))


def test_a_repeated_click_is_answered_once_and_someone_elses_is_stale(steps):
    _, report, _ = steps
    dinkes = user("klaten.dinkes")
    first = workflow.transition(reload(report), "submit", dinkes, expected_status="draft")
    again = workflow.transition(reload(report), "submit", dinkes, expected_status="draft")
    assert again.already_done is True and again.event.pk == first.event.pk
    assert again.obj.pk == report.pk and again.obj.status == first.obj.status
    assert WorkflowEvent.objects.filter(report_id=report.pk, action="submit").count() == 1
    # The same person and action, but a page that showed another status: not this click.
    with pytest.raises(workflow.Stale):
        workflow.transition(reload(report), "submit", dinkes, expected_status="returned")
    by_version = workflow.transition(
        reload(report), "submit", dinkes, expected_version=first.obj.version - 1
    )
    assert by_version.already_done is True
    with pytest.raises(workflow.Stale) as stale:
        workflow.transition(
            reload(report), "withdraw", dinkes, expected_version=first.obj.version - 1
        )
    assert stale.value.message.startswith("Sudah ada yang bertindak lebih dulu: Diajukan oleh ")
    assert stale.value.message.endswith("; status sekarang: Diajukan ke verifikator.")


def test_a_stale_step_without_any_event_says_the_data_changed(steps):
    _, report, _ = steps
    r = reload(report)
    with pytest.raises(workflow.Stale) as stale:
        workflow.transition(r, "submit", user("klaten.dinkes"), expected_version=r.version + 5)
    assert stale.value.message == "Data sudah berubah; status sekarang: Draf. Muat ulang halaman."
    with pytest.raises(workflow.Stale):
        workflow.transition(r, "submit", user("klaten.dinkes"), expected_status="submitted")


# ---------------------------------------------------------------- separation of duties, target


def test_whoever_saved_or_submitted_a_report_does_not_verify_it(steps):
    _, report, _ = steps
    tapem, other = user("klaten.tapem"), user("serang.tapem")
    workflow.transition(reload(report), "submit", user("klaten.dinkes"))
    r = reload(report)
    assert workflow.authored_by(r, tapem) is False
    assert workflow.authored_by(r, user("klaten.dinkes")) is True  # the latest submit
    assert [t.action for t in workflow.available_actions(r, tapem)] == ["verify", "return"]
    Report.objects.filter(pk=r.pk).update(updated_by=tapem)
    r = reload(report)
    assert workflow.authored_by(r, tapem) is True and workflow.authored_by(r, other) is False
    assert [t.action for t in workflow.available_actions(r, tapem)] == ["return"]
    with pytest.raises(workflow.NotAllowed) as refused:
        workflow.transition(r, "verify", tapem)
    assert "pemisahan tugas" in refused.value.message


def test_note_refusal_belongs_to_the_return_step(steps):
    _, report, _ = steps
    tapem = user("klaten.tapem")
    refused = workflow.note_refusal(reload(report), tapem)
    assert isinstance(refused, workflow.Refused)
    assert refused.message == (
        "Catatan bagian ditulis selama laporan diverifikasi; status sekarang: Draf."
    )
    f.set_status(report, R.SUBMITTED)
    assert workflow.note_refusal(reload(report), tapem) is None
    for name in ("klaten.dinkes", "jateng.biro", "bangda.admin"):
        assert isinstance(workflow.note_refusal(reload(report), user(name)), workflow.NotAllowed)


def test_verify_reason_with_and_without_a_verified_target(steps):
    _, report, _ = steps
    r = reload(report)
    with pytest.raises(workflow.Refused) as refused:
        workflow.verify_reason(r, "Lengkap", " \u200b")
    problem = (
        f"Target tahun 2027 untuk {r.service_type.code} belum diverifikasi; verifikasi target "
        "dulu atau catat alasan pengecualian."
    )
    assert refused.value.message == problem
    assert [p.message for p in refused.value.problems] == [problem]
    recorded = "Pengecualian target belum terverifikasi: Target baru"
    assert workflow.verify_reason(r, "", " Target baru ") == recorded
    assert workflow.verify_reason(r, "Lengkap", "Target baru") == f"{recorded}\nLengkap"
    targets.target(r.region, 2027, r.service_type.code)
    assert workflow.target_problem(r) is None
    assert workflow.verify_reason(r, "Lengkap", "diabaikan") == "Lengkap"


def test_a_draft_target_is_not_a_verified_one(steps):
    _, report, _ = steps
    r = reload(report)
    targets.target(r.region, 2027, r.service_type.code, status="draft")
    assert workflow.target_problem(r) is not None
    targets.target(r.region, 2026, r.service_type.code)  # another year's does not count
    assert workflow.target_problem(r) is not None


def test_bulk_verify_verifies_each_on_its_own_and_says_why_not(steps):
    p, report, _ = steps
    others = list(
        Report.objects.filter(region=report.region, period=p, agency__short_name="DINKES")
        .exclude(pk=report.pk)
        .order_by("service_type__code")[:1]
    )
    for r in [report, *others]:
        f.fill(r)
        f.set_status(r, R.SUBMITTED)
    targets.target(report.region, 2027, report.service_type.code)  # only the first has one
    done, refused = workflow.bulk_verify(
        [reload(report), *[reload(o) for o in others]], user("klaten.tapem")
    )
    assert [r.pk for r in done] == [report.pk]
    assert reload(report).status == R.VERIFIED
    assert [(r.pk, why) for r, why in refused] == [
        (
            others[0].pk,
            f"Target tahun 2027 untuk {others[0].service_type.code} belum diverifikasi; "
            "verifikasi target dulu atau catat alasan pengecualian.",
        )
    ]
    f.set_status(others[0], R.DRAFT)
    _, refused = workflow.bulk_verify([reload(others[0])], user("klaten.tapem"))
    assert refused[0][1] == "Tindakan ini tidak dapat dilakukan dari status Draf."


def test_bulk_verify_joins_the_problems_after_the_message(steps):
    _, report, _ = steps
    f.set_status(report, R.SUBMITTED)
    Report.objects.filter(pk=report.pk).update(recipients_served=None)
    targets.target(report.region, 2027, report.service_type.code)
    _, refused = workflow.bulk_verify([reload(report)], user("klaten.tapem"))
    why = refused[0][1]
    assert why.startswith("Belum dapat dilanjutkan; lengkapi dulu: ")
    assert f"{report.service_type.code}: jumlah penerima terlayani belum diisi" in why


def test_locks_read_the_date_through_their_today(chain, monkeypatch):
    p, report, klaten_sub, _ = chain
    day = dt.date(2027, 1, 15)  # not today: the rule must use locks.today, not the clock
    monkeypatch.setattr(locks, "today", lambda: day)
    Period.objects.filter(pk=p.pk).update(due_date=day)
    assert locks.is_late(fresh(report)) is False and locks.days_left(fresh(report)) == 0
    Period.objects.filter(pk=p.pk).update(due_date=day - DAY)
    assert locks.is_late(fresh(report)) is True
    RegionSubmission.objects.filter(pk=klaten_sub.pk).update(due_date=day)
    assert locks.reopened(fresh(report)) is True  # the reopen's date is that day
    RegionSubmission.objects.filter(pk=klaten_sub.pk).update(due_date=day - DAY)
    assert locks.reopened(fresh(report)) is False


def test_submission_for_is_the_reports_own_region_and_period_read_once(
    chain, django_assert_num_queries
):
    p, report, klaten_sub, jateng = chain
    # Another region's submission in the same period, sorting before Klaten's ("33" < "33.10"),
    # and one of Klaten's in another period: neither is the report's.
    f.set_status(f.open_region(jateng, p), S.ACCEPTED)
    f.set_status(f.open_region(klaten_sub.region, f.period(2027, 2)), S.ACCEPTED)
    r = fresh(report)
    with django_assert_num_queries(1):
        found = locks.submission_for(r)
        assert (found.pk, found.status, found.due_date) == (klaten_sub.pk, S.IN_PROGRESS, None)
    with django_assert_num_queries(0):
        assert locks.submission_for(r) is found
    assert locks.entry_lock_reason(fresh(report), user("klaten.dinkes")) is None


@pytest.mark.django_db
def test_sql_timeliness_takes_the_local_date_whatever_the_active_time_zone():
    from zoneinfo import ZoneInfo

    p = f.period(2027, 1, due_date=DUE)
    klaten = Region.objects.get(code="33.10")
    RegionSubmission.objects.filter(region=klaten, period=p).delete()
    # 00:10 WIB on 21 April is 17:10 UTC on 20 April: late in Indonesia, whatever is active.
    sent = dt.datetime(2027, 4, 21, 0, 10, tzinfo=windows.local_tz())
    s = RegionSubmission.objects.create(
        region=klaten, period=p, status=S.SUBMITTED, submitted_at=sent
    )
    mine = RegionSubmission.objects.filter(pk=s.pk)
    with timezone.override(ZoneInfo("UTC")):
        assert mine.filter(windows.late_q()).exists()
        assert not mine.filter(windows.on_time_q()).exists()
        loaded = mine.select_related("period").get()
        assert windows.submitted_on(loaded) == dt.date(2027, 4, 21)  # the date in Indonesia
        assert windows.timeliness(loaded) == "late"
    # 23:30 WIB on the due date is 16:30 UTC that day: on time
    mine.update(submitted_at=dt.datetime(2027, 4, 20, 23, 30, tzinfo=windows.local_tz()))
    with timezone.override(ZoneInfo("America/Los_Angeles")):
        assert mine.filter(windows.on_time_q()).exists()
        assert not mine.filter(windows.late_q()).exists()


@pytest.mark.django_db
def test_submitted_without_a_time_is_missing_in_sql_too():
    p = f.period(2027, 1, due_date=DUE)
    klaten = Region.objects.get(code="33.10")
    RegionSubmission.objects.filter(region=klaten, period=p).delete()
    s = RegionSubmission.objects.create(region=klaten, period=p, status=S.SUBMITTED)
    mine = RegionSubmission.objects.filter(pk=s.pk)
    assert not mine.filter(windows.submitted_q()).exists()
    assert mine.filter(windows.timeliness_q("missing")).exists()


DINKES = "Dinas Kesehatan Kabupaten Klaten"
DINKES_CONTACT = "Operator data DINKES (demo), 0800-0000-0001, klaten.dinkes@demo.espm.local"


def test_what_keeps_a_report_and_its_region_from_moving_names_the_owner(steps):
    p, report, sub = steps
    Report.objects.filter(pk=report.pk).update(recipients_served=None)
    r = reload(report)
    code = r.service_type.code
    problems = workflow.report_problems(r)
    assert [(x.message, x.owner, x.contact) for x in problems] == [
        (f"{code}: jumlah penerima terlayani belum diisi", DINKES, DINKES_CONTACT)
    ]
    everything = workflow.region_problems(sub)
    assert len(everything) == Report.objects.filter(region=r.region, period=p).count()
    mine = next(x for x in everything if x.message.startswith(f"{code} "))
    assert mine.message == f"{code} {r.service_type.name}: status Draf, belum terverifikasi"
    assert (mine.owner, mine.contact) == (DINKES, DINKES_CONTACT)
    # shown to the operator: only what it may see, its own agency's reports
    seen = workflow.region_problems(sub, user("klaten.dinkes"))
    assert {x.owner for x in seen} == {DINKES}
    assert len(seen) == Report.objects.filter(region=r.region, period=p, agency=r.agency).count()
    # a report nobody was assigned names that instead
    Report.objects.filter(pk=report.pk).update(agency=None)
    (unassigned,) = workflow.report_problems(reload(report))
    assert (unassigned.owner, unassigned.contact) == ("(belum ditugaskan ke perangkat daerah)", "")


def test_a_region_without_an_action_plan_is_warned_never_blocked(steps):
    from django.urls import reverse

    _, _, sub = steps
    (warning,) = workflow.region_warnings(sub)
    assert warning.message == "Rencana aksi penerapan SPM tahun 2027 belum ada."
    assert (warning.owner, warning.contact) == ("verifikator wilayah", sub.region.contact_name)
    assert warning.url == reverse("reporting:action_plan", kwargs={"code": "33.10", "year": 2027})


def test_a_report_snapshot_holds_its_data_as_entered(steps):
    from reporting.models import BudgetLine

    _, report, _ = steps
    r = reload(report)
    BudgetLine.objects.create(
        report=r,
        activity_code="1.02.02",
        activity_name="Kegiatan",
        sub_activity_code="1.02.02.2.01",
        sub_activity_name="Sub kegiatan",
        allocated=1_000,
        realised=250,
    )
    BudgetLine.objects.create(report=r, activity_code="1.02.03", activity_name="Tanpa sub")
    snap = workflow.snapshot_report(reload(report))
    assert snap["values"] == {
        "recipients_target": 100,
        "recipients_served": 80,
        "recipients_breakdown": {},
        "problems": "",
        "solutions": "",
        "capaian_index": "84.0000",  # 0.8 × 80 + 0.2 × 100
        "band": "Tuntas Madya",
    }
    for item in r.service_type.quality_items.all():
        assert snap["quality"][item.code] == {
            "label": item.description,
            "required": "10.00" if item.has_quantity else None,
            "realised": "10.00" if item.has_quantity else None,
            "met": None if item.has_quantity else True,
        }
    assert snap["budget"] == [
        {"key": "1.02.02/1.02.02.2.01", "name": "Sub kegiatan", "allocated": 1000, "realised": 250},
        {"key": "1.02.03/", "name": "Tanpa sub", "allocated": 0, "realised": 0},
    ]
    assert snap["files"] == []


def test_the_window_messages_in_full():
    p = per()
    planned = per(state=Period.State.PLANNED)
    assert workflow.window_problem(planned, None, today=DUE) == f"Periode {planned} belum dibuka."
    closed = per(state=Period.State.CLOSED)
    assert workflow.window_problem(closed, None, today=DUE) == (
        f"Periode {closed} sudah ditutup (batas waktu 20 April 2027); minta pembukaan kembali."
    )
    assert workflow.window_problem(p, None, today=DUE + DAY) == (
        "Batas waktu 20 April 2027 sudah lewat dan periode ini tidak menerima laporan "
        "terlambat; minta pembukaan kembali kepada provinsi/Bangda."
    )
    # a single-digit day is written without a leading zero
    early = per(due=dt.date(2027, 4, 5))
    assert "Batas waktu 5 April 2027 sudah lewat" in workflow.window_problem(
        early, None, today=dt.date(2027, 4, 6)
    )


def test_the_window_writes_its_date_day_month_year_in_every_language():
    from django.utils import translation

    closed = per(state=Period.State.CLOSED)
    with translation.override("en"):
        assert "20 April 2027" in workflow.window_problem(closed, None, today=DUE)
        assert "20 April 2027" in workflow.window_problem(per(), None, today=DUE + DAY)


def test_a_stale_step_names_the_last_step_its_author_and_local_time(steps):
    _, report, _ = steps
    dinkes = user("klaten.dinkes")
    r = reload(report)
    event = WorkflowEvent.objects.create(
        region_id=r.region_id, report=r, action="impor", from_status="draft",
        to_status="draft", actor=dinkes, snapshot={},
    )  # fmt: skip
    # 03:04 UTC on 2 January 2027 is 10:04 in Jakarta (UTC+7)
    WorkflowEvent.objects.filter(pk=event.pk).update(
        at=dt.datetime(2027, 1, 2, 3, 4, tzinfo=dt.UTC)
    )
    with pytest.raises(workflow.Stale) as stale:
        workflow.transition(r, "submit", dinkes, expected_version=r.version + 1)
    # an action without a label is named as it is
    assert stale.value.message == (
        "Sudah ada yang bertindak lebih dulu: impor oleh Operator DINKES Kabupaten Klaten "
        "(demo) pada 02-01-2027 10:04; status sekarang: Draf."
    )


def test_the_separation_of_duties_refusal_in_full(steps):
    _, report, _ = steps
    tapem = user("klaten.tapem")
    f.set_status(report, R.SUBMITTED)
    Report.objects.filter(pk=report.pk).update(updated_by=tapem)
    with pytest.raises(workflow.NotAllowed) as refused:
        workflow.transition(reload(report), "verify", tapem)
    assert refused.value.message == (
        "Anda mengajukan atau terakhir mengubah laporan ini; verifikasi harus dilakukan "
        "verifikator lain (pemisahan tugas)."
    )
    notes = workflow.note_refusal(reload(report), user("klaten.dinkes"))
    assert notes.message == "Hanya verifikator wilayah laporan yang dapat menulis catatan."


def test_bulk_verify_refuses_a_report_changed_since_it_was_listed(steps):
    _, report, _ = steps
    f.set_status(report, R.SUBMITTED)
    targets.target(report.region, 2027, report.service_type.code)
    listed = reload(report)
    Report.objects.filter(pk=report.pk).update(version=listed.version + 1)
    done, refused = workflow.bulk_verify([listed], user("klaten.tapem"))
    assert done == [] and isinstance(refused[0][1], str)
    assert (
        refused[0][1]
        == "Data sudah berubah; status sekarang: Diajukan ke verifikator. Muat ulang halaman."
    )
    assert reload(report).status == R.SUBMITTED


def test_bulk_verify_lists_every_problem_after_the_message(steps):
    from reporting.models import ReportStage

    _, report, _ = steps
    f.set_status(report, R.SUBMITTED)
    targets.target(report.region, 2027, report.service_type.code)
    Report.objects.filter(pk=report.pk).update(recipients_served=None)
    ReportStage.objects.filter(report=report).update(status="")
    code = report.service_type.code
    _, refused = workflow.bulk_verify([reload(report)], user("klaten.tapem"))
    assert refused[0][1] == (
        f"Belum dapat dilanjutkan; lengkapi dulu: {code}: jumlah penerima terlayani belum "
        f"diisi; {code}: belum ada status tahap penerapan"
    )


def test_review_lock_reason_finds_the_regions_submission_itself(steps):
    _, report, sub = steps
    f.set_status(sub, S.SUBMITTED)
    assert workflow.review_lock_reason(reload(report)) == FROZEN


PARENT_SENT = (
    "Laporan provinsi periode ini sudah diajukan/diterima Bangda; "
    "pembukaan kembali kabupaten/kota harus melalui Bangda."
)


def test_the_parent_check_reads_the_provinces_report_of_the_same_period(chain):
    p, _, klaten_sub, jateng = chain
    due = timezone.localdate() + 5 * DAY
    # Jawa Tengah's report of another quarter is with Bangda; this quarter's is not
    f.set_status(f.open_region(jateng, f.period(2027, 2)), S.SUBMITTED)
    biro = user("jateng.biro")
    done = workflow.transition(klaten_sub, "reopen_region", biro, reason="Data", due_date=due)
    assert done.obj.status == S.IN_PROGRESS
    f.set_status(f.open_region(jateng, p), S.ACCEPTED)
    with pytest.raises(workflow.Refused) as refused:
        workflow.transition(done.obj, "reopen_region", biro, reason="Lagi", due_date=due)
    assert [x.message for x in refused.value.problems] == [PARENT_SENT]


def test_a_region_snapshot_is_of_its_own_reports_and_its_own_due_date(steps):
    p, report, sub = steps
    klaten = sub.region
    f.open_region(Region.objects.get(code="35.21"), p)  # Ngawi: the same kab/kota codes
    f.open_region(Region.objects.get(code="33"), p)  # Jawa Tengah: province codes
    own_due = timezone.localdate() + 20 * DAY
    RegionSubmission.objects.filter(pk=sub.pk).update(due_date=own_due)
    snap = workflow.snapshot_submission(RegionSubmission.objects.get(pk=sub.pk))
    codes = set(
        Report.objects.filter(region=klaten, period=p).values_list("service_type__code", flat=True)
    )
    assert set(snap["reports"]) == codes
    assert snap["due_date"] == own_due.isoformat()
    jateng_sub = RegionSubmission.objects.get(region__code="33", period=p)
    recap = workflow.snapshot_submission(jateng_sub)["recap"]
    assert isinstance(recap, dict) and recap


def test_another_regions_verified_target_does_not_count(steps):
    _, report, _ = steps
    r = reload(report)
    targets.target(Region.objects.get(code="35.21"), 2027, r.service_type.code)
    assert workflow.target_problem(r) is not None


def _event(report, action, actor, at):
    e = WorkflowEvent.objects.create(
        region_id=report.region_id, report=report, action=action, from_status="draft",
        to_status="submitted", actor=actor, snapshot={},
    )  # fmt: skip
    WorkflowEvent.objects.filter(pk=e.pk).update(at=at)
    return e


def test_authored_by_is_the_latest_submit_or_head_approval_of_this_report(steps):
    p, report, _ = steps
    dinkes, kadinkes, tapem = user("klaten.dinkes"), user("klaten.kadinkes"), user("klaten.tapem")
    r = reload(report)
    t = dt.datetime(2027, 1, 2, 3, 0, tzinfo=dt.UTC)
    # created first but later in time: the latest submit is the operator's
    _event(r, "submit", dinkes, t + dt.timedelta(hours=2))
    _event(r, "submit", tapem, t)
    assert workflow.authored_by(r, dinkes) is True
    assert workflow.authored_by(r, tapem) is False
    # a later step that is not a submit (a return) makes nobody an author
    _event(r, "return", tapem, t + dt.timedelta(hours=3))
    assert workflow.authored_by(r, tapem) is False
    # the head's approval is a submit in its own right
    _event(r, "head_approve", kadinkes, t + dt.timedelta(hours=4))
    assert workflow.authored_by(r, kadinkes) is True
    assert workflow.authored_by(r, dinkes) is False
    # another report's submit is not this one's
    other = Report.objects.filter(region=r.region, period=p).exclude(pk=r.pk).first()
    _event(other, "submit", user("klaten.dindik"), t + dt.timedelta(hours=5))
    assert workflow.authored_by(r, user("klaten.dindik")) is False


def test_a_pending_kabkota_is_named_with_its_contact_and_only_this_quarters_counts(chain):
    p, _, klaten_sub, jateng = chain
    jateng_sub = f.verified_region(jateng, p)
    klaten = klaten_sub.region
    f.set_status(f.open_region(klaten, f.period(2027, 2)), S.SUBMITTED)  # another quarter
    assert workflow.region_problems(jateng_sub) == []
    f.set_status(klaten_sub, S.SUBMITTED)
    (pending,) = workflow.region_problems(jateng_sub)
    assert (pending.message, pending.owner, pending.contact) == (
        "Kabupaten Klaten: pengajuan kabupaten/kota menunggu keputusan provinsi",
        "Kabupaten Klaten",
        klaten.contact_name,
    )
    # the province's own report, once with Bangda, is not a kab/kota waiting for it
    f.set_status(klaten_sub, S.ACCEPTED)
    f.set_status(jateng_sub, S.SUBMITTED)
    assert workflow.region_problems(RegionSubmission.objects.get(pk=jateng_sub.pk)) == []


def test_a_snapshot_keeps_the_recipients_breakdown(steps):
    _, report, _ = steps
    Report.objects.filter(pk=report.pk).update(recipients_breakdown={"Laki-laki": 30})
    snap = workflow.snapshot_report(reload(report))
    assert snap["values"]["recipients_breakdown"] == {"Laki-laki": 30}


def test_unverified_reports_are_listed_by_agency_then_service(steps):
    p, report, sub = steps
    listed = workflow.unverified_reports(sub)
    names = [r.agency.name for r in listed]
    assert names == sorted(names)  # agencies in alphabetical order
    assert (
        len({*names}) > 1
        and len(listed) == Report.objects.filter(region=report.region, period=p).count()
    )


def test_a_reopened_region_submits_after_the_periods_due_date(chain):
    p, report, klaten_sub, _ = chain
    today = timezone.localdate()
    Period.objects.filter(pk=p.pk).update(due_date=today - 5 * DAY, allow_late=False)
    RegionSubmission.objects.filter(pk=klaten_sub.pk).update(due_date=today)
    moved = workflow.transition(fresh(report), "submit", user("klaten.dinkes")).obj
    assert moved.status in (R.SUBMITTED, R.AWAITING_HEAD)
    sub = f.verified_region(klaten_sub.region, p)
    RegionSubmission.objects.filter(pk=sub.pk).update(due_date=today)
    sub = RegionSubmission.objects.get(pk=sub.pk)
    assert workflow.transition(sub, "submit_region", user("klaten.tapem")).obj.status == (
        S.SUBMITTED
    )


def test_a_stale_message_names_the_latest_step_by_time(steps):
    _, report, _ = steps
    r = reload(report)
    t = dt.datetime(2027, 1, 2, 3, 0, tzinfo=dt.UTC)
    _event(r, "submit", user("klaten.dinkes"), t + dt.timedelta(hours=1))  # 04:00 UTC = 11:00 WIB
    _event(r, "withdraw", user("klaten.dinkes"), t)  # created later, earlier in time
    with pytest.raises(workflow.Stale) as stale:
        workflow.transition(r, "submit", user("klaten.dinkes"), expected_version=r.version + 1)
    assert " Diajukan oleh " in stale.value.message and "pada 02-01-2027 11:00" in (
        stale.value.message
    )


def test_a_report_with_a_target_of_zero_needs_no_served_count(steps):
    _, report, _ = steps
    Report.objects.filter(pk=report.pk).update(recipients_target=0, recipients_served=None)
    assert workflow.report_problems(reload(report)) == []


def test_the_workflows_submission_for_is_the_reports_own(chain):
    p, report, klaten_sub, jateng = chain
    f.open_region(jateng, p)
    f.open_region(klaten_sub.region, f.period(2027, 2))
    assert workflow.submission_for(fresh(report)).pk == klaten_sub.pk


def test_a_transition_error_carries_its_message_and_no_field_by_default():
    e = workflow.Refused("Tidak bisa.")
    assert (str(e), e.message, e.field, e.problems) == ("Tidak bisa.", "Tidak bisa.", "", [])


# ---------------------------------------------------------------- snapshots, problems, author


@pytest.fixture
def klaten_open(db):
    """2027 TW I: Klaten's reports (drafts, targets of 100) and its submission."""
    p = f.period(2027, 1)
    region = Region.objects.get(code="33.10")
    sub = f.open_region(region, p)
    report = (
        sub.region.reports.filter(period=p, agency__short_name="DINKES")
        .select_related("service_type", "agency")
        .order_by("service_type__code")
        .first()
    )
    return p, sub, report


def evidence(report, name: str, digest: str, *, deleted: bool = False) -> Evidence:
    return Evidence.objects.create(
        report=report,
        file=f"evidence/uji/{name}",
        original_name=name,
        content_type="application/pdf",
        size=10,
        sha256=digest,
        uploaded_by=User.objects.get(username="klaten.dinkes"),
        deleted_at=timezone.now() if deleted else None,
    )


@pytest.mark.django_db
def test_the_report_snapshot_lists_the_files_kept_with_their_digests(klaten_open):
    _p, _sub, report = klaten_open
    first = evidence(report, "sk.pdf", "a" * 64)
    evidence(report, "dibuang.pdf", "b" * 64, deleted=True)
    last = evidence(report, "foto.pdf", "c" * 64)
    ReportStage.objects.create(report=report, stage=2, status=ReportStage.Status.DONE, note="ok")
    report.recipients_served, report.problems = 55, "Hujan"
    report.save()
    snap = workflow.snapshot_report(report)
    assert snap["files"] == [
        {"id": first.pk, "name": "sk.pdf", "sha256": "a" * 64},
        {"id": last.pk, "name": "foto.pdf", "sha256": "c" * 64},
    ]
    assert snap["stages"] == {"2": {"status": ReportStage.Status.DONE, "note": "ok"}}
    assert snap["values"]["recipients_served"] == 55
    assert snap["values"]["recipients_target"] == 100
    assert snap["values"]["problems"] == "Hujan"


@pytest.mark.django_db
def test_the_submission_snapshot_holds_only_its_own_period(klaten_open):
    p, sub, report = klaten_open
    later = f.period(2027, 2)
    f.open_region(sub.region, later)
    report.capaian_index = Decimal("84.00")
    report.save()
    snap = workflow.snapshot_submission(sub)
    expected = sub.region.reports.filter(period=p).count()
    assert len(snap["reports"]) == expected
    mine = snap["reports"][report.service_type.code]
    assert mine["status"] == report.status
    assert Decimal(mine["capaian_index"]) == Decimal(84)  # as stored, at the column's scale
    assert snap["due_date"] == p.due_date.isoformat()


@pytest.mark.django_db
def test_a_stored_flag_is_a_problem_of_the_service_owned_by_its_agency(klaten_open):
    _p, _sub, report = klaten_open
    agency = report.agency
    agency.contact_name, agency.contact_phone, agency.contact_email = (
        "Bu Sari",
        "0812",
        "sari@klaten.example",
    )
    agency.save()
    rule = ValidationRule.objects.create(
        code="UJI-GALAT",
        kind=ValidationRule.Kind.EXPRESSION,
        severity=ValidationRule.Severity.ERROR,
        each=ValidationRule.Each.REPORT,
        section="recipients",
        expression="served > 0",
        message_id="Angka tidak wajar",
        message_en="Odd figure",
        reason="uji",
    )
    ReportCheck.objects.create(
        report=report, rule=rule, severity=rule.severity, section="recipients", values={}
    )
    spec = workflow.TRANSITIONS[(Kind.REPORT, "submit")]
    shown = workflow.step_problems(spec, report, spec.actors[0], shown=True)
    code = report.service_type.code
    assert (
        workflow.Problem(
            f"{code}: Galat UJI-GALAT: Angka tidak wajar",
            agency.name,
            "Bu Sari, 0812, sari@klaten.example",
        )
        in shown
    )


@pytest.mark.django_db
def test_the_author_is_who_stepped_last_even_within_one_instant(klaten_open):
    _p, _sub, report = klaten_open
    operator = User.objects.get(username="klaten.dinkes")
    head = User.objects.get(username="klaten.kadinkes")
    at = timezone.now() - dt.timedelta(hours=1)
    for actor, action in ((operator, "submit"), (head, "head_approve")):
        WorkflowEvent.objects.create(
            report=report, region=report.region, action=action, actor=actor
        )
    WorkflowEvent.objects.filter(report=report).update(at=at)  # one instant for both
    verifier = User.objects.get(username="klaten.tapem")
    assert workflow.authored_by(report, head) is True  # the later row of the same instant
    assert workflow.authored_by(report, operator) is False
    assert workflow.authored_by(report, verifier) is False
