"""The version check, in one place: a write made on an older reading is refused.

Every row people edit carries an integer ``version``, raised by one on each save. A client
names the version it read: the body's (or a form's hidden) ``version``, or the ``If-Match``
header carrying the ``ETag`` of its GET. Services decide with ``is_stale`` and raise their own
stale error; the API turns that into 409 Conflict when the version came in the body or the
query, 412 Precondition Failed when it came as ``If-Match`` (``stale_error``).

``If-Match`` takes one entity tag, strong or weak, quoted or not (``"3"``, ``W/"3"``, ``3``).
``*`` matches any current version (RFC 9110): the write is then not version-checked, as if
no version had been sent, and an endpoint that needs a version still asks for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from espm.api_base import ERROR_DESCRIPTIONS, Conflict, ErrorSerializer, PreconditionFailed

ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')
ANY = "*"
NEED_VERSION = "Kirim version (versi yang Anda baca) atau header If-Match."

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='Versi yang Anda baca, mis. "3" (alternatif kolom version).',
)
STALE_RESPONSES = {
    409: OpenApiResponse(ErrorSerializer, ERROR_DESCRIPTIONS["409"]),
    412: OpenApiResponse(ErrorSerializer, ERROR_DESCRIPTIONS["412"]),
}


class Versioned(Protocol):
    version: int


# ---------------------------------------------------------------- the rule (services)


def is_stale(current: int, seen: int | None) -> bool:
    """The client read another version than the row's; nothing sent (``None``) is not stale."""
    return seen is not None and int(seen) != current


# ---------------------------------------------------------------- the HTTP side (API views)


def parse_if_match(raw: str | None) -> int | None:
    """The version an ``If-Match`` header names; ``None`` without the header or for ``*``.

    Raises a 400 ValidationError for anything else than one version.
    """
    if raw is None or raw.strip() == ANY:
        return None
    found = ETAG.match(raw)
    if not found:
        raise exceptions.ValidationError(
            {"If-Match": ['Header If-Match harus berisi versi, mis. "3".']}
        )
    return int(found.group(1))


def etag(obj: Versioned) -> str:
    """The ``ETag`` of a versioned object: its version, quoted (a strong tag)."""
    return f'"{obj.version}"'


def with_etag(response: Response, obj: Versioned) -> Response:
    response["ETag"] = etag(obj)
    return response


@dataclass(frozen=True)
class Seen:
    """The version a request says it read, and whether it came as ``If-Match``."""

    version: int | None
    from_header: bool

    def or_body(self, body_version: int | None) -> Seen:
        """This ``If-Match`` version, else the body's (the header is read first: a malformed
        one is the 400 even when the body is wrong too)."""
        return self if self.from_header else Seen(body_version, False)

    def required(self, message: Any = NEED_VERSION) -> int:
        """The version, or a 400 naming ``version`` when the request sent none."""
        if self.version is None:
            raise exceptions.ValidationError({"version": [message]})
        return self.version


def seen(request: Request, body_version: int | None = None) -> Seen:
    """``If-Match`` wins over the body's (or query's) ``version``."""
    header = parse_if_match(request.headers.get("If-Match"))
    return Seen(header, True) if header is not None else Seen(body_version, False)


def stale_error(
    message: Any, *, from_header: bool, current: Any = None, code: str | None = None
) -> exceptions.APIException:
    """A stale version in the API's shape: 412 for ``If-Match``, else 409 (with ``current``)."""
    if from_header:
        return PreconditionFailed(message, current=current)
    return Conflict(message, code=code, current=current)
