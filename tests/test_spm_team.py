"""The Tim Penerapan SPM: recorded per region and year by its verifier (decree, chair, members
by agency and role), shown on the region page, served through the scoping layer, in the API.

The demo: Klaten 2026 has a team (Keputusan Bupati No. 100.3.3/45 Tahun 2026, chaired by the
Sekda, seven members); Ngawi none.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from regions.models import Agency, Region, User
from reporting.audit.selectors import AuditFilters, iter_entries
from reporting.models import SpmTeam, SpmTeamMember
from reporting.plans import services
from tests.factories_reporting import PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db
YEAR = 2026


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, settings):
    """Files a test writes go to a throwaway folder. The model's file field follows the
    setting too, so the demo's team decrees are copied there first, under the same names."""
    seeded = storages["private"]
    for name in SpmTeam.objects.exclude(file="").values_list("file", flat=True):
        if seeded.exists(name):
            copy = tmp_path / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            with seeded.open(name, "rb") as fh:
                copy.write_bytes(fh.read())
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    storages._storages.pop("private", None)
    yield
    storages._storages.pop("private", None)


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def url(name: str, code: str, year: int = YEAR) -> str:
    return reverse(f"reporting:{name}", kwargs={"code": code, "year": year})


def team_state(code: str) -> list:
    return list(SpmTeam.objects.filter(region__code=code).order_by("pk").values()) + list(
        SpmTeamMember.objects.filter(team__region__code=code).order_by("pk").values()
    )


def agency(code: str, short: str) -> Agency:
    return Agency.objects.get(region__code=code, short_name=short)


def ngawi_form(**over) -> dict:
    data = {
        "version": "0",
        "decree_number": "188/12/404.012/2026",
        "decree_date": "2026-01-15",
        "chair_name": "Sekda Ngawi",
        "chair_position": "Sekretaris Daerah",
        "m-TOTAL_FORMS": "3",
        "m-INITIAL_FORMS": "0",
        "m-0-name": "Kepala Dinas Kesehatan",
        "m-0-position": "Kepala Dinas",
        "m-0-agency": str(agency("35.21", "DINKES").pk),
        "m-0-unit": "",
        "m-0-role": "coordinator",
        "m-1-name": "Kepala Bappeda",
        "m-1-position": "Kepala Badan",
        "m-1-agency": "",
        "m-1-unit": "Bappeda",
        "m-1-role": "vice_chair",
        # A blank row is ignored.
        "m-2-name": "",
        "m-2-position": "",
        "m-2-agency": "",
        "m-2-unit": "",
        "m-2-role": "member",
    }
    data.update(over)
    return data


def test_demo_klaten_has_a_team_ngawi_none():
    team = SpmTeam.objects.get(region__code="33.10", year=YEAR)
    assert team.decree_number == "100.3.3/45 Tahun 2026"
    assert team.decree_date == dt.date(2026, 1, 20)
    assert team.chair_position == "Sekretaris Daerah"
    roles = list(team.members.values_list("role", flat=True))
    assert roles[:3] == ["vice_chair", "secretary", "coordinator"] and len(roles) == 7
    assert team.members.get(role="coordinator").agency.short_name == "DINKES"
    assert team.members.get(role="vice_chair").unit == "Bappeda"
    assert not SpmTeam.objects.filter(region__code="35.21").exists()


def test_team_page_lists_chair_and_members_with_agency_and_role():
    html = client_for("klaten.dinkes").get(url("spm_team", "33.10")).content.decode()
    assert "Keputusan Bupati" in html and "100.3.3/45 Tahun 2026" in html
    assert "20 Januari 2026" in html
    assert "Sekretaris Daerah Kabupaten Klaten (demo)" in html
    members = html[html.index('data-testid="team-members"') :]
    assert "Dinas Kesehatan Kabupaten Klaten" in members and "Koordinator bidang" in members
    assert "Bappeda" in members and "Wakil ketua" in members
    assert "Anggota (7 orang)" in html
    assert url("spm_team_edit", "33.10") not in html


