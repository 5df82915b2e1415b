"""Year targets go through the one transition table (``reporting.workflow``), like reports and
region submissions: each step is a WorkflowEvent, tells the table's audience, and a repeated
click is answered, not fired twice. Who hears of every step and whose inbox an object waits in
are derived from the table; the expectations below are written out by hand.

Demo Klaten 2026 (regions/indicators demo): K-KES-11 is a DINKES draft, K-DIK-03 a DINDIK
target submitted and waiting for klaten.tapem (the region's only verifier).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.translation import override

from indicators.models import Target
from regions.models import Membership, Region, User
from regions.roles import Role
from reporting import notifications, workflow
from reporting.models import Notification, WorkflowEvent

pytestmark = pytest.mark.django_db

YEAR = 2026
KLATEN = "33.10"


def target(code: str) -> Target:
    return Target.objects.get(region__code=KLATEN, year=YEAR, service_type__code=code)


def step_url(name: str, code: str) -> str:
    return reverse(
        f"indicators:target_{name}", kwargs={"region": KLATEN, "year": YEAR, "code": code}
    )


def notified(event: WorkflowEvent) -> tuple[str, list[str]]:
    kind, users = notifications.recipients(event)
    return kind, sorted(u.username for u in users)


def test_verify_from_the_page_is_an_event_that_tells_the_agency_once(
    login, celery_eager, django_capture_on_commit_callbacks
):
    t = target("K-DIK-03")
    tapem = login("klaten.tapem")
    with django_capture_on_commit_callbacks(execute=True):
        r = tapem.post(step_url("verify", "K-DIK-03"), {"version": t.version})
    assert r.status_code == 302
    event = WorkflowEvent.objects.get(target=t, action="verify")
    assert (event.action, event.from_status, event.to_status) == ("verify", "submitted", "verified")
    assert event.actor.username == "klaten.tapem" and event.region.code == KLATEN
    assert event.agency.short_name == "DINDIK"
    assert event.snapshot["recipients_target"] == 3432
    assert event.snapshot["quality"] == {
        "B1": "3432.00",
        "B2": "3432.00",
        "S1": "13.00",
        "S2": "13.00",
    }
    assert notified(event) == ("accepted", ["klaten.dindik"])
    mine = Notification.objects.filter(key__startswith=f"wf:{event.pk}:")
    note = mine.get(user__username="klaten.dindik")
    assert note.kind == "accepted" and note.url == reverse(
        "indicators:target", kwargs={"region": KLATEN, "year": YEAR, "code": "K-DIK-03"}
    )
    # The same click again (the version the page showed): answered, no second step.
    with django_capture_on_commit_callbacks(execute=True):
        again = tapem.post(step_url("verify", "K-DIK-03"), {"version": t.version})
    assert again.status_code == 302
    assert WorkflowEvent.objects.filter(target=t, action="verify").count() == 1
    assert Notification.objects.filter(user__username="klaten.dindik", key=note.key).count() == 1
    assert (
        not Notification.objects.filter(key__startswith="wf:")
        .exclude(key__startswith=f"wf:{event.pk}:")
        .filter(created_at__gte=event.at)
    )


def test_return_tells_the_agency_why(login, celery_eager, django_capture_on_commit_callbacks):
    t = target("K-DIK-03")
    with django_capture_on_commit_callbacks(execute=True):
        login("klaten.tapem").post(
            step_url("return", "K-DIK-03"), {"version": t.version, "reason": "Cek data Dapodik."}
        )
    t.refresh_from_db()
    assert t.status == "returned" and t.return_reason == "Cek data Dapodik."
    event = WorkflowEvent.objects.get(target=t, action="return")
    assert event.reason == "Cek data Dapodik."
    assert notified(event) == ("returned", ["klaten.dindik"])
    note = Notification.objects.get(
        user__username="klaten.dindik", key__startswith=f"wf:{event.pk}:"
    )
    assert "Alasan: Cek data Dapodik." in note.body


def test_submit_tells_the_region_verifier_and_a_second_verifier_too(cast):
    klaten = Region.objects.get(code=KLATEN)
    Membership.objects.create(user=cast["ngawi.tapem"], role=Role.VERIFIER, region=klaten)
    t = target("K-KES-11")
    result = workflow.transition(t, "submit", cast["klaten.dinkes"], expected_version=t.version)
    assert result.obj.status == "submitted" and not result.already_done
    assert notified(result.event) == ("submitted", ["klaten.tapem", "ngawi.tapem"])
    # A withdrawn membership or a deactivated user hears nothing.
    Membership.objects.filter(user=cast["ngawi.tapem"], region=klaten).update(is_active=False)
    assert notified(result.event) == ("submitted", ["klaten.tapem"])
    User.objects.filter(username="klaten.tapem").update(is_active=False)
    assert notified(result.event) == ("submitted", [])


def test_submit_refused_lists_what_the_target_lacks(cast):
    t = target("K-KES-11")
    t.recipients_target = None
    t.save(update_fields=["recipients_target"])
    t.quality.filter(quality_item__code="S1").update(required_quantity=None)
    with override("id"), pytest.raises(workflow.Refused) as caught:
        workflow.transition(t, "submit", cast["klaten.dinkes"], expected_version=t.version)
    messages = [p.message for p in caught.value.problems]
    s1 = t.quality.get(quality_item__code="S1").quality_item.description
    assert messages == ["target jumlah penerima", s1]
    assert not WorkflowEvent.objects.filter(target=t).exists()


def test_who_may_fire_target_steps(cast):
    t = target("K-DIK-03")
    # the agency's own operator, the province reviewer, Bangda: they see it, but are not
    # the table's actors for verify
    for name in ("klaten.dindik", "jateng.biro", "bangda.admin"):
        with pytest.raises(workflow.NotAllowed):
            workflow.transition(t, "verify", cast[name], expected_version=t.version)
    # another agency's operator and another region's verifier do not even see it
    for name in ("klaten.dinkes", "ngawi.tapem"):
        with pytest.raises(workflow.NotFound):
            workflow.transition(t, "verify", cast[name], expected_version=t.version)
    # nobody signed in
    with pytest.raises(workflow.NotAllowed):
        workflow.transition(t, "verify", AnonymousUser(), expected_version=t.version)
    assert WorkflowEvent.objects.filter(target=t, action="verify").count() == 0


def test_target_inbox_is_the_tables_verify_step(cast):
    waiting = Target.objects.filter(workflow.waiting(workflow.Kind.TARGET, cast["klaten.tapem"]))
    codes = set(waiting.filter(year=YEAR).values_list("service_type__code", flat=True))
    assert "K-DIK-03" in codes and "K-KES-11" not in codes
    assert codes == set(
        Target.objects.filter(region__code=KLATEN, year=YEAR, status="submitted").values_list(
            "service_type__code", flat=True
        )
    )
    # The operator hands targets in; nothing waits for their decision.
    operator = cast["klaten.dindik"]
    assert not Target.objects.filter(workflow.waiting(workflow.Kind.TARGET, operator)).exists()
    mine = Target.objects.filter(workflow.handed_in_by(workflow.Kind.TARGET, operator))
    assert set(mine.values_list("agency__short_name", flat=True)) == {"DINDIK"}


# Who hears of each step, as the table derives it, written out by hand.
AUDIENCE = {
    ("report", "submit", "submitted"): {("verifier", "region")},
    ("report", "submit", "awaiting_head"): {("opd_head", "agency")},
    ("report", "withdraw", "draft"): set(),
    ("report", "head_approve", "submitted"): {("verifier", "region")},
    ("report", "head_return", "returned"): {("opd_operator", "agency")},
    ("report", "verify", "verified"): {("opd_operator", "agency")},
    ("report", "return", "returned"): {("opd_operator", "agency")},
    ("report", "reopen", "returned"): {("opd_operator", "agency")},
    ("submission", "submit_region", "submitted"): {
        ("province_reviewer", "parent"),
        ("bangda_admin", "national"),
    },
    ("submission", "accept", "accepted"): {("verifier", "region")},
    ("submission", "return_region", "returned"): {("verifier", "region")},
    ("submission", "reopen_region", "in_progress"): {
        ("verifier", "region"),
        ("opd_operator", "region"),
    },
    ("target", "submit", "submitted"): {("verifier", "region")},
    ("target", "verify", "verified"): {("opd_operator", "agency"), ("opd_head", "agency")},
    ("target", "return", "returned"): {("opd_operator", "agency"), ("opd_head", "agency")},
}


def test_every_step_has_its_audience_written_out():
    seen = {}
    for t in workflow.TABLE:
        for to in {t.target, t.target_with_signoff} - {""}:
            actors = workflow.audience(t, to)
            seen[(t.kind.value, t.action, to)] = {(a.role, a.binding.value) for a in actors}
    assert seen == AUDIENCE


def test_api_actions_and_kinds_come_from_the_table():
    assert workflow.ACTIONS[workflow.Kind.TARGET] == ["submit", "verify", "return"]
    names = {t.api_name for t in workflow.TABLE if t.kind == workflow.Kind.SUBMISSION}
    assert names == {"submit", "accept", "return", "reopen"}


# The API's resource per workflow kind (espm/api.py's router).
API_RESOURCE = {"report": "reports", "submission": "region-submissions", "target": "targets"}


def test_every_table_row_is_an_api_endpoint_documented_by_its_row(client):
    """Derived, not restated: each row is a POST ``{id}/<step>/`` whose OpenAPI summary is the
    row's ``doc`` (written out here for two rows, checked for all)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for t in workflow.TABLE:
        slug = t.api_name.replace("_", "-")
        path = f"/api/v1/{API_RESOURCE[t.kind.value]}/{{id}}/{slug}/"
        assert t.doc and schema["paths"][path]["post"]["summary"] == t.doc, path
    target_return = schema["paths"]["/api/v1/targets/{id}/return/"]["post"]["summary"]
    assert target_return == (
        "Kembalikan target ke perangkat daerah dengan alasan (verifikator wilayah)."
    )
    region_submit = schema["paths"]["/api/v1/region-submissions/{id}/submit/"]["post"]["summary"]
    assert region_submit.startswith("Ajukan laporan wilayah ke tingkat di atasnya")
    steps = [
        p for p in schema["paths"] if p.startswith("/api/v1/targets/{id}/") and p.count("/") == 6
    ]
    assert sorted(steps) == [
        "/api/v1/targets/{id}/return/",
        "/api/v1/targets/{id}/submit/",
        "/api/v1/targets/{id}/verify/",
    ]


