"""Isolation cases of the REST API (/api/v1/): every endpoint × every demo role.

Anonymous callers get 401/403 (no redirect); out of scope is 404, as on the pages.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authtoken.models import Token

from indicators.models import ServiceType, Target
from regions.models import Agency, User
from reporting.models import Period, Report
from tests.isolation.expect import EVERYONE, viewers
from tests.isolation.framework import ANONYMOUS, OK, Case

PUBLIC = EVERYONE | {ANONYMOUS}

KLATEN_DINKES = ("33.10", "DINKES", "KES")


def _dinkes() -> Agency:
    return Agency.objects.get(region__code="33.10", short_name="DINKES")


def klaten_report() -> Report:
    """Klaten's K-KES-01 report of the newest period (the demo's, or one made for the test)."""
    found = (
        Report.objects.filter(region__code="33.10", service_type__code="K-KES-01")
        .order_by("-period__year", "-period__quarter")
        .first()
    )
    if found:
        return found
    period = Period.objects.order_by("-year", "-quarter").first() or Period.objects.create(
        year=2026, quarter=1, due_date="2026-04-20", state=Period.State.OPEN
    )
    service_type = ServiceType.objects.filter(code="K-KES-01").order_by("-edition__code").first()
    assert service_type is not None, "the catalog must be loaded"
    return Report.objects.create(
        region=_dinkes().region, period=period, service_type=service_type, agency=_dinkes()
    )


def _klaten_target() -> Target:
    return Target.objects.filter(region__code="33.10", service_type__code="K-KES-01").first() or (
        Target.objects.filter(region__code="33.10", service_type__sector__code="KES").first()
    )  # type: ignore[return-value]


def _own_token_prefix() -> dict[str, Any]:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username="klaten.dinkes"))
    return {"prefix": token.key[:8]}


def _tokens() -> list[str]:
    return sorted(Token.objects.values_list("key", flat=True))


CASES = [
    # Auth: anyone may ask for a token; wrong credentials are a 400, never a token.
    Case(
        "api:token-obtain",
        allowed=PUBLIC,
        method="post",
        data=lambda: {"username": "klaten.dinkes", "password": "wrong-password"},
        ok_status=frozenset({400}),
        snapshot=_tokens,
        label="wrong-password",
    ),
    Case("api:token-list", allowed=EVERYONE),
    Case(
        "api:token-detail",
        allowed={"klaten.dinkes"},
        method="delete",
        kwargs=_own_token_prefix,
        snapshot=_tokens,
    ),
    # Schema and documentation pages are public: they describe the API, not the data.
    Case("api:schema", allowed=PUBLIC),
    Case("api:docs", allowed=PUBLIC),
    Case("api:redoc", allowed=PUBLIC),
    # Regions and agencies.
    Case("api:region-list", allowed=EVERYONE),
    Case(
        "api:region-detail",
        allowed=viewers("33.10"),
        owner=("33.10", None, None),
        kwargs=lambda: {"code": "33.10"},
    ),
    Case("api:agency-list", allowed=EVERYONE),
    Case(
        "api:agency-detail",
        allowed=viewers("33.10", "DINKES"),
        owner=("33.10", "DINKES", None),
        kwargs=lambda: {"pk": _dinkes().pk},
    ),
    # Catalog and targets.
    Case("api:service-type-list", allowed=EVERYONE),
    Case("api:service-type-detail", allowed=EVERYONE, kwargs=lambda: {"code": "K-KES-01"}),
    Case("api:target-list", allowed=EVERYONE),
    Case(
        "api:target-detail",
        allowed=viewers(*KLATEN_DINKES),
        owner=KLATEN_DINKES,
        kwargs=lambda: {"pk": _klaten_target().pk},
    ),
    # Periods and reports.
    Case("api:period-list", allowed=EVERYONE),
    Case(
        "api:period-detail",
        allowed=EVERYONE,
        kwargs=lambda: {"pk": klaten_report().period_id},
    ),
    Case("api:report-list", allowed=EVERYONE),
    Case(
        "api:report-detail",
        allowed=viewers(*KLATEN_DINKES),
        owner=KLATEN_DINKES,
        kwargs=lambda: {"pk": klaten_report().pk},
    ),
]

__all__ = ["CASES", "OK", "klaten_report"]
