"""The province map for the national dashboard body: ``{% province_map dash as pmap %}``."""

from __future__ import annotations

from django import template

from reporting.dashboards.maps import ProvinceMap
from reporting.dashboards.maps import province_map as build
from reporting.dashboards.selectors import NationalDashboard

register = template.Library()


@register.simple_tag
def province_map(dash: NationalDashboard) -> ProvinceMap:
    return build(dash)
