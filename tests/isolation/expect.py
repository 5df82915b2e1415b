"""Who of the key cast may reach an object, written from the domain rules — independently of
regions/scoping.py, so the matrix tests the scoping layer instead of restating it.
"""

from __future__ import annotations

# username → (role, region code, agency short, sector)
CAST_GRANTS: dict[str, list[tuple[str, str, str | None, str]]] = {
    "klaten.dinkes": [("opd_operator", "33.10", "DINKES", "")],
    "klaten.dindik": [("opd_operator", "33.10", "DINDIK", "")],
    "klaten.kadinkes": [("opd_head", "33.10", "DINKES", "")],
    "klaten.tapem": [("verifier", "33.10", None, "")],
    "klaten.inspektorat": [("auditor", "33.10", None, "")],
    "ngawi.dinkes": [("opd_operator", "35.21", "DINKES", "")],
    "ngawi.tapem": [("verifier", "35.21", None, "")],
    "serang.tapem": [("verifier", "36.73", None, "")],
    "jateng.dinkes": [("opd_operator", "33", "DINKES", "")],
    "jateng.biro": [("province_reviewer", "33", None, ""), ("verifier", "33", None, "")],
    "jatim.biro": [("province_reviewer", "35", None, ""), ("verifier", "35", None, "")],
    "banten.biro": [("province_reviewer", "36", None, ""), ("verifier", "36", None, "")],
    "bangda.admin": [("bangda_admin", "00", None, "")],
    "kemenkes.viewer": [("sector_viewer", "00", None, "KES")],
    # The awkward cast (tests/cast.py): grants in two regions, auditors above a kab/kota, a
    # superuser without membership, a withdrawn membership (grants nothing).
    "serang.ngawi": [("verifier", "36.73", None, ""), ("opd_operator", "35.21", "DINKES", "")],
    "jateng.inspektorat": [("auditor", "33", None, "")],
    "itjen.auditor": [("auditor", "00", None, "")],
    "root.super": [("superuser", "00", None, "")],
    "serang.mantan": [],
}
USERS = list(CAST_GRANTS)
# Django's superuser flag: the scoping layer lets it see and change everything (no role).
SUPERUSERS = {"root.super"}


def _in_subtree(grant_region: str, region: str) -> bool:
    if grant_region == "00":
        return True
    if "." not in grant_region:  # a province sees itself and its kab/kota
        return region.split(".")[0] == grant_region
    return region == grant_region


def can_view(user: str, region: str, agency: str | None = None, sector: str | None = None) -> bool:
    """May `user` read an object of `region` (owned by `agency`, in `sector`)?"""
    for role, g_region, g_agency, g_sector in CAST_GRANTS[user]:
        if role in ("bangda_admin", "superuser"):
            return True
        if role == "sector_viewer" and (sector is None or sector == g_sector):
            return True
        if role in ("verifier", "province_reviewer", "auditor") and _in_subtree(g_region, region):
            return True
        if role in ("opd_operator", "opd_head") and g_region == region:
            if agency is None or agency == g_agency:
                return True
    return False


def can_change(user: str, region: str, agency: str | None = None) -> bool:
    """May `user` change agency-owned data (agency given) or region-level data (agency None)?"""
    for role, g_region, g_agency, _ in CAST_GRANTS[user]:
        if role in ("bangda_admin", "superuser"):
            return True
        if role == "verifier" and g_region == region:
            return True
        if role == "province_reviewer" and _in_subtree(g_region, region):
            return True
        if (
            role in ("opd_operator", "opd_head")
            and agency
            and g_region == region
            and g_agency == agency
        ):
            return True
    return False


def viewers(region: str, agency: str | None = None, sector: str | None = None) -> set[str]:
    return {u for u in USERS if can_view(u, region, agency, sector)}


def changers(region: str, agency: str | None = None) -> set[str]:
    return {u for u in USERS if can_change(u, region, agency)}


def users_with(*roles: str) -> set[str]:
    return {u for u, grants in CAST_GRANTS.items() if any(g[0] in roles for g in grants)}


def national_users() -> set[str]:
    """Users with a grant at the national level (Bangda, sector viewers, national auditors)."""
    return {u for u, grants in CAST_GRANTS.items() if any(g[1] == "00" for g in grants)}


EVERYONE = set(USERS)
# Users without any granting membership: they log in, but no region's page is theirs.
NO_ROLE = {u for u, grants in CAST_GRANTS.items() if not grants}
