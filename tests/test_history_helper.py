"""espm.history: the one place that tells simple-history who changed a row, and why."""

from __future__ import annotations

import pytest

from espm import history
from reporting.models import Period

pytestmark = pytest.mark.django_db


def test_the_actor_and_reason_land_on_the_saved_version(cast):
    period = Period.objects.order_by("pk").first()
    admin = cast["bangda.admin"]
    history.set_actor(period, admin, "batas waktu diundur")
    period.save()
    latest = period.history.first()
    assert latest.history_user == admin
    assert latest.history_change_reason == "batas waktu diundur"

    history.set_reason(period, "hanya alasan")
    period.save()
    assert period.history.first().history_change_reason == "hanya alasan"


def test_skip_next_save_writes_no_version():
    period = Period.objects.order_by("pk").first()
    before = period.history.count()
    history.skip_next_save(period)
    period.save()
    assert period.history.count() == before
    assert history.history_model(Period) is Period.history.model
