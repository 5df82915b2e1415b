"""Every URL of the isolation matrix against odd input and for its cache headers (issue #19).

For each case, one user allowed to reach it (Bangda when allowed, else the first allowed
user) sends a NUL byte and a 2^63 number in every URL argument and every filter, and the
answer is never a 500. Every download answers ``Cache-Control: private, no-store``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from regions.models import User
from tests.isolation.framework import ANONYMOUS, Case, all_cases

pytestmark = pytest.mark.django_db

HUGE = str(2**63)  # one past the largest bigint
NUL = "\x00"
# Filters the list pages, dashboards, exports and API read (sent to every GET URL).
FILTERS = (
    "wilayah", "region", "user", "kind", "page", "year", "tahun", "quarter", "triwulan",
    "period", "periode", "sector", "bidang", "status", "q", "agency", "service_type",
    "timeliness", "date_from", "date_to", "level", "sementara", "provisional", "format",
)  # fmt: skip


def _unique(cases: list[Case]) -> list[Case]:
    seen: dict[tuple[str, str, str], Case] = {}
    for c in cases:
        seen.setdefault((c.url_name, c.method, c.label), c)
    return list(seen.values())


CASES = _unique(all_cases())


def _client(case: Case) -> Client:
    client = Client(raise_request_exception=False)
    allowed = sorted(u for u in case.allowed if u != ANONYMOUS)
    username = "bangda.admin" if "bangda.admin" in allowed else (allowed[0] if allowed else "")
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def _send(client: Client, case: Case, url: str, data: dict[str, Any] | None) -> Any:
    if case.method == "get":
        return client.get(url, data or {}, headers=case.headers)
    return getattr(client, case.method)(url, data or {}, headers=case.headers)


def _poisoned_kwargs(kwargs: dict[str, Any], value: str) -> dict[str, Any]:
    out = {}
    for key, v in kwargs.items():
        if isinstance(v, int):
            out[key] = int(HUGE) if value == HUGE else v
        else:
            out[key] = f"{v}{value}" if value == NUL else HUGE
    return out


def _poison(v: Any, value: str) -> Any:
    if isinstance(v, dict):
        return {k: _poison(x, value) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_poison(x, value) for x in v] or [value]
    if isinstance(v, bool):
        return v
    if isinstance(v, int) and value == HUGE:
        return int(HUGE)
    return value


def _poisoned_body(data: Any, value: str) -> Any:
    """Every leaf of the form or JSON body replaced (numbers by 2^63 as a number in JSON)."""
    if isinstance(data, str | bytes):
        parsed = json.loads(data)
        poisoned = _poison(parsed, value)
        if isinstance(poisoned, dict) and "version" in parsed and value == NUL:
            poisoned["version"] = parsed["version"]  # reach the fields, not just the version check
        return json.dumps(poisoned)
    return {k: _poison(v, value) for k, v in data.items()}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("value", [NUL, HUGE], ids=["nul", "2^63"])
def test_odd_input_never_answers_500(case, value):
    client = _client(case)
    kwargs = case.kwargs()
    plain = reverse(case.url_name, kwargs=kwargs)
    statuses = []
    poisoned = _poisoned_kwargs(kwargs, value)
    try:
        url = reverse(case.url_name, kwargs=poisoned)
    except NoReverseMatch:  # the converter refuses the value: the URL cannot even be asked
        url = None
    if url is not None and poisoned != kwargs:
        statuses.append(("kwargs", _send(client, case, url, case.data() if case.data else None)))
    query = dict(p.split("=", 1) for p in case.query.split("&") if "=" in p)
    if case.method == "get":
        filters = {name: value for name in (*FILTERS, *query)}
        statuses.append(("filters", client.get(plain, filters, headers=case.headers)))
    elif case.data:
        statuses.append(("body", _send(client, case, plain, _poisoned_body(case.data(), value))))
    for where, response in statuses:
        assert response.status_code < 500, f"{case.id} {where}={value!r}: {response.status_code}"


def test_a_nul_byte_in_a_filter_is_400_naming_it(login):
    response = login("bangda.admin").get(reverse("reporting:audit_trail"), {"user": NUL})
    assert response.status_code == 400
    assert "user" in response.content.decode()


DOWNLOADS = [c for c in CASES if c.method == "get"]


@pytest.mark.parametrize("case", DOWNLOADS, ids=[c.id for c in DOWNLOADS])
def test_every_download_is_no_store(case):
    client = _client(case)
    url = reverse(case.url_name, kwargs=case.kwargs()) + (f"?{case.query}" if case.query else "")
    response = client.get(url, headers=case.headers)
    disposition = response.get("Content-Disposition", "")
    kind = response.get("Content-Type", "")
    if disposition.startswith("attachment") or not kind.startswith(
        ("text/html", "application/json")
    ):
        if response.status_code == 200 and not kind.startswith(
            ("text/plain", "text/javascript", "image/svg", "application/vnd.oai.openapi")
        ):
            assert "no-store" in response.get("Cache-Control", ""), f"{case.id}: {kind}"


@pytest.mark.parametrize(
    ("username", "name", "kwargs"),
    [
        ("klaten.inspektorat", "reporting:audit_trail_csv", {}),
        ("klaten.dinkes", "indicators:target_sheet", {"region": "33.10", "year": 2026}),
    ],
)
def test_known_downloads_carry_no_store(login, username, name, kwargs):
    response = login(username).get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
