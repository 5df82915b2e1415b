"""Indonesian unless the user chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show most
office browsers (set to English) a half-English UI; e-SPM speaks Indonesian by default and
switches only on the language cookie set by the language switch (set_language).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class DefaultLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SessionRenewalMiddleware:
    """Slide a logged-in session's expiry on activity, writing it at most once a minute.

    Django's SESSION_SAVE_EVERY_REQUEST would write the session row (an UPDATE and a commit)
    on every page, HTMX partial and download; renewing when the last renewal is older than
    ``SESSION_RENEW_SECONDS`` keeps the idle timeout (``SESSION_COOKIE_AGE``) exact to that
    margin. Sits after SessionMiddleware, so the session is saved on the way out.
    """

    KEY = "_renewed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - int(session.get(self.KEY, 0)) >= settings.SESSION_RENEW_SECONDS:
                session[self.KEY] = now
        return response


COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/xml")
COMPRESSIBLE_EXACT = ("image/svg+xml", "application/vnd.oai.openapi")


class CompressTextMiddleware(GZipMiddleware):
    """gzip pages, HTMX partials, JSON and CSV for browsers that accept it; leave files alone.

    Offices on slow links fetch a 60–90 KB dashboard or report page as ≈ 10 KB. PDFs, images,
    and Excel workbooks (already zip) are passed through untouched: compressing them again
    costs CPU and saves nothing. Django's middleware adds random bytes to every compressed
    response against BREACH, and CSRF tokens are masked per response.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        kind = response.get("Content-Type", "").split(";")[0].strip().lower()
        if not (kind.startswith(COMPRESSIBLE) or kind.startswith(COMPRESSIBLE_EXACT)):
            return response
        return super().process_response(request, response)


# Downloads (exports, documents, evidence, import sheets) hold a region's data: never kept by
# a shared proxy or the browser's disk cache.
DOWNLOAD_TYPES = (
    "application/pdf",
    "text/csv",
    "application/vnd.openxmlformats-officedocument",
    "application/vnd.ms-excel",
    "application/vnd.oasis.opendocument",
    "application/octet-stream",
    "application/zip",
)


class NoStoreDownloadsMiddleware:
    """``Cache-Control: private, no-store`` on every file a view hands out.

    One place for all downloads: an attachment, or a body of a document/spreadsheet type.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        disposition = response.get("Content-Disposition", "")
        content_type = response.get("Content-Type", "")
        if disposition.startswith("attachment") or content_type.startswith(DOWNLOAD_TYPES):
            response["Cache-Control"] = "private, no-store"
        return response


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RejectNulMiddleware:
    """A NUL byte in the path, a query parameter or a form field is answered 400, naming it.

    PostgreSQL refuses NUL in text and SQLite truncates at it; no URL or filter needs one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        bad = "path" if "\x00" in request.path else ""
        params = [request.GET]
        # Form bodies of pages only: DRF parses API bodies itself (its fields refuse NUL, and
        # it answers an unreadable body in the API's error shape).
        api = request.path.startswith("/api/")
        if request.method == "POST" and request.content_type in FORM_TYPES and not api:
            params.append(request.POST)
        for values_of in params if not bad else []:
            for key, values in values_of.lists():
                if "\x00" in key or any("\x00" in v for v in values):
                    bad = key.replace("\x00", "\\0")
                    break
        if bad:
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext

            message = gettext("Karakter NUL tidak diizinkan: %(name)s") % {"name": bad}
            if request.path.startswith("/api/"):  # the API's one error shape (espm.api_base)
                body = {"detail": message, "code": "invalid", "errors": {bad: [message]}}
                return JsonResponse(body, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
