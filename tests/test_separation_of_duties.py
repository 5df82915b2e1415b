"""Separation of duties (docs/workflow.md): nobody grants themselves a role, whoever submitted
or last edited a report never verifies it, and only a superuser changes a superuser.

Klaten, 2027 TW I (tests.factories_review): every report filled and a verified 2027 target for
the DINKES report under test, so only the author rule can refuse its verification.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from indicators.models import Target
from regions.models import Agency, Membership, User
from regions.roles import Role
from reporting import workflow
from reporting.models import Report, WorkflowEvent
from tests import factories_targets as targets

pytestmark = pytest.mark.django_db


@pytest.fixture
def report() -> Report:
    report = targets.submitted_klaten_report(Target.Status.VERIFIED)
    Report.objects.filter(pk=report.pk).update(
        updated_by=User.objects.get(username="klaten.dinkes")
    )
    report.refresh_from_db()
    return report


def _status(report: Report) -> str:
    return Report.objects.values_list("status", flat=True).get(pk=report.pk)


def _edited_by(report: Report, username: str) -> None:
    Report.objects.filter(pk=report.pk).update(updated_by=User.objects.get(username=username))
    report.refresh_from_db()


def _submitted_by(report: Report, username: str) -> None:
    WorkflowEvent.objects.create(
        region=report.region,
        agency=report.agency,
        report=report,
        action="submit",
        from_status="draft",
        to_status="submitted",
        actor=User.objects.get(username=username),
    )


# ---------------------------------------------------------------- roles


def test_verifier_cannot_grant_itself_an_operator_role(login, cast):
    tapem = cast["klaten.tapem"]
    dinkes = Agency.objects.get(region__code="33.10", short_name="DINKES")
    before = Membership.objects.filter(user=tapem).count()
    url = reverse("role_add", kwargs={"code": "33.10", "pk": tapem.pk})
    response = login("klaten.tapem").post(
        url, {"role": Role.OPD_OPERATOR, "agency": dinkes.pk, "sector_code": ""}
    )
    assert response.status_code == 200  # the form again, with the refusal
    assert "Anda tidak dapat memberi peran kepada diri sendiri." in response.content.decode()
    assert Membership.objects.filter(user=tapem).count() == before


def test_granting_a_colleague_still_works(login, cast):
    operator = cast["klaten.dindik"]
    dinkes = Agency.objects.get(region__code="33.10", short_name="DINKES")
    url = reverse("role_add", kwargs={"code": "33.10", "pk": operator.pk})
    response = login("klaten.tapem").post(
        url, {"role": Role.OPD_OPERATOR, "agency": dinkes.pk, "sector_code": ""}
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=operator, agency=dinkes, is_active=True).exists()


def test_nobody_reactivates_their_own_role(cast):
    from django.core.exceptions import ValidationError

    from regions import services

    tapem = cast["klaten.tapem"]
    own = Membership.objects.get(user=tapem, role=Role.VERIFIER)
    Membership.objects.filter(pk=own.pk).update(is_active=False)
    with pytest.raises(ValidationError):
        services.reactivate_membership(tapem, own)
    assert not Membership.objects.get(pk=own.pk).is_active


# ---------------------------------------------------------------- verify own work


def test_a_colleagues_report_is_verified(report, cast):
    result = workflow.transition(report, "verify", cast["klaten.tapem"])
    assert result.obj.status == "verified"


@pytest.mark.parametrize("how", ["edited", "submitted"])
def test_the_author_cannot_verify_on_the_page(report, login, how):
    (_edited_by if how == "edited" else _submitted_by)(report, "klaten.tapem")
    review = login("klaten.tapem").get(reverse("reporting:report_review", args=[report.pk]))
    assert review.status_code == 200
    assert reverse("reporting:report_transition", args=[report.pk, "verify"]) not in (
        review.content.decode()
    )
    url = reverse("reporting:report_transition", args=[report.pk, "verify"])
    response = login("klaten.tapem").post(url, {"version": report.version})
    assert response.status_code == 403
    assert "pemisahan tugas" in response.content.decode()
    assert _status(report) == "submitted"


@pytest.mark.parametrize("how", ["edited", "submitted"])
def test_the_author_cannot_verify_through_the_api(report, cast, how):
    (_edited_by if how == "edited" else _submitted_by)(report, "klaten.tapem")
    token, _ = Token.objects.get_or_create(user=cast["klaten.tapem"])
    client = Client(headers={"Authorization": f"Token {token.key}"})
    response = client.post(
        reverse("api:report-verify", kwargs={"pk": report.pk}),
        {"version": report.version},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert _status(report) == "submitted"


def test_bulk_verify_skips_the_authors_own_report(report, login):
    _submitted_by(report, "klaten.tapem")
    tapem = login("klaten.tapem")
    confirm = tapem.get(reverse("reporting:review_bulk_verify"), {"ids": [report.pk]})
    assert confirm.status_code == 200
    assert "pemisahan tugas" in confirm.content.decode()
    done = tapem.post(reverse("reporting:review_bulk_verify"), {"ids": [report.pk], "confirm": "1"})
    assert done.status_code == 302
    assert _status(report) == "submitted"
    done, refused = workflow.bulk_verify([report], User.objects.get(username="klaten.tapem"))
    assert done == [] and len(refused) == 1 and "pemisahan tugas" in refused[0][1]


def test_an_earlier_cycles_submitter_is_only_judged_by_the_latest_submit(report, cast):
    _submitted_by(report, "klaten.tapem")
    _submitted_by(report, "klaten.dinkes")  # resubmitted later by the operator
    assert not workflow.authored_by(report, cast["klaten.tapem"])


# ---------------------------------------------------------------- admin


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root.espm", "root@espm.local", "Sup3r-secret-pass!")


def test_bangda_admin_cannot_change_a_superusers_password(login, superuser):
    old_hash = superuser.password
    client = login("bangda.admin")
    url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"password1": "Ganti-sandi-2026!", "password2": "Ganti-sandi-2026!"}
    )
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.password == old_hash
    change = client.post(
        reverse("admin:regions_user_change", args=[superuser.pk]), {"username": "taken-over"}
    )
    assert change.status_code == 403


def test_bangda_admin_still_changes_an_ordinary_users_password(login, cast):
    url = reverse("admin:auth_user_password_change", args=[cast["klaten.dinkes"].pk])
    assert login("bangda.admin").get(url).status_code == 200


def test_a_superuser_changes_a_superuser(superuser):
    other = User.objects.create_superuser("root2.espm", "root2@espm.local", "Sup3r-secret-pass!")
    client = Client()
    client.force_login(superuser)
    url = reverse("admin:auth_user_password_change", args=[other.pk])
    assert client.get(url).status_code == 200


def test_bangda_admin_cannot_edit_its_own_roles_in_the_admin(login, cast):
    own = Membership.objects.filter(user=cast["bangda.admin"]).first()
    client = login("bangda.admin")
    response = client.get(reverse("admin:regions_membership_change", args=[own.pk]))
    assert response.status_code == 200  # read-only view
    assert 'name="role"' not in response.content.decode()
