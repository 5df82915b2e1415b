"""The private storage (evidence, plans, generated documents, import drafts) by name.

Model fields keep the object their ``storage`` callable returned when the models loaded, so
they get this proxy: it looks up ``storages["private"]`` on first use and again after the
``STORAGES`` setting changes (a test switching to S3), like Django's ``default_storage``.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

PRIVATE_ALIAS = "private"


class PrivateStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = storages[PRIVATE_ALIAS]


private: Storage = PrivateStorage()  # type: ignore[assignment]


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        private._wrapped = empty  # type: ignore[attr-defined]
