"""Login, lockout, password rules and reset, sessions, role switcher, language, deploy checks."""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from regions.middleware import SESSION_KEY
from regions.models import Membership, User

PASSWORD = settings.DEMO_PASSWORD
GENERIC = "Nama pengguna atau kata sandi salah."


def _post_login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_login_page_is_indonesian_and_logs_in():
    client = Client()
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "Masuk ke e-SPM" in page.content.decode()
    response = _post_login(client, "klaten.dinkes", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(User.objects.get(username="klaten.dinkes").pk)


@pytest.mark.django_db
def test_wrong_password_and_unknown_user_get_the_same_generic_message():
    client = Client()
    wrong = _post_login(client, "klaten.dinkes", "bukan-kata-sandinya")
    unknown = _post_login(client, "tidak.ada", "bukan-kata-sandinya")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert GENERIC in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_inactive_user_gets_the_generic_message():
    User.objects.filter(username="klaten.dindik").update(is_active=False)
    response = _post_login(Client(), "klaten.dindik", PASSWORD)
    assert GENERIC in response.content.decode()


@pytest.mark.django_db
def test_five_failures_lock_the_account_and_then_the_right_password_is_refused():
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _post_login(client, "klaten.tapem", "salah-salah-salah").status_code == 200
    locked = _post_login(client, "klaten.tapem", "salah-salah-salah")
    assert locked.status_code == 429
    assert "Akun terkunci sementara" in locked.content.decode()
    refused = _post_login(client, "klaten.tapem", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked (lockout is per username + IP).
    assert _post_login(Client(), "klaten.dinkes", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_success_resets_the_failure_counter():
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _post_login(client, "ngawi.tapem", "salah-salah-salah")
    assert _post_login(client, "ngawi.tapem", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _post_login(client, "ngawi.tapem", "salah-salah-salah")
    assert _post_login(client, "ngawi.tapem", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "password", ["pendek123", "12345678901234", "password12345", "klaten.dinkes1"]
)
@pytest.mark.django_db
def test_password_rules_refuse_short_numeric_common_and_similar(password):
    user = User.objects.get(username="klaten.dinkes")
    with pytest.raises(ValidationError):
        validate_password(password, user)


@pytest.mark.django_db
def test_password_rules_accept_a_long_uncommon_password():
    validate_password("Kopi-Tubruk-Klaten-27", User.objects.get(username="klaten.dinkes"))


@pytest.mark.django_db
def test_password_change_enforces_the_rules_and_then_works(login):
    client = login("klaten.dinkes")
    url = reverse("password_change")
    assert "Ganti kata sandi" in client.get(url).content.decode()
    short = client.post(
        url, {"old_password": PASSWORD, "new_password1": "Pendek-1", "new_password2": "Pendek-1"}
    )
    assert short.status_code == 200
    assert "12" in short.content.decode()  # the min-length message names the minimum
    ok = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Kopi-Tubruk-Klaten-27",
            "new_password2": "Kopi-Tubruk-Klaten-27",
        },
    )
    assert ok.status_code == 302 and ok.url == reverse("password_change_done")
    assert User.objects.get(username="klaten.dinkes").check_password("Kopi-Tubruk-Klaten-27")


@pytest.mark.django_db
def test_password_reset_by_email_end_to_end():
    client = Client()
    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(reverse("password_reset"), {"email": "klaten.dinkes@demo.espm.local"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Buat kata sandi baru e-SPM"
    assert "Halo klaten.dinkes" in message.body
    link = re.search(r"https?://[^/\s]+(/akun/reset/\S+)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "Buat kata sandi baru" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "Teh-Manis-Hangat-99", "new_password2": "Teh-Manis-Hangat-99"}
    )
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    assert "Kata sandi tersimpan" in client.get(done.url).content.decode()
    assert _post_login(Client(), "klaten.dinkes", "Teh-Manis-Hangat-99").status_code == 302


@pytest.mark.django_db
def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing():
    response = Client().post(reverse("password_reset"), {"email": "siapa@tidak.ada"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []


@pytest.mark.django_db
def test_logout_ends_the_session(login):
    client = login("klaten.dinkes")
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_a_logout_ends_the_session_for_every_other_client_holding_its_cookie(login):
    """With Redis the sessions are read from it first (``cached_db``): a logout must still end
    the session everywhere its cookie is presented, as another node or worker would see it."""
    expected = (
        "django.contrib.sessions.backends.cached_db"
        if os.environ.get("REDIS_URL")
        else "django.contrib.sessions.backends.db"
    )
    assert expected == settings.SESSION_ENGINE
    client = login("klaten.dinkes")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    other = Client()  # the same cookie presented to another node or worker
    other.cookies[settings.SESSION_COOKIE_NAME] = key
    assert other.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    response = other.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_session_lasts_session_cookie_age():
    client = Client()
    _post_login(client, "klaten.dinkes", PASSWORD)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 8 * 3600
    session = Session.objects.get(session_key=client.session.session_key)
    expected = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((session.expire_date - expected).total_seconds()) < 60


@pytest.mark.django_db
@override_settings(SESSION_COOKIE_AGE=3)
def test_an_expired_session_sends_the_user_back_to_login():
    """Really expired, wherever it is read from: the database row's expiry date and, with
    Redis (``cached_db``), the cache entry's time to live both end after the cookie age."""
    client = Client()
    _post_login(client, "klaten.dinkes", PASSWORD)
    assert client.session.get_expiry_age() == 3
    assert client.get(reverse("region_index")).status_code == 200  # still valid
    time.sleep(3.5)
    response = client.get(reverse("region_index"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_role_switcher_switches_between_own_memberships_only(login):
    client = login("jateng.biro")
    mine = list(
        Membership.objects.filter(user__username="jateng.biro")
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert len(mine) == 2
    client.post(reverse("switch_role"), {"membership": mine[1]})
    assert client.session[SESSION_KEY] == mine[1]
    client.post(reverse("switch_role"), {"membership": mine[0]})
    assert client.session[SESSION_KEY] == mine[0]
    foreign = Membership.objects.get(user__username="bangda.admin").id
    response = client.post(reverse("switch_role"), {"membership": foreign})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == mine[0]
    client.post(reverse("switch_role"), {"membership": "bukan-angka"})
    assert client.session[SESSION_KEY] == mine[0]


@pytest.mark.django_db
def test_role_switcher_is_shown_only_to_people_with_several_roles(login):
    several = login("jateng.biro").get(reverse("region_index")).content.decode()
    assert 'id="role-switch"' in several
    one = login("klaten.dinkes").get(reverse("region_index")).content.decode()
    assert 'id="role-switch"' not in one


@pytest.mark.django_db
def test_switching_language_shows_the_login_page_in_english():
    client = Client()
    assert "Masuk ke e-SPM" in client.get(reverse("login")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert "Sign in to e-SPM" in page
    assert 'lang="en"' in page
    client.post(reverse("set_language"), {"language": "id", "next": reverse("login")})
    assert "Masuk ke e-SPM" in client.get(reverse("login")).content.decode()


PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": "p7Hq2vXw9ZkLmN4rT8yBcD3fGjK6sV1aQeU5iO0pR7tY2wX9zC4bN8mL3kJ6hG1f",
    "ALLOWED_HOSTS": ["espm.kemendagri.go.id"],
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "MAILERS": {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "smtp.kemendagri.go.id", "port": 587, "use_tls": True},
        }
    },
}


@override_settings(**PRODUCTION)
def test_production_settings_pass_check_deploy_without_warnings(monkeypatch):
    # Browser tests set this for Playwright's sync API in the same process; production never does.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    call_command("check", "--deploy", "--fail-level", "WARNING", verbosity=0)


def test_production_settings_come_from_the_environment(tmp_path):
    """The same settings module, loaded with production env, turns the hardening on."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": PRODUCTION["SECRET_KEY"],
        "ALLOWED_HOSTS": "espm.kemendagri.go.id",
        "SECURE_HTTPS": "1",
        "EMAIL_HOST": "smtp.kemendagri.go.id",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("secret_key", ["", PRODUCTION["SECRET_KEY"]])
def test_production_without_secret_key_refuses_to_start(tmp_path, secret_key):
    """DEBUG=0 with a database of its own is production: no silent fallback to a known key."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "espm.settings",
    }
    env.pop("SECRET_KEY", None)
    if secret_key:
        env["SECRET_KEY"] = secret_key
    result = subprocess.run(  # noqa: S603 — our own interpreter and a fixed script
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if secret_key:
        assert result.returncode == 0, result.stderr
        assert "started" in result.stdout
    else:
        assert result.returncode != 0
        assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
def test_unknown_usernames_lock_the_same_way_so_the_lock_reveals_nothing():
    client = Client()
    responses = [
        _post_login(client, "tidak.ada", "salah-salah-salah")
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert responses[-1].status_code == 429


@pytest.mark.django_db
def test_activity_extends_the_session(settings):
    settings.SESSION_RENEW_SECONDS = 0  # renew on this very request
    client = Client()
    _post_login(client, "klaten.dinkes", PASSWORD)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=5)
    )
    client.get(reverse("region_index"))
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > timezone.now() + timedelta(hours=7)


@pytest.mark.django_db
def test_session_is_written_at_most_once_a_minute():
    """Reading pages does not write the session row each time; the first request renews it."""
    client = Client()
    _post_login(client, "klaten.dinkes", PASSWORD)
    key = client.session.session_key
    client.get(reverse("region_index"))
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=5)
    )
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("region_index")).status_code == 200
    assert not [
        q for q in ctx.captured_queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]
    ]
    assert Session.objects.get(session_key=key).expire_date < timezone.now() + timedelta(hours=1)
