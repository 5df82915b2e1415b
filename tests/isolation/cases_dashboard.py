"""Dashboards: national needs a national role; province/region dashboards follow region scope;
drill-down lists are open to every role but only ever list the user's own scope."""

from tests.isolation.expect import EVERYONE, NO_ROLE, national_users, viewers
from tests.isolation.framework import Case

NATIONAL = national_users()

CASES = [
    # A user whose every membership was withdrawn has no dashboard of its own: 404.
    Case("reporting:dashboard", allowed=EVERYONE - NO_ROLE),
    Case("reporting:dashboard_national", allowed=NATIONAL),
    Case("reporting:dashboard_national_data", allowed=NATIONAL),
    Case(
        "reporting:dashboard_national_data",
        allowed=NATIONAL,
        query="table=input_status&format=csv",
        label="csv",
    ),
    Case(
        "reporting:dashboard_province",
        allowed=viewers("33"),
        owner=("33", None, None),
        kwargs=lambda: {"code": "33"},
    ),
    Case(
        "reporting:dashboard_province_data",
        allowed=viewers("33"),
        owner=("33", None, None),
        kwargs=lambda: {"code": "33"},
        query="table=not_entered&format=xlsx",
        label="xlsx",
    ),
    Case(
        "reporting:dashboard_region",
        allowed=viewers("33.10"),
        owner=("33.10", None, None),
        kwargs=lambda: {"code": "33.10"},
    ),
    Case(
        "reporting:dashboard_region_data",
        allowed=viewers("33.10"),
        owner=("33.10", None, None),
        kwargs=lambda: {"code": "33.10"},
    ),
    Case("reporting:dashboard_regions", allowed=EVERYONE),
    Case(
        "reporting:dashboard_regions",
        allowed=viewers("36"),
        owner=("36", None, None),
        query="province=36&status=nothing",
        label="province",
    ),
    Case("reporting:dashboard_reports", allowed=EVERYONE),
    Case(
        "reporting:dashboard_reports",
        allowed=viewers("35.21"),
        owner=("35.21", None, None),
        query="region=35.21",
        label="region",
    ),
]