def test_region_page_shows_plan_and_team_of_the_year():
    html = client_for("klaten.tapem").get(reverse("agency_list", args=["33.10"])).content.decode()
    card = html[html.index('data-testid="region-plans"') :]
    assert url("action_plan", "33.10") in card and url("spm_team", "33.10") in card
    assert "100.3.3/45 Tahun 2026" in card and "Ditetapkan" in card
    assert url("spm_team_edit", "33.10") in card  # the verifier keeps them
    auditor = client_for("klaten.inspektorat").get(reverse("agency_list", args=["33.10"]))
    card = auditor.content.decode()[auditor.content.decode().index('data-testid="region-plans"') :]
    assert url("spm_team", "33.10") in card and url("spm_team_edit", "33.10") not in card
    ngawi = client_for("ngawi.tapem").get(reverse("agency_list", args=["35.21"])).content.decode()
    card = ngawi[ngawi.index('data-testid="region-plans"') :]
    assert "belum ada" in card.lower()


def test_verifier_records_a_team_with_file_and_members():
    pdf = SimpleUploadedFile("kepbup.pdf", PDF_BYTES, content_type="application/pdf")
    response = client_for("ngawi.tapem").post(
        url("spm_team_edit", "35.21"), {**ngawi_form(), "file": pdf}
    )
    assert response.status_code == 302, response.content.decode()
    team = SpmTeam.objects.get(region__code="35.21", year=YEAR)
    assert (team.decree_number, team.decree_date, team.version) == (
        "188/12/404.012/2026",
        dt.date(2026, 1, 15),
        1,
    )
    assert team.original_name == "kepbup.pdf"
    assert [(m.name, m.agency_id, m.unit, m.role, m.order) for m in team.members.all()] == [
        ("Kepala Dinas Kesehatan", agency("35.21", "DINKES").pk, "", "coordinator", 1),
        ("Kepala Bappeda", None, "Bappeda", "vice_chair", 2),
    ]
    assert team.history.first().history_user.username == "ngawi.tapem"
    assert all(m.history.first().history_user.username == "ngawi.tapem" for m in team.members.all())


def test_edit_keeps_member_rows_and_deletes_the_ticked_one():
    team = SpmTeam.objects.get(region__code="33.10", year=YEAR)
    members = list(team.members.all())
    form = {
        "version": str(team.version),
        "decree_number": team.decree_number,
        "decree_date": team.decree_date.isoformat(),
        "chair_name": team.chair_name,
        "chair_position": team.chair_position,
        "m-TOTAL_FORMS": str(len(members)),
        "m-INITIAL_FORMS": str(len(members)),
    }
    for n, m in enumerate(members):
        form.update(
            {
                f"m-{n}-id": str(m.pk),
                f"m-{n}-name": m.name,
                f"m-{n}-position": m.position,
                f"m-{n}-agency": str(m.agency_id or ""),
                f"m-{n}-unit": m.unit,
                f"m-{n}-role": m.role,
            }
        )
    form["m-0-position"] = "Kepala Badan Perencanaan"
    form["m-6-DELETE"] = "on"
    response = client_for("klaten.tapem").post(url("spm_team_edit", "33.10"), form)
    assert response.status_code == 302, response.content.decode()
    after = list(team.members.all())
    assert [m.pk for m in after] == [m.pk for m in members[:6]]
    assert after[0].position == "Kepala Badan Perencanaan"
    # Only the changed row got a new history entry; the deleted one a deletion.
    assert after[0].history.count() == 2 and after[1].history.count() == 1
    gone = SpmTeamMember.history.get(id=members[6].pk, history_type="-")
    assert gone.history_user.username == "klaten.tapem"


@pytest.mark.parametrize(
    "over, message",
    [
        ({"decree_number": " "}, "Isi nomor keputusan"),
        ({"decree_date": "2099-01-01"}, "tidak boleh setelah hari ini"),
        ({"m-1-unit": ""}, "Anggota 2: pilih perangkat daerah atau isi unit kerja lain."),
        ({"m-0-position": ""}, "Anggota 1: isi jabatan."),
    ],
)
def test_refusals_keep_what_was_typed(over, message):
    before = team_state("35.21")
    response = client_for("ngawi.tapem").post(url("spm_team_edit", "35.21"), ngawi_form(**over))
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert "Kepala Bappeda" in html
    assert team_state("35.21") == before


