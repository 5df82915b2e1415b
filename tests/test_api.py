"""The REST API: tokens, scoping, paging, filters, the error shape and the documentation pages."""

from __future__ import annotations

import re
import secrets

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from regions.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _roomy_token_throttle(monkeypatch):
    """Counters live in the (possibly shared) cache: keep this file clear of the real limit."""
    from espm.api_base import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api_token": "10000/minute"})


def token_client(username: str) -> Client:
    user = User.objects.get(username=username)
    token, _ = Token.objects.get_or_create(user=user)
    return Client(headers={"Authorization": f"Token {token.key}"})


def obtain(client: Client, username: str, password: str):
    return client.post(
        reverse("api:token-obtain"),
        {"username": username, "password": password},
        content_type="application/json",
    )


# ---------------------------------------------------------------- tokens


def test_token_issue_use_list_and_revoke():
    anon = Client()
    response = obtain(anon, "klaten.dinkes", settings.DEMO_PASSWORD)
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert re.fullmatch(r"[0-9a-f]{40}", key)

    api = Client(headers={"Authorization": f"Token {key}"})
    me = api.get(reverse("api:region-list"))
    assert me.status_code == 200
    assert [r["code"] for r in me.json()["results"]] == ["33.10"]

    listed = api.get(reverse("api:token-list")).json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == key[:8]
    assert key not in str(listed), "the list never shows the whole key"

    # Asking again gives the same token until it is revoked.
    assert obtain(anon, "klaten.dinkes", settings.DEMO_PASSWORD).json()["token"] == key

    revoked = api.delete(reverse("api:token-detail", kwargs={"prefix": key[:8]}))
    assert revoked.status_code == 204
    assert not Token.objects.filter(key=key).exists()
    after = api.get(reverse("api:region-list"))
    assert after.status_code == 401
    assert after.json()["code"] == "authentication_failed"


def test_someone_elses_token_cannot_be_revoked():
    other = Token.objects.create(user=User.objects.get(username="ngawi.dinkes"))
    api = token_client("klaten.dinkes")
    response = api.delete(reverse("api:token-detail", kwargs={"prefix": other.key[:8]}))
    assert response.status_code == 404
    assert Token.objects.filter(key=other.key).exists()


def test_wrong_password_is_a_field_error_and_no_token():
    response = obtain(Client(), "klaten.dinkes", "wrong-password-123")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"]["non_field_errors"]
    assert not Token.objects.filter(user__username="klaten.dinkes").exists()


