"""The production files: docker-compose.yml parses and wires the five services as documented."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_docker_compose_runs_db_redis_web_worker_beat():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    assert services["db"]["image"] == "postgres:15" and services["redis"]["image"] == "redis:7"
    web = " ".join(services["web"]["command"])
    for step in (
        "migrate",
        "load_regions",
        "load_catalog",
        "gunicorn espm.wsgi -b 0.0.0.0:8000 -w 3",
    ):
        assert step in web
    assert services["worker"]["command"][:4] == ["celery", "-A", "espm", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "espm", "beat"]
    env = services["web"]["environment"]
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "EMAIL_HOST"):
        assert name in env
    assert {"pgdata", "private"} <= set(compose["volumes"])


def test_dockerfile_installs_the_lock_file_and_weasyprint_libraries():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.12-slim" in dockerfile
    assert "requirements/base.lock" in dockerfile
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in dockerfile
    assert "STATIC_MANIFEST=1" in dockerfile and "collectstatic" in dockerfile