def test_the_demo_replays_target_steps_without_telling_anyone(
    cast, django_capture_on_commit_callbacks
):
    """Seeding tells nobody (no notification task per replayed step); a real step does."""
    from indicators import demo

    klaten = Region.objects.get(code=KLATEN)
    st = target("K-KES-01").service_type
    Target.objects.filter(region=klaten, year=YEAR, service_type=st).delete()
    with django_capture_on_commit_callbacks() as seeded:
        demo._seed_target(klaten, "klaten", st, cast["klaten.tapem"])
    t = target("K-KES-01")
    assert t.status == "verified"
    assert [e.action for e in WorkflowEvent.objects.filter(target=t).order_by("at", "id")] == [
        "submit",
        "verify",
    ]
    assert seeded == []
    t11 = target("K-KES-11")
    with django_capture_on_commit_callbacks() as stepped:
        workflow.transition(t11, "submit", cast["klaten.dinkes"], expected_version=t11.version)
    assert len(stepped) == 1


def test_the_agency_head_may_submit_its_agencys_target_and_hears_of_the_decision(cast):
    """Targets are proposed by the agency's staff, operator or head (as they edit them)."""
    t = target("K-KES-11")
    result = workflow.transition(t, "submit", cast["klaten.kadinkes"], expected_version=t.version)
    assert result.obj.status == "submitted"
    t.refresh_from_db()
    verified = workflow.transition(t, "verify", cast["klaten.tapem"], expected_version=t.version)
    assert notified(verified.event) == ("accepted", ["klaten.dinkes", "klaten.kadinkes"])


