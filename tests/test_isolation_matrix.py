"""Tenant isolation as a matrix: every URL × every key cast user (see tests/isolation)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from regions.models import User
from tests.isolation.expect import USERS
from tests.isolation.framework import ANONYMOUS, all_cases, project_url_names

CASES = all_cases()


def test_every_url_has_a_case():
    covered = {c.url_name for c in CASES}
    missing = sorted(project_url_names() - covered)
    assert not missing, f"URLs without an isolation case (add one in tests/isolation/): {missing}"


def test_cases_name_real_urls():
    unknown = sorted({c.url_name for c in CASES} - project_url_names())
    assert not unknown, f"isolation cases for URLs that do not exist: {unknown}"


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("username", [*USERS, ANONYMOUS])
def test_isolation(case, username):
    client = Client()
    if username != ANONYMOUS:
        client.force_login(User.objects.get(username=username))
    url = reverse(case.url_name, kwargs=case.kwargs()) + (f"?{case.query}" if case.query else "")
    before = case.snapshot() if case.snapshot else None
    payload = case.data() if case.data else {}
    if case.method == "get":
        response = client.get(url, headers=case.headers)
    else:
        response = getattr(client, case.method)(url, payload, headers=case.headers)
    if username in case.allowed:
        assert response.status_code in case.ok_status, (
            f"{username} should reach {url} but got {response.status_code}"
        )
    else:
        denied = case.expected_denied(username)
        assert response.status_code in denied, (
            f"{username} must not reach {url}: expected {sorted(denied)}, got {response.status_code}"
        )
        if case.snapshot:
            assert case.snapshot() == before, f"{username} changed data through {url}"
