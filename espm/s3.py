"""The private bucket (``STORAGE_BACKEND=s3``): django-storages' S3 storage without URLs.

A presigned link would let a browser fetch a file past the scoping layer, so this storage
refuses to make any: every file is read by a permission-checked view and streamed in its
response (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any, NoReturn

from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    def url(self, name: Any, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(
            "Private files have no URL: serve them through a permission-checked view."
        )
