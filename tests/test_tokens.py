"""API tokens: a lifetime (API_TOKEN_DAYS, default 90), revoked by a password change and by
deactivation, listed and revocable by their owner in the API and on the account page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from regions import tokens
from regions.models import User

pytestmark = pytest.mark.django_db


def _token(username: str, age: dt.timedelta = dt.timedelta(0)) -> Token:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - age)
    token.refresh_from_db()
    return token


def _me(token: Token) -> int:
    client = Client(headers={"Authorization": f"Token {token.key}"})
    return client.get(reverse("api:token-list")).status_code


def test_default_lifetime_is_90_days():
    assert tokens.lifetime() == dt.timedelta(days=90)


@pytest.mark.parametrize(
    ("age", "status"),
    [
        (dt.timedelta(days=90) - dt.timedelta(minutes=1), 200),  # the last minute of its life
        (dt.timedelta(days=90), 401),  # expired at exactly 90 days
        (dt.timedelta(days=400), 401),
    ],
)
def test_a_token_expires_after_its_lifetime(age, status):
    assert _me(_token("klaten.dinkes", age)) == status


@override_settings(API_TOKEN_DAYS=7)
def test_the_lifetime_is_a_setting():
    assert _me(_token("klaten.dinkes", dt.timedelta(days=7))) == 401
    assert _me(_token("klaten.dinkes", dt.timedelta(days=6))) == 200


def test_obtaining_replaces_an_expired_token_and_names_its_expiry(cast):
    old = _token("klaten.dinkes", dt.timedelta(days=91))
    user = cast["klaten.dinkes"]
    user.set_password("sandi-uji-token-2026")
    user.save()
    response = Client().post(
        reverse("api:token-obtain"),
        {"username": "klaten.dinkes", "password": "sandi-uji-token-2026"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token"] != old.key
    assert "expires" in body
    new = Token.objects.get(key=body["token"])
    assert tokens.expires_at(new) - new.created == dt.timedelta(days=90)


def test_a_password_change_revokes_every_token(cast):
    token = _token("klaten.dinkes")
    client = Client()
    client.force_login(cast["klaten.dinkes"])
    cast["klaten.dinkes"].set_password("lama-sandi-uji-2026")
    cast["klaten.dinkes"].save()
    assert not Token.objects.filter(pk=token.pk).exists()
    token = _token("klaten.dinkes")
    client.force_login(User.objects.get(username="klaten.dinkes"))
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "lama-sandi-uji-2026",
            "new_password1": "Sandi-baru-yang-panjang-2026",
            "new_password2": "Sandi-baru-yang-panjang-2026",
        },
    )
    assert response.status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()
    assert _me(token) == 401


def test_deactivation_revokes_every_token(cast):
    token = _token("klaten.dindik")
    user = cast["klaten.dindik"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not Token.objects.filter(pk=token.pk).exists()


def test_a_login_does_not_revoke(cast):
    token = _token("klaten.dinkes")
    user = cast["klaten.dinkes"]
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    user.full_name = "Nama Baru"
    user.save()
    assert Token.objects.filter(pk=token.pk).exists()


def test_the_account_page_lists_and_revokes_own_tokens(login):
    token = _token("klaten.dinkes")
    client = login("klaten.dinkes")
    page = client.get(reverse("account"))
    assert page.status_code == 200
    assert token.key[:8] in page.content.decode()
    assert token.key not in page.content.decode()  # never the whole key
    done = client.post(reverse("account_token_revoke", args=[token.key[:8]]))
    assert done.status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()


def test_nobody_revokes_anothers_token(login):
    token = _token("klaten.dinkes")
    response = login("klaten.dindik").post(reverse("account_token_revoke", args=[token.key[:8]]))
    assert response.status_code == 404
    assert Token.objects.filter(pk=token.pk).exists()


def test_the_api_list_shows_the_expiry():
    token = _token("klaten.dinkes")
    client = Client(headers={"Authorization": f"Token {token.key}"})
    response = client.get(reverse("api:token-list"))
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["id"] == token.key[:8]
    assert row["expires"]
