"""The scoping rules of regions/scoping.py, one grant at a time, with the awkward cast.

Each expectation is the table in the module's docstring read by hand against the seeded
regions: Jawa Tengah (33) holds 35 kab/kota (29 kabupaten + 6 kota), so a province's subtree
is 36 regions; the whole list is 555 (tests/conftest.py).
"""

from __future__ import annotations

import pytest
from django.http import Http404

from regions.models import Agency, Membership, Region, User
from regions.roles import Role
from regions.scoping import (
    NOTHING,
    Action,
    can,
    grants_for,
    region_in_scope,
    scope_q,
    scoped_get,
    sees_everything,
)
from reporting.models import RegionSubmission, Report

pytestmark = pytest.mark.django_db

ALL_REGIONS = 555
JATENG_SUBTREE = 36  # the province and its 35 kab/kota


def user(name: str) -> User:
    return User.objects.get(username=name)


def region_codes(u, action=Action.VIEW) -> set[str]:
    return set(Region.objects.visible_to(u, action).values_list("code", flat=True))


def report_owners(u, action=Action.VIEW) -> set[tuple[str, str | None]]:
    return set(
        Report.objects.visible_to(u, action).values_list("region__code", "agency__short_name")
    )


def people_regions(u, action=Action.VIEW) -> set[str]:
    return set(Membership.objects.visible_to(u, action).values_list("region__code", flat=True))


# ---------------------------------------------------------------- superuser


def test_a_superuser_without_any_membership_sees_and_changes_everything():
    root = user("root.super")
    assert grants_for(root) == ()
    assert sees_everything(root) is True
    for action in Action:
        assert Region.objects.visible_to(root, action).count() == ALL_REGIONS
    assert Report.objects.visible_to(root, Action.CHANGE).count() == Report.objects.count()
    assert Membership.objects.visible_to(root).count() == Membership.objects.count()


def test_an_inactive_superuser_sees_nothing():
    root = user("root.super")
    root.is_active = False
    assert sees_everything(root) is False
    assert scope_q(root, Action.VIEW, Region.scope_paths) == NOTHING
    assert Region.objects.visible_to(root).count() == 0


def test_anonymous_and_none_see_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert sees_everything(None) is False and sees_everything(AnonymousUser()) is False
    assert grants_for(None) == () and grants_for(AnonymousUser()) == ()
    assert Region.objects.visible_to(AnonymousUser()).count() == 0
    assert scope_q(None, "view", Region.scope_paths) == NOTHING


def test_bangda_sees_everything_through_its_role_not_a_flag():
    bangda = user("bangda.admin")
    assert bangda.is_superuser is False
    assert sees_everything(bangda) is True
    assert Region.objects.visible_to(bangda, Action.MANAGE).count() == ALL_REGIONS


def test_an_ordinary_user_does_not_see_everything():
    assert sees_everything(user("jateng.biro")) is False
    assert sees_everything(user("itjen.auditor")) is False  # sees all, as an auditor only


# ---------------------------------------------------------------- auditors


def test_kabkota_auditor_sees_its_own_region_only():
    assert region_codes(user("klaten.inspektorat")) == {"33.10"}
    assert people_regions(user("klaten.inspektorat")) == {"33.10"}


def test_province_auditor_sees_the_province_and_its_kabkota():
    auditor = user("jateng.inspektorat")
    codes = region_codes(auditor)
    assert len(codes) == JATENG_SUBTREE
    assert {"33", "33.10"} <= codes and "35.21" not in codes and "35" not in codes
    owners = {region for region, _ in report_owners(auditor)}
    assert "33.10" in owners and "33" in owners and "35.21" not in owners
    # people of the subtree: Klaten's and the province's own, not Ngawi's
    people = people_regions(auditor)
    assert {"33", "33.10"} <= people and "35.21" not in people


def test_national_auditor_sees_every_region_and_its_people():
    auditor = user("itjen.auditor")
    assert Region.objects.visible_to(auditor).count() == ALL_REGIONS
    assert Membership.objects.visible_to(auditor).count() == Membership.objects.count()


@pytest.mark.parametrize("name", ["klaten.inspektorat", "jateng.inspektorat", "itjen.auditor"])
def test_auditors_change_and_manage_nothing(name):
    auditor = user(name)
    for action in (Action.CHANGE, Action.MANAGE):
        assert Region.objects.visible_to(auditor, action).count() == 0
        assert Report.objects.visible_to(auditor, action).count() == 0
        assert Membership.objects.visible_to(auditor, action).count() == 0


# ---------------------------------------------------------------- agencies (OPD)


def test_an_operator_changes_its_agencys_reports_only_not_the_whole_region():
    dinkes = user("klaten.dinkes")
    changed = report_owners(dinkes, Action.CHANGE)
    assert changed == {("33.10", "DINKES")}
    # ... while the region has reports of other agencies, which it may not change
    assert ("33.10", "DINDIK") in report_owners(user("klaten.tapem"))
    assert Region.objects.visible_to(dinkes, Action.CHANGE).count() == 0  # region rows: no


