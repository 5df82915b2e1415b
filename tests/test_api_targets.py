"""Yearly targets through the API: the target page's rules, form, service, version and history.

Demo data, Klaten 2026: K-KES-01 verified (locked), K-KES-11 draft, K-DIK-03 submitted (all
with their agency), K-SOS-04 without a target (assigned to DINSOS).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from indicators.models import Target
from regions.models import User
from reporting.models import WorkflowEvent

pytestmark = pytest.mark.django_db

YEAR = 2026


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def target(code: str, year: int = YEAR) -> Target:
    return Target.objects.get(region__code="33.10", year=year, service_type__code=code)


def detail(t: Target) -> str:
    return reverse("api:target-detail", kwargs={"pk": t.pk})


def send(client: Client, method: str, t: Target, body: dict, **headers) -> object:
    return getattr(client, method)(
        detail(t), body, content_type="application/json", headers=headers
    )


def quantities(t: Target) -> list[dict]:
    return [
        {"quality_item": tq.quality_item.code, "required_quantity": str(tq.required_quantity)}
        for tq in t.quality.select_related("quality_item").order_by("quality_item__order")
        if tq.quality_item.has_quantity
    ]


def state(t: Target) -> tuple:
    t.refresh_from_db()
    return (t.status, t.version, t.recipients_target, t.change_reason, t.history.count())


# ---------------------------------------------------------------- success and audit


def test_operator_patches_a_draft_target_with_history_and_etag():
    t = target("K-KES-11")
    first, *rest = quantities(t)
    body = {
        "version": t.version,
        "recipients_target": 9100,
        "quality": [{"quality_item": first["quality_item"], "required_quantity": "12.5"}],
    }
    response = send(api("klaten.dinkes"), "patch", t, body)
    assert response.status_code == 200, response.content
    data = response.json()
    t.refresh_from_db()
    assert t.recipients_target == 9100 and t.version == body["version"] + 1
    assert data["version"] == t.version and response["ETag"] == f'"{t.version}"'
    tq = t.quality.get(quality_item__code=first["quality_item"])
    assert tq.required_quantity == Decimal("12.50")
    # Only what was sent changed: the other quantities are as they were.
    assert quantities(t)[1:] == rest
    last = t.history.first()
    assert last.history_user.username == "klaten.dinkes"
    assert last.history_change_reason == "diubah"
    assert last.recipients_target == 9100


def test_verifier_puts_a_locked_target_with_a_reason():
    t = target("K-KES-01")
    assert t.is_locked
    body = {
        "version": t.version,
        "recipients_target": 17500,
        "quality": quantities(t),
        "reason": "Revisi proyeksi penduduk BPS",
    }
    response = send(api("klaten.tapem"), "put", t, body)
    assert response.status_code == 200, response.content
    t.refresh_from_db()
    assert (t.recipients_target, t.status) == (17500, Target.Status.VERIFIED)
    assert t.change_reason == "Revisi proyeksi penduduk BPS"
    last = t.history.first()
    assert last.history_user.username == "klaten.tapem"
    assert last.history_change_reason == "Revisi proyeksi penduduk BPS"


def test_operator_creates_a_missing_target_then_a_second_create_is_a_conflict():
    client = api("klaten.dinsos")
    body = {
        "region": "33.10",
        "year": YEAR,
        "service_type": "K-SOS-04",
        "recipients_target": 40,
    }
    response = client.post(reverse("api:target-list"), body, content_type="application/json")
    assert response.status_code == 201, response.content
    created = target("K-SOS-04")
    assert response.json()["id"] == created.pk and created.recipients_target == 40
    assert created.agency.short_name == "DINSOS" and created.status == Target.Status.DRAFT
    assert created.history.first().history_user.username == "klaten.dinsos"
    again = client.post(reverse("api:target-list"), body, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["current"]["id"] == created.pk
    assert (
        Target.objects.filter(
            region__code="33.10", year=YEAR, service_type__code="K-SOS-04"
        ).count()
        == 1
    )


# ---------------------------------------------------------------- who may write


def test_only_the_page_editors_write_everyone_else_403_or_404():
    draft, locked, submitted = target("K-KES-11"), target("K-KES-01"), target("K-DIK-03")
    before = [state(x) for x in (draft, locked, submitted)]

    def patch(user: str, t: Target, **extra) -> int:
        return send(
            api(user), "patch", t, {"version": t.version, "recipients_target": 1, **extra}
        ).status_code

    assert patch("klaten.tapem", draft) == 403  # the verifier sees it, the agency fills it in
    assert patch("kemenkes.viewer", draft) == 403
    assert patch("bangda.admin", draft) == 403
    assert patch("klaten.dindik", draft) == 404  # another agency's target is absent
    assert patch("ngawi.dinkes", draft) == 404
    assert patch("jatim.biro", draft) == 404
    locked_try = send(
        api("klaten.dinkes"),
        "patch",
        locked,
        {"version": locked.version, "recipients_target": 1, "reason": "x"},
    )
    assert locked_try.status_code == 403 and "verifikator" in locked_try.json()["detail"]
    waiting = send(
        api("klaten.dindik"),
        "patch",
        submitted,
        {"version": submitted.version, "recipients_target": 1},
    )
    assert waiting.status_code == 409 and waiting.json()["code"] == "locked"
    assert [state(x) for x in (draft, locked, submitted)] == before


def test_create_follows_the_page_visibility():
    body = {"region": "33.10", "year": YEAR, "service_type": "K-SOS-04", "recipients_target": 1}
    url = reverse("api:target-list")
    assert api("klaten.dinkes").post(url, body, content_type="application/json").status_code == 404
    assert api("ngawi.dinkes").post(url, body, content_type="application/json").status_code == 404
    assert api("klaten.tapem").post(url, body, content_type="application/json").status_code == 403
    assert not Target.objects.filter(region__code="33.10", service_type__code="K-SOS-04").exists()


# ---------------------------------------------------------------- validation


def test_form_rules_apply_as_field_errors_and_nothing_changes():
    t = target("K-KES-11")
    before = state(t)
    code = quantities(t)[0]["quality_item"]
    response = send(
        api("klaten.dinkes"),
        "patch",
        t,
        {
            "version": t.version,
            "recipients_target": -3,
            "quality": [
                {"quality_item": code, "required_quantity": "-1"},
                {"quality_item": "NOPE", "required_quantity": "1"},
            ],
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "quality[1].quality_item" in body["errors"]
    fixed = send(
        api("klaten.dinkes"),
        "patch",
        t,
        {
            "version": t.version,
            "recipients_target": -3,
            "quality": [{"quality_item": code, "required_quantity": "-1"}],
        },
    )
    errors = fixed.json()["errors"]
    assert fixed.status_code == 400
    assert errors["recipients_target"] == ["Tidak boleh negatif."]  # the page form's message
    assert errors["quality[0].required_quantity"] == ["Tidak boleh negatif."]
    text = send(
        api("klaten.dinkes"), "patch", t, {"version": t.version, "recipients_target": "banyak"}
    )
    assert text.status_code == 400 and "recipients_target" in text.json()["errors"]
    assert state(t) == before


def test_version_required_put_must_be_complete_locked_needs_a_reason():
    draft, locked = target("K-KES-11"), target("K-KES-01")
    before = state(draft), state(locked)
    no_version = send(api("klaten.dinkes"), "patch", draft, {"recipients_target": 5})
    assert no_version.status_code == 400 and "version" in no_version.json()["errors"]
    partial_put = send(
        api("klaten.dinkes"), "put", draft, {"version": draft.version, "recipients_target": 5}
    )
    assert partial_put.status_code == 400 and "quality" in partial_put.json()["errors"]
    no_reason = send(
        api("klaten.tapem"),
        "put",
        locked,
        {"version": locked.version, "recipients_target": 5, "quality": quantities(locked)},
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    unknown = api("klaten.dinsos").post(
        reverse("api:target-list"),
        {"region": "33.10", "year": YEAR, "service_type": "P-KES-01", "recipients_target": 1},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and "service_type" in unknown.json()["errors"]
    assert (state(draft), state(locked)) == before


# ---------------------------------------------------------------- conflicts


def test_stale_version_is_409_with_current_and_if_match_412():
    t = target("K-KES-11")
    old = t.version
    ok = send(api("klaten.dinkes"), "patch", t, {"version": old, "recipients_target": 11})
    assert ok.status_code == 200
    stale = send(api("klaten.kadinkes"), "patch", t, {"version": old, "recipients_target": 99})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict"
    assert body["current"]["version"] == old + 1 and body["current"]["recipients_target"] == 11
    pre = send(
        api("klaten.dinkes"), "patch", t, {"recipients_target": 99}, **{"If-Match": f'"{old}"'}
    )
    assert pre.status_code == 412 and pre.json()["code"] == "precondition_failed"
    t.refresh_from_db()
    assert (t.recipients_target, t.version) == (11, old + 1)
    fresh = send(
        api("klaten.dinkes"),
        "patch",
        t,
        {"recipients_target": 12},
        **{"If-Match": f'"{t.version}"'},
    )
    assert fresh.status_code == 200 and fresh.json()["recipients_target"] == 12


# ---------------------------------------------------------------- submit, verify, return


def post_step(user: str, t: Target, name: str, body: dict | None = None, **headers) -> object:
    """A step as a client takes it: with the version it just read, unless the test sends its
    own (in the body or as If-Match)."""
    url = reverse(f"api:target-{name}", kwargs={"pk": t.pk})
    body = dict(body or {})
    if "If-Match" not in headers:
        body.setdefault("version", Target.objects.get(pk=t.pk).version)
    return api(user).post(url, body, content_type="application/json", headers=headers)


def test_a_step_without_the_version_read_is_refused_and_changes_nothing():
    t = target("K-KES-11")
    url = reverse("api:target-submit", kwargs={"pk": t.pk})
    r = api("klaten.dinkes").post(url, {}, content_type="application/json")
    assert r.status_code == 400
    assert "version" in r.json()["errors"]
    fresh = Target.objects.get(pk=t.pk)
    assert (fresh.status, fresh.version) == (t.status, t.version)


def test_submit_return_verify_like_the_target_page():
    t = target("K-KES-11")
    assert post_step("klaten.tapem", t, "submit").status_code == 403
    submitted = post_step("klaten.dinkes", t, "submit", {"version": t.version})
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert post_step("klaten.dinkes", t, "verify").status_code == 403
    missing = post_step("klaten.tapem", t, "return", {"reason": " "})
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    returned = post_step("klaten.tapem", t, "return", {"reason": "Cek proyeksi BPS."})
    assert returned.status_code == 200
    t.refresh_from_db()
    assert (t.status, t.return_reason) == (Target.Status.RETURNED, "Cek proyeksi BPS.")
    assert t.history.first().history_user.username == "klaten.tapem"
    assert t.history.first().history_change_reason == "dikembalikan: Cek proyeksi BPS."
    assert post_step("klaten.dinkes", t, "submit").status_code == 200
    verified = post_step("klaten.tapem", t, "verify", **{"If-Match": f'"{t.version + 1}"'})
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    t.refresh_from_db()
    assert t.is_locked and t.verified_by.username == "klaten.tapem"


def test_steps_refuse_wrong_state_stale_versions_and_other_regions():
    draft, waiting = target("K-KES-11"), target("K-DIK-03")
    before = state(draft), state(waiting)
    wrong_state = post_step("klaten.tapem", draft, "verify")
    assert wrong_state.status_code == 409 and wrong_state.json()["code"] == "refused"
    stale = post_step("klaten.tapem", waiting, "verify", {"version": waiting.version - 1})
    assert stale.status_code == 409 and stale.json()["current"]["version"] == waiting.version
    pre = post_step("klaten.tapem", waiting, "verify", **{"If-Match": f'"{waiting.version - 1}"'})
    assert pre.status_code == 412
    assert post_step("ngawi.tapem", waiting, "verify").status_code == 404
    assert post_step("klaten.dinkes", waiting, "submit").status_code == 404  # DINDIK's target
    assert (state(draft), state(waiting)) == before


def test_a_repeated_step_answers_again_and_an_incomplete_target_says_what_is_missing():
    waiting = target("K-DIK-03")
    seen = {"version": waiting.version}
    first = post_step("klaten.tapem", waiting, "verify", seen)
    again = post_step("klaten.tapem", waiting, "verify", seen)  # the same click, resent
    assert first.status_code == 200 and again.status_code == 200
    assert again.json()["status"] == "verified"
    assert again.json()["version"] == waiting.version + 1  # one step, not two
    assert WorkflowEvent.objects.filter(target=waiting, action="verify").count() == 1
    draft = target("K-KES-11")
    draft.recipients_target = None
    draft.save(update_fields=["recipients_target"])
    refused = post_step("klaten.dinkes", draft, "submit", {"version": draft.version})
    assert refused.status_code == 409 and refused.json()["code"] == "refused"
    assert "target jumlah penerima" in refused.json()["detail"]
    draft.refresh_from_db()
    assert (draft.status, draft.recipients_target) == ("draft", None)
    assert not WorkflowEvent.objects.filter(target=draft).exists()
