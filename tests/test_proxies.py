"""The client address behind proxies (issue #19 item 13): X-Forwarded-For counts only as far as
our own proxies wrote it (TRUSTED_PROXY_COUNT), for the API throttle and the login lockout alike;
lockout is per username + real client address."""

from __future__ import annotations

import secrets

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.settings import api_settings

from espm.net import client_ip

PASSWORD = django_settings.DEMO_PASSWORD
PROXY = "10.0.0.1"


def _request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.5", PROXY),  # no proxy of ours: the header is anyone's text
        (1, None, PROXY),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # a spoofed first hop is ignored
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (3, "198.51.100.7", "198.51.100.7"),  # fewer hops than proxies: the leftmost
    ],
)
def test_client_ip_counts_trusted_hops_from_the_right(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(PROXY, forwarded)) == expected


def test_one_setting_drives_drf_and_axes():
    assert api_settings.NUM_PROXIES == django_settings.TRUSTED_PROXY_COUNT == 0
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "espm.net.client_ip"


@pytest.mark.django_db
def test_a_fresh_forwarded_header_per_request_does_not_escape_the_token_throttle(monkeypatch):
    from espm.api_base import TokenRateThrottle

    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api_token": "3/minute"})
    client = Client(REMOTE_ADDR=f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.8")
    codes = [
        client.post(
            reverse("api:token-obtain"),
            {"username": f"nobody{i}", "password": "x"},
            content_type="application/json",
            headers={"X-Forwarded-For": f"198.51.{i}.{secrets.randbelow(250)}"},
        ).status_code
        for i in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def _login(forwarded: str, username: str, password: str):
    client = Client(REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": forwarded})
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_behind_one_proxy_an_attacker_locks_out_only_itself(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker, owner = "203.0.113.5", "198.51.100.7"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(attacker, "klaten.tapem", "salah-salah-salah")
    assert _login(attacker, "klaten.tapem", PASSWORD).status_code == 429
    # Everyone reaches gunicorn from the proxy's address: the real user is not locked out.
    assert _login(owner, "klaten.tapem", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_without_trusted_proxies_a_spoofed_header_does_not_reset_the_count(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(f"203.0.113.{i}", "ngawi.tapem", "salah-salah-salah")
    assert _login("203.0.113.99", "ngawi.tapem", PASSWORD).status_code == 429
