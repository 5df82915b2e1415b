"""The data-quality view: the roles that look after a region's data (verifier, province,
auditor, Bangda, sector viewer), each within their scope; OPD staff are refused (their
reports' flags are on the report form). A province or region out of scope is absent (404)."""

from tests.isolation.expect import users_with, viewers
from tests.isolation.framework import Case

QUALITY = users_with("verifier", "province_reviewer", "auditor", "bangda_admin", "sector_viewer")


def _in(region: str) -> set[str]:
    return QUALITY & viewers(region)


CASES = [
    Case("reporting:quality_dashboard", allowed=QUALITY),
    Case(
        "reporting:quality_dashboard",
        allowed=_in("33"),
        owner=("33", None, None),
        query="province=33",
        label="province",
    ),
    Case(
        "reporting:quality_dashboard",
        allowed=_in("33.10"),
        owner=("33.10", None, None),
        query="region=33.10",
        label="region",
    ),
    Case(
        "reporting:quality_dashboard",
        allowed=_in("35.21"),
        owner=("35.21", None, None),
        query="region=35.21",
        label="other-region",
    ),
    Case("reporting:quality_dashboard_data", allowed=QUALITY),
    Case(
        "reporting:quality_dashboard_data",
        allowed=QUALITY,
        query="table=regions&format=csv",
        label="csv",
    ),
    Case(
        "reporting:quality_dashboard_data",
        allowed=_in("35.21"),
        owner=("35.21", None, None),
        query="region=35.21&table=rules&format=xlsx",
        label="xlsx",
    ),
    Case("reporting:quality_reports", allowed=QUALITY, query="flags=open"),
    Case(
        "reporting:quality_reports",
        allowed=_in("36"),
        owner=("36", None, None),
        query="province=36",
        label="province",
    ),
    Case(
        "reporting:quality_reports",
        allowed=_in("35.21"),
        owner=("35.21", None, None),
        query="region=35.21&format=csv",
        label="csv",
    ),
    # The API: the same figures, the same scope.
    Case("api:dashboard-data-quality", allowed=QUALITY, query="year=2026&quarter=3"),
    Case(
        "api:dashboard-data-quality",
        allowed=_in("33.10"),
        owner=("33.10", None, None),
        query="region=33.10",
        label="region",
    ),
    Case(
        "api:dashboard-data-quality",
        allowed=_in("36"),
        owner=("36", None, None),
        query="province=36",
        label="province",
    ),
]
