"""The signed-in user's notifications through the API: the bell of the pages.

Only one's own notifications are listed or read (another user's id is 404), `?unread=true`
filters, newest first, paginated; `mark-read/` marks only one's own (`notifications.mark_read`),
`unread-count/` is the bell's number (`notifications.unread_count`).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from regions.models import User
from reporting import notifications
from reporting.models import Notification

pytestmark = pytest.mark.django_db

LIST = "api:notification-list"


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def note(username: str, key: str, *, minutes_ago: int, read: bool = False) -> Notification:
    now = timezone.now()
    created = Notification.objects.create(
        user=User.objects.get(username=username),
        kind="returned",
        title=f"Dikembalikan: {key}",
        body="Alasan: data belum lengkap",
        url="/laporan/1/tinjau/",
        key=key,
        read_at=now if read else None,
    )
    Notification.objects.filter(pk=created.pk).update(
        created_at=now - dt.timedelta(minutes=minutes_ago)
    )
    created.refresh_from_db()
    return created


@pytest.fixture
def inbox(db) -> dict[str, Notification]:
    """klaten.dinkes: two unread and one read; klaten.dindik: one unread of its own."""
    Notification.objects.all().delete()
    return {
        "old": note("klaten.dinkes", "t:old", minutes_ago=30),
        "read": note("klaten.dinkes", "t:read", minutes_ago=20, read=True),
        "new": note("klaten.dinkes", "t:new", minutes_ago=10),
        "other": note("klaten.dindik", "t:other", minutes_ago=5),
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def unread_ids(username: str) -> set[int]:
    return set(
        Notification.objects.filter(user__username=username, read_at__isnull=True).values_list(
            "pk", flat=True
        )
    )


def test_list_shows_only_my_own_newest_first(inbox):
    response = api("klaten.dinkes").get(reverse(LIST))
    assert ids(response) == [inbox["new"].pk, inbox["read"].pk, inbox["old"].pk]
    body = response.json()
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    first = body["results"][0]
    assert first["title"] == "Dikembalikan: t:new" and first["kind"] == "returned"
    assert first["unread"] is True and first["read_at"] is None
    assert first["url"] == "/laporan/1/tinjau/"
    assert ids(api("klaten.dindik").get(reverse(LIST))) == [inbox["other"].pk]
    assert ids(api("bangda.admin").get(reverse(LIST))) == []  # sees everything, not others' bells


def test_unread_filter(inbox):
    client = api("klaten.dinkes")
    assert ids(client.get(reverse(LIST), {"unread": "true"})) == [
        inbox["new"].pk,
        inbox["old"].pk,
    ]
    assert ids(client.get(reverse(LIST), {"unread": "false"})) == [inbox["read"].pk]


def test_list_is_paginated_like_the_others(inbox):
    body = api("klaten.dinkes").get(reverse(LIST), {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    second = api("klaten.dinkes").get(reverse(LIST), {"page_size": 2, "page": 2}).json()
    assert [r["id"] for r in second["results"]] == [inbox["old"].pk]


def test_detail_is_mine_only(inbox):
    mine = api("klaten.dinkes").get(
        reverse("api:notification-detail", kwargs={"pk": inbox["old"].pk})
    )
    assert mine.status_code == 200 and mine.json()["id"] == inbox["old"].pk
    for pk in (inbox["other"].pk, 987654321, "abc"):
        response = api("klaten.dinkes").get(reverse("api:notification-detail", kwargs={"pk": pk}))
        assert response.status_code == 404
        assert set(response.json()) >= {"detail", "code", "errors"}
        assert response.json()["code"] == "not_found"


def test_mark_read_of_someone_elses_id_marks_nothing(inbox):
    client = api("klaten.dinkes")
    response = client.post(
        reverse("api:notification-mark-read"),
        {"ids": [inbox["other"].pk]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"marked": 0, "unread": 2}
    assert unread_ids("klaten.dindik") == {inbox["other"].pk}
    assert unread_ids("klaten.dinkes") == {inbox["old"].pk, inbox["new"].pk}


def test_mark_read_some_then_all(inbox):
    client = api("klaten.dinkes")
    url = reverse("api:notification-mark-read")
    some = client.post(
        url,
        {"ids": [inbox["new"].pk, inbox["read"].pk, inbox["other"].pk]},
        content_type="application/json",
    )
    # Only the own unread one is marked: the read one stays as it was, the other's is untouched.
    assert some.json() == {"marked": 1, "unread": 1}
    assert unread_ids("klaten.dinkes") == {inbox["old"].pk}
    read_at = Notification.objects.get(pk=inbox["read"].pk).read_at
    assert read_at == inbox["read"].read_at

    none = client.post(url, {"ids": []}, content_type="application/json")
    assert none.json() == {"marked": 0, "unread": 1}

    everything = client.post(url, {}, content_type="application/json")
    assert everything.json() == {"marked": 1, "unread": 0}
    assert unread_ids("klaten.dinkes") == set()
    assert unread_ids("klaten.dindik") == {inbox["other"].pk}


@pytest.mark.parametrize(
    "body",
    [{"ids": ["satu"]}, {"ids": 5}, {"ids": [0]}, {"ids": [None]}, {"ids": list(range(1, 1002))}],
)
def test_mark_read_with_bad_ids_is_400_and_marks_nothing(inbox, body):
    response = api("klaten.dinkes").post(
        reverse("api:notification-mark-read"), body, content_type="application/json"
    )
    assert response.status_code == 400
    got = response.json()
    assert got["code"] == "invalid" and list(got["errors"]) == ["ids"]
    assert unread_ids("klaten.dinkes") == {inbox["old"].pk, inbox["new"].pk}


def test_unread_count_is_the_bells_number(inbox, cast):
    url = reverse("api:notification-unread-count")
    client = api("klaten.dinkes")
    assert client.get(url).json() == {"unread": 2}
    assert notifications.unread_count(cast["klaten.dinkes"]) == 2
    listed = client.get(reverse(LIST), {"unread": "true"}).json()["count"]
    assert listed == 2
    client.post(
        reverse("api:notification-mark-read"),
        {"ids": [inbox["old"].pk]},
        content_type="application/json",
    )
    assert client.get(url).json() == {"unread": 1}
    assert api("klaten.dindik").get(url).json() == {"unread": 1}
    assert api("jateng.biro").get(url).json() == {"unread": 0}


def test_anonymous_gets_401(inbox):
    client = Client()
    for response in (
        client.get(reverse(LIST)),
        client.get(reverse("api:notification-detail", kwargs={"pk": inbox["old"].pk})),
        client.get(reverse("api:notification-unread-count")),
        client.post(reverse("api:notification-mark-read"), {}, content_type="application/json"),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    assert unread_ids("klaten.dinkes") == {inbox["old"].pk, inbox["new"].pk}


def test_schema_documents_the_notifications():
    schema = api("klaten.dinkes").get(reverse("api:schema"), {"format": "json"}).json()
    paths = schema["paths"]
    assert {"page", "page_size", "unread"} <= {
        p["name"] for p in paths["/api/v1/notifications/"]["get"]["parameters"]
    }
    mark = paths["/api/v1/notifications/mark-read/"]["post"]
    assert mark["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/MarkRead"
    )
    assert "200" in paths["/api/v1/notifications/unread-count/"]["get"]["responses"]


def test_mark_read_as_a_form_works_and_a_huge_form_is_400_in_the_error_shape(inbox):
    url = reverse("api:notification-mark-read")
    client = api("klaten.dinkes")
    form = client.post(url, {"ids": [inbox["old"].pk, inbox["other"].pk]})  # multipart
    assert form.status_code == 200 and form.json() == {"marked": 1, "unread": 1}
    # Over Django's DATA_UPLOAD_MAX_NUMBER_FIELDS: refused before parsing, never a 500.
    huge = client.post(url, {"ids": list(range(1, 1200))})
    assert huge.status_code == 400
    assert huge.json() == {
        "detail": "Permintaan tidak dapat dibaca: terlalu besar atau terlalu banyak isian.",
        "code": "parse_error",
        "errors": {},
    }
    assert unread_ids("klaten.dinkes") == {inbox["new"].pk}
