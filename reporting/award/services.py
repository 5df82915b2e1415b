"""Writes of the SPM Award: Bangda saves a year's configuration, with a reason."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from espm import history, versioning
from regions.scoping import AnyUser
from reporting.award import selectors
from reporting.models import AwardConfig
from reporting.rules import award, reasons


def save_config(
    user: AnyUser,
    year: int,
    *,
    criteria: Sequence[tuple[str, int]],
    categories: Sequence[str],
    reason: str,
    note: str = "",
    seen_version: int,
) -> AwardConfig:
    """Create or change the year's configuration (Bangda only); weights must sum to 100.

    ``seen_version`` is the version the page showed: 0 for a year without a saved
    configuration (the defaults), so the first save of a second tab opened before it is
    refused like any later stale save (no version check is ever skipped).
    """
    if not selectors.may_edit(user):
        raise PermissionDenied
    if reasons.is_blank(reason):
        raise ValidationError({"reason": _("Tuliskan alasan perubahan.")})
    try:
        award.validate(criteria, categories)
    except award.ConfigError as e:
        raise ValidationError({"criteria": str(e)}) from e
    with transaction.atomic():
        config = AwardConfig.objects.select_for_update().filter(year=year).first()
        if config is None:
            config = AwardConfig(year=year, version=0)
        if versioning.is_stale(config.version, int(seen_version)):
            # Not on the hidden `version` field: shown above the form, the typed values kept.
            raise ValidationError(
                {NON_FIELD_ERRORS: _("Konfigurasi sudah diubah orang lain; muat ulang halaman.")}
            )
        config.criteria = [{"key": k, "weight": int(w)} for k, w in criteria]
        config.categories = [c for c in award.CATEGORIES if c in categories]
        config.note = reasons.clean(note)
        config.version += 1
        history.set_actor(config, user, reasons.clean(reason)[:100])
        config.save()
        return config
