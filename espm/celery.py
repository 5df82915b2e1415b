"""The Celery app. Broker and result backend come from settings (REDIS_URL); without a
broker, tasks run eagerly in the calling process (the embedded default)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "espm.settings")

app = Celery("espm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