def test_another_regions_agency_is_refused_by_the_service():
    region = Region.objects.get(code="35.21")
    with pytest.raises(ValidationError) as err:
        services.save_spm_team(
            User.objects.get(username="ngawi.tapem"),
            region,
            YEAR,
            services.TeamInput("1", dt.date(2026, 1, 2), "Sekda", "Sekretaris Daerah"),
            [services.MemberInput("X", "Kepala", "member", agency("33.10", "DINKES").pk)],
            seen_version=0,
        )
    assert "bukan milik wilayah ini" in " ".join(err.value.messages)


def test_a_png_is_refused():
    png = SimpleUploadedFile("kepbup.png", PNG_BYTES, content_type="image/png")
    response = client_for("ngawi.tapem").post(
        url("spm_team_edit", "35.21"), {**ngawi_form(), "file": png}
    )
    assert response.status_code == 422 and "harus berupa PDF" in response.content.decode()


def test_stale_save_is_refused():
    team = SpmTeam.objects.get(region__code="33.10", year=YEAR)
    region = team.region
    tapem = User.objects.get(username="klaten.tapem")
    data = services.TeamInput(team.decree_number, team.decree_date, "Ketua A", "Sekda")
    services.save_spm_team(tapem, region, YEAR, data, seen_version=team.version)
    with pytest.raises(services.Stale):
        services.save_spm_team(
            tapem, region, YEAR, services.TeamInput("x", team.decree_date, "B", "C"), seen_version=1
        )
    team.refresh_from_db()
    assert team.chair_name == "Ketua A" and team.version == 2


def test_the_service_refuses_anyone_but_the_verifier():
    region = Region.objects.get(code="33.10")
    data = services.TeamInput("1", dt.date(2026, 1, 2), "Sekda", "Sekretaris Daerah")
    for username in ("jateng.biro", "klaten.dinkes", "klaten.inspektorat", "ngawi.tapem"):
        with pytest.raises(PermissionDenied):
            services.save_spm_team(
                User.objects.get(username=username), region, YEAR, data, seen_version=None
            )


@pytest.mark.parametrize(
    "username, status",
    [
        ("ngawi.tapem", 404),
        ("banten.biro", 404),
        ("jateng.biro", 403),
        ("klaten.dinkes", 403),
        ("klaten.kadinkes", 403),
        ("kemenkes.viewer", 403),
    ],
)
def test_edit_refused_404_outside_403_inside(username, status):
    before = team_state("33.10")
    client = client_for(username)
    assert client.get(url("spm_team_edit", "33.10")).status_code == status
    assert client.post(url("spm_team_edit", "33.10"), ngawi_form()).status_code == status
    assert team_state("33.10") == before


def test_file_download_is_permission_checked():
    got = client_for("jateng.biro").get(url("spm_team_file", "33.10"))
    assert got.status_code == 200 and got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Disposition"].startswith("attachment")
    assert client_for("ngawi.tapem").get(url("spm_team_file", "33.10")).status_code == 404
    assert client_for("ngawi.tapem").get(url("spm_team_file", "35.21")).status_code == 404


def test_changes_are_in_the_audit_trail():
    team = SpmTeam.objects.get(region__code="33.10", year=YEAR)
    tapem = User.objects.get(username="klaten.tapem")
    rows = list(iter_entries(tapem, AuditFilters(kind="spm_team"), 50))
    assert [(r.region, r.user) for r in rows] == [("33.10", "klaten.tapem")]
    members = list(iter_entries(tapem, AuditFilters(kind="spm_team_member"), 50))
    assert len(members) == team.members.count()
    assert all(r.subject.startswith("Tim Penerapan SPM 2026 · ") for r in members)
    ngawi = User.objects.get(username="ngawi.tapem")
    assert list(iter_entries(ngawi, AuditFilters(kind="spm_team"), 50)) == []


# ---------------------------------------------------------------- API