def test_missing_fields_are_reported_per_field():
    response = Client().post(reverse("api:token-obtain"), {}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password"}


def test_lockout_applies_to_the_token_endpoint():
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        obtain(client, "klaten.dindik", "not-the-password")
    # Even the right password is refused while locked out, in JSON.
    response = obtain(client, "klaten.dindik", settings.DEMO_PASSWORD)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert "terkunci" in response.json()["detail"]
    assert not Token.objects.filter(user__username="klaten.dindik").exists()


def test_token_endpoint_is_throttled_per_ip(monkeypatch):
    from espm.api_base import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api_token": "3/minute"})
    client = Client(REMOTE_ADDR=f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.9")
    codes = [obtain(client, f"nobody{i}", "x").status_code for i in range(4)]
    assert codes == [400, 400, 400, 429]
    assert "Retry-After" in obtain(client, "nobody", "x").headers


def test_anonymous_gets_401_in_the_error_shape():
    response = Client().get(reverse("api:report-list"))
    assert response.status_code in (401, 403)
    body = response.json()
    assert set(body) >= {"detail", "code", "errors"}


# ---------------------------------------------------------------- scoping, paging, filters


def test_regions_follow_the_scoping_layer():
    codes = lambda user: {  # noqa: E731
        r["code"]
        for r in token_client(user)
        .get(reverse("api:region-list"), {"page_size": 500})
        .json()["results"]
    }
    assert codes("klaten.tapem") == {"33.10"}
    jateng = codes("jateng.biro")
    assert "33" in jateng and "33.10" in jateng and "35.21" not in jateng
    assert len(codes("bangda.admin")) == 500  # one full page of 553


def test_region_lookup_by_code_and_out_of_scope_is_404():
    api = token_client("klaten.tapem")
    ok = api.get(reverse("api:region-detail", kwargs={"code": "33.10"}))
    assert ok.status_code == 200 and ok.json()["name"] == "Kabupaten Klaten"
    assert ok.json()["parent"] == "33"
    hidden = api.get(reverse("api:region-detail", kwargs={"code": "35.21"}))
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"


def test_pagination_shape_and_filters():
    api = token_client("bangda.admin")
    body = api.get(reverse("api:region-list"), {"level": "kota"}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 98
    assert body["next"] and body["previous"] is None
    children = api.get(reverse("api:region-list"), {"parent": "33"}).json()
    assert children["count"] == 35
    assert {r["code"][:3] for r in children["results"]} == {"33."}


def test_bad_filter_value_is_400_with_field_errors_not_500():
    api = token_client("bangda.admin")
    response = api.get(reverse("api:region-list"), {"level": "galaxy"})
    assert response.status_code == 400
    assert "level" in response.json()["errors"]
    response = api.get(reverse("api:report-list"), {"year": "abc", "quarter": "9"})
    assert response.status_code == 400
    assert {"year", "quarter"} <= set(response.json()["errors"])
    assert api.get(reverse("api:region-list"), {"page": "999"}).status_code == 404
    assert api.get(reverse("api:region-list"), {"parent": "33\x00"}).status_code == 400


def test_agencies_are_scoped():
    mine = token_client("klaten.dinkes").get(reverse("api:agency-list")).json()
    assert [(a["region"], a["short_name"]) for a in mine["results"]] == [("33.10", "DINKES")]
    tapem = token_client("klaten.tapem").get(reverse("api:agency-list")).json()
    assert tapem["count"] == 8 and {a["region"] for a in tapem["results"]} == {"33.10"}


# ---------------------------------------------------------------- schema and docs


def test_schema_is_openapi_3_and_documents_errors():
    response = token_client("klaten.tapem").get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    op = schema["paths"]["/api/v1/regions/{code}/"]["get"]
    assert {"200", "401", "403", "404", "429"} <= set(op["responses"])
    error = op["responses"]["404"]["content"]["application/json"]["schema"]["$ref"]
    assert error.endswith("/Error")


def test_schema_generates_without_warnings_and_documents_the_writes():
    """What `manage.py spectacular --validate --fail-on-warn` checks, plus the page-parity writes."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS, (
        f"schema warnings/errors: {dict(GENERATOR_STATS._warn_cache)} {dict(GENERATOR_STATS._error_cache)}"
    )
    paths = schema["paths"]
    for step in ("submit", "accept", "return", "reopen"):
        op = paths[f"/api/v1/region-submissions/{{id}}/{step}/"]["post"]
        assert {"200", "400", "403", "404", "409", "412"} <= set(op["responses"])
    assert {"get", "post"} <= set(paths["/api/v1/targets/"])
    assert {"get", "put", "patch"} <= set(paths["/api/v1/targets/{id}/"])
    for step in ("submit", "verify", "return"):
        assert "409" in paths[f"/api/v1/targets/{{id}}/{step}/"]["post"]["responses"]
    delete = paths["/api/v1/reports/{id}/budget-lines/{line_id}/"]["delete"]
    assert {"200", "400", "403", "404", "409", "412"} <= set(delete["responses"])
    assert {p["name"] for p in delete["parameters"]} >= {"If-Match", "version"}
    delete = paths["/api/v1/reports/{id}/evidence/{evidence_id}/"]["delete"]
    assert {"200", "400", "403", "404", "409", "412"} <= set(delete["responses"])
    assert {p["name"] for p in delete["parameters"]} >= {"If-Match", "version"}


@pytest.mark.parametrize("name", ["api:docs", "api:redoc"])
def test_docs_pages_use_vendored_assets_under_strict_csp(name):
    response = Client().get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html), "no inline script"
    assert not re.search(r"<[^>]+\sstyle\s*=", html)
    assert "http://" not in html and "https://" not in html, "no CDN"
    assert "drf_spectacular_sidecar" in html
    if name == "api:redoc":
        nonce = re.search(r'data-style-nonce="([^"]+)"', html).group(1)
        assert f"'nonce-{nonce}'" in csp


def test_schema_and_docs_are_public_but_data_is_not():
    assert Client().get(reverse("api:schema")).status_code == 200
    assert Client().get(reverse("api:docs")).status_code == 200
    assert Client().get(reverse("api:region-list")).status_code == 401


def test_catalog_edition_filter_refuses_what_cannot_be_a_code():
    """Found by schemathesis: a NUL byte in ?edition= reached PostgreSQL and answered 500."""
    client = token_client("klaten.dinkes")
    for edition in ("x" * 21, "tidak-ada"):
        response = client.get(reverse("api:service-type-list"), {"edition": edition})
        assert response.status_code == 400, edition
        assert response.json()["errors"] == {"edition": ["Edisi katalog tidak dikenal."]}
    # A NUL byte is refused before any view, for every filter (espm.middleware.RejectNulMiddleware).
    response = client.get(reverse("api:service-type-list"), {"edition": "£\x00g"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"edition": ["Karakter NUL tidak diizinkan: edition"]}
