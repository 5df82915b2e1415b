"""espm.versioning: the one If-Match parser, ETag and stale-version rule the API and the
services share (409 for a stale body version, 412 for a stale If-Match)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from espm import versioning
from espm.api_base import Conflict, PreconditionFailed


@pytest.mark.parametrize(
    ("raw", "version"),
    [(None, None), ('"3"', 3), ("3", 3), ('W/"3"', 3), (' "12" ', 12), ("*", None)],
)
def test_if_match_takes_one_strong_or_weak_tag_and_star_is_any(raw, version):
    assert versioning.parse_if_match(raw) == version


@pytest.mark.parametrize("raw", ["", "abc", '"3", "4"', '"-1"', '"1234567890"'])
def test_anything_else_in_if_match_is_a_400_on_the_header(raw):
    with pytest.raises(exceptions.ValidationError) as caught:
        versioning.parse_if_match(raw)
    assert "If-Match" in caught.value.detail


def test_the_header_wins_over_the_body_and_a_version_can_be_required():
    factory = APIRequestFactory()
    with_header = factory.patch("/", HTTP_IF_MATCH='"5"')
    assert versioning.seen(with_header, 4) == versioning.Seen(5, True)
    assert versioning.seen(factory.patch("/"), 4) == versioning.Seen(4, False)
    assert versioning.seen(factory.patch("/")).or_body(2) == versioning.Seen(2, False)
    assert versioning.Seen(7, False).required() == 7
    with pytest.raises(exceptions.ValidationError) as caught:
        versioning.Seen(None, False).required()
    assert "version" in caught.value.detail


def test_stale_means_another_version_than_the_rows_and_none_is_unchecked():
    assert versioning.is_stale(3, 2) and versioning.is_stale(3, 4)
    assert not versioning.is_stale(3, 3) and not versioning.is_stale(3, None)


def test_a_stale_if_match_is_412_a_stale_body_version_409_both_with_current():
    header = versioning.stale_error("stale", from_header=True, current={"version": 4})
    body = versioning.stale_error("stale", from_header=False, current={"version": 4}, code="x")
    assert isinstance(header, PreconditionFailed) and header.status_code == 412
    assert type(body) is Conflict and body.status_code == 409
    assert header.current == body.current == {"version": 4}


def test_the_etag_is_the_quoted_version():
    response = versioning.with_etag(Response(), SimpleNamespace(version=6))
    assert response["ETag"] == '"6"'
    assert versioning.parse_if_match(response["ETag"]) == 6
