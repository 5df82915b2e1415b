"""SPM Award: Bangda ranks every category and edits the yearly configuration; a province
reviewer reads its own province's kab/kota (read-only, 403 on the configuration); everyone
else is refused with 404 (the award pages are not theirs to know)."""

from __future__ import annotations

from reporting.models import AwardConfig, GeneratedDocument
from tests.isolation.expect import users_with
from tests.isolation.framework import Case

BANGDA = users_with("bangda_admin")
RANKERS = users_with("bangda_admin", "province_reviewer")


def _year() -> dict:
    return {"year": 2026}


def _state() -> list:
    return [*AwardConfig.objects.order_by("pk").values(), *AwardConfig.history.values("pk")]


def _documents() -> list:
    return list(GeneratedDocument.objects.order_by("pk").values())


def _form() -> dict:
    return {
        "w_capaian": "50",
        "w_budget": "10",
        "w_stages": "10",
        "w_team": "10",
        "w_timeliness": "10",
        "w_data_quality": "10",
        "categories": ["province", "kabupaten", "kota"],
        "reason": "Penyesuaian bobot",
        # The version the form showed (0 while the year has no configuration yet).
        "version": AwardConfig.objects.filter(year=2026).values_list("version", flat=True).first()
        or 0,
    }


CASES = [
    Case("reporting:award", allowed=RANKERS, query="year=2026"),
    Case(
        "reporting:award",
        allowed=RANKERS,
        query="year=2026&category=kota",
        label="kota",
    ),
    Case(
        "reporting:award",
        allowed=BANGDA,
        query="year=2026&category=province",
        label="province",
    ),
    Case(
        "reporting:award_export",
        allowed=RANKERS,
        query="year=2026&category=kabupaten&format=xlsx",
        label="xlsx",
    ),
    Case(
        "reporting:award_export",
        allowed=BANGDA,
        query="year=2026&category=province&format=pdf",
        label="pdf link",
    ),
    Case(
        "reporting:award_export",
        allowed=BANGDA,
        method="post",
        label="pdf",
        data=lambda: {"year": "2026", "category": "province", "format": "pdf"},
        snapshot=_documents,
        ok_status=frozenset({302}),
    ),
    Case(
        "reporting:award_export",
        allowed=RANKERS,
        method="post",
        label="pdf kabupaten",
        data=lambda: {"year": "2026", "category": "kabupaten", "format": "pdf"},
        snapshot=_documents,
        ok_status=frozenset({302}),
    ),
    Case("reporting:award_config", allowed=BANGDA, kwargs=_year),
    Case(
        "reporting:award_config",
        allowed=BANGDA,
        kwargs=_year,
        method="post",
        label="save",
        data=_form,
        snapshot=_state,
        ok_status=frozenset({302}),
    ),
    Case("api:award", allowed=RANKERS, query="year=2026&category=kabupaten"),
    Case(
        "api:award",
        allowed=BANGDA,
        query="year=2026&category=province",
        label="province",
    ),
]
