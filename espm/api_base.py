"""What every e-SPM API endpoint shares: the error shape, its schema, paging, throttles, and
the page forms' rules and messages for API fields that take the same input.

One error shape everywhere (documented in docs/api.md)::

    {"detail": "Data tidak valid.", "code": "invalid", "errors": {"field": ["message"]}}

``errors`` is present (possibly empty) on every error; field-level messages sit under
the field name, messages about the whole request under ``non_field_errors``.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import exceptions, pagination, serializers, status, throttling
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    """The object changed since the client read it (stale ``version``), or the step is not allowed now."""

    status_code: int = status.HTTP_409_CONFLICT
    default_detail = _("Data telah diubah oleh pengguna lain. Muat ulang lalu ulangi.")
    default_code = "conflict"

    def __init__(self, detail: Any = None, code: str | None = None, current: Any = None) -> None:
        super().__init__(detail, code)
        self.current = current


class PreconditionFailed(Conflict):
    """``If-Match`` names a version that is no longer current."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


def _as_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return dict(detail)
    if isinstance(detail, list):
        return {"non_field_errors": list(detail)}
    return {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, reshaped to ``{"detail", "code", "errors"}``; service errors map to 400."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, SuspiciousOperation):
        # A body Django refuses to read (e.g. a form over DATA_UPLOAD_MAX_NUMBER_FIELDS): 400.
        logging.getLogger(f"django.security.{type(exc).__name__}").warning("%s", exc)
        exc = exceptions.ParseError(
            _("Permintaan tidak dapat dibaca: terlalu besar atau terlalu banyak isian.")
        )
    elif isinstance(exc, RecursionError):
        # JSON nested deeper than the parser's recursion limit.
        exc = exceptions.ParseError(_("JSON terlalu dalam bersarang."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _as_errors(exc.detail)
        detail: Any = _("Data tidak valid. Periksa isian yang ditandai.")
        code = "invalid"
        if list(errors) == ["non_field_errors"] and len(errors["non_field_errors"]) == 1:
            detail = errors["non_field_errors"][0]
    else:
        raw = getattr(exc, "detail", "")
        errors = _as_errors(raw)
        detail = raw if isinstance(raw, str) else _("Permintaan tidak dapat diproses.")
        code = str(getattr(raw, "code", None) or getattr(exc, "default_code", "error"))
    body: dict[str, Any] = {"detail": str(detail), "code": str(code), "errors": errors}
    current = getattr(exc, "current", None)
    if current is not None:
        body["current"] = current
    response.data = body
    return response


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    detail = serializers.CharField(help_text="Pesan untuk manusia (Bahasa Indonesia).")
    code = serializers.CharField(help_text="Kode mesin, mis. invalid, not_found, conflict.")
    errors: Any = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Pesan per kolom: {nama_kolom: [pesan, ...]}; non_field_errors untuk seluruh permintaan.",
    )
    current = serializers.JSONField(
        required=False, help_text="Pada 409/412: data terkini di server, untuk dibandingkan."
    )


ERROR_DESCRIPTIONS = {
    "400": "Masukan tidak valid (pesan per kolom di `errors`).",
    "401": "Belum masuk: kirim `Authorization: Token <token>` atau sesi login.",
    "403": "Dilarang: peran Anda tidak boleh melakukan ini.",
    "404": "Tidak ditemukan, atau di luar wilayah/OPD yang boleh Anda lihat.",
    "409": "Konflik: versi sudah berubah atau langkah alur kerja tidak berlaku sekarang.",
    "412": "If-Match tidak cocok dengan versi terkini.",
    "429": "Terlalu banyak permintaan; coba lagi setelah Retry-After detik.",
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the shared error responses on every operation."""

    def error_codes(self) -> list[str]:
        codes = ["400", "404", "429"]
        if not getattr(self.view, "public_endpoint", False):
            codes += ["401", "403"]
        if self.method in ("PUT", "PATCH"):
            codes += ["409", "412"]
        if self.method == "POST":
            codes += ["409"]
        extra = getattr(self.view, "extra_error_codes", ())
        return sorted(set(codes) | set(extra))

    def _get_paginator(self) -> Any:
        # Only list reads are paged; a write that answers a list (POST periods/) is not.
        if self.method != "GET":
            return None
        return super()._get_paginator()

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        # Hooked here, not in get_response_serializers: @extend_schema(responses=...) replaces that.
        from drf_spectacular.utils import OpenApiResponse

        responses = super()._get_response_bodies(direction)
        for code in self.error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, ERROR_DESCRIPTIONS[code]), code
                )
        return responses


def form_messages(form_class: type[forms.Form], name: str, **aliases: str) -> dict[str, Any]:
    """The page form field's own messages, for the API field that types the same input.

    `aliases` maps a DRF-only error key to the form's key that says the same (e.g. null → required).
    """
    messages = dict(form_class.base_fields[name].error_messages)
    for drf_key, form_key in aliases.items():
        messages[drf_key] = messages[form_key]
    return messages


def form_cleaned(form_class: type[forms.Form], values: dict[str, Any]) -> dict[str, Any]:
    """Run the page's form on the typed values: its rules and messages, errors in the API shape."""
    form = form_class(values)
    if not form.is_valid():
        raise exceptions.ValidationError(
            {
                ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
                for name, messages in form.errors.items()
            }
        )
    return form.cleaned_data


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class TokenRateThrottle(throttling.ScopedRateThrottle):
    """Per-IP limit on password-for-token exchanges (django-axes still locks per user+IP)."""

    scope_attr = "throttle_scope"

    def get_rate(self) -> str | None:
        return self.THROTTLE_RATES.get(self.scope or "", "30/minute")
