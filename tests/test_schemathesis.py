"""Property-based API test: schemathesis generates requests from the live OpenAPI schema.

Every operation gets a bounded number of examples, authenticated as bangda.admin (who sees
everything, so reads return real data and writes reach the services' refusals). Zero server
errors and zero violations of the documented status codes, content types and bodies.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from rest_framework.views import APIView
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from regions.models import User

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# Loaded once at collection through the WSGI app (the schema view needs no database);
# schemathesis' lazy fixture loader does not support this pytest version.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler())


@pytest.fixture(autouse=True)
def _same_connection_no_throttles(db, monkeypatch):
    """The WSGI app runs in this thread on the test's connection: keep Django from closing it
    between requests (the test client does the same), and keep throttles out of the way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bangda_token(db) -> str:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username="bangda.admin"))
    return token.key


@pytest.mark.xdist_group("schemathesis")
@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_matches_its_schema(case, bangda_token):
    # The in-process transport asks for gzip but does not decode it, as HTTP clients do; the
    # schema is about the content, so ask for it plain (compression: tests/test_compression.py).
    headers = {"Authorization": f"Token {bangda_token}", "Accept-Encoding": "identity"}
    case.call_and_validate(headers=headers, checks=CHECKS)