def test_api_shape_and_scoping():
    body = api("klaten.inspektorat").get("/api/v1/spm-teams/").json()
    assert body["count"] == 1
    team = body["results"][0]
    assert (team["region"], team["year"], team["decree"]) == ("33.10", 2026, "Keputusan Bupati")
    assert team["decree_number"] == "100.3.3/45 Tahun 2026" and team["decree_date"] == "2026-01-20"
    assert team["chair_position"] == "Sekretaris Daerah"
    coordinator = next(m for m in team["members"] if m["role"] == "coordinator")
    assert (coordinator["agency"], coordinator["agency_name"]) == (
        "DINKES",
        "Dinas Kesehatan Kabupaten Klaten",
    )
    assert team["file_url"] == f"/api/v1/spm-teams/{team['id']}/file/"
    assert api("ngawi.tapem").get("/api/v1/spm-teams/").json()["count"] == 0
    assert api("jatim.biro").get("/api/v1/spm-teams/").json()["count"] == 0
    assert api("bangda.admin").get("/api/v1/spm-teams/?region=33.10").json()["count"] == 1
    detail = api("klaten.tapem").get(f"/api/v1/spm-teams/{team['id']}/")
    assert detail["ETag"] == '"1"'
    assert api("ngawi.tapem").get(f"/api/v1/spm-teams/{team['id']}/").status_code == 404


