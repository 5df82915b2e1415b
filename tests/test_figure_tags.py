"""``dec2`` prints exactly what Django's ``floatformat:2`` prints for the dashboards' figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from reporting.templatetags.figure_tags import dec2

VALUES = [
    None,
    "",
    0,
    Decimal(0),
    Decimal("0.00"),
    Decimal("0.004"),
    Decimal("0.005"),  # half up at the boundary
    Decimal("-0.004"),  # rounds to zero: no sign
    Decimal("-1.005"),
    Decimal("33.333333333333"),
    Decimal("66.665"),
    Decimal("99.994999"),
    Decimal("99.995"),  # rounds up to the maximum
    Decimal("100"),
    Decimal("100.00"),
    Decimal("1234.5"),  # no thousands grouping, as floatformat without "g"
    Decimal("1234567.891"),
    7,
    1234,
    12.5,
]


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_dec2_prints_what_floatformat_2_prints(language: str, value: object) -> None:
    with translation.override(language):
        expected = Template("{{ v|floatformat:2 }}").render(Context({"v": value}))
        assert dec2(value) == expected


def test_dec2_by_hand() -> None:
    with translation.override("id"):
        assert dec2(Decimal("85.5")) == "85,50"
        assert dec2(Decimal("66.665")) == "66,67"
        assert dec2(Decimal("0")) == "0,00"
        assert dec2(None) == ""
    with translation.override("en"):
        assert dec2(Decimal("85.5")) == "85.50"


def test_dashboard_links_are_the_reversed_urls_under_any_script_prefix() -> None:
    from django.urls import set_script_prefix

    from reporting.dashboards.links import dashboard_url
    from reporting.templatetags.figure_tags import region_dashboard_url

    assert region_dashboard_url("33.10") == "/laporan/dashboard/wilayah/33.10/"
    assert dashboard_url("reporting:dashboard_province", "33") == "/laporan/dashboard/provinsi/33/"
    try:
        set_script_prefix("/espm/")  # served under a sub-path: a remembered link follows it
        assert region_dashboard_url("33.10") == "/espm/laporan/dashboard/wilayah/33.10/"
    finally:
        set_script_prefix("/")
    assert region_dashboard_url("33.10") == "/laporan/dashboard/wilayah/33.10/"