def test_an_operator_views_its_agencys_rows_and_its_regions_region_level_rows():
    dinkes = user("klaten.dinkes")
    assert report_owners(dinkes) == {("33.10", "DINKES")}
    assert region_codes(dinkes) == {"33.10"}
    agencies = set(Agency.objects.visible_to(dinkes).values_list("region__code", "short_name"))
    assert agencies == {("33.10", "DINKES")}
    # region-level rows of its region (the region's submissions), none of another region
    subs = set(RegionSubmission.objects.visible_to(dinkes).values_list("region__code", flat=True))
    assert subs <= {"33.10"} and subs


def test_operators_and_heads_see_no_people():
    for name in ("klaten.dinkes", "klaten.kadinkes"):
        assert Membership.objects.visible_to(user(name)).count() == 0


def test_an_opd_head_changes_its_agencys_reports():
    assert report_owners(user("klaten.kadinkes"), Action.CHANGE) == {("33.10", "DINKES")}


# ---------------------------------------------------------------- verifiers and reviewers


def test_a_kabkota_verifier_changes_and_manages_its_own_region():
    tapem = user("klaten.tapem")
    assert region_codes(tapem) == {"33.10"}
    assert region_codes(tapem, Action.CHANGE) == {"33.10"}
    assert region_codes(tapem, Action.MANAGE) == {"33.10"}
    assert people_regions(tapem) == {"33.10"}
    assert people_regions(tapem, Action.CHANGE) == {"33.10"}


def test_a_province_verifier_sees_below_but_changes_and_manages_its_own_region_only():
    # jateng.biro is province reviewer and verifier of 33: the reviewer grant changes the
    # subtree, the verifier grant alone manages and sees people — of 33 only.
    biro = user("jateng.biro")
    assert len(region_codes(biro)) == JATENG_SUBTREE
    assert len(region_codes(biro, Action.CHANGE)) == JATENG_SUBTREE
    assert region_codes(biro, Action.MANAGE) == {"33"}
    assert people_regions(biro) == {"33"}
    assert people_regions(biro, Action.CHANGE) == {"33"}


def test_a_province_reviewer_alone_neither_manages_nor_sees_people(cast):
    biro = cast["jateng.biro"]
    biro._espm_grants = tuple(g for g in grants_for(biro) if g.role == Role.PROVINCE_REVIEWER)
    assert len(region_codes(biro)) == JATENG_SUBTREE
    assert len(region_codes(biro, Action.CHANGE)) == JATENG_SUBTREE
    assert region_codes(biro, Action.MANAGE) == set()
    assert people_regions(biro) == set()
    assert people_regions(biro, Action.CHANGE) == set()


def test_a_kabkota_verifier_sees_nothing_of_its_province():
    codes = region_codes(user("ngawi.tapem"))
    assert codes == {"35.21"}


# ---------------------------------------------------------------- sector viewer


def test_a_sector_viewer_sees_its_sectors_rows_everywhere_and_changes_nothing():
    viewer = user("kemenkes.viewer")
    sectors = set(
        Report.objects.visible_to(viewer).values_list("service_type__sector__code", flat=True)
    )
    assert sectors == {"KES"}
    assert Region.objects.visible_to(viewer).count() == ALL_REGIONS  # region-level rows
    agencies = Agency.objects.visible_to(viewer)
    assert agencies.exists() and not agencies.exclude(sectors__code="KES").exists()
    assert Report.objects.visible_to(viewer, Action.CHANGE).count() == 0
    assert Membership.objects.visible_to(viewer).count() == 0


# ---------------------------------------------------------------- several grants, withdrawn ones


def test_grants_in_two_regions_are_ored():
    u = user("serang.ngawi")
    assert region_codes(u) == {"36.73", "35.21"}
    assert region_codes(u, Action.CHANGE) == {"36.73"}  # the verifier grant; the OPD one: no
    assert region_codes(u, Action.MANAGE) == {"36.73"}
    reports = report_owners(u)
    assert ("35.21", "DINKES") in reports and ("35.21", "DINDIK") not in reports
    assert {r for r, _ in reports} == {"36.73", "35.21"}
    changed = report_owners(u, Action.CHANGE)
    assert ("35.21", "DINKES") in changed and ("35.21", "DINDIK") not in changed
    serang = Report.objects.filter(region__code="36.73")
    assert serang.exists()
    assert Report.objects.visible_to(u, Action.CHANGE).filter(region__code="36.73").count() == (
        serang.count()
    )
    assert people_regions(u) == {"36.73"}


def test_a_withdrawn_membership_grants_nothing():
    u = user("serang.mantan")
    assert Membership.objects.filter(user=u, is_active=False).exists()
    assert grants_for(u) == ()
    for action in Action:
        assert Region.objects.visible_to(u, action).count() == 0
        assert Report.objects.visible_to(u, action).count() == 0


def test_an_inactive_user_sees_nothing_whatever_its_memberships():
    tapem = user("klaten.tapem")
    tapem.is_active = False
    assert grants_for(tapem) == ()
    assert Region.objects.visible_to(tapem).count() == 0