def test_api_create_update_and_refusals():
    body = {
        "region": "35.21",
        "year": YEAR,
        "decree_number": "188/12/2026",
        "decree_date": "2026-01-15",
        "chair_name": "Sekda Ngawi",
        "chair_position": "Sekretaris Daerah",
        "members": [
            {"name": "Kadinkes", "position": "Kepala Dinas", "agency": "dinkes", "role": "member"},
            {
                "name": "Kepala Bappeda",
                "position": "Kepala",
                "unit": "Bappeda",
                "role": "secretary",
            },
        ],
    }
    post = lambda who, b: api(who).post("/api/v1/spm-teams/", b, content_type="application/json")  # noqa: E731
    assert post("jatim.biro", body).status_code == 403
    assert post("ngawi.dinkes", body).status_code == 403
    assert post("klaten.tapem", body).status_code == 404
    bad = post("ngawi.tapem", {**body, "members": [{**body["members"][0], "agency": "XYZ"}]})
    assert bad.status_code == 400 and "members" in bad.json()["errors"]
    created = post("ngawi.tapem", body)
    assert created.status_code == 201, created.content
    team = created.json()
    assert [(m["agency"], m["unit"], m["role"]) for m in team["members"]] == [
        ("DINKES", "", "member"),
        (None, "Bappeda", "secretary"),
    ]
    assert post("ngawi.tapem", body).status_code == 409
    detail = f"/api/v1/spm-teams/{team['id']}/"
    ngawi = api("ngawi.tapem")
    kept = ngawi.patch(
        detail,
        {"chair_name": "Sekda Baru"},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )
    assert kept.status_code == 200 and kept.json()["chair_name"] == "Sekda Baru"
    assert len(kept.json()["members"]) == 2  # members not sent: kept
    stale = ngawi.patch(
        detail, {"chair_name": "x"}, content_type="application/json", headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    first = kept.json()["members"][0]["id"]
    replaced = ngawi.patch(
        detail,
        {
            "version": 2,
            "members": [
                {
                    "id": first,
                    "name": "Kadinkes",
                    "position": "Kepala Dinas",
                    "agency": "DINKES",
                    "role": "coordinator",
                }
            ],
        },
        content_type="application/json",
    )
    assert replaced.status_code == 200
    assert [(m["id"], m["role"]) for m in replaced.json()["members"]] == [(first, "coordinator")]
    refused = api("jatim.biro").patch(
        detail, {"chair_name": "x", "version": 3}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert SpmTeam.objects.get(pk=team["id"]).chair_name == "Sekda Baru"


def test_api_file_upload_and_download():
    team = SpmTeam.objects.get(region__code="33.10", year=YEAR)
    file_url = f"/api/v1/spm-teams/{team.pk}/file/"
    up = api("klaten.tapem").post(
        file_url, {"file": SimpleUploadedFile("kep.pdf", PDF_BYTES), "version": team.version}
    )
    assert up.status_code == 200 and up.json()["file_name"] == "kep.pdf"
    got = api("klaten.dinkes").get(file_url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF_BYTES
    assert api("serang.tapem").get(file_url).status_code == 404
    refused = api("klaten.dinkes").post(
        file_url, {"file": SimpleUploadedFile("kep.pdf", PDF_BYTES), "version": 2}
    )
    assert refused.status_code == 403


def test_schema_documents_the_endpoints():
    paths = Client().get("/api/v1/schema/?format=json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/spm-teams/"])
    assert "patch" in paths["/api/v1/spm-teams/{id}/"]
    assert "/api/v1/spm-teams/{id}/file/" in paths


# ---------------------------------------------------------------- recap and annex


def test_recap_names_each_kabkotas_team():
    from reporting import recap
    from reporting.models import Period

    period = Period.objects.get(year=YEAR, quarter=3)
    jateng = recap.build(Region.objects.get(code="33"), period)
    teams = {r.region.code: r.team_decree for r in jateng.kabkota if r.team_decree}
    assert teams == {"33.10": "100.3.3/45 Tahun 2026"}
    # One of Jawa Tengah's 35 kab/kota: 2,857…% → 2,86%.
    assert jateng.team_share.text == "1 dari 35 wilayah (2,86%)"
    jatim = recap.build(Region.objects.get(code="35"), period)
    assert jatim.team_share.text == "0 dari 38 wilayah (0,00%)"


def test_annex_lists_the_team_with_indonesian_roles():
    from reporting.documents import pdf

    data = pdf.report_data(Region.objects.get(code="33.10"), YEAR)
    assert data["team_text"] == (
        "Keputusan Bupati Klaten Nomor 100.3.3/45 Tahun 2026 tanggal 20 Januari 2026; "
        "ketua Sekretaris Daerah Kabupaten Klaten (demo) (Sekretaris Daerah); 7 anggota"
    )
    assert [m["role"] for m in data["members"][:3]] == [
        "Wakil ketua",
        "Sekretaris",
        "Koordinator bidang",
    ]
    assert data["members"][2]["unit"] == "Dinas Kesehatan Kabupaten Klaten"
    jateng = pdf.report_data(Region.objects.get(code="33"), YEAR)
    assert [r["code"] for r in jateng["recap"] if r["team"] == "Ada"] == ["33.10"]
    assert jateng["recap_team_share"] == "1 dari 35 kabupaten/kota (2,86%)"
    assert pdf.report_data(Region.objects.get(code="35.21"), YEAR)["team_text"] == "Belum ada"


def test_query_counts_are_pinned(django_assert_max_num_queries):
    tapem = client_for("klaten.tapem")
    # The member form lists the agencies once for all its rows.
    for name, most in (("spm_team", 9), ("spm_team_edit", 9)):
        tapem.get(url(name, "33.10"))
        with django_assert_max_num_queries(most):
            assert tapem.get(url(name, "33.10")).status_code == 200
    bangda = api("bangda.admin")
    bangda.get("/api/v1/spm-teams/")
    with django_assert_max_num_queries(6):
        assert bangda.get("/api/v1/spm-teams/").status_code == 200


def test_verifier_home_shows_this_years_plan_and_team():
    html = client_for("klaten.tapem").get(reverse("home")).content.decode()
    panel = html[html.index('data-testid="plans-panel"') :][:1500]
    assert "Ditetapkan" in panel and "12 Tahun 2026" in panel
    assert "100.3.3/45 Tahun 2026" in panel
    html = client_for("ngawi.tapem").get(reverse("home")).content.decode()
    panel = html[html.index('data-testid="plans-panel"') :][:1500]
    assert "Belum ada" in panel and "belum ada" in panel
    # Not a panel for other roles.
    assert (
        'data-testid="plans-panel"'
        not in client_for("klaten.dinkes").get(reverse("home")).content.decode()
    )
