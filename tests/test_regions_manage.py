"""Agencies (OPD) and people of a region: who manages them, invitations, audit, admin."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from indicators.models import Sector
from regions import home, scoping, services
from regions.models import Agency, Membership, Region, User
from regions.roles import Role
from regions.scoping import Action


def _agency(code: str, short: str) -> Agency:
    return Agency.objects.get(region__code=code, short_name=short)


def _agency_data(agency: Agency, **changes) -> dict:
    data = {
        "name": agency.name,
        "short_name": agency.short_name,
        "sectors": [s.pk for s in agency.sectors.all()],
        "contact_name": agency.contact_name,
        "contact_position": agency.contact_position,
        "contact_phone": agency.contact_phone,
        "contact_email": agency.contact_email,
        "is_active": "on",
        "version": services.agency_version(agency),
    }
    data.update(changes)
    return data


# ---------------------------------------------------------------- agencies


@pytest.mark.django_db
def test_verifier_adds_an_agency_with_sectors_and_data_contact(login):
    client = login("klaten.tapem")
    kes = Sector.objects.get(code="KES")
    response = client.post(
        reverse("agency_create", kwargs={"code": "33.10"}),
        {
            "name": "Rumah Sakit Umum Daerah Klaten",
            "short_name": "rsud",
            "sectors": [kes.pk],
            "contact_name": "Sri Wahyuni",
            "contact_position": "Kepala Seksi Data",
            "contact_phone": "0272-000111",
            "contact_email": "data@rsud.klatenkab.go.id",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rsud = _agency("33.10", "RSUD")
    assert list(rsud.sectors.all()) == [kes]
    assert rsud.contact_name == "Sri Wahyuni"
    assert rsud.history.first().history_user.username == "klaten.tapem"


@pytest.mark.django_db
def test_duplicate_short_name_is_refused_next_to_the_field_and_input_kept(login):
    client = login("klaten.tapem")
    before = Agency.objects.count()
    response = client.post(
        reverse("agency_create", kwargs={"code": "33.10"}),
        {"name": "Dinas Kesehatan Kedua", "short_name": "dinkes", "contact_name": "Budi"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Singkatan ini sudah dipakai di wilayah ini." in html
    assert 'value="Dinas Kesehatan Kedua"' in html and 'value="Budi"' in html
    assert Agency.objects.count() == before


@pytest.mark.django_db
def test_the_same_short_name_is_fine_in_another_region(login):
    response = login("bangda.admin").post(
        reverse("agency_create", kwargs={"code": "33.11"}),
        {"name": "Dinas Kesehatan Kabupaten Sukoharjo", "short_name": "DINKES"},
    )
    assert response.status_code == 302
    assert _agency("33.11", "DINKES").region.name == "Kabupaten Sukoharjo"


@pytest.mark.django_db
def test_verifier_edits_the_data_contact(login):
    dinkes = _agency("33.10", "DINKES")
    client = login("klaten.tapem")
    assert client.get(reverse("agency_edit", kwargs={"pk": dinkes.pk})).status_code == 200
    response = client.post(
        reverse("agency_edit", kwargs={"pk": dinkes.pk}),
        _agency_data(dinkes, contact_name="dr. Andi", contact_email="andi@klatenkab.go.id"),
    )
    assert response.status_code == 302
    dinkes.refresh_from_db()
    assert (dinkes.contact_name, dinkes.contact_email) == ("dr. Andi", "andi@klatenkab.go.id")


@pytest.mark.django_db
def test_a_stale_edit_is_refused_and_names_what_changed(login):
    dinkes = _agency("33.10", "DINKES")
    stale = _agency_data(dinkes, contact_phone="0811")
    login("bangda.admin").post(
        reverse("agency_edit", kwargs={"pk": dinkes.pk}), _agency_data(dinkes, contact_name="Baru")
    )
    response = login("klaten.tapem").post(reverse("agency_edit", kwargs={"pk": dinkes.pk}), stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "sudah diubah orang lain" in html and "penanggung jawab data" in html
    assert "telepon" not in html.split("sudah diubah orang lain")[1].split(")")[0]
    dinkes.refresh_from_db()
    assert dinkes.contact_name == "Baru" and dinkes.contact_phone != "0811"
    # The typing is kept and now names the current version: saving again is a choice, and works.
    assert 'value="0811"' in html
    assert f'name="version" value="{services.agency_version(dinkes)}"' in html


@pytest.mark.django_db
def test_bad_email_is_shown_next_to_the_field(login):
    dinkes = _agency("33.10", "DINKES")
    response = login("klaten.tapem").post(
        reverse("agency_edit", kwargs={"pk": dinkes.pk}),
        _agency_data(dinkes, contact_email="bukan-email"),
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username",
    ["klaten.dinkes", "klaten.kadinkes", "jateng.biro", "ngawi.tapem", "klaten.inspektorat"],
)
def test_only_the_region_verifier_and_bangda_manage_agencies(login, username):
    dinkes = _agency("33.10", "DINKES")
    client = login(username)
    assert client.get(reverse("agency_edit", kwargs={"pk": dinkes.pk})).status_code == 404
    assert (
        client.post(
            reverse("agency_edit", kwargs={"pk": dinkes.pk}), _agency_data(dinkes, name="X")
        ).status_code
        == 404
    )
    assert client.get(reverse("agency_create", kwargs={"code": "33.10"})).status_code == 404
    dinkes.refresh_from_db()
    assert dinkes.name != "X"


@pytest.mark.django_db
def test_province_reviewer_views_its_kabkota_agencies_and_data_contacts(login):
    client = login("jateng.biro")
    page = client.get(reverse("agency_list", kwargs={"code": "33.10"}))
    assert page.status_code == 200
    html = page.content.decode()
    dinkes = _agency("33.10", "DINKES")
    assert dinkes.contact_name in html
    assert reverse("agency_edit", kwargs={"pk": dinkes.pk}) not in html
    detail = client.get(reverse("agency_detail", kwargs={"pk": dinkes.pk}))
    assert detail.status_code == 200 and dinkes.contact_email in detail.content.decode()
    assert client.get(reverse("agency_list", kwargs={"code": "35.21"})).status_code == 404


@pytest.mark.django_db
def test_manage_action_of_the_scoping_layer():
    tapem = User.objects.get(username="klaten.tapem")
    biro = User.objects.get(username="jateng.biro")
    klaten = Region.objects.get(code="33.10")
    assert set(Region.objects.visible_to(tapem, Action.MANAGE)) == {klaten}
    assert set(Region.objects.visible_to(biro, Action.MANAGE).values_list("code", flat=True)) == {
        "33"
    }
    assert not Agency.objects.visible_to(
        User.objects.get(username="klaten.dinkes"), Action.MANAGE
    ).exists()
    assert (
        Agency.objects.visible_to(User.objects.get(username="bangda.admin"), Action.MANAGE).count()
        == Agency.objects.count()
    )


@pytest.mark.django_db
def test_agency_list_query_count_is_bounded(login, django_assert_max_num_queries):
    client = login("klaten.tapem")
    with django_assert_max_num_queries(15):
        assert client.get(reverse("agency_list", kwargs={"code": "33.10"})).status_code == 200


# ---------------------------------------------------------------- people


def _invite(client: Client, code: str = "33.10", **changes):
    data = {
        "username": "klaten.dinkes2",
        "full_name": "Rina Operator",
        "email": "rina@klatenkab.go.id",
        "role": "opd_operator",
        "agency": _agency("33.10", "DINKES").pk,
    }
    data.update(changes)
    return client.post(reverse("user_create", kwargs={"code": code}), data)


@pytest.mark.django_db
def test_verifier_invites_an_operator_who_then_sets_a_password(
    login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(login("klaten.tapem"))
    assert response.status_code == 302
    rina = User.objects.get(username="klaten.dinkes2")
    assert not rina.has_usable_password() and not rina.is_staff
    membership = rina.memberships.get()
    assert (membership.role, membership.agency.short_name, membership.created_by.username) == (
        "opd_operator",
        "DINKES",
        "klaten.tapem",
    )
    assert membership.history.get().history_user.username == "klaten.tapem"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rina@klatenkab.go.id"] and message.subject == "Undangan akun e-SPM"
    assert "klaten.dinkes2" in message.body and "Operator OPD" in message.body
    link = re.search(r"https?://[^/\s]+(/akun/reset/\S+)", message.body).group(1)
    client = Client()
    form = client.get(link, follow=True)
    assert "Buat kata sandi baru" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Gudeg-Klaten-Enak-2026", "new_password2": "Gudeg-Klaten-Enak-2026"},
    )
    assert done.status_code == 302
    assert (
        client.post(
            reverse("login"), {"username": "klaten.dinkes2", "password": "Gudeg-Klaten-Enak-2026"}
        ).status_code
        == 302
    )


@pytest.mark.django_db
def test_invite_errors_are_shown_and_nothing_is_created(login):
    client = login("klaten.tapem")
    taken = _invite(client, username="klaten.dinkes")
    assert "Nama pengguna ini sudah dipakai." in taken.content.decode()
    no_agency = _invite(client, agency="")
    assert "Pilih perangkat daerah untuk peran OPD." in no_agency.content.decode()
    assert 'value="rina@klatenkab.go.id"' in no_agency.content.decode()
    foreign = _invite(client, agency=_agency("35.21", "DINKES").pk)
    assert foreign.status_code == 200
    assert not User.objects.filter(username="klaten.dinkes2").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["bangda_admin", "province_reviewer", "sector_viewer"])
def test_a_verifier_cannot_hand_out_higher_roles(login, role):
    response = _invite(login("jateng.biro"), code="33", role=role, agency="")
    assert response.status_code == 200
    assert not User.objects.filter(username="klaten.dinkes2").exists()


@pytest.mark.django_db
def test_a_verifier_cannot_manage_another_regions_users(login):
    client = login("klaten.tapem")
    assert client.get(reverse("user_list", kwargs={"code": "35.21"})).status_code == 404
    assert client.get(reverse("user_create", kwargs={"code": "35.21"})).status_code == 404
    assert _invite(client, code="35.21").status_code == 404
    ngawi = User.objects.get(username="ngawi.dinkes")
    assert client.get(reverse("user_detail", kwargs={"pk": ngawi.pk})).status_code == 404
    assert client.post(reverse("user_deactivate", kwargs={"pk": ngawi.pk})).status_code == 404
    ngawi.refresh_from_db()
    assert ngawi.is_active
    # A province verifier does not manage its kabupaten's people either.
    assert (
        login("jateng.biro").get(reverse("user_list", kwargs={"code": "33.10"})).status_code == 404
    )


@pytest.mark.django_db
def test_bangda_creates_national_roles_anywhere(login, django_capture_on_commit_callbacks):
    client = login("bangda.admin")
    kes = Sector.objects.get(code="KES")
    with django_capture_on_commit_callbacks(execute=True):
        viewer = _invite(
            client,
            code="00",
            username="kemenkes.viewer2",
            role="sector_viewer",
            sector_code=kes.code,
            agency="",
        )
        admin = _invite(client, code="00", username="bangda.admin2", role="bangda_admin", agency="")
        reviewer = _invite(
            client, code="35", username="jatim.biro2", role="province_reviewer", agency=""
        )
    assert viewer.status_code == admin.status_code == reviewer.status_code == 302
    assert User.objects.get(username="kemenkes.viewer2").memberships.get().sector_code == "KES"
    assert User.objects.get(username="bangda.admin2").is_staff
    assert User.objects.get(username="jatim.biro2").memberships.get().region.code == "35"
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_user_list_shows_the_regions_people(login):
    html = (
        login("klaten.tapem").get(reverse("user_list", kwargs={"code": "33.10"})).content.decode()
    )
    assert "klaten.dinkes" in html and "klaten.inspektorat" in html
    assert "ngawi.dinkes" not in html and "jateng.biro" not in html
    assert reverse("user_create", kwargs={"code": "33.10"}) in html
    auditor = login("klaten.inspektorat").get(reverse("user_list", kwargs={"code": "33.10"}))
    assert auditor.status_code == 200
    assert reverse("user_create", kwargs={"code": "33.10"}) not in auditor.content.decode()


@pytest.mark.django_db
def test_deactivating_a_role_is_audited_and_reversible(login):
    dinkes = User.objects.get(username="klaten.dinkes")
    membership = dinkes.memberships.get()
    client = login("klaten.tapem")
    client.post(reverse("membership_toggle", kwargs={"pk": membership.pk}))
    membership.refresh_from_db()
    assert not membership.is_active
    last = membership.history.first()
    assert (
        last.history_user.username == "klaten.tapem"
        and last.history_change_reason == "dinonaktifkan"
    )
    page = client.get(reverse("user_detail", kwargs={"pk": dinkes.pk})).content.decode()
    assert "Riwayat peran" in page and "dinonaktifkan" in page
    client.post(reverse("membership_toggle", kwargs={"pk": membership.pk}))
    membership.refresh_from_db()
    assert membership.is_active


@pytest.mark.django_db
def test_deactivated_user_can_no_longer_log_in(login):
    dinkes = User.objects.get(username="klaten.dinkes")
    response = login("klaten.tapem").post(reverse("user_deactivate", kwargs={"pk": dinkes.pk}))
    assert response.status_code == 302
    dinkes.refresh_from_db()
    assert not dinkes.is_active
    assert not dinkes.memberships.filter(is_active=True).exists()
    from django.conf import settings

    refused = Client().post(
        reverse("login"), {"username": "klaten.dinkes", "password": settings.DEMO_PASSWORD}
    )
    assert refused.status_code == 200


@pytest.mark.django_db
def test_a_user_with_roles_elsewhere_is_not_deactivated_by_one_region(login, cast):
    dinkes = cast["klaten.dinkes"]
    Membership.objects.create(
        user=dinkes,
        role=Role.OPD_OPERATOR,
        region=Region.objects.get(code="35.21"),
        agency=_agency("35.21", "DINKES"),
    )
    response = login("klaten.tapem").post(
        reverse("user_deactivate", kwargs={"pk": dinkes.pk}), follow=True
    )
    assert "juga memegang peran di wilayah lain" in response.content.decode()
    dinkes.refresh_from_db()
    assert dinkes.is_active and dinkes.memberships.filter(is_active=True).count() == 2


@pytest.mark.django_db
def test_nobody_deactivates_themselves(login, cast):
    tapem = cast["klaten.tapem"]
    assert (
        login("klaten.tapem").post(reverse("user_deactivate", kwargs={"pk": tapem.pk})).status_code
        == 404
    )
    tapem.refresh_from_db()
    assert tapem.is_active


@pytest.mark.django_db
def test_reinvite_sends_a_fresh_link(login):
    dinkes = User.objects.get(username="klaten.dinkes")
    login("klaten.tapem").post(reverse("user_reinvite", kwargs={"pk": dinkes.pk}))
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [dinkes.email]


# ---------------------------------------------------------------- home panels and navigation


@pytest.mark.django_db
def test_verifier_home_panel_shows_shortcuts_and_contact_completeness(cast):
    dinkes = _agency("33.10", "DINKES")
    Agency.objects.filter(pk=dinkes.pk).update(contact_phone="")
    request = RequestFactory().get("/")
    request.user = cast["klaten.tapem"]
    membership = cast["klaten.tapem"].memberships.get()
    (panel,) = home.panels(request, membership)
    completeness = panel.context["contacts"]
    assert completeness.total == 8 and completeness.complete == 7
    assert completeness.incomplete == [dinkes]
    html = render_to_string(panel.template, {"panel": panel.context, "user": request.user})
    assert "Kelola perangkat daerah" in html and "7 dari 8" in html
    assert reverse("agency_edit", kwargs={"pk": dinkes.pk}) in html
    assert home.panels(request, cast["klaten.dinkes"].memberships.get()) == []


@pytest.mark.django_db
def test_assignable_roles(cast, region):
    assert scoping.assignable_roles(cast["klaten.tapem"], region("33.10")) == [
        Role.OPD_OPERATOR,
        Role.OPD_HEAD,
        Role.VERIFIER,
        Role.AUDITOR,
    ]
    assert scoping.assignable_roles(cast["klaten.tapem"], region("35.21")) == []
    assert Role.PROVINCE_REVIEWER in scoping.assignable_roles(cast["bangda.admin"], region("33"))
    assert Role.SECTOR_VIEWER in scoping.assignable_roles(cast["bangda.admin"], region("00"))


# ---------------------------------------------------------------- Django admin


@pytest.mark.django_db
def test_admin_is_for_bangda_only(login, cast):
    assert login("bangda.admin").get(reverse("admin:index")).status_code == 200
    for username in ("klaten.tapem", "jateng.biro", "klaten.dinkes"):
        response = login(username).get(reverse("admin:regions_agency_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response.url
    # A staff flag alone opens nothing: the scoping layer must say "sees everything".
    tapem = cast["klaten.tapem"]
    User.objects.filter(pk=tapem.pk).update(is_staff=True)
    client = login("klaten.tapem")
    assert client.get(reverse("admin:regions_agency_changelist")).status_code == 403
    assert "regions/agency" not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_admin_pages_for_bangda(login, region):
    client = login("bangda.admin")
    for name in ("region", "agency", "membership", "user"):
        assert client.get(reverse(f"admin:regions_{name}_changelist")).status_code == 200
    page = client.get(reverse("admin:regions_region_change", args=[region("33.10").pk]))
    assert page.status_code == 200
    assert 'name="code"' not in page.content.decode()  # codes are read-only
    assert client.get(reverse("admin:regions_region_add")).status_code == 403
    dinkes = User.objects.get(username="klaten.dinkes")
    assert client.get(reverse("admin:regions_user_change", args=[dinkes.pk])).status_code == 200


@pytest.mark.django_db
def test_verifier_sets_the_region_data_contact_and_sign_off_policy(login, region):
    client = login("klaten.tapem")
    url = reverse("region_edit", kwargs={"code": "33.10"})
    page = client.get(url).content.decode()
    seen = services.region_settings_version(region("33.10"))
    assert f'name="version" value="{seen}"' in page
    response = client.post(
        url,
        {
            "contact_name": "Kabag Tapem",
            "contact_position": "Kepala Bagian",
            "contact_phone": "0272-321",
            "contact_email": "tapem@klatenkab.go.id",
            "requires_head_signoff": "on",
            "version": seen,
        },
    )
    assert response.status_code == 302
    klaten = region("33.10")
    assert klaten.contact_name == "Kabag Tapem" and klaten.requires_head_signoff
    assert klaten.code == "33.10" and klaten.name == "Kabupaten Klaten"
    # The province sees it, cannot change it.
    biro = login("jateng.biro")
    assert (
        "Kabag Tapem" in biro.get(reverse("agency_list", kwargs={"code": "33.10"})).content.decode()
    )
    assert biro.get(reverse("region_edit", kwargs={"code": "33.10"})).status_code == 404


@pytest.mark.django_db
def test_user_list_query_count_is_bounded(login, django_assert_max_num_queries):
    client = login("klaten.tapem")
    with django_assert_max_num_queries(15):
        assert client.get(reverse("user_list", kwargs={"code": "33.10"})).status_code == 200


@pytest.mark.django_db
def test_people_pages_keep_the_role_switcher_to_the_viewers_own_roles(login):
    """Regression: the pages once passed `memberships`, overriding the switcher's own list."""
    client = login("jateng.biro")
    pages = [
        reverse("user_list", kwargs={"code": "33"}),
        reverse("user_detail", kwargs={"pk": User.objects.get(username="jateng.dinkes").pk}),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        switcher = html.split('id="role-switch"')[1].split("</select>")[0]
        assert switcher.count("<option") == 2


@pytest.mark.django_db
def test_a_mail_server_failure_keeps_the_account_and_says_so(
    login, monkeypatch, django_capture_on_commit_callbacks
):
    import smtplib

    def broken(*args, **kwargs):
        raise smtplib.SMTPException("server down")

    monkeypatch.setattr(services, "send_mail", broken)
    client = login("klaten.tapem")
    with django_capture_on_commit_callbacks(execute=True):
        assert _invite(client).status_code == 302
    rina = User.objects.get(username="klaten.dinkes2")
    response = client.post(reverse("user_reinvite", kwargs={"pk": rina.pk}), follow=True)
    assert "Email tidak terkirim" in response.content.decode()


@pytest.mark.django_db
def test_verifier_gives_an_existing_user_another_role_in_its_region(login, cast):
    dinkes = cast["klaten.dinkes"]
    client = login("klaten.tapem")
    page = client.get(reverse("user_detail", kwargs={"pk": dinkes.pk})).content.decode()
    url = reverse("role_add", kwargs={"code": "33.10", "pk": dinkes.pk})
    assert url in page
    response = client.post(url, {"role": "opd_head", "agency": _agency("33.10", "DINKES").pk})
    assert response.status_code == 302
    head = dinkes.memberships.get(role="opd_head")
    assert head.created_by == cast["klaten.tapem"]
    assert head.history.get().history_change_reason == "peran ditambahkan"
    again = client.post(url, {"role": "opd_head", "agency": _agency("33.10", "DINKES").pk})
    assert "sudah memegang peran tersebut" in again.content.decode()
    # Not in a region it does not manage, and not for people it cannot see.
    assert (
        client.get(reverse("role_add", kwargs={"code": "35.21", "pk": dinkes.pk})).status_code
        == 404
    )
    ngawi = cast["ngawi.dinkes"]
    assert (
        client.post(
            reverse("role_add", kwargs={"code": "33.10", "pk": ngawi.pk}),
            {"role": "opd_operator", "agency": _agency("33.10", "DINKES").pk},
        ).status_code
        == 404
    )
    assert not ngawi.memberships.filter(region__code="33.10").exists()


@pytest.mark.django_db
def test_a_reactivated_role_comes_back_instead_of_a_duplicate(login, cast):
    dinkes = cast["klaten.dinkes"]
    membership = dinkes.memberships.get()
    client = login("klaten.tapem")
    client.post(reverse("membership_toggle", kwargs={"pk": membership.pk}))
    client.post(
        reverse("role_add", kwargs={"code": "33.10", "pk": dinkes.pk}),
        {"role": "opd_operator", "agency": _agency("33.10", "DINKES").pk},
    )
    assert dinkes.memberships.count() == 1 and dinkes.memberships.get().is_active


@pytest.mark.django_db
def test_admin_region_list_query_count_is_bounded(login, django_assert_max_num_queries):
    client = login("bangda.admin")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:regions_region_changelist")).status_code == 200


@pytest.mark.django_db
def test_region_settings_opened_before_another_save_are_refused_then_saved_knowingly(login, region):
    url = reverse("region_edit", kwargs={"code": "33.10"})
    seen = services.region_settings_version(region("33.10"))
    first, second = login("klaten.tapem"), login("klaten.tapem")
    base = {"contact_email": "tapem@klatenkab.go.id", "version": seen}
    assert first.post(url, {**base, "contact_name": "Dari Tab Pertama"}).status_code == 302
    response = second.post(url, {**base, "contact_name": "Dari Tab Kedua"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "sudah diubah orang lain" in html and 'value="Dari Tab Kedua"' in html
    assert region("33.10").contact_name == "Dari Tab Pertama"  # nothing overwritten
    now = services.region_settings_version(region("33.10"))
    assert f'name="version" value="{now}"' in html
    again = second.post(url, {**base, "version": now, "contact_name": "Dari Tab Kedua"})
    assert again.status_code == 302
    assert region("33.10").contact_name == "Dari Tab Kedua"
