"""Import drafts: the uploaded file kept between its preview and its commit.

One mechanism for every Excel import (the service reports' workbook, the year-target sheet):
the preview stores the file under a random token in the private storage (the local folder or
the S3 bucket, ``espm.storage``), in a folder of the user who uploaded it; the commit reads the
same bytes back with that token and the same user, imports them, and deletes the draft. So
what is committed is exactly the file that was previewed, nothing travels through the page,
and another user's token finds nothing. A draft nobody commits is deleted after a day
(``purge``, daily through ``reporting.tasks.purge_import_drafts``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.core.files.base import ContentFile
from django.utils import timezone

from espm.storage import private
from regions.scoping import AnyUser, acting_user

DRAFTS_DIR = "imports"
LIFETIME = dt.timedelta(days=1)
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _name(user: AnyUser, token: str) -> str:
    return f"{DRAFTS_DIR}/{acting_user(user).pk}/{token}.xlsx"


def save(user: AnyUser, data: bytes) -> str:
    """Keep an uploaded file for ``user``'s commit; returns its token."""
    token = uuid.uuid4().hex
    private.save(_name(user, token), ContentFile(data))
    return token


def load(user: AnyUser, token: str) -> bytes | None:
    """The bytes ``user`` previewed under ``token``; None when there is no such draft (a
    malformed token, another user's, committed or purged already)."""
    if not TOKEN.match(token):
        return None
    storage = private
    name = _name(user, token)
    if not storage.exists(name):
        return None
    with storage.open(name, "rb") as fh:
        data: bytes = fh.read()
    return data


def delete(user: AnyUser, token: str) -> None:
    """Drop a committed draft (nothing happens for an unknown token)."""
    if TOKEN.match(token):
        private.delete(_name(user, token))


def purge(now: dt.datetime | None = None) -> int:
    """Delete drafts older than ``LIFETIME`` (a preview not committed is abandoned); returns how
    many. Idempotent."""
    storage = private
    cutoff = (now or timezone.now()) - LIFETIME
    deleted = 0
    try:
        user_dirs, _files = storage.listdir(DRAFTS_DIR)
    except FileNotFoundError:
        return 0
    for user_dir in user_dirs:
        _dirs, files = storage.listdir(f"{DRAFTS_DIR}/{user_dir}")
        for name in files:
            path = f"{DRAFTS_DIR}/{user_dir}/{name}"
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
                deleted += 1
    return deleted
