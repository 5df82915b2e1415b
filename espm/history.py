"""Who made a change, and why, as django-simple-history records it.

simple_history reads two private attributes from an instance when it saves it
(``_history_user``, ``_change_reason``); this module is the one place that writes them, so
services and data loaders say ``history.set_actor(report, user)`` and stay typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db import models

    from regions.models import User


class _Tracked(Protocol):
    _history_user: User | AnonymousUser | None
    _change_reason: str | None
    skip_history_when_saving: bool


def set_actor(
    obj: models.Model, user: User | AnonymousUser | None, reason: str | None = None
) -> None:
    """The user (and, given, the reason) recorded with ``obj``'s next saved version."""
    tracked = cast(_Tracked, obj)
    tracked._history_user = user
    if reason is not None:
        tracked._change_reason = reason


def set_reason(obj: models.Model, reason: str) -> None:
    """The reason recorded with ``obj``'s next saved version (the user comes from the request
    or ``set_actor``)."""
    cast(_Tracked, obj)._change_reason = reason


def skip_next_save(obj: models.Model) -> None:
    """``obj``'s next save writes no version (a change that is not the user's)."""
    cast(_Tracked, obj).skip_history_when_saving = True


def history_model(model: type[models.Model]) -> type[models.Model]:
    """The model simple_history made for ``model``'s versions (``Model.history.model``)."""
    return cast(Any, model).history.model  # simple_history has no type information
