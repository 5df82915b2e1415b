"""API authentication (its own module: DRF imports it while its views are still loading)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token, refused once older than ``API_TOKEN_DAYS`` (regions.tokens)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from regions import tokens

        user, token = super().authenticate_credentials(key)
        if tokens.is_expired(token):
            raise exceptions.AuthenticationFailed(
                _("Token kedaluwarsa; minta token baru di auth/token/.")
            )
        return user, token
