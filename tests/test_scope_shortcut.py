"""``region_in_scope`` answers from the request's memberships only where scoped_get agrees."""

from __future__ import annotations

import pytest
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from regions.middleware import ActiveMembershipMiddleware
from regions.models import Level, Membership, Region, User
from regions.scoping import region_in_scope, scoped_get

LEVELS = (Level.PROVINCE, Level.KABUPATEN, Level.KOTA, Level.NATIONAL)


def request_of(user: User):
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    ActiveMembershipMiddleware(lambda r: HttpResponse())(request)
    return request


@pytest.mark.django_db
def test_every_own_region_is_what_scoped_get_returns():
    checked = 0
    for user in User.objects.filter(memberships__is_active=True).distinct():
        request = request_of(user)
        for membership in request.memberships:
            region = membership.region
            fast = region_in_scope(request, region.code, LEVELS)
            assert fast == scoped_get(Region, user, code=region.code, level__in=LEVELS)
            checked += 1
    assert checked >= 10  # the demo cast: every role


@pytest.mark.django_db
def test_other_regions_go_through_the_scoping_layer():
    request = request_of(User.objects.get(username="klaten.tapem"))
    with pytest.raises(Http404):  # a neighbour: out of scope looks absent
        region_in_scope(request, "33.11", LEVELS)
    with pytest.raises(Http404):  # its own region, but not at the level asked for
        region_in_scope(request, "33.10", [Level.PROVINCE])
    province_reviewer = request_of(User.objects.get(username="jateng.biro"))
    assert region_in_scope(province_reviewer, "33.11", LEVELS).code == "33.11"  # its subtree


@pytest.mark.django_db
def test_a_withdrawn_membership_or_an_inactive_region_gives_no_shortcut():
    user = User.objects.get(username="klaten.tapem")
    Membership.objects.filter(user=user).update(is_active=False)
    with pytest.raises(Http404):
        region_in_scope(request_of(user), "33.10", LEVELS)
    Membership.objects.filter(user=user).update(is_active=True)
    Region.objects.filter(code="33.10").update(is_active=False)
    request = request_of(user)
    with pytest.raises(Http404):
        region_in_scope(request, "33.10", LEVELS, active_only=True)
    assert region_in_scope(request, "33.10", LEVELS).code == "33.10"
