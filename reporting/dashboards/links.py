"""Links to a region's or a province's dashboard, reversed once per code and process.

A national page links every province tile and every ranked region, a drill-down list up to
every region: a few hundred ``reverse`` calls at tens of microseconds each. What a code's URL
is depends only on the URLconf and the script prefix the request runs under, so both are
part of the memo's key and a link is never wrong, only remembered (at most 4,096 of them).
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=4096)
def _reversed(name: str, code: str, prefix: str, urlconf: str | None) -> str:
    return reverse(name, args=[code], urlconf=urlconf)


def dashboard_url(name: str, code: str) -> str:
    """``reverse(name, args=[code])``, remembered."""
    return _reversed(name, code, get_script_prefix(), get_urlconf())


def region_url(code: str) -> str:
    """The region dashboard of ``code``."""
    return dashboard_url("reporting:dashboard_region", code)