def test_each_step_stores_who_and_clears_an_old_return_reason(cast):
    t = target("K-KES-11")
    operator, tapem = cast["klaten.dinkes"], cast["klaten.tapem"]
    submitted = workflow.transition(t, "submit", operator, expected_version=t.version).obj
    assert submitted.updated_by == operator  # the hand-in is the operator's
    reason = "Angka sasaran berbeda dengan data Dapodik; mohon dicek ulang. " * 3
    returned = workflow.transition(
        submitted, "return", tapem, reason=reason, expected_version=submitted.version
    ).obj
    assert returned.return_reason == reason.strip()
    row = returned.history.latest("history_date")
    assert row.history_user == tapem
    assert row.history_change_reason == f"dikembalikan: {reason.strip()}"[:100]  # as recorded
    assert len(row.history_change_reason) == 100
    again = workflow.transition(returned, "submit", operator, expected_version=returned.version)
    verified = workflow.transition(
        again.obj, "verify", tapem, expected_version=again.obj.version
    ).obj
    assert verified.return_reason == ""
    assert (verified.verified_by, verified.updated_by) == (tapem, operator)


def test_a_page_step_without_the_version_shown_is_refused(login):
    """A form that lost its version (an old tab, a hand-made post) takes no step: the target
    page says so and the target stays as it was."""
    t = target("K-DIK-03")
    r = login("klaten.tapem").post(step_url("verify", "K-DIK-03"), {}, follow=True)
    assert r.status_code == 200
    assert "Versi yang Anda lihat tidak terkirim" in r.content.decode()
    fresh = target("K-DIK-03")
    assert (fresh.status, fresh.version) == ("submitted", t.version)
    assert not WorkflowEvent.objects.filter(target=t, action="verify").exists()
