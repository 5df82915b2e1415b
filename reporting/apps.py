from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _builtin_rules(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """The built-in data-quality rules exist after every migrate and flush (never rewritten)."""
    from django.db import connections

    from reporting.models import ValidationRule
    from reporting.quality.services import ensure_builtin_rules

    if ValidationRule._meta.db_table not in connections[using].introspection.table_names():
        return
    ensure_builtin_rules()


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self) -> None:
        post_migrate.connect(_builtin_rules, sender=self)
