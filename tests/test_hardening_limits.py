"""Limits on what piles up (issue #19 item 9): breakdown groups, abandoned import drafts,
rebuilt documents."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from espm import drafts as import_drafts
from reporting.documents import services as documents
from reporting.entry.forms import MAX_BREAKDOWN_GROUPS, RecipientsForm
from reporting.models import GeneratedDocument, private_storage
from tests.test_pdf import YEAR, eager, fill, klaten_year  # noqa: F401 — fixture

pytestmark = pytest.mark.django_db


def _breakdown(n: int) -> str:
    return "\n".join(f"Kelompok {i}: {i}" for i in range(n))


def test_a_breakdown_of_the_cap_is_accepted():
    form = RecipientsForm(
        {"version": "1", "recipients_served": "10", "breakdown": _breakdown(MAX_BREAKDOWN_GROUPS)}
    )
    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["breakdown"]) == MAX_BREAKDOWN_GROUPS


@pytest.mark.parametrize("groups", [MAX_BREAKDOWN_GROUPS + 1, 20_000])
def test_a_breakdown_over_the_cap_is_a_field_error(groups):
    form = RecipientsForm({"recipients_served": "10", "breakdown": _breakdown(groups)})
    assert not form.is_valid()
    assert f"paling banyak {MAX_BREAKDOWN_GROUPS} kelompok" in str(form.errors["breakdown"])


def test_the_api_refuses_20000_groups():
    from django.test import Client
    from django.urls import reverse
    from rest_framework.authtoken.models import Token

    from regions.models import User
    from tests.isolation.cases_entry import _report

    report = _report()
    token, _ = Token.objects.get_or_create(user=User.objects.get(username="klaten.dinkes"))
    response = Client(headers={"Authorization": f"Token {token.key}"}).patch(
        reverse("api:report-detail", kwargs={"pk": report.pk}),
        {"version": report.version, "recipients_breakdown": {f"g{i}": 1 for i in range(20_000)}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "recipients_breakdown" in response.json()["errors"]


@pytest.fixture
def drafts(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    from django.core.files.storage import storages

    storages._storages.pop("private", None)
    storage = private_storage()
    old = storage.save(f"{import_drafts.DRAFTS_DIR}/7/old.xlsx", ContentFile(b"x"))
    fresh = storage.save(f"{import_drafts.DRAFTS_DIR}/7/fresh.xlsx", ContentFile(b"x"))
    day_and_a_minute = (timezone.now() - dt.timedelta(days=1, minutes=1)).timestamp()
    os.utime(storage.path(old), (day_and_a_minute, day_and_a_minute))
    yield storage, old, fresh
    storages._storages.pop("private", None)


def test_drafts_older_than_a_day_are_deleted_and_fresh_ones_kept(drafts):
    storage, old, fresh = drafts
    assert import_drafts.purge() == 1
    assert not storage.exists(old) and storage.exists(fresh)
    assert import_drafts.purge() == 0  # idempotent


def test_the_purge_is_a_daily_beat_job(settings):
    jobs = {v["task"]: v for v in settings.CELERY_BEAT_SCHEDULE.values()}
    assert jobs["reporting.tasks.purge_import_drafts"]["schedule"] == 24 * 3600.0


def test_an_unchanged_document_is_reused_and_a_changed_one_rebuilt(
    eager,  # noqa: F811
    login,
    django_capture_on_commit_callbacks,
    cast,
):
    reports = klaten_year()
    client = login("klaten.tapem")
    body = {"region": "33.10", "kind": "annex", "year": str(YEAR)}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/laporan/dokumen/buat/", body).status_code == 302
    first = GeneratedDocument.objects.get(region__code="33.10", year=YEAR)
    assert first.status == "done"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/laporan/dokumen/buat/", body).status_code == 302
    assert GeneratedDocument.objects.filter(region__code="33.10", year=YEAR).count() == 1
    again = documents.request_document(cast["jateng.biro"], "annex", first.region, YEAR)
    assert again.pk == first.pk  # another reader in scope gets the same file
    fill(reports[5], 399, 400)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/laporan/dokumen/buat/", body).status_code == 302
    assert GeneratedDocument.objects.filter(region__code="33.10", year=YEAR).count() == 2