def test_grants_are_loaded_once_per_user_object(django_assert_num_queries):
    tapem = user("klaten.tapem")
    with django_assert_num_queries(1):
        first = grants_for(tapem)
        assert grants_for(tapem) is first
    assert [(g.role, g.region_code, g.is_national) for g in first] == [
        (Role.VERIFIER, "33.10", False)
    ]
    assert [g.is_national for g in grants_for(user("bangda.admin"))] == [True]


# ---------------------------------------------------------------- one object


def test_scoped_get_answers_404_outside_the_scope_and_for_a_bad_lookup():
    tapem = user("klaten.tapem")
    assert scoped_get(Region, tapem, code="33.10").code == "33.10"
    with pytest.raises(Http404):
        scoped_get(Region, tapem, code="35.21")
    with pytest.raises(Http404):
        scoped_get(Region, tapem, pk="bukan-angka")
    with pytest.raises(Http404):
        scoped_get(Region, tapem, Action.MANAGE, code="33")


def test_can_is_the_scope_for_one_object():
    klaten, ngawi = Region.objects.get(code="33.10"), Region.objects.get(code="35.21")
    tapem = user("klaten.tapem")
    assert can(tapem, Action.CHANGE, klaten) is True
    assert can(tapem, Action.CHANGE, ngawi) is False
    assert can(user("klaten.inspektorat"), "view", klaten) is True
    assert can(user("klaten.inspektorat"), "change", klaten) is False


class _Request:
    def __init__(self, u, memberships=()):
        self.user = u
        self.memberships = list(memberships)


def test_region_in_scope_by_own_membership_level_and_activity():
    tapem = user("klaten.tapem")
    memberships = list(Membership.objects.filter(user=tapem).select_related("region"))
    req = _Request(tapem, memberships)
    assert region_in_scope(req, "33.10", ["kabupaten", "kota"]).code == "33.10"
    with pytest.raises(Http404):  # right code, wrong level
        region_in_scope(_Request(tapem), "33.10", ["province"])
    with pytest.raises(Http404):
        region_in_scope(req, "35.21", ["kabupaten"])
    memberships[0].region.is_active = False  # as loaded with the request
    Region.objects.filter(code="33.10").update(is_active=False)
    with pytest.raises(Http404):
        region_in_scope(req, "33.10", ["kabupaten"], active_only=True)
    assert region_in_scope(req, "33.10", ["kabupaten"]).code == "33.10"


def test_scope_paths_name_the_fields():
    from regions.scoping import ScopePaths

    report = ScopePaths(region="region", agency="agency")
    assert report.region_field("id") == "region__id"
    assert report.agency_field() == "agency_id"
    region = ScopePaths(region="")
    assert region.region_field("province_code") == "province_code"
    assert region.agency_field() is None
    agency = ScopePaths(region="region", agency="")
    assert agency.agency_field() == "pk"
    assert (report.people, report.sector_of_agency, report.sector) == (False, False, None)


def test_restrict_is_visible_to():
    tapem = user("klaten.tapem")
    assert list(Region.objects.restrict(tapem).values_list("code", flat=True)) == ["33.10"]
    assert list(Region.objects.restrict(tapem, Action.MANAGE).values_list("code", flat=True)) == [
        "33.10"
    ]
    assert Region.objects.restrict(user("klaten.inspektorat"), "change").count() == 0


def test_a_sector_viewer_sees_agencies_of_its_sector_once_each():
    viewer = user("kemenkes.viewer")
    agencies = Agency.objects.visible_to(viewer)
    pks = list(agencies.values_list("pk", flat=True))
    assert len(pks) == len(set(pks))  # a subquery, not a join: no duplicates
    assert set(pks) == set(Agency.objects.filter(sectors__code="KES").values_list("pk", flat=True))


def test_an_own_region_is_answered_without_a_query_even_when_only_active_ones_count(
    django_assert_num_queries,
):
    tapem = user("klaten.tapem")
    req = _Request(tapem, Membership.objects.filter(user=tapem).select_related("region"))
    with django_assert_num_queries(0):
        assert region_in_scope(req, "33.10", ["kabupaten"]).code == "33.10"
        assert region_in_scope(req, "33.10", ["kabupaten"], active_only=True).code == "33.10"


def test_another_region_goes_through_the_scope_and_active_only_keeps_active_ones():
    biro = user("jateng.biro")
    req = _Request(biro, Membership.objects.filter(user=biro).select_related("region"))
    assert region_in_scope(req, "33.10", ["kabupaten"], active_only=True).code == "33.10"


def test_a_request_without_memberships_goes_through_the_scope():
    class Bare:
        user = None

    bare = Bare()
    bare.user = user("klaten.tapem")
    assert region_in_scope(bare, "33.10", ["kabupaten"]).code == "33.10"


def test_scoped_get_honours_the_action():
    auditor = user("klaten.inspektorat")
    assert scoped_get(Region, auditor, Action.VIEW, code="33.10").code == "33.10"
    with pytest.raises(Http404):
        scoped_get(Region, auditor, Action.CHANGE, code="33.10")
