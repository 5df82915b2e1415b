"""API tokens (DRF authtoken): lifetime, revocation, the user's own list.

Policy (docs/decisions.md): a token lives ``API_TOKEN_DAYS`` (default 90) from its creation,
and a password change or a deactivated account revokes every token of that user.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone
from rest_framework.authtoken.models import Token

from regions.models import User

# Only this many characters of a key are ever shown or used to name a token again.
PREFIX_LENGTH = 8


def lifetime() -> dt.timedelta:
    return dt.timedelta(days=settings.API_TOKEN_DAYS)


def expires_at(token: Token) -> dt.datetime:
    return token.created + lifetime()


def is_expired(token: Token, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= expires_at(token)


def tokens_of(user: User) -> list[Token]:
    return list(Token.objects.filter(user=user).order_by("-created"))


def issue(user: User) -> Token:
    """The user's token, replaced by a new one when it has expired."""
    token = Token.objects.filter(user=user).first()
    if token is not None and is_expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


def revoke(user: User, prefix: str) -> bool:
    """Delete the user's own token whose key starts with ``prefix`` (8 characters)."""
    if len(prefix) != PREFIX_LENGTH:
        return False
    deleted, _rows = Token.objects.filter(user=user, key__startswith=prefix).delete()
    return deleted > 0


def revoke_all(user: User) -> int:
    deleted, _rows = Token.objects.filter(user=user).delete()
    return deleted


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="revoke_tokens_on_credentials")
def _revoke_on_password_or_deactivation(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A changed password or a switched-off account ends every API session of the user."""
    fields = kwargs.get("update_fields")
    if instance.pk is None or (fields is not None and not {"password", "is_active"} & set(fields)):
        return
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["password"] != instance.password or (before["is_active"] and not instance.is_active):
        revoke_all(instance)
