"""Request bodies are refused by size before they are read, and never read past the limit.

``DATA_UPLOAD_MAX_MEMORY_SIZE`` bounds only form fields; a file part streams to a temporary
file of any size. ``RequestSizeMiddleware`` answers 413 on a declared ``Content-Length`` over
``MAX_REQUEST_BYTES``; ``LimitedUploadHandler`` (first in ``FILE_UPLOAD_HANDLERS``) stops the
upload once that many bytes arrived, for bodies that do not declare their length.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext


def limit() -> int:
    return int(settings.MAX_REQUEST_BYTES)


def _too_large_message() -> str:
    return gettext("Permintaan terlalu besar (batas %(mb)s MB).") % {
        "mb": f"{limit() / (1024 * 1024):.0f}"
    }


class RequestSizeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit():
            message = _too_large_message()
            if request.path.startswith("/api/"):
                body = {"detail": message, "code": "too_large", "errors": {}}
                return JsonResponse(body, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file part; past the limit the upload stops (nothing more is read)."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        if content_length and content_length > limit():
            raise StopUpload(connection_reset=True)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > limit():
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
