"""What is derived from the transition table, checked against sets written out by hand: who
hears of a step (`audience_memberships`) and whose inbox an object waits in (`waiting`,
`decided_by`, `handed_in_by`), for the awkward users too (two regions, levels, a province's
own submission, an agency-less membership).

The expected sets are plain queries on status, region and agency (never the code under test):
Klaten 33.10 and its province Jawa Tengah 33, Ngawi 35.21, Kota Serang 36.73.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from indicators.models import Target
from regions.models import Agency, Membership, Region, User
from regions.roles import Role
from reporting import workflow
from reporting.models import Period, RegionSubmission, Report
from tests import factories_review as f

pytestmark = pytest.mark.django_db

K = workflow.Kind
R = Report.Status
S = RegionSubmission.Status


@pytest.fixture
def period() -> Period:
    """2027 TW I, Klaten and Ngawi filled in; their statuses set per test."""
    p = f.period(2027, 1)
    for code in ("33.10", "35.21"):
        f.verified_region(Region.objects.get(code=code), p)
    return p


def reports(period: Period, code: str) -> list[Report]:
    return list(
        Report.objects.filter(period=period, region__code=code).order_by("service_type__code")
    )


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def heard(spec_kind: workflow.Kind, action: str, obj, to_status: str) -> set[str]:
    where = workflow.audience_memberships(workflow.TRANSITIONS[(spec_kind, action)], obj, to_status)
    if where is None:
        return set()
    users = Membership.objects.filter(where).values("user_id")
    return set(User.objects.filter(pk__in=users).values_list("username", flat=True))


# ---------------------------------------------------------------- who hears of a step


def test_report_steps_tell_the_region_verifier_the_agency_head_and_its_operators(period):
    dinkes = next(r for r in reports(period, "33.10") if r.agency.short_name == "DINKES")
    assert heard(K.REPORT, "submit", dinkes, R.SUBMITTED) == {"klaten.tapem"}
    assert heard(K.REPORT, "submit", dinkes, R.AWAITING_HEAD) == {"klaten.kadinkes"}
    assert heard(K.REPORT, "return", dinkes, R.RETURNED) == {"klaten.dinkes"}
    assert heard(K.REPORT, "withdraw", dinkes, R.DRAFT) == set()
    # Ngawi's DINKES report: its operators are Ngawi's, and the two-region user among them
    ngawi = next(r for r in reports(period, "35.21") if r.agency.short_name == "DINKES")
    assert heard(K.REPORT, "verify", ngawi, R.VERIFIED) == {"ngawi.dinkes", "serang.ngawi"}


def test_an_agency_binding_needs_the_agency_and_its_region(period, cast):
    dinkes = next(r for r in reports(period, "33.10") if r.agency.short_name == "DINKES")
    klaten, ngawi = Region.objects.get(code="33.10"), Region.objects.get(code="35.21")
    stray = User.objects.create(username="uji.stray")
    # an operator membership naming Klaten's DINKES under another region, and one without agency
    Membership.objects.create(
        user=stray, role=Role.OPD_OPERATOR, region=ngawi, agency=dinkes.agency
    )
    loose = User.objects.create(username="uji.loose")
    Membership.objects.create(user=loose, role=Role.OPD_OPERATOR, region=klaten, agency=None)
    assert heard(K.REPORT, "return", dinkes, R.RETURNED) == {"klaten.dinkes"}
    # a report not yet assigned to an agency has no operator to tell
    dinkes.agency = None
    assert heard(K.REPORT, "return", dinkes, R.RETURNED) == set()


def test_region_submissions_go_up_one_level(period):
    klaten = RegionSubmission.objects.get(period=period, region__code="33.10")
    bangda = set(
        Membership.objects.filter(role=Role.BANGDA_ADMIN, is_active=True).values_list(
            "user__username", flat=True
        )
    )
    assert bangda  # the demo has Bangda admins
    # a kab/kota tells its province's reviewers, not Bangda
    assert heard(K.SUBMISSION, "submit_region", klaten, S.SUBMITTED) == {"jateng.biro"}
    # a province tells Bangda, not its own reviewers
    province = RegionSubmission.objects.create(period=period, region=Region.objects.get(code="33"))
    assert heard(K.SUBMISSION, "submit_region", province, S.SUBMITTED) == bangda
    # decisions go back to the verifier; a reopening tells the region's operators too
    assert heard(K.SUBMISSION, "accept", klaten, S.ACCEPTED) == {"klaten.tapem"}
    operators = set(
        Membership.objects.filter(
            role=Role.OPD_OPERATOR, region__code="33.10", is_active=True
        ).values_list("user__username", flat=True)
    )
    assert len(operators) == 8
    reopened = heard(K.SUBMISSION, "reopen_region", klaten, S.IN_PROGRESS)
    assert reopened == {"klaten.tapem"} | operators


# ---------------------------------------------------------------- inboxes


def set_status(report: Report, status: str) -> None:
    Report.objects.filter(pk=report.pk).update(status=status)


def test_the_verifier_waits_for_submitted_reports_of_own_region_only(period, cast):
    klaten, ngawi = reports(period, "33.10"), reports(period, "35.21")
    set_status(klaten[0], R.SUBMITTED)
    set_status(klaten[1], R.AWAITING_HEAD)
    set_status(ngawi[0], R.SUBMITTED)
    # the rest stay verified: a verified report waits for nobody
    waiting = ids(Report.objects.filter(workflow.waiting(K.REPORT, cast["klaten.tapem"])))
    assert waiting & ids(Report.objects.filter(period=period)) == {klaten[0].pk}
    # an operator and Bangda decide on no report; the Biro verifies its own province's
    # reports only, never its kab/kota's (Klaten's submitted one is not in its inbox)
    for name in ("klaten.dinkes", "bangda.admin"):
        assert not Report.objects.filter(workflow.waiting(K.REPORT, cast[name])).exists(), name
    biro = Report.objects.filter(workflow.waiting(K.REPORT, cast["jateng.biro"]))
    assert set(biro.values_list("region__code", flat=True)) <= {"33"}
    assert set(biro.values_list("status", flat=True)) <= {R.SUBMITTED}
    # nobody signed in waits for nothing
    assert not Report.objects.filter(workflow.waiting(K.REPORT, AnonymousUser())).exists()


def test_the_agency_head_waits_for_its_agencys_sign_off_only(period, cast):
    klaten = reports(period, "33.10")
    mine = next(r for r in klaten if r.agency.short_name == "DINKES")
    other = next(r for r in klaten if r.agency.short_name != "DINKES")
    for r in (mine, other):
        set_status(r, R.AWAITING_HEAD)
    waiting = Report.objects.filter(workflow.waiting(K.REPORT, cast["klaten.kadinkes"]))
    assert ids(waiting.filter(period=period)) == {mine.pk}


def test_two_grants_wait_for_both(period, cast):
    """serang.ngawi: an operator grant (no inbox) and a verifier grant in another region."""
    user = cast["serang.ngawi"]
    klaten_verifier = Membership.objects.create(
        user=user, role=Role.VERIFIER, region=Region.objects.get(code="33.10")
    )
    klaten = reports(period, "33.10")
    set_status(klaten[0], R.SUBMITTED)
    set_status(reports(period, "35.21")[0], R.SUBMITTED)  # Ngawi: operator there, no inbox
    from regions.grants import granting_memberships

    granting_memberships(user, reload=True)
    waiting = Report.objects.filter(workflow.waiting(K.REPORT, user), period=period)
    assert ids(waiting) == {klaten[0].pk}
    klaten_verifier.delete()


def test_submissions_decided_by_one_level_up_in_any_status(period, cast):
    klaten = RegionSubmission.objects.get(period=period, region__code="33.10")
    ngawi = RegionSubmission.objects.get(period=period, region__code="35.21")
    province = RegionSubmission.objects.create(period=period, region=Region.objects.get(code="33"))
    RegionSubmission.objects.filter(pk=klaten.pk).update(status=S.ACCEPTED)
    in_period = RegionSubmission.objects.filter(period=period)
    biro = in_period.filter(workflow.decided_by(K.SUBMISSION, cast["jateng.biro"]))
    assert ids(biro) == {klaten.pk}  # accepted still counts; not Ngawi, not its own province
    bangda = in_period.filter(workflow.decided_by(K.SUBMISSION, cast["bangda.admin"]))
    assert ids(bangda) == {province.pk}  # provinces only
    # only the submitted ones wait
    assert not in_period.filter(workflow.waiting(K.SUBMISSION, cast["jateng.biro"])).exists()
    RegionSubmission.objects.filter(pk=klaten.pk).update(status=S.SUBMITTED)
    waiting = in_period.filter(workflow.waiting(K.SUBMISSION, cast["jateng.biro"]))
    assert ids(waiting) == {klaten.pk}
    assert ngawi.pk not in ids(
        in_period.filter(workflow.decided_by(K.SUBMISSION, cast["jateng.biro"]))
    )


def test_handed_in_by_the_verifier_and_ready_only_before_it_is_sent(period, cast):
    klaten = RegionSubmission.objects.get(period=period, region__code="33.10")
    in_period = RegionSubmission.objects.filter(period=period)
    tapem = cast["klaten.tapem"]
    assert ids(in_period.filter(workflow.handed_in_by(K.SUBMISSION, tapem))) == {klaten.pk}
    for status, ready in ((S.IN_PROGRESS, True), (S.RETURNED, True), (S.SUBMITTED, False)):
        RegionSubmission.objects.filter(pk=klaten.pk).update(status=status)
        got = ids(in_period.filter(workflow.handed_in_by(K.SUBMISSION, tapem, ready=True)))
        assert got == ({klaten.pk} if ready else set()), status
    # an operator hands in reports and targets, never the region's submission
    assert not in_period.filter(workflow.handed_in_by(K.SUBMISSION, cast["klaten.dinkes"])).exists()
    dinkes_targets = Target.objects.filter(
        workflow.handed_in_by(K.TARGET, cast["klaten.dinkes"]), year=2026
    )
    assert set(dinkes_targets.values_list("agency__short_name", flat=True)) == {"DINKES"}
    assert (
        dinkes_targets.filter(region__code="33.10").count()
        == Target.objects.filter(
            region__code="33.10",
            year=2026,
            agency=Agency.objects.get(region__code="33.10", short_name="DINKES"),
        ).count()
    )


def test_authored_by_is_false_for_nobody(period):
    report = reports(period, "33.10")[0]
    assert workflow.authored_by(report, None) is False
    assert workflow.authored_by(report, AnonymousUser()) is False


def test_a_shown_step_reads_the_stored_flags_and_the_step_itself_evaluates(period, monkeypatch):
    from reporting.quality import services as quality_services

    calls: list[list[int]] = []
    real = quality_services.evaluate

    def counting(ids, *args, **kwargs):
        ids = list(ids)
        calls.append(ids)
        return real(ids, *args, **kwargs)

    monkeypatch.setattr(quality_services, "evaluate", counting)
    report = reports(period, "33.10")[0]
    spec = workflow.TRANSITIONS[(K.REPORT, "verify")]
    shown = workflow.step_problems(spec, report, spec.actors[0], shown=True)
    assert calls == []
    fresh = workflow.step_problems(spec, report, spec.actors[0])
    assert calls == [[report.pk]]
    assert [p.message for p in shown] == [p.message for p in fresh]


def test_a_national_actor_without_levels_binds_every_region(period, cast):
    """Bangda reopens any region (BANGDA_ANY, no levels): the filter matches them all, not none."""
    spec = workflow.TRANSITIONS[(K.SUBMISSION, "reopen_region")]
    RegionSubmission.objects.create(period=period, region=Region.objects.get(code="33"))
    in_period = RegionSubmission.objects.filter(period=period)
    assert in_period.count() == 3  # Klaten, Ngawi and Jawa Tengah
    bangda = in_period.filter(workflow._grants_filter(cast["bangda.admin"], [spec], waiting=False))
    assert bangda.count() == 3
    biro = in_period.filter(workflow._grants_filter(cast["jateng.biro"], [spec], waiting=False))
    assert set(biro.values_list("region__code", flat=True)) == {"33.10"}
