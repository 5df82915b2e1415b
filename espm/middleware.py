"""Indonesian unless the user chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show most
office browsers (set to English) a half-English UI; e-SPM speaks Indonesian by default and
switches only on the language cookie set by the language switch (set_language).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class DefaultLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
