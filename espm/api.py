"""The REST API under /api/v1/ (namespace ``api``): router, schema and its documentation pages.

Each app keeps its endpoints in its own ``api.py``; this module only assembles them.
Swagger UI and Redoc are served from the vendored drf-spectacular-sidecar assets
with our own templates, whose start-up code is a static file (strict CSP holds).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import include, path, re_path, reverse
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from indicators import api as indicators_api
from regions import api as regions_api
from reporting.award.api import AwardView
from reporting.dashboards import api as dashboards_api
from reporting.entry import api as entry_api
from reporting.lppd import api as lppd_api
from reporting.periods import api as periods_api
from reporting.plans import api as plans_api
from reporting.review import api as review_api

app_name = "api"

router = SimpleRouter()
router.register("auth/tokens", regions_api.TokenViewSet, basename="token")
router.register("regions", regions_api.RegionViewSet, basename="region")
router.register("agencies", regions_api.AgencyViewSet, basename="agency")
router.register("service-types", indicators_api.ServiceTypeViewSet, basename="service-type")
router.register("targets", indicators_api.TargetViewSet, basename="target")
router.register("periods", periods_api.PeriodViewSet, basename="period")
router.register("reports", entry_api.ReportViewSet, basename="report")
router.register(
    "region-submissions", review_api.RegionSubmissionViewSet, basename="region-submission"
)
router.register("notifications", review_api.NotificationViewSet, basename="notification")
router.register("action-plans", plans_api.ActionPlanViewSet, basename="action-plan")
router.register("spm-teams", plans_api.SpmTeamViewSet, basename="spm-team")

# Redoc renders with styled-components, which injects <style> elements: allow exactly
# those carrying this response's nonce (handed to the page's static start-up script), plus
# the two fixed <style> blocks its bundle adds before it can apply the nonce (by hash).
REDOC_STYLE_HASHES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
]
DOCS_CSP: dict[str, Any] = {
    **settings.SECURE_CSP,
    "style-src": [CSP.SELF, CSP.NONCE, *REDOC_STYLE_HASHES],
}


@csp_override(DOCS_CSP)
def swagger_ui(request: HttpRequest) -> HttpResponse:
    return render(request, "api/swagger_ui.html", {"schema_url": reverse("api:schema")})


@csp_override(DOCS_CSP)
def redoc(request: HttpRequest) -> HttpResponse:
    return render(request, "api/redoc.html", {"schema_url": reverse("api:schema")})


@csrf_exempt  # it changes nothing: a POST to an unknown path is a JSON 404, not an HTML 403
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Unknown paths under /api/v1/ answer in the API's error shape, not an HTML page."""
    body = {"detail": "Alamat API tidak dikenal.", "code": "not_found", "errors": {}}
    return JsonResponse(body, status=404)


urlpatterns = [
    path("auth/token/", regions_api.TokenObtainView.as_view(), name="token-obtain"),
    *dashboards_api.urlpatterns,
    path("award/", AwardView.as_view(), name="award"),
    *lppd_api.urlpatterns,
    path("nomenclature/", indicators_api.NomenclatureView.as_view(), name="nomenclature"),
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", swagger_ui, name="docs"),
    path("redoc/", redoc, name="redoc"),
    re_path(r"^(?P<rest>.*)$", not_found),
]
