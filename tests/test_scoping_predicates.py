"""The named predicates of regions/scoping.py ("may this user do this"), at their boundaries.

Every expectation is read by hand off the cast's grants (regions/demo.py, tests/cast.py):
klaten.dinkes operates Klaten's DINKES (33.10), klaten.kadinkes heads it, klaten.tapem verifies
Klaten, jateng.biro reviews and verifies the province 33, serang.ngawi verifies Kota Serang
(36.73) and operates Ngawi's DINKES (35.21), serang.mantan's Serang operator role is withdrawn,
jateng.inspektorat / itjen.auditor audit the province 33 / the nation, root.super is a superuser
without any membership, kemenkes.viewer reads the health sector nationally.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.test import RequestFactory

from regions import scoping
from regions.middleware import ActiveMembershipMiddleware
from regions.models import Agency, Membership, Region, Role, User
from reporting.models import Report, WorkflowEvent
from tests.isolation.expect import USERS as KEY_CAST

pytestmark = pytest.mark.django_db

KLATEN, NGAWI, SERANG, JATENG, BANTEN = "33.10", "35.21", "36.73", "33", "36"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def agency_id(code: str, short: str) -> int:
    return Agency.objects.get(region__code=code, short_name=short).pk


def report_of(code: str, short: str | None) -> Report:
    """An unsaved report of that agency: the predicates read only its owner."""
    return Report(agency_id=agency_id(code, short) if short else None)


# ---------------------------------------------------------------- may_edit_report_data


def test_only_the_owning_agencys_operator_edits_report_data(cast):
    dinkes, dindik = report_of(KLATEN, "DINKES"), report_of(KLATEN, "DINDIK")
    assert scoping.may_edit_report_data(cast["klaten.dinkes"], dinkes) is True
    assert scoping.may_edit_report_data(cast["klaten.dinkes"], dindik) is False
    assert scoping.may_edit_report_data(cast["klaten.dinkes"], report_of(NGAWI, "DINKES")) is False
    # The head signs off through the workflow, the verifier reviews, Bangda oversees: none edits.
    for name in ("klaten.kadinkes", "klaten.tapem", "jateng.biro", "bangda.admin", "root.super"):
        assert scoping.may_edit_report_data(cast[name], dinkes) is False, name
    assert scoping.may_edit_report_data(cast["klaten.dinkes"], report_of(KLATEN, None)) is False


def test_report_data_with_roles_in_two_regions_and_a_withdrawn_one(cast):
    both = cast["serang.ngawi"]
    assert scoping.may_edit_report_data(both, report_of(NGAWI, "DINKES")) is True
    assert scoping.may_edit_report_data(both, report_of(SERANG, "DINKES")) is False  # verifier
    assert scoping.may_edit_report_data(cast["serang.mantan"], report_of(SERANG, "DINKES")) is False
    assert scoping.may_edit_report_data(AnonymousUser(), report_of(SERANG, "DINKES")) is False


# ---------------------------------------------------------------- targets


def test_operated_agencies_are_the_operators_and_heads_of_that_region(cast):
    klaten_dinkes = {agency_id(KLATEN, "DINKES")}
    assert scoping.operated_agency_ids(cast["klaten.dinkes"], region(KLATEN)) == klaten_dinkes
    assert scoping.operated_agency_ids(cast["klaten.kadinkes"], region(KLATEN)) == klaten_dinkes
    assert scoping.operated_agency_ids(cast["klaten.dinkes"], region(NGAWI)) == set()
    both = cast["serang.ngawi"]
    assert scoping.operated_agency_ids(both, region(NGAWI)) == {agency_id(NGAWI, "DINKES")}
    assert scoping.operated_agency_ids(both, region(SERANG)) == set()
    assert scoping.operated_agency_ids(cast["serang.mantan"], region(SERANG)) == set()
    for name in ("root.super", "bangda.admin", "klaten.tapem"):
        assert scoping.operated_agency_ids(cast[name], region(KLATEN)) == set(), name


def test_a_region_verifier_is_of_that_very_region(cast):
    assert scoping.is_region_verifier(cast["klaten.tapem"], region(KLATEN)) is True
    assert scoping.is_region_verifier(cast["klaten.tapem"], region(JATENG)) is False
    assert scoping.is_region_verifier(cast["jateng.biro"], region(JATENG)) is True
    assert scoping.is_region_verifier(cast["jateng.biro"], region(KLATEN)) is False  # not below
    assert scoping.is_region_verifier(cast["serang.ngawi"], region(SERANG)) is True
    assert scoping.is_region_verifier(cast["serang.ngawi"], region(NGAWI)) is False  # operator
    for name in ("root.super", "bangda.admin", "itjen.auditor", "klaten.inspektorat"):
        assert scoping.is_region_verifier(cast[name], region(KLATEN)) is False, name


# ---------------------------------------------------------------- region-wide reading


def test_who_sees_a_region_wide(cast):
    klaten = region(KLATEN)
    wide = {"klaten.tapem", "klaten.inspektorat", "jateng.biro", "jateng.inspektorat"}
    wide |= {"itjen.auditor", "bangda.admin", "root.super", "kemenkes.viewer"}
    for name in KEY_CAST:
        assert scoping.sees_region_wide(cast[name], klaten) is (name in wide), name
    # A sector viewer sees its own sector only; a kab/kota verifier not its neighbour.
    assert scoping.sees_region_wide(cast["kemenkes.viewer"], klaten, "KES") is True
    assert scoping.sees_region_wide(cast["kemenkes.viewer"], klaten, "DIK") is False
    assert scoping.sees_region_wide(cast["klaten.tapem"], region(NGAWI)) is False


def test_reading_a_region_only_as_an_agency(cast):
    klaten, ngawi, serang = region(KLATEN), region(NGAWI), region(SERANG)
    assert scoping.reads_region_as_agency_only(cast["klaten.dinkes"], klaten) is True
    assert scoping.reads_region_as_agency_only(cast["klaten.kadinkes"], klaten) is True
    assert scoping.reads_region_as_agency_only(cast["klaten.dinkes"], ngawi) is False  # no grant
    assert scoping.reads_region_as_agency_only(cast["serang.ngawi"], ngawi) is True
    assert scoping.reads_region_as_agency_only(cast["serang.ngawi"], serang) is False
    for name in ("klaten.tapem", "kemenkes.viewer", "root.super", "serang.mantan"):
        assert scoping.reads_region_as_agency_only(cast[name], klaten) is False, name


def test_a_superuser_with_an_agency_role_still_reads_the_region_whole(cast):
    klaten = region(KLATEN)
    Membership.objects.create(
        user=cast["root.super"],
        role=Role.OPD_OPERATOR,
        region=klaten,
        agency_id=agency_id(KLATEN, "DINKES"),
    )
    root = User.objects.get(username="root.super")  # grants loaded afresh
    assert scoping.reads_region_as_agency_only(root, klaten) is False


def test_a_superuser_with_a_sector_role_is_not_limited_to_that_sector(cast):
    Membership.objects.create(
        user=cast["root.super"],
        role=Role.SECTOR_VIEWER,
        region=Region.objects.get(code="00"),
        sector_code="KES",
    )
    root = User.objects.get(username="root.super")
    assert scoping.sector_limit(root) is None


def test_a_write_is_recorded_against_the_signed_in_user(cast):
    for name in ("klaten.dinkes", "serang.mantan", "root.super"):
        assert scoping.acting_user(cast[name]) is cast[name], name
    inactive = User.objects.get(username="klaten.dinkes")
    inactive.is_active = False
    assert scoping.acting_user(inactive) is inactive  # signed in; what it may do is scoping's
    for nobody in (None, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            scoping.acting_user(nobody)


def test_national_view_and_sector_limit(cast):
    national = {"bangda.admin", "kemenkes.viewer", "itjen.auditor", "root.super"}
    for name in KEY_CAST:
        assert scoping.has_national_view(cast[name]) is (name in national), name
    assert scoping.has_national_view(AnonymousUser()) is False
    assert scoping.sector_limit(cast["kemenkes.viewer"]) == frozenset({"KES"})
    for name in ("bangda.admin", "root.super", "itjen.auditor", "klaten.dinkes", "serang.mantan"):
        assert scoping.sector_limit(cast[name]) is None, name


def test_a_province_recap_is_for_those_who_see_all_of_it(cast):
    jateng = region(JATENG)
    allowed = {"jateng.biro", "jateng.inspektorat", "itjen.auditor", "bangda.admin", "root.super"}
    for name in KEY_CAST:
        assert scoping.may_see_province_recap(cast[name], jateng) is (name in allowed), name
    # The Kota Serang verifier is not Banten's Biro.
    assert scoping.may_see_province_recap(cast["serang.ngawi"], region(BANTEN)) is False
    assert scoping.may_see_province_recap(cast["banten.biro"], region(BANTEN)) is True


def test_reviewed_provinces(cast):
    assert scoping.reviewer_province_codes(cast["jateng.biro"]) == frozenset({"33"})
    for name in ("klaten.tapem", "bangda.admin", "root.super", "jateng.inspektorat"):
        assert scoping.reviewer_province_codes(cast[name]) == frozenset(), name


# ---------------------------------------------------------------- handing out roles


def test_roles_each_actor_may_hand_out(cast):
    kab = [Role.OPD_OPERATOR, Role.OPD_HEAD, Role.VERIFIER, Role.AUDITOR]
    national = [Role.BANGDA_ADMIN, Role.SECTOR_VIEWER, Role.AUDITOR]
    klaten, jateng, nation = region(KLATEN), region(JATENG), Region.objects.get(code="00")
    # Bangda (and the superuser flag): every role of the region's level.
    for name in ("bangda.admin", "root.super"):
        assert scoping.assignable_roles(cast[name], klaten) == kab, name
        assert scoping.assignable_roles(cast[name], jateng) == [*kab, Role.PROVINCE_REVIEWER]
        assert scoping.assignable_roles(cast[name], nation) == national, name
    # A verifier: its own region's roles, never the province reviewer's.
    assert scoping.assignable_roles(cast["klaten.tapem"], klaten) == kab
    assert scoping.assignable_roles(cast["jateng.biro"], jateng) == kab
    assert scoping.assignable_roles(cast["klaten.tapem"], region(NGAWI)) == []
    assert scoping.assignable_roles(cast["jateng.biro"], klaten) == []  # not below its own region
    # Nobody else hands out roles; a withdrawn membership gives nothing.
    for name in ("klaten.dinkes", "klaten.kadinkes", "itjen.auditor", "serang.mantan"):
        assert scoping.assignable_roles(cast[name], klaten) == [], name
    assert scoping.assignable_roles(cast["jateng.biro"], nation) == []
    assert scoping.assignable_roles(AnonymousUser(), klaten) == []


# ---------------------------------------------------------------- import, quality, audit


def test_import_regions_are_the_operators_and_verifiers(cast):
    assert scoping.import_region_ids(cast["serang.ngawi"]) == {region(SERANG).pk, region(NGAWI).pk}
    assert scoping.import_region_ids(cast["klaten.dinkes"]) == {region(KLATEN).pk}
    assert scoping.import_region_ids(cast["jateng.biro"]) == {region(JATENG).pk}
    for name in ("klaten.kadinkes", "serang.mantan", "root.super", "itjen.auditor"):
        assert scoping.import_region_ids(cast[name]) == set(), name


def test_the_data_quality_view_is_for_the_region_wide_roles(cast):
    # OPD staff see their reports' flags on the report form, not the region's quality view.
    staff = {"klaten.dinkes", "klaten.dindik", "klaten.kadinkes", "ngawi.dinkes", "jateng.dinkes"}
    staff.add("serang.mantan")  # withdrawn: no grant at all
    for name in KEY_CAST:
        assert scoping.may_view_data_quality(cast[name]) is (name not in staff), name
    assert scoping.may_view_data_quality(AnonymousUser()) is False


def test_the_audit_trail_counts_only_audit_grants(cast):
    readers = {"klaten.tapem", "klaten.inspektorat", "jateng.inspektorat", "itjen.auditor"}
    readers |= {"serang.ngawi", "bangda.admin", "root.super", "ngawi.tapem", "serang.tapem"}
    readers |= {"jateng.biro", "jatim.biro", "banten.biro"}  # province verifiers
    for name in KEY_CAST:
        assert scoping.may_read_audit_trail(cast[name]) is (name in readers), name
    paths = WorkflowEvent.scope_paths
    assert scoping.audit_scope_q(cast["root.super"], paths) == Q()
    assert scoping.audit_scope_q(cast["itjen.auditor"], paths) == Q()
    assert scoping.audit_scope_q(cast["klaten.dinkes"], paths) == scoping.NOTHING
    # The operator grant in Ngawi does not widen the Serang verifier's trail.
    assert scoping.audit_scope_q(cast["serang.ngawi"], paths) == Q(region__id=region(SERANG).pk)


# ---------------------------------------------------------------- one grant list per request


def test_the_middleware_loads_memberships_and_grants_in_one_query(cast, django_assert_num_queries):
    from regions.models import User

    user = User.objects.get(username="serang.ngawi")  # a fresh object: nothing cached
    ngawi_report = Report(agency_id=agency_id(NGAWI, "DINKES"))
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    with django_assert_num_queries(1):
        ActiveMembershipMiddleware(lambda r: HttpResponse())(request)
        grants = scoping.grants_for(user)
        assert scoping.may_edit_report_data(user, ngawi_report)
    assert [m.pk for m in request.memberships] == [m.pk for m in scoping.granting_memberships(user)]
    assert {(g.role, g.region_code) for g in grants} == {
        ("verifier", SERANG),
        ("opd_operator", NGAWI),
    }


def test_a_users_grants_are_read_once_per_user_object(cast, django_assert_num_queries):
    fresh = User.objects.get(username="serang.ngawi")
    with django_assert_num_queries(1):
        first = scoping.grants_for(fresh)
        again = scoping.grants_for(fresh)
    assert again == first and len(first) == 2  # Serang's verifier, Ngawi's operator
    with django_assert_num_queries(1):  # a request starts from the database
        assert len(scoping.granting_memberships(fresh, reload=True)) == 2


def test_a_sector_grant_on_agencies_needs_their_model(cast):
    grant = scoping.grants_for(cast["kemenkes.viewer"])[0]
    with pytest.raises(ValueError, match="^sector_of_agency needs the model the paths belong to$"):
        scoping.grant_q(Agency.scope_paths, grant, scoping.Action.VIEW)
    # With the model: the agencies serving that sector.
    where = scoping.grant_q(Agency.scope_paths, grant, scoping.Action.VIEW, Agency)
    assert Agency.objects.filter(where).exists()
