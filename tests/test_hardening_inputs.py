"""Odd input answers 400/404 naming the field, never 500; every write names the version it
read (issue #19 items 8 and 15)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from espm.parsing import parse_int
from indicators.models import Target
from regions.models import User
from reporting.entry.forms import CountField
from reporting.models import BudgetLine, Report
from tests.isolation.cases_entry import _line, _report
from tests.test_targets import form_data, target
from tests.test_targets import url as target_url
from tests.test_targets_excel import download, rows, set_value, snapshot, upload

pytestmark = pytest.mark.django_db


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


# ---------------------------------------------------------------- 8. numbers and NUL


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), ("²", None), ("١٢", None), (str(2**31 - 1), 2**31 - 1), (str(2**31), None),
     (str(2**63), None), ("-1", None), ("", None), (None, None), (" 7 ", 7)],
)  # fmt: skip
def test_parse_int_takes_ascii_digits_in_range(raw, expected):
    assert parse_int(raw) == expected


def test_a_superscript_digit_is_a_field_error_not_a_500():
    from django import forms

    with pytest.raises(forms.ValidationError) as refused:
        CountField().clean("²")
    assert refused.value.code == "invalid"


def test_recipients_served_superscript_through_the_api_is_400():
    report = (
        Report.objects.filter(region__code="33.10", service_type__code="K-KES-01")
        .order_by("-period__year", "-period__quarter")
        .first()
    )
    response = api("klaten.dinkes").patch(
        reverse("api:report-detail", kwargs={"pk": report.pk}),
        {"version": report.version, "recipients_served": "²"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "recipients_served" in response.json()["errors"]


def test_a_target_of_three_billion_is_a_field_error(login):
    t = target("K-KES-11")
    before = (t.recipients_target, t.version)
    response = login("klaten.dinkes").post(
        target_url("target", "K-KES-11"), form_data(t, 3_000_000_000)
    )
    assert response.status_code == 400
    assert "Angka terlalu besar." in response.content.decode()
    t.refresh_from_db()
    assert (t.recipients_target, t.version) == before


def test_a_target_of_three_billion_in_the_sheet_is_a_row_error(login):
    op = login("klaten.dinkes")
    wb = download(op)
    set_value(wb, "K-KES-11", "", 3_000_000_000)
    before = snapshot()
    response = upload(op, wb)
    assert response.status_code == 400
    assert "Target jumlah penerima terlalu besar." in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/laporan/daftar/?wilayah=%00", "wilayah"),
        ("/laporan/audit/?user=%00", "user"),
        ("/laporan/dashboard/wilayah/%00/", "path"),
        ("/api/v1/regions/%00/", "path"),
    ],
)
def test_a_nul_byte_is_400_naming_where(login, path, field):
    response = login("bangda.admin").get(path)
    assert response.status_code == 400
    assert f"Karakter NUL tidak diizinkan: {field}" in response.content.decode()


def test_a_nul_byte_in_a_form_field_is_400(login):
    response = login("bangda.admin").post(
        reverse("reporting:document_generate"), {"region": "33.10\x00", "year": "2026"}
    )
    assert response.status_code == 400
    assert "region" in response.content.decode()


def test_json_nested_100000_deep_is_400():
    body = "[" * 100_000 + "]" * 100_000
    report = _report()
    response = api("klaten.dinkes").patch(
        reverse("api:report-detail", kwargs={"pk": report.pk}),
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# ---------------------------------------------------------------- 15. versions on every write


def test_target_form_without_a_version_does_not_overwrite(login):
    op = login("klaten.dinkes")
    t = target("K-KES-11")
    assert op.post(target_url("target", "K-KES-11"), form_data(t, 222)).status_code == 302
    blind = form_data(t, 111)
    del blind["version"]
    response = op.post(target_url("target", "K-KES-11"), blind)
    assert response.status_code == 400
    assert "muat ulang" in response.content.decode()
    t.refresh_from_db()
    assert t.recipients_target == 222


def test_a_sheet_row_with_blank_version_does_not_overwrite_a_colleagues_target(login):
    """The sheet was downloaded before the target existed (versi blank); a colleague saved since."""
    op = login("klaten.dinkes")
    wb = download(op)
    ws, headers = rows(wb)
    col = {h: i for i, h in enumerate(headers)}
    for row in ws.iter_rows(min_row=2):
        if row[col["kode_layanan"]].value == "K-KES-11":
            row[col["versi"]].value = None
    set_value(wb, "K-KES-11", "", 4321)
    before = snapshot()
    response = upload(op, wb)
    assert response.status_code == 400
    assert "dibuat orang lain sejak lembar diunduh" in response.content.decode()
    assert snapshot() == before
    assert (
        Target.objects.get(
            region__code="33.10", year=2026, service_type__code="K-KES-11"
        ).recipients_target
        != 4321
    )


def test_budget_line_delete_without_version_is_refused():
    from reporting.entry import services

    line = _line()
    assert line is not None, "demo data has a budget line on Klaten's K-KES-01 draft"
    operator = User.objects.get(username="klaten.dinkes")
    with pytest.raises(services.StaleVersion):
        services.delete_budget_line(line.report_id, operator, None, line.pk)
    assert BudgetLine.objects.filter(pk=line.pk).exists()
