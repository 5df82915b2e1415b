"""A province's submission page shows its kab/kota only to who may see them (audit: scope leak).

The province's own agencies (jateng.dinkes, an OPD operator of Jawa Tengah) open the
province's submission page, but the kab/kota submissions below it are outside their grants:
neither the list of kab/kota that have not submitted (with status and links) nor the kab/kota
submissions waiting for the province's decision may be named to them. The province's Biro
(jateng.biro) still sees all of them. The demo's TW III is the open quarter.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from regions.models import User
from reporting import workflow
from reporting.models import Period, RegionSubmission
from reporting.review import selectors as review_selectors

pytestmark = pytest.mark.django_db

KABKOTA = ("kabupaten", "kota")


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _open_period() -> Period:
    return Period.objects.filter(state="open").order_by("-year", "-quarter").first()


def _province(status: str = RegionSubmission.Status.IN_PROGRESS) -> RegionSubmission:
    sub = RegionSubmission.objects.select_related("region", "period").get(
        region__code="33", period=_open_period()
    )
    RegionSubmission.objects.filter(pk=sub.pk).update(status=status)
    sub.refresh_from_db()
    return sub


def _kabkota(sub: RegionSubmission):
    return RegionSubmission.objects.filter(
        period=sub.period, region__province_code="33", region__level__in=KABKOTA
    ).select_related("region")


def _page(login, username: str, sub: RegionSubmission) -> str:
    response = login(username).get(reverse("reporting:submission_detail", args=[sub.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_province_agency_is_not_shown_the_kabkota_that_have_not_submitted(login):
    sub = _province()
    waiting = _kabkota(sub).exclude(status__in=("submitted", "accepted"))
    assert waiting.exists()  # Klaten's TW III is still in progress in the demo
    html = _page(login, "jateng.dinkes", sub)
    assert 'data-testid="kabkota-not-submitted"' not in html
    for s in waiting:
        assert s.region.name not in html, s.region.name
        assert reverse("reporting:submission_detail", args=[s.pk]) not in html
    standing = review_selectors.kabkota_standing(sub, _user("jateng.dinkes"))
    assert (standing.total, standing.not_submitted, standing.without_data) == (0, [], frozenset())


def test_the_province_reviewer_still_sees_every_kabkota(login):
    sub = _province()
    waiting = _kabkota(sub).exclude(status__in=("submitted", "accepted"))
    biro = review_selectors.kabkota_standing(sub, _user("jateng.biro"))
    everything = review_selectors.kabkota_standing(sub)  # the submit step's own confirmation
    assert biro == everything
    assert biro.total == _kabkota(sub).count()
    assert [s.pk for s in biro.not_submitted] == [s.pk for s in waiting.order_by("region__code")]
    html = _page(login, "jateng.biro", sub)
    box = html[html.index('data-testid="kabkota-not-submitted"') :]
    box = box[: box.index("</section>")]
    assert f"{waiting.count()} dari {biro.total} kabupaten/kota belum mengajukan" in box
    for s in waiting:
        assert s.region.name in box


def test_kabkota_waiting_for_the_province_are_named_only_to_who_may_see_them(login):
    sub = _province()
    klaten = _kabkota(sub).get(region__code="33.10")
    RegionSubmission.objects.filter(pk=klaten.pk).update(status=RegionSubmission.Status.SUBMITTED)
    waiting = "Kabupaten Klaten: pengajuan kabupaten/kota menunggu keputusan provinsi"

    def messages(user: User | None) -> list[str]:
        return [p.message for p in workflow.region_problems(sub, user)]

    assert waiting in messages(None)  # the check itself still counts it
    assert waiting in messages(_user("jateng.biro"))
    assert waiting not in messages(_user("jateng.dinkes"))
    assert waiting in _page(login, "jateng.biro", sub)
    html = _page(login, "jateng.dinkes", sub)
    assert "menunggu keputusan provinsi" not in html and "Kabupaten Klaten" not in html
